package main

import (
	"chibo/bot/zalo"
	"chibo/locales"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

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
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && !secretFlags[f.Name] {
			line += " " + t("cli.flag_default", "Value", f.DefValue)
		}
		fmt.Fprintln(w, line)
	})
}

// secretFlags default to a secret the operator set in the environment:
// the usage text, which may reach a log, does not show it.
var secretFlags = map[string]bool{"token": true, "webhook-secret": true, "zalo-token": true, "zalo-webhook-secret": true}

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
	fs.SetOutput(io.Discard) // the flag package's own words are English: flagError says them

	env := &envReader{getenv: getenv, t: t}
	cfg.telegramFlags(fs, env, t)
	chatInterval := fs.String("chat-interval", env.str("CHIBO_CHAT_INTERVAL", "1s"), t("flag.chat_interval"))
	cfg.keepingFlags(fs, env, t)
	cfg.zaloFlags(fs, env, t)
	offset := fs.String("clock-offset", env.str("CHIBO_CLOCK_OFFSET", ""), t("flag.clock_offset"))
	// The usage is printed for --help; an error says itself where to look.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, t("cli.usage"))
			printFlags(fs, stderr, t)
		}
		return cfg, nil, flagError(err, t)
	}
	if err := env.badNotGiven(fs); err != nil {
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
	if err := cfg.check(t); err != nil {
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
func (cfg *Config) telegramFlags(fs *flag.FlagSet, env *envReader, t func(string, ...any) string) {
	fs.StringVar(&cfg.DB, "db", env.str("CHIBO_DB", ""), t("flag.db"))
	fs.StringVar(&cfg.Token, "token", env.str("TELEGRAM_BOT_TOKEN", ""), t("flag.token"))
	fs.StringVar(&cfg.API, "telegram-api", env.str("CHIBO_TELEGRAM_API", "https://api.telegram.org"), t("flag.telegram_api"))
	fs.StringVar(&cfg.TZ, "tz", env.str("CHIBO_TZ", "Asia/Ho_Chi_Minh"), t("flag.tz"))
	fs.StringVar(&cfg.Lang, "lang", env.str("CHIBO_LANG", locales.Default), t("flag.lang"))
	fs.StringVar(&cfg.WebhookURL, "webhook-url", env.str("CHIBO_WEBHOOK_URL", ""), t("flag.webhook_url"))
	fs.StringVar(&cfg.WebhookListen, "webhook-listen", env.str("CHIBO_WEBHOOK_LISTEN", "127.0.0.1:8080"), t("flag.webhook_listen"))
	fs.StringVar(&cfg.WebhookSecret, "webhook-secret", env.str("CHIBO_WEBHOOK_SECRET", ""), t("flag.webhook_secret"))
	fs.StringVar(&cfg.HealthListen, "health-listen", env.str("CHIBO_HEALTH_LISTEN", ""), t("flag.health_listen"))
	fs.StringVar(&cfg.BotUsername, "bot-username", env.str("CHIBO_BOT_USERNAME", ""), t("flag.bot_username"))
	env.floatFlag(fs, &cfg.RatePerSecond, "rate", "CHIBO_RATE", 30, t("flag.rate"))
}

// keepingFlags defines how long things are kept (invites, conversations,
// the audit, backups) and the log format.
func (cfg *Config) keepingFlags(fs *flag.FlagSet, env *envReader, t func(string, ...any) string) {
	env.intFlag(fs, &cfg.InviteDays, "invite-days", "CHIBO_INVITE_DAYS", 14, t("flag.invite_days"))
	env.intFlag(fs, &cfg.ConvHours, "conv-hours", "CHIBO_CONV_HOURS", 48, t("flag.conv_hours"))
	env.intFlag(fs, &cfg.AuditDays, "audit-days", "CHIBO_AUDIT_DAYS", 1825, t("flag.audit_days"))
	fs.StringVar(&cfg.LogFormat, "log-format", env.str("CHIBO_LOG_FORMAT", "text"), t("flag.log_format"))
	fs.StringVar(&cfg.BackupDir, "backup-dir", env.str("CHIBO_BACKUP_DIR", ""), t("flag.backup_dir"))
	env.intFlag(fs, &cfg.BackupKeep, "backup-keep", "CHIBO_BACKUP_KEEP", 7, t("flag.backup_keep"))
}

// zaloFlags defines the Zalo flags and chibo's own listener for webhooks
// and file links.
func (cfg *Config) zaloFlags(fs *flag.FlagSet, env *envReader, t func(string, ...any) string) {
	fs.StringVar(&cfg.ZaloToken, "zalo-token", env.str("ZALO_BOT_TOKEN", ""), t("flag.zalo_token"))
	fs.StringVar(&cfg.ZaloAPI, "zalo-api", env.str("CHIBO_ZALO_API", zalo.DefaultAPIBase), t("flag.zalo_api"))
	fs.StringVar(&cfg.ZaloWebhookURL, "zalo-webhook-url", env.str("CHIBO_ZALO_WEBHOOK_URL", ""), t("flag.zalo_webhook_url"))
	fs.StringVar(&cfg.ZaloWebhookSecret, "zalo-webhook-secret", env.str("CHIBO_ZALO_WEBHOOK_SECRET", ""), t("flag.zalo_webhook_secret"))
	env.floatFlag(fs, &cfg.ZaloRate, "zalo-rate", "CHIBO_ZALO_RATE", zalo.DefaultPace.PerSecond, t("flag.zalo_rate"))
	env.intFlag(fs, &cfg.ZaloPollers, "zalo-pollers", "CHIBO_ZALO_POLLERS", 4, t("flag.zalo_pollers"))
	fs.StringVar(&cfg.Listen, "listen", env.str("CHIBO_LISTEN", ""), t("flag.listen"))
	fs.StringVar(&cfg.PublicURL, "public-url", env.str("CHIBO_PUBLIC_URL", ""), t("flag.public_url"))
	env.intFlag(fs, &cfg.LinkHours, "link-hours", "CHIBO_LINK_HOURS", 24, t("flag.link_hours"))
}

// The flag package's errors, in its English words, and what they say.
var (
	flagUnknownRE = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	flagValueRE   = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for flag -+([^:]+): `)
	flagNoValueRE = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	flagSyntaxRE  = regexp.MustCompile(`^bad flag syntax: (.*)$`)
)

// flagError says a command-line error in the operator's language.
func flagError(err error, t func(string, ...any) string) error {
	msg := err.Error()
	switch {
	case errors.Is(err, flag.ErrHelp):
		return err
	case flagUnknownRE.MatchString(msg):
		return errors.New(t("cli.err_flag_unknown", "Flag", flagUnknownRE.FindStringSubmatch(msg)[1]))
	case flagValueRE.MatchString(msg):
		m := flagValueRE.FindStringSubmatch(msg)
		return errors.New(t("cli.err_flag_value", "Flag", m[2], "Value", m[1]))
	case flagNoValueRE.MatchString(msg):
		return errors.New(t("cli.err_flag_no_value", "Flag", flagNoValueRE.FindStringSubmatch(msg)[1]))
	case flagSyntaxRE.MatchString(msg):
		return errors.New(t("cli.err_flag_syntax", "Value", flagSyntaxRE.FindStringSubmatch(msg)[1]))
	}
	return err
}

// envReader gives the flags their defaults from the environment, and
// notes the numeric settings whose value is not a number: a flag given on
// the command line wins over its variable, a wrong one too.
type envReader struct {
	getenv func(string) string
	t      func(string, ...any) string
	bad    []badSetting // in the order the flags are defined
}

// badSetting is a variable's value that is not a number, with its flag.
type badSetting struct {
	flag string
	err  error
}

// str is the variable's value, or def when it is empty or unset.
func (r *envReader) str(name, def string) string {
	if v := r.getenv(name); v != "" {
		return v
	}
	return def
}

// intFlag defines a whole-number flag whose default is the variable's value.
func (r *envReader) intFlag(fs *flag.FlagSet, p *int, flagName, name string, def int, usage string) {
	n := def
	if v := r.getenv(name); v != "" {
		var err error
		if n, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
			n = def
			id := "cli.err_not_whole"
			if errors.Is(err, strconv.ErrRange) {
				id = "cli.err_too_large"
			}
			r.note(flagName, id, name, v)
		}
	}
	fs.IntVar(p, flagName, n, usage)
}

// floatFlag defines a number flag whose default is the variable's value.
func (r *envReader) floatFlag(fs *flag.FlagSet, p *float64, flagName, name string, def float64, usage string) {
	f := def
	if v := r.getenv(name); v != "" {
		var err error
		f, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch {
		case err != nil && errors.Is(err, strconv.ErrRange), math.IsInf(f, 0):
			f = def
			r.note(flagName, "cli.err_too_large", name, v)
		case err != nil, math.IsNaN(f):
			f = def
			r.note(flagName, "cli.err_not_number", name, v)
		}
	}
	fs.Float64Var(p, flagName, f, usage)
}

func (r *envReader) note(flagName, id, name, value string) {
	r.bad = append(r.bad, badSetting{flag: flagName, err: errors.New(r.t(id, "Name", name, "Value", value))})
}

// badNotGiven is the first wrong variable whose flag was not given.
func (r *envReader) badNotGiven(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, b := range r.bad {
		if !given[b.flag] {
			return b.err
		}
	}
	return nil
}

// resolve turns the time zone, the clock offset, the chat interval and the
// language into what chibo runs with, or says which is wrong.
func (cfg *Config) resolve(offset, chatInterval string, t func(string, ...any) string) error {
	zone, err := time.LoadLocation(cfg.TZ)
	if err != nil {
		return errors.New(t("cli.err_tz", "Value", cfg.TZ))
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
		return errors.New(t("cli.err_chat_interval", "Value", chatInterval))
	}
	if !locales.Supported(cfg.Lang) {
		return errors.New(t("cli.err_lang", "Value", cfg.Lang))
	}
	return nil
}

// check says which setting, if any, is out of range or missing its pair.
func (cfg *Config) check(t func(string, ...any) string) error {
	above := func(name, flag string) error {
		return errors.New(t("cli.err_above_zero", "Name", name+" (--"+flag+")"))
	}
	switch {
	case !(cfg.RatePerSecond > 0) || math.IsInf(cfg.RatePerSecond, 0): // not NaN either
		return above("CHIBO_RATE", "rate")
	case cfg.InviteDays <= 0:
		return above("CHIBO_INVITE_DAYS", "invite-days")
	case cfg.ConvHours <= 0:
		return above("CHIBO_CONV_HOURS", "conv-hours")
	case cfg.AuditDays <= 0:
		return above("CHIBO_AUDIT_DAYS", "audit-days")
	case cfg.BackupKeep <= 0:
		return above("CHIBO_BACKUP_KEEP", "backup-keep")
	case cfg.LogFormat != "text" && cfg.LogFormat != "json":
		return errors.New(t("cli.err_log_format", "Value", cfg.LogFormat))
	case cfg.WebhookURL != "" && cfg.WebhookSecret == "":
		return errors.New(t("cli.err_needs", "Name", "CHIBO_WEBHOOK_SECRET", "With", "CHIBO_WEBHOOK_URL"))
	case cfg.ZaloPollers <= 0 || cfg.ZaloPollers > 32:
		return errors.New(t("cli.err_range", "Name", "CHIBO_ZALO_POLLERS (--zalo-pollers)", "Min", 1, "Max", 32))
	case !(cfg.ZaloRate > 0) || math.IsInf(cfg.ZaloRate, 0):
		return above("CHIBO_ZALO_RATE", "zalo-rate")
	case cfg.LinkHours <= 0:
		return above("CHIBO_LINK_HOURS", "link-hours")
	case cfg.ZaloWebhookURL != "" && (len(cfg.ZaloWebhookSecret) < 8 || len(cfg.ZaloWebhookSecret) > 256):
		return errors.New(t("cli.err_zalo_secret"))
	case cfg.ZaloWebhookURL != "" && !strings.HasPrefix(cfg.ZaloWebhookURL, "https://"):
		return errors.New(t("cli.err_https", "Name", "CHIBO_ZALO_WEBHOOK_URL"))
	case cfg.PublicURL != "" && !strings.HasPrefix(cfg.PublicURL, "https://") && !strings.HasPrefix(cfg.PublicURL, "http://"):
		return errors.New(t("cli.err_http", "Name", "CHIBO_PUBLIC_URL"))
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
		return 0, errors.New("not a duration of 0 or more")
	case d == 0:
		return -1, nil
	}
	return d, nil
}
