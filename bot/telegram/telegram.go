// Package telegram is chibo's Telegram transport, on
// github.com/go-telegram-bot-api/telegram-bot-api/v5: a durable getUpdates
// loop and a webhook server that hand updates to the dispatcher and confirm
// them only after their effects are committed, a Send that implements
// bot.Transport, and the "/" command menus.
//
// The bot token never leaves this package in an error or a log line: the
// library's transport errors contain the request URL, token included, and
// are scrubbed here.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"chibo/bot"
)

// Name is the transport's name in events, outbox rows and member contacts.
const Name = "telegram"

// DefaultAPIBase is the public Bot API server.
const DefaultAPIBase = "https://api.telegram.org"

// Config configures a Telegram transport. Zero values mean defaults.
type Config struct {
	// Token is the bot's token from @BotFather. Required.
	Token string
	// APIBase is the Bot API server, such as "http://127.0.0.1:8081" for a
	// local one; chibo appends "/bot<token>/<method>". Empty means
	// DefaultAPIBase.
	APIBase string
	// Client makes the HTTP requests. Nil means a client with connect,
	// TLS and overall timeouts. Long polls use a copy whose timeout exceeds
	// PollTimeout.
	Client *http.Client
	// PollTimeout is how long one getUpdates waits for updates. Zero means 25 s.
	PollTimeout time.Duration
	// DefaultLang is the language of the default command menu. Empty means vi.
	DefaultLang string
	// Log receives operator messages, with ids only. Nil discards.
	Log *slog.Logger
	// Now is the clock for event times the messenger does not give. Nil
	// means time.Now.
	Now func() time.Time
}

// Telegram is one bot on the Bot API. Its methods are safe for concurrent use.
type Telegram struct {
	cfg        Config
	api        *tgbotapi.BotAPI
	client     *http.Client
	pollClient *http.Client
	log        *slog.Logger

	lastPoll    atomic.Int64 // unix nanoseconds of the last successful getUpdates
	pollSince   atomic.Int64 // unix nanoseconds when Poll reached Telegram (deleteWebhook answered)
	lastWebhook atomic.Int64 // unix nanoseconds of the last update committed from the webhook
	mode        atomic.Value // "poll" or "webhook"

	answers sync.WaitGroup // answerCallbackQuery calls in flight

	probe    writeProbe
	checksMu sync.Mutex
	checks   []func() error
}

// New connects to the Bot API (it calls getMe, which checks the token) and
// returns the transport.
func New(ctx context.Context, cfg Config) (*Telegram, error) {
	if cfg.APIBase == "" {
		cfg.APIBase = DefaultAPIBase
	}
	if err := bot.CheckEndpoint(cfg.Token, cfg.APIBase); err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 25 * time.Second
	}
	if cfg.DefaultLang == "" {
		cfg.DefaultLang = "vi"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.Client
	if client == nil {
		client = defaultClient()
	}
	pollClient := client
	if client.Timeout != 0 && client.Timeout <= cfg.PollTimeout+10*time.Second {
		c := *client
		c.Timeout = cfg.PollTimeout + 15*time.Second
		pollClient = &c
	}
	t := &Telegram{
		cfg:        cfg,
		client:     client,
		pollClient: pollClient,
		log:        cfg.Log,
	}
	endpoint := strings.ReplaceAll(strings.TrimRight(cfg.APIBase, "/"), "%", "%%") + "/bot%s/%s"
	gctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, endpoint, ctxClient{ctx: gctx, c: client})
	if err != nil {
		var te *tgbotapi.Error
		if errors.As(err, &te) && te.Code == http.StatusUnauthorized {
			return nil, errors.New("telegram: getMe: the Bot API refused the token (401 Unauthorized): check TELEGRAM_BOT_TOKEN")
		}
		return nil, fmt.Errorf("telegram: getMe: %w", t.scrub(err))
	}
	api.Client = client
	t.api = api
	return t, nil
}

// defaultClient bounds every phase of a request, so a stuck connection never
// holds a send or a poll forever.
func defaultClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.MaxIdleConns = 100
	tr.MaxIdleConnsPerHost = 64 // the sender runs several sends at once
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// Username is the bot's @username, without the @.
func (t *Telegram) Username() string { return t.api.Self.UserName }

// BotID is the bot's own user id.
func (t *Telegram) BotID() int64 { return t.api.Self.ID }

// InviteLink is the deep link that starts the bot with a token:
// https://t.me/<username>?start=<token>.
func (t *Telegram) InviteLink(token string) string { return DeepLink(t.Username(), token) }

// ctxClient gives every request of the library a context: the library's
// calls take none, so this is how a shutdown or a send timeout reaches them.
type ctxClient struct {
	ctx context.Context
	c   *http.Client
}

func (c ctxClient) Do(r *http.Request) (*http.Response, error) { return c.c.Do(r.WithContext(c.ctx)) }

// bot returns the library's client bound to ctx. The copy is cheap and
// shares the connection pool.
func (t *Telegram) bot(ctx context.Context, client *http.Client) *tgbotapi.BotAPI {
	cp := *t.api
	cp.Client = ctxClient{ctx: ctx, c: client}
	return &cp
}

// scrub removes the token from err's text.
func (t *Telegram) scrub(err error) error {
	if err == nil {
		return nil
	}
	var cause error
	var te *tgbotapi.Error
	switch {
	case errors.As(err, &te):
		cause = te
	case errors.Is(err, context.DeadlineExceeded):
		cause = context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		cause = context.Canceled
	}
	return bot.ScrubError(err, t.cfg.Token, cause)
}

func (t *Telegram) scrubString(s string) string {
	return bot.ScrubToken(s, t.cfg.Token)
}

// apiCode is the Bot API's error code of err, or 0 for a transport fault.
// Upload errors of the library carry no code, so it is read from the
// description then.
func apiCode(err error) (int, *tgbotapi.Error) {
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		return 0, nil
	}
	if te.Code != 0 {
		return te.Code, te
	}
	for prefix, code := range map[string]int{
		"Bad Request":           400,
		"Unauthorized":          401,
		"Forbidden":             403,
		"Not Found":             404,
		"Conflict":              409,
		"Too Many Requests":     429,
		"Internal Server Error": 500,
		"Bad Gateway":           502,
	} {
		if strings.HasPrefix(te.Message, prefix) {
			return code, te
		}
	}
	return 500, te // an API answer without a code we know: treat as the server's fault
}

func (t *Telegram) now() time.Time { return t.cfg.Now() }
