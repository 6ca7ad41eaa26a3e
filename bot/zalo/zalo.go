// Package zalo is chibo's transport for the Zalo Bot Platform
// (https://bot.zaloplatforms.com/docs/): a long-polling loop and a webhook
// handler that turn updates into events for the dispatcher, and a Send that
// implements bot.Transport for a messenger without buttons, documents or
// edits, and with a 2,000-character text limit.
//
// The bot token is part of every request's URL path; it never leaves this
// package in an error or a log line.
package zalo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"chibo/bot"
	"chibo/flows/chat"
)

// Name is the transport's name in events, outbox rows and member contacts.
const Name = "zalo"

// DefaultAPIBase is the public Bot Platform server.
const DefaultAPIBase = "https://bot-api.zaloplatforms.com"

// MaxText is the Bot Platform's limit on text and captions, in characters.
const MaxText = 2000

// Caps is what the Bot Platform carries: texts of MaxText characters (Send
// splits longer ones), no buttons (Send numbers them after the text and
// the engine reads the number typed back, so a long list still goes a page
// of the same size as on Telegram at a time, to stay readable), no files
// (a link instead), pictures by their public link, and no deep links.
var Caps = chat.Caps{MaxText: MaxText, MaxButtons: 100, MaxPerRow: 8, Pictures: true}

// Config configures a Zalo transport. Zero values mean defaults.
type Config struct {
	// Token is the bot's token from Zalo Bot Creator ("<bot id>:<secret>"). Required.
	Token string
	// APIBase is the Bot Platform server; chibo appends "/bot<token>/<method>".
	// Empty means DefaultAPIBase.
	APIBase string
	// Client makes the HTTP requests. Nil means a client with connect,
	// TLS and overall timeouts. Long polls use a copy whose timeout exceeds
	// PollTimeout.
	Client *http.Client
	// PollTimeout is how long one getUpdates waits for an update. Zero means 30 s.
	PollTimeout time.Duration
	// Pollers is how many getUpdates calls are kept in flight: the platform
	// hands out one update per call, so one poller is a round trip per
	// update. Zero means 4.
	Pollers int
	// Pace is the wire pace of sends. Zero fields mean DefaultPace's.
	Pace Pace
	// Links publishes files the Bot Platform cannot carry, for a link in
	// the text. Nil means files are not published (the text then says
	// where to get them).
	Links Links
	// Log receives operator messages, with ids only. Nil discards.
	Log *slog.Logger
	// Now is the clock for event times the messenger does not give. Nil
	// means time.Now.
	Now func() time.Time
}

// Zalo is one bot on the Bot Platform. Its methods are safe for concurrent use.
type Zalo struct {
	cfg        Config
	endpoint   string // APIBase + "/bot" + token + "/"
	client     *http.Client
	pollClient *http.Client
	log        *slog.Logger
	pace       *pacer
	me         Me

	lastPoll    atomic.Int64
	pollSince   atomic.Int64 // unix nanoseconds when Poll began
	lastWebhook atomic.Int64
	mode        atomic.Value // "poll" or "webhook"
}

// Me is what getMe says about the bot.
type Me struct {
	ID          string `json:"id"`
	AccountName string `json:"account_name"`
	AccountType string `json:"account_type"`
}

// New checks the configuration and the token (it calls getMe) and returns
// the transport.
func New(ctx context.Context, cfg Config) (*Zalo, error) {
	if cfg.APIBase == "" {
		cfg.APIBase = DefaultAPIBase
	}
	if err := bot.CheckEndpoint(cfg.Token, cfg.APIBase); err != nil {
		return nil, fmt.Errorf("zalo: %w", err)
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	if cfg.Pollers <= 0 {
		cfg.Pollers = 4
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
				TLSHandshakeTimeout: 10 * time.Second,
				MaxIdleConnsPerHost: 16,
			},
		}
	}
	pollClient := client
	if client.Timeout != 0 && client.Timeout <= cfg.PollTimeout+5*time.Second {
		c := *client
		c.Timeout = cfg.PollTimeout + 10*time.Second // above the long poll, as Hermes does
		pollClient = &c
	}
	z := &Zalo{
		cfg:        cfg,
		endpoint:   strings.TrimRight(cfg.APIBase, "/") + "/bot" + cfg.Token + "/",
		client:     client,
		pollClient: pollClient,
		log:        cfg.Log,
		pace:       newPacer(cfg.Pace),
	}
	gctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := z.call(gctx, z.client, "getMe", nil, &z.me); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && (ae.Code == 401 || ae.Code == 403) {
			return nil, errors.New("zalo: getMe: the Bot Platform refused the token: check ZALO_BOT_TOKEN")
		}
		return nil, fmt.Errorf("zalo: getMe: %w", err)
	}
	return z, nil
}

// Me returns what getMe said about the bot.
func (z *Zalo) Me() Me { return z.me }

// APIError is an answer of the Bot Platform with ok == false, or an answer
// that is not its JSON at all (an edge's HTML page): then Code is the HTTP
// status and Description says so.
type APIError struct {
	Code        int
	Description string
	// RetryAfter is the wait the platform asked for (429), 0 if none.
	RetryAfter time.Duration
}

func (e *APIError) Error() string { return fmt.Sprintf("zalo: %d %s", e.Code, e.Description) }

// envelope is every answer's shape.
type envelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call posts params to method and decodes the result into out (when not
// nil). Errors are *APIError for the platform's answers; others are
// network faults, scrubbed of the token.
func (z *Zalo) call(ctx context.Context, client *http.Client, method string, params any, out any) error {
	body := []byte("{}")
	if params != nil {
		var err error
		if body, err = json.Marshal(params); err != nil {
			return fmt.Errorf("zalo: %s: %w", method, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, z.endpoint+method, bytes.NewReader(body))
	if err != nil {
		return z.scrub(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return z.scrub(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return z.scrub(err)
	}
	retry := retryAfter(resp.Header.Get("Retry-After"))
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || (!env.OK && env.ErrorCode == 0 && resp.StatusCode/100 != 2) {
		// An edge's HTML page, or JSON that is not the platform's.
		return &APIError{Code: resp.StatusCode, Description: "not a Bot Platform answer (" + resp.Header.Get("Content-Type") + ")", RetryAfter: retry}
	}
	if !env.OK {
		if env.Parameters.RetryAfter > 0 {
			retry = time.Duration(env.Parameters.RetryAfter) * time.Second
		}
		code := env.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return &APIError{Code: code, Description: z.scrubString(env.Description), RetryAfter: retry}
	}
	if out != nil && len(env.Result) > 0 {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return fmt.Errorf("zalo: %s: result: %w", method, err)
		}
	}
	return nil
}

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func (z *Zalo) scrub(err error) error {
	var cause error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		cause = context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		cause = context.Canceled
	}
	return bot.ScrubError(err, z.cfg.Token, cause)
}

func (z *Zalo) scrubString(s string) string {
	return bot.ScrubToken(s, z.cfg.Token)
}
