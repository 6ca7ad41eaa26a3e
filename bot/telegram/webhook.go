package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"chibo/bot"
	"chibo/flows/chat"
	"chibo/storage"
)

// SecretHeader is the header in which Telegram sends the webhook's secret token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// MaxWebhookBody is the largest update body accepted (Telegram's are a few KiB).
const MaxWebhookBody = 1 << 20

// WebhookConfig configures webhook mode.
type WebhookConfig struct {
	// URL is the public HTTPS address Telegram posts updates to. Required.
	URL string
	// Listen is the local address to serve on, such as ":8443". Required
	// unless Listener is set.
	Listen string
	// Listener, when set, is used instead of listening on Listen.
	Listener net.Listener
	// Secret is the secret_token Telegram sends back in SecretHeader:
	// 1-256 characters of A-Z, a-z, 0-9, _ and -. Required.
	Secret string
	// Path is the local path of the webhook. Empty means URL's path, or
	// "/telegram" when it has none.
	Path string
	// Metrics, when set, is served on /metrics (Prometheus text format).
	Metrics http.Handler
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// ServeWebhook registers the webhook with Telegram and serves it (and
// /healthz, and /metrics when cfg.Metrics is set) until ctx ends; then it stops taking requests, waits for those
// in flight and returns nil. An update is answered 200 only after its
// effects are committed, so Telegram redelivers anything not committed; a
// redelivery is a no-op by its event key.
func (t *Telegram) ServeWebhook(ctx context.Context, cfg WebhookConfig, d *bot.Dispatcher, db *storage.DB) error {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return errors.New("telegram: webhook URL must be an absolute https URL")
	}
	if !secretRE.MatchString(cfg.Secret) {
		return errors.New("telegram: webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
	}
	if cfg.Path == "" {
		cfg.Path = u.Path
	}
	if cfg.Path == "" || cfg.Path == "/" {
		cfg.Path = "/telegram"
	}
	ln := cfg.Listener
	if ln == nil {
		if cfg.Listen == "" {
			return errors.New("telegram: no webhook listen address")
		}
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return fmt.Errorf("telegram: webhook: %w", err)
		}
	}
	t.mode.Store("webhook")
	allowed, _ := json.Marshal(AllowedUpdates)
	if err := t.retry(ctx, "setWebhook", func() error {
		_, err := t.bot(ctx, t.client).MakeRequest("setWebhook", tgbotapi.Params{
			"url":             cfg.URL,
			"secret_token":    cfg.Secret,
			"allowed_updates": string(allowed),
		})
		return err
	}); err != nil {
		ln.Close()
		return err
	}
	if ctx.Err() != nil {
		ln.Close()
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle(cfg.Path, t.WebhookHandler(cfg.Secret, d))
	t.handleOps(mux, db, cfg.Metrics)
	if err := serve(ctx, ln, mux); err != nil {
		// A handler may still be running (the shutdown timed out) and may yet
		// start an answer: waiting now would race with it.
		return err
	}
	t.answers.Wait() // every handler has returned: no answer starts after this
	return nil
}

// handleOps adds /healthz and, when metrics is set, /metrics to mux.
func (t *Telegram) handleOps(mux *http.ServeMux, db *storage.DB, metrics http.Handler) {
	mux.Handle("/healthz", t.HealthHandler(db))
	if metrics != nil {
		mux.Handle("/metrics", metrics)
	}
}

// serve runs an HTTP server on ln until ctx ends, then shuts it down
// gracefully: requests in flight finish (and commit) first.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("telegram: http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("telegram: http shutdown: %w", err)
	}
	<-errc
	return nil
}

// WebhookHandler takes Telegram's webhook posts: it checks the secret in
// constant time (401 and nothing processed when wrong or missing), limits the
// body to MaxWebhookBody (413), dispatches the update and answers 200 only
// once it is committed (500 otherwise, so Telegram sends it again).
func (t *Telegram) WebhookHandler(secret string, d *bot.Dispatcher) http.Handler {
	want := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get(SecretHeader))
		if len(want) == 0 || subtle.ConstantTimeCompare(got, want) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		var u tgbotapi.Update
		if err := json.Unmarshal(body, &u); err != nil || u.UpdateID == 0 {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		t.answerCallback(u)
		if ev, ok := t.event(u); ok {
			if err := d.Dispatch(r.Context(), []chat.Event{ev}); err != nil {
				status := http.StatusInternalServerError
				if errors.Is(err, bot.ErrStopped) {
					status = http.StatusServiceUnavailable
				}
				t.log.Error("webhook update not committed; Telegram will send it again", "update", u.UpdateID, "err", err)
				http.Error(w, "not committed", status)
				return
			}
		}
		t.lastWebhook.Store(time.Now().UnixNano())
		w.WriteHeader(http.StatusOK)
	})
}

// Health is what /healthz reports.
type Health struct {
	OK   bool   `json:"ok"`
	Mode string `json:"mode,omitempty"`
	// DBWritable means the last write probe (at most 30 s old, or running
	// again) committed.
	DBWritable    bool `json:"db_writable"`
	OutboxPending int  `json:"outbox_pending"`
	// OutboxOldest is the age in seconds of the oldest pending row.
	OutboxOldest float64    `json:"outbox_oldest_seconds"`
	LastPoll     *time.Time `json:"last_poll,omitempty"`
	LastWebhook  *time.Time `json:"last_webhook,omitempty"`
	// Problems are the failing checks added with AddHealthCheck (the
	// sender's outbox read …), without secrets.
	Problems []string `json:"problems,omitempty"`
}

// healthKey is the meta key the health check writes to prove the database
// takes writes.
const healthKey = "health.checked"

// probeEvery is how often at most /healthz writes to the database: a probe
// per request would take the single writer from the updates (747 probes
// raised webhook handling's median from 20.9 to 37.8 ms).
const probeEvery = 30 * time.Second

// writeProbe is the last result of the database write probe.
type writeProbe struct {
	mu      sync.Mutex
	at      time.Time // when the last probe finished; zero before the first
	err     error
	running bool
}

// AddHealthCheck adds a check to /healthz: while it returns an error,
// /healthz answers 503 and lists the error. It must be quick and read only.
func (t *Telegram) AddHealthCheck(check func() error) {
	t.checksMu.Lock()
	defer t.checksMu.Unlock()
	t.checks = append(t.checks, check)
}

// Health reports liveness: whether the database took the last write probe;
// in poll mode, whether a getUpdates succeeded lately (or the first one,
// since Poll reached Telegram, is still waiting); the checks added
// with AddHealthCheck; the outbox backlog and its oldest row; and the last
// poll or webhook update. It reads only: the write probe runs in the
// background, at most every 30 s (the first call waits for the first).
func (t *Telegram) Health(db *storage.DB) Health {
	h := Health{OK: true}
	h.Mode, _ = t.mode.Load().(string)
	now := t.cfg.Now()
	if err := t.dbWritable(db, now); err != nil {
		h.OK = false
	} else {
		h.DBWritable = true
	}
	if err := db.View(func(tx *storage.Tx) error {
		h.OutboxPending = tx.PendingCount()
		oldest, err := tx.PendingAfter(0, 1)
		if err != nil {
			return err
		}
		if len(oldest) > 0 {
			h.OutboxOldest = max(now.Sub(oldest[0].Created).Seconds(), 0)
		}
		return nil
	}); err != nil {
		t.log.Error("health: outbox read failed", "err", err)
		h.OK = false
	}
	t.checksMu.Lock()
	checks := t.checks
	t.checksMu.Unlock()
	for _, check := range checks {
		if err := check(); err != nil {
			h.OK = false
			h.Problems = append(h.Problems, t.scrubString(err.Error()))
		}
	}
	stamp := func(v int64) *time.Time {
		if v == 0 {
			return nil
		}
		ts := time.Unix(0, v).UTC()
		return &ts
	}
	h.LastPoll, h.LastWebhook = stamp(t.lastPoll.Load()), stamp(t.lastWebhook.Load())
	if h.Mode == "poll" && bot.PollStale(t.lastPoll.Load(), t.pollSince.Load(), t.cfg.PollTimeout) {
		h.OK = false
		h.Problems = append(h.Problems, "telegram: no getUpdates answered lately (Telegram unreachable, or the token refused)")
	}
	return h
}

// dbWritable returns the last write probe's result and starts the next in
// the background when that one is probeEvery old. The first call waits for
// its probe.
func (t *Telegram) dbWritable(db *storage.DB, now time.Time) error {
	p := &t.probe
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.running:
	case p.at.IsZero():
		p.mu.Unlock()
		err := t.probeWrite(db, now)
		p.mu.Lock()
		p.at, p.err = now, err
	case now.Sub(p.at) >= probeEvery:
		p.running = true
		go func() {
			err := t.probeWrite(db, now)
			p.mu.Lock()
			defer p.mu.Unlock()
			p.at, p.err, p.running = now, err, false
		}()
	}
	if p.at.IsZero() {
		return errors.New("no write probe yet")
	}
	return p.err
}

func (t *Telegram) probeWrite(db *storage.DB, now time.Time) error {
	err := db.Update(func(tx *storage.Tx) error { return tx.PutMetaInt(healthKey, now.Unix()) })
	if err != nil {
		t.log.Error("health: database write failed", "err", err)
	}
	return err
}

// HealthHandler serves Health as JSON: 200 when OK, 503 otherwise.
func (t *Telegram) HealthHandler(db *storage.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := t.Health(db)
		w.Header().Set("Content-Type", "application/json")
		if !h.OK {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(h)
	})
}

// ServeHealth serves /healthz, and /metrics when metrics is set, on
// listen until ctx ends, for poll mode.
func (t *Telegram) ServeHealth(ctx context.Context, listen string, db *storage.DB, metrics http.Handler) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("telegram: health: %w", err)
	}
	mux := http.NewServeMux()
	t.handleOps(mux, db, metrics)
	return serve(ctx, ln, mux)
}
