package zalo

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"chibo/bot"
	"chibo/flows/chat"
)

// SecretHeader carries the webhook's secret token on every delivery.
const SecretHeader = "X-Bot-Api-Secret-Token"

// MaxWebhookBody is the largest webhook body read; a text of 2,000
// characters with its envelope is well under it.
const MaxWebhookBody = 64 << 10

// SetWebhook registers url (public https) with secret (8 to 256
// characters), so the platform posts updates there instead of answering
// getUpdates.
func (z *Zalo) SetWebhook(ctx context.Context, url, secret string) error {
	if n := len([]rune(secret)); n < 8 || n > 256 {
		return errors.New("zalo: the webhook secret must be 8 to 256 characters")
	}
	z.mode.Store("webhook")
	return z.retry(ctx, "setWebhook", func() error {
		return z.call(ctx, z.client, "setWebhook", map[string]string{"url": url, "secret_token": secret}, nil)
	})
}

// WebhookHandler takes the platform's webhook posts: it checks the secret
// in constant time (401 and nothing processed when it is wrong or missing),
// reads the wrapped or the top-level body form, dispatches the update and
// answers 200 once it is committed (500 otherwise, so the platform sends it
// again; the event key makes a repeat a no-op). A body that is no update is
// answered 200 and logged: sending it again would not make it one.
func (z *Zalo) WebhookHandler(secret string, d *bot.Dispatcher) http.Handler {
	want := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get(SecretHeader))
		if len(want) == 0 || subtle.ConstantTimeCompare(got, want) != 1 {
			z.log.Warn("zalo webhook post refused: wrong or missing secret", "from", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		ev, ok := z.event(body)
		if ok {
			if err := d.Dispatch(r.Context(), []chat.Event{ev}); err != nil {
				status := http.StatusInternalServerError
				if errors.Is(err, bot.ErrStopped) {
					status = http.StatusServiceUnavailable
				}
				z.log.Error("zalo webhook update not committed; Zalo will send it again", "event", ev.Key, "err", err)
				http.Error(w, "not committed", status)
				return
			}
		}
		z.lastWebhook.Store(time.Now().UnixNano())
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "ok")
	})
}

// Health is what /healthz reports for this transport.
type Health struct {
	OK          bool       `json:"ok"`
	Mode        string     `json:"mode,omitempty"`
	LastPoll    *time.Time `json:"last_poll,omitempty"`
	LastWebhook *time.Time `json:"last_webhook,omitempty"`
}

// Health reports whether intake is alive: in poll mode, a getUpdates
// answered (an update or a 408) within two poll timeouts and a minute.
func (z *Zalo) Health() Health {
	h := Health{OK: true}
	h.Mode, _ = z.mode.Load().(string)
	stamp := func(v int64) *time.Time {
		if v == 0 {
			return nil
		}
		ts := time.Unix(0, v).UTC()
		return &ts
	}
	h.LastPoll, h.LastWebhook = stamp(z.lastPoll.Load()), stamp(z.lastWebhook.Load())
	if h.Mode == "poll" {
		since := z.lastPoll.Load()
		if since == 0 {
			since = z.pollSince.Load() // the first long poll is still waiting
		}
		if since == 0 || time.Since(time.Unix(0, since)) > 2*z.cfg.PollTimeout+time.Minute {
			h.OK = false
		}
	}
	return h
}

// String names the transport for logs; it never shows the token.
func (z *Zalo) String() string { return fmt.Sprintf("zalo bot %s", z.me.ID) }
