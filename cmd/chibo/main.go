// Command chibo is a chat assistant for party cells. With a Telegram token it
// serves Telegram; without one it starts a console demo.
package main

import (
	"chibo/flows/core"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // a bare server may have no zoneinfo: Asia/Ho_Chi_Minh must still load

	"chibo/bot"
	"chibo/bot/console"
	"chibo/bot/telegram"
	"chibo/bot/zalo"
	"chibo/flows"
	"chibo/flows/chat"
	"chibo/locales"
	"chibo/storage"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// demoDB is the database of the console demo when CHIBO_DB is not set.
const demoDB = "chibo-demo.db"

// deps are the parts every mode shares, built once by Main.
type deps struct {
	DB      *storage.DB
	Catalog *locales.Catalog
	Engine  *core.Engine
	Log     *slog.Logger
	// SetInviteLink changes how invite tokens become links, once the
	// transport knows the bot's address.
	SetInviteLink func(func(token string) string)
}

// Main runs chibo with args and returns the exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cat, err := locales.Load()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	lang := getenv("CHIBO_LANG")
	if !locales.Supported(lang) {
		lang = locales.Default
	}
	t := func(id string, kv ...any) string { return cat.T(lang, id, kv...) }
	cfg, rest, err := parseConfig(args, getenv, stderr, t)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, t("cli.error", "Err", err))
		return 2
	}
	if len(rest) > 0 && rest[0] == "version" {
		fmt.Fprintf(stdout, "chibo %s (%s)\n", version, runtime.Version())
		return 0
	}
	// From here the command line speaks the configured language (--lang too).
	lang = cfg.Lang
	t = func(id string, kv ...any) string { return cat.T(lang, id, kv...) }
	if len(rest) > 0 {
		return runCLI(ctx, cfg, rest, lang, stdout, stderr, t)
	}
	logger := newLogger(cfg.LogFormat, stderr, cfg.Token == "" && cfg.ZaloToken == "")
	return exitCode(run(ctx, cfg, cat, logger, stdin, stdout), cfg, stderr, t)
}

var errUsage = errors.New("usage")

// exitCode prints err for the operator and returns the exit status: 0 for
// nil, 2 for a usage error, 1 otherwise.
func exitCode(err error, cfg Config, stderr io.Writer, t func(string, ...any) string) int {
	var re *restoreError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, t("cli.usage"))
		return 2
	case errors.As(err, &re):
		fmt.Fprintln(stderr, re.message(t))
	case errors.Is(err, storage.ErrLocked):
		fmt.Fprintln(stderr, t("cli.err_locked", "Path", cfg.DB))
	case errors.Is(err, errRefused):
		fmt.Fprintln(stderr, t("cli.err_peer"))
	case errors.Is(err, errCheckFailed):
		// the disagreements are printed already
	case errors.Is(err, errServing):
		fmt.Fprintln(stderr, t("cli.err_serving", "Path", cfg.DB, "Socket", socketPath(cfg.DB)))
	default:
		fmt.Fprintln(stderr, t("cli.error", "Err", err))
	}
	return 1
}

// runCLI runs a subcommand. Those that need the database go to the chibo
// process serving it, through its admin socket, and open the file only when
// no process answers; the output is the same either way.
func runCLI(ctx context.Context, cfg Config, rest []string, lang string, stdout, stderr io.Writer, t func(string, ...any) string) int {
	if wantsHelp(rest) { // help touches no file
		fmt.Fprintln(stdout, t("cli.usage"))
		return 0
	}
	if rest[0] == "restore" {
		return exitCode(runRestore(cfg, rest[1:], stdout, t), cfg, stderr, t)
	}
	dir, _ := os.Getwd()
	resp, err := callAdmin(ctx, socketPath(cfg.DB), adminRequest{Args: rest, Lang: lang, Dir: dir})
	if err == nil {
		io.WriteString(stdout, resp.Stdout)
		io.WriteString(stderr, resp.Stderr)
		return resp.Code
	}
	if !errors.Is(err, errNoServer) {
		return exitCode(err, cfg, stderr, t)
	}
	if !mayCreate(rest) {
		// A mistyped --db must not leave an empty database behind and
		// print nothing: say which file was looked for.
		if _, err := os.Stat(cfg.DB); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(stderr, t("cli.err_no_db", "Path", absPath(cfg.DB)))
			return 1
		}
	}
	db, err := storage.Open(cfg.DB, storage.Options{})
	if err != nil {
		return exitCode(err, cfg, stderr, t)
	}
	err = runCommand(ctx, cfg, db, rest, stdout, t)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return exitCode(err, cfg, stderr, t)
}

// wantsHelp reports whether a subcommand's arguments ask for help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "help":
			return true
		}
	}
	return false
}

// mayCreate reports whether a subcommand may create the database: only
// creating the first organization does (serving and the demo do too).
func mayCreate(args []string) bool {
	return len(args) >= 2 && args[0] == "admin" && args[1] == "create-org"
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func newLogger(format string, w io.Writer, quiet bool) *slog.Logger {
	opts := &slog.HandlerOptions{}
	if quiet { // the console demo shows chat, not logs
		opts.Level = slog.LevelWarn
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// migrationLog logs a batched migration's progress, every 5 seconds at most.
func migrationLog(log *slog.Logger) func(uint64, int) {
	var last time.Time
	return func(from uint64, batches int) {
		if time.Since(last) < 5*time.Second {
			return
		}
		last = time.Now()
		log.Warn("migrating the database (stopped, it resumes at the next start)", "from_schema", from, "to_schema", from+1, "batches_done", batches)
	}
}

// run serves: Telegram with a token, else the console demo. Both answer
// admin commands on the admin socket while they run.
func run(ctx context.Context, cfg Config, cat *locales.Catalog, log *slog.Logger, stdin io.Reader, stdout io.Writer) error {
	db, err := storage.Open(cfg.DB, storage.Options{Migrating: migrationLog(log)})
	if err != nil {
		return err
	}
	defer db.Close() // closed last, after every user of it stopped

	cfg.demo = cfg.Token == "" && cfg.ZaloToken == ""
	adm, err := listenAdmin(cfg, db, cat, log)
	if err != nil {
		return err
	}
	go adm.Serve()
	defer adm.Close() // before the database closes: commands in flight finish first

	now := cfg.now
	if cfg.ClockOffset != 0 {
		log.Warn("rehearsal clock: chibo's time is shifted; use only on a copy of the database", "offset", cfg.ClockOffset.String(), "now", now().Format(time.RFC3339))
	}
	var clock *console.Clock
	if cfg.Token == "" && cfg.ZaloToken == "" { // the console demo's clock can be moved forward
		if clock, err = console.LoadClock(db, cfg.ClockOffset); err != nil {
			return err
		}
		now = clock.Now
	}
	var linkMu sync.RWMutex
	inviteLink := func(token string) string { return telegram.DeepLink(botUsername(cfg, db), token) }
	if cfg.Token != "" || cfg.ZaloToken != "" {
		// Served: a link names the bot Telegram told (set once connected),
		// or the configured or learnt one; none without a Telegram bot, and
		// the invite shows its code alone.
		inviteLink = func(token string) string {
			if name := knownUsername(cfg, db); cfg.Token != "" && name != "" {
				return telegram.DeepLink(name, token)
			}
			return ""
		}
	}
	engine, err := core.NewEngine(cat, core.Config{
		Now:            now,
		Zone:           cfg.zone,
		DefaultLang:    cfg.Lang,
		InviteTTL:      time.Duration(cfg.InviteDays) * 24 * time.Hour,
		ConvTTL:        time.Duration(cfg.ConvHours) * time.Hour,
		AuditRetention: time.Duration(cfg.AuditDays) * 24 * time.Hour,
		InviteLink: func(token string) string {
			linkMu.RLock()
			defer linkMu.RUnlock()
			return inviteLink(token)
		},
		Log:  log,
		Caps: map[string]chat.Caps{telegram.Name: telegram.Caps, zalo.Name: zalo.Caps, console.Transport: console.Caps},
	}, flows.Journeys()...)
	if err != nil {
		return err
	}
	d := &deps{DB: db, Catalog: cat, Engine: engine, Log: log, SetInviteLink: func(f func(string) string) {
		linkMu.Lock()
		defer linkMu.Unlock()
		inviteLink = f
	}}
	var plugs []*plug
	if cfg.Token != "" {
		plugs = append(plugs, telegramPlug(cfg, d, now))
	}
	if cfg.ZaloToken != "" {
		plugs = append(plugs, zaloPlug(cfg, d, now))
	}
	if len(plugs) > 0 {
		return serve(ctx, cfg, d, now, plugs)
	}
	return runConsole(ctx, cfg, d, clock, stdin, stdout)
}

// botUsername is the bot's Telegram username for links in the demo:
// configured, or learnt from Telegram on an earlier run, or the demo's.
func botUsername(cfg Config, db *storage.DB) string {
	if name := knownUsername(cfg, db); name != "" {
		return name
	}
	return "chibo_demo_bot" // the demo's own: never a link outside the demo
}

// knownUsername is the bot's Telegram username: configured, or learnt from
// Telegram on an earlier run; "" when neither.
func knownUsername(cfg Config, db *storage.DB) string {
	if cfg.BotUsername != "" {
		return cfg.BotUsername
	}
	var name []byte
	_ = db.View(func(tx *storage.Tx) error { name = tx.Meta(metaBotUsername); return nil })
	return string(name)
}

// metaBotUsername is where the bot's username is kept once Telegram told it.
const metaBotUsername = "bot_username"

func runConsole(ctx context.Context, cfg Config, d *deps, clock *console.Clock, stdin io.Reader, stdout io.Writer) error {
	if _, err := console.Seed(d.DB, clock.Now(), cfg.zone); err != nil {
		return err
	}
	c := &console.Console{DB: d.DB, Catalog: d.Catalog, Lang: cfg.Lang, In: stdin, Out: stdout, Echo: !isTerminal(stdin), Clock: clock, Zone: cfg.zone,
		FilesDir: filepath.Join(filepath.Dir(cfg.DB), "chibo-demo-files")}
	c.Sender = bot.NewSender(d.DB, map[string]bot.Transport{console.Transport: c}, bot.SenderOptions{Concurrency: 1, Log: d.Log, Now: clock.Now, Draw: d.Engine.Draw})
	c.Dispatcher = bot.NewDispatcher(d.DB, d.Engine, bot.DispatcherOptions{Log: d.Log, Now: clock.Now})
	// Ticks come from the console (after /clock and each line), not from cron,
	// so a scripted demo prints reminders at a predictable place.
	c.Scheduler = bot.NewScheduler(d.DB, d.Engine, bot.SchedulerOptions{Now: clock.Now, Log: d.Log})
	err := c.Run(ctx)
	c.Dispatcher.Close()
	return err
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
