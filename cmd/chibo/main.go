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
	"regexp"
	"runtime"
	"strconv"
	"strings"
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

// Config is chibo's configuration, from flags and environment (flags win).
type Config struct {
	DB            string
	Token         string
	API           string
	TZ            string
	Lang          string
	WebhookURL    string
	WebhookListen string
	WebhookSecret string
	HealthListen  string
	BotUsername   string
	RatePerSecond float64
	ChatInterval  time.Duration // CHIBO_CHAT_INTERVAL: see parseChatInterval
	InviteDays    int
	ConvHours     int
	AuditDays     int
	LogFormat     string
	BackupDir     string
	BackupKeep    int
	// Zalo Bot Platform: served when ZaloToken is set.
	ZaloToken         string
	ZaloAPI           string
	ZaloWebhookURL    string
	ZaloWebhookSecret string
	ZaloRate          float64
	ZaloPollers       int
	// Listen is chibo's own HTTP listener: /healthz of every messenger,
	// /metrics, the Zalo webhook and the file links. Empty means none.
	Listen string
	// PublicURL is where Listen is reachable from the internet, for links
	// to files on messengers that cannot carry them. Empty means no links.
	PublicURL string
	// LinkHours is how long a file link works.
	LinkHours int
	// ClockOffset shifts chibo's clock, to rehearse on a copy of a database
	// (CHIBO_CLOCK_OFFSET, e.g. "+24d", "-3h"); zero is the real time.
	ClockOffset time.Duration

	zone *time.Location
	// demo is set in the console demo's process: only there may a link name
	// the demo's bot.
	demo bool
	// workDir is the directory relative paths in arguments are relative
	// to: the caller's, when a command comes through the admin socket.
	// Empty means the process's own.
	workDir string
}

// path resolves a path argument of a subcommand.
func (cfg Config) path(p string) string {
	if cfg.workDir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cfg.workDir, p)
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

// printFlags lists the options as flag.PrintDefaults does, with the
// default in the chosen language ("mặc định: 1825") rather than the flag
// package's English.
func printFlags(fs *flag.FlagSet, w io.Writer, t func(string, ...any) string) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  -" + f.Name
		if name != "" {
			line += " " + t(flagType(name))
		}
		line += "\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t")
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			line += " " + t("cli.flag_default", "Value", f.DefValue)
		}
		fmt.Fprintln(w, line)
	})
}

// flagType is the message id naming a flag's kind of value.
func flagType(name string) string {
	switch name {
	case "int", "float", "duration":
		return "cli.flag_type_number"
	}
	return "cli.flag_type_text"
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer, t func(string, ...any) string) (Config, []string, error) {
	var cfg Config
	fs := flag.NewFlagSet("chibo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	cfg.telegramFlags(fs, env, t)
	chatInterval := fs.String("chat-interval", env("CHIBO_CHAT_INTERVAL", "1s"), t("flag.chat_interval"))
	cfg.keepingFlags(fs, env, t)
	cfg.zaloFlags(fs, env, t)
	offset := fs.String("clock-offset", env("CHIBO_CLOCK_OFFSET", ""), t("flag.clock_offset"))
	fs.Usage = func() {
		fmt.Fprintln(stderr, t("cli.usage"))
		printFlags(fs, stderr, t)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, nil, err
	}
	if cfg.DB == "" {
		cfg.DB = "chibo.db"
		if cfg.Token == "" && cfg.ZaloToken == "" && fs.NArg() == 0 {
			cfg.DB = demoDB
		}
	}
	if err := cfg.resolve(*offset, *chatInterval, t); err != nil {
		return cfg, nil, err
	}
	if err := cfg.check(); err != nil {
		return cfg, nil, err
	}
	if cfg.Listen == "" && cfg.ZaloToken != "" && cfg.HealthListen != "" {
		cfg.Listen = cfg.HealthListen // one /healthz for every messenger
	}
	if cfg.Listen == "" && (cfg.ZaloWebhookURL != "" || cfg.PublicURL != "") {
		cfg.Listen = "127.0.0.1:8090" // the webhook and the file links need chibo's listener
	}
	return cfg, fs.Args(), nil
}

// telegramFlags defines the database, place, language and Telegram flags
// (each defaulting to its environment variable).
func (cfg *Config) telegramFlags(fs *flag.FlagSet, env func(name, def string) string, t func(string, ...any) string) {
	fs.StringVar(&cfg.DB, "db", env("CHIBO_DB", ""), t("flag.db"))
	fs.StringVar(&cfg.Token, "token", env("TELEGRAM_BOT_TOKEN", ""), t("flag.token"))
	fs.StringVar(&cfg.API, "telegram-api", env("CHIBO_TELEGRAM_API", "https://api.telegram.org"), t("flag.telegram_api"))
	fs.StringVar(&cfg.TZ, "tz", env("CHIBO_TZ", "Asia/Ho_Chi_Minh"), t("flag.tz"))
	fs.StringVar(&cfg.Lang, "lang", env("CHIBO_LANG", locales.Default), t("flag.lang"))
	fs.StringVar(&cfg.WebhookURL, "webhook-url", env("CHIBO_WEBHOOK_URL", ""), t("flag.webhook_url"))
	fs.StringVar(&cfg.WebhookListen, "webhook-listen", env("CHIBO_WEBHOOK_LISTEN", "127.0.0.1:8080"), t("flag.webhook_listen"))
	fs.StringVar(&cfg.WebhookSecret, "webhook-secret", env("CHIBO_WEBHOOK_SECRET", ""), t("flag.webhook_secret"))
	fs.StringVar(&cfg.HealthListen, "health-listen", env("CHIBO_HEALTH_LISTEN", ""), t("flag.health_listen"))
	fs.StringVar(&cfg.BotUsername, "bot-username", env("CHIBO_BOT_USERNAME", ""), t("flag.bot_username"))
	rate, _ := strconv.ParseFloat(env("CHIBO_RATE", "30"), 64)
	fs.Float64Var(&cfg.RatePerSecond, "rate", rate, t("flag.rate"))
}

// keepingFlags defines how long things are kept (invites, conversations,
// the audit, backups) and the log format.
func (cfg *Config) keepingFlags(fs *flag.FlagSet, env func(name, def string) string, t func(string, ...any) string) {
	days, _ := strconv.Atoi(env("CHIBO_INVITE_DAYS", "14"))
	fs.IntVar(&cfg.InviteDays, "invite-days", days, t("flag.invite_days"))
	hours, _ := strconv.Atoi(env("CHIBO_CONV_HOURS", "48"))
	fs.IntVar(&cfg.ConvHours, "conv-hours", hours, t("flag.conv_hours"))
	auditDays, _ := strconv.Atoi(env("CHIBO_AUDIT_DAYS", "1825"))
	fs.IntVar(&cfg.AuditDays, "audit-days", auditDays, t("flag.audit_days"))
	fs.StringVar(&cfg.LogFormat, "log-format", env("CHIBO_LOG_FORMAT", "text"), t("flag.log_format"))
	fs.StringVar(&cfg.BackupDir, "backup-dir", env("CHIBO_BACKUP_DIR", ""), t("flag.backup_dir"))
	keep, _ := strconv.Atoi(env("CHIBO_BACKUP_KEEP", "7"))
	fs.IntVar(&cfg.BackupKeep, "backup-keep", keep, t("flag.backup_keep"))
}

// zaloFlags defines the Zalo flags and chibo's own listener for webhooks
// and file links.
func (cfg *Config) zaloFlags(fs *flag.FlagSet, env func(name, def string) string, t func(string, ...any) string) {
	fs.StringVar(&cfg.ZaloToken, "zalo-token", env("ZALO_BOT_TOKEN", ""), t("flag.zalo_token"))
	fs.StringVar(&cfg.ZaloAPI, "zalo-api", env("CHIBO_ZALO_API", zalo.DefaultAPIBase), t("flag.zalo_api"))
	fs.StringVar(&cfg.ZaloWebhookURL, "zalo-webhook-url", env("CHIBO_ZALO_WEBHOOK_URL", ""), t("flag.zalo_webhook_url"))
	fs.StringVar(&cfg.ZaloWebhookSecret, "zalo-webhook-secret", env("CHIBO_ZALO_WEBHOOK_SECRET", ""), t("flag.zalo_webhook_secret"))
	zrate, _ := strconv.ParseFloat(env("CHIBO_ZALO_RATE", strconv.FormatFloat(zalo.DefaultPace.PerSecond, 'g', -1, 64)), 64)
	fs.Float64Var(&cfg.ZaloRate, "zalo-rate", zrate, t("flag.zalo_rate"))
	pollers, _ := strconv.Atoi(env("CHIBO_ZALO_POLLERS", "4"))
	fs.IntVar(&cfg.ZaloPollers, "zalo-pollers", pollers, t("flag.zalo_pollers"))
	fs.StringVar(&cfg.Listen, "listen", env("CHIBO_LISTEN", ""), t("flag.listen"))
	fs.StringVar(&cfg.PublicURL, "public-url", env("CHIBO_PUBLIC_URL", ""), t("flag.public_url"))
	linkHours, _ := strconv.Atoi(env("CHIBO_LINK_HOURS", "24"))
	fs.IntVar(&cfg.LinkHours, "link-hours", linkHours, t("flag.link_hours"))
}

// resolve turns the time zone, the clock offset, the chat interval and the
// language into what chibo runs with, or says which is wrong.
func (cfg *Config) resolve(offset, chatInterval string, t func(string, ...any) string) error {
	zone, err := time.LoadLocation(cfg.TZ)
	if err != nil {
		return fmt.Errorf("CHIBO_TZ %q: %w", cfg.TZ, err)
	}
	cfg.zone = zone
	if cfg.ClockOffset, err = parseClockOffset(offset); err != nil {
		return errors.New(t("cli.err_clock_offset", "Value", offset))
	}
	if cfg.ClockOffset != 0 && (cfg.WebhookURL != "" || cfg.ZaloWebhookURL != "") {
		// A webhook is a bot that real people use: its clock must be true.
		return errors.New(t("cli.err_clock_offset_webhook"))
	}
	if cfg.ChatInterval, err = parseChatInterval(chatInterval); err != nil {
		return err
	}
	if !locales.Supported(cfg.Lang) {
		return fmt.Errorf("CHIBO_LANG %q: want vi or en", cfg.Lang)
	}
	return nil
}

// check says which setting, if any, is out of range or missing its pair.
func (cfg *Config) check() error {
	switch {
	case cfg.RatePerSecond <= 0:
		return fmt.Errorf("CHIBO_RATE must be above 0")
	case cfg.InviteDays <= 0:
		return fmt.Errorf("CHIBO_INVITE_DAYS must be above 0")
	case cfg.ConvHours <= 0:
		return fmt.Errorf("CHIBO_CONV_HOURS must be above 0")
	case cfg.AuditDays <= 0:
		return fmt.Errorf("CHIBO_AUDIT_DAYS must be above 0")
	case cfg.BackupKeep <= 0:
		return fmt.Errorf("CHIBO_BACKUP_KEEP must be above 0")
	case cfg.LogFormat != "text" && cfg.LogFormat != "json":
		return fmt.Errorf("CHIBO_LOG_FORMAT %q: want text or json", cfg.LogFormat)
	case cfg.WebhookURL != "" && cfg.WebhookSecret == "":
		return fmt.Errorf("CHIBO_WEBHOOK_SECRET is required with CHIBO_WEBHOOK_URL")
	case cfg.ZaloPollers <= 0 || cfg.ZaloPollers > 32:
		return fmt.Errorf("CHIBO_ZALO_POLLERS must be 1 to 32")
	case cfg.ZaloRate <= 0:
		return fmt.Errorf("CHIBO_ZALO_RATE must be above 0")
	case cfg.LinkHours <= 0:
		return fmt.Errorf("CHIBO_LINK_HOURS must be above 0")
	case cfg.ZaloWebhookURL != "" && (len(cfg.ZaloWebhookSecret) < 8 || len(cfg.ZaloWebhookSecret) > 256):
		return fmt.Errorf("CHIBO_ZALO_WEBHOOK_SECRET of 8 to 256 characters is required with CHIBO_ZALO_WEBHOOK_URL")
	case cfg.ZaloWebhookURL != "" && !strings.HasPrefix(cfg.ZaloWebhookURL, "https://"):
		return fmt.Errorf("CHIBO_ZALO_WEBHOOK_URL must be an https URL")
	case cfg.PublicURL != "" && !strings.HasPrefix(cfg.PublicURL, "https://") && !strings.HasPrefix(cfg.PublicURL, "http://"):
		return fmt.Errorf("CHIBO_PUBLIC_URL must be an http(s) URL")
	}
	return nil
}

// clockOffsetRE is a signed sum of days, hours and minutes: "+24d", "-3h",
// "+1d12h".
var clockOffsetRE = regexp.MustCompile(`^([+-])((?:\d+[dhm])+)$`)

// parseClockOffset reads CHIBO_CLOCK_OFFSET; empty is no offset.
func parseClockOffset(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	m := clockOffsetRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, errUsage
	}
	var d time.Duration
	for _, part := range regexp.MustCompile(`\d+[dhm]`).FindAllString(m[2], -1) {
		n, err := strconv.Atoi(part[:len(part)-1])
		if err != nil || n > 3660 {
			return 0, errUsage
		}
		unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute}[part[len(part)-1]]
		d += time.Duration(n) * unit
	}
	if d > 10*366*24*time.Hour {
		return 0, errUsage
	}
	if m[1] == "-" {
		d = -d
	}
	return d, nil
}

// now is chibo's clock: the real time shifted by the rehearsal offset.
func (cfg Config) now() time.Time { return time.Now().Add(cfg.ClockOffset) }

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

// parseChatInterval reads CHIBO_CHAT_INTERVAL, the gap between two
// messages to one private Telegram chat: a duration ("1s", "250ms"), or 0
// (or "none") for none, returned as -1 (bot.RateLimits' "none"). The
// default is Telegram's 1 s whatever CHIBO_RATE: paid broadcasts raise the
// overall limit, not the per-chat one, so only a Bot API without that
// limit (a test server) should go without it.
func parseChatInterval(v string) (time.Duration, error) {
	if v == "0" || v == "none" {
		return -1, nil
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil || d < 0:
		return 0, fmt.Errorf("CHIBO_CHAT_INTERVAL %q: want a duration such as 1s, or 0 for none", v)
	case d == 0:
		return -1, nil
	}
	return d, nil
}
