package telegram_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
	"chibo/storage"
)

// TestTelegram_ServeWebhook_ops checks that the webhook server also serves
// /metrics (the handler given) and /healthz with the database write probe.
func TestTelegram_ServeWebhook_ops(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	d := bot.NewDispatcher(db, mustEngine(t), bot.DispatcherOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "chibo_test_metric 1\n") })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tg.ServeWebhook(ctx, telegram.WebhookConfig{URL: "https://bot.example.org/hook", Listener: ln, Secret: secret, Metrics: metrics}, d, db)
	}()
	base := "http://" + ln.Addr().String()
	var body []byte
	for deadline := time.Now().Add(5 * time.Second); ; {
		resp, err := http.Get(base + "/metrics")
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if string(body) != "chibo_test_metric 1\n" {
		t.Fatalf("/metrics: %q", body)
	}
	if code := post(t, base+"/hook", secret, update(10, 42, "/start")); code != http.StatusOK {
		t.Fatalf("update: %d", code)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h telegram.Health
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !h.OK || !h.DBWritable || h.OutboxPending != 1 || h.OutboxOldest < 0 || h.LastWebhook == nil {
		t.Fatalf("/healthz: %d %+v", resp.StatusCode, h)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// /healthz reads: a request does not take the single writer from the
// updates; the write probe runs at most every 30 s, in the background.
func TestTelegram_HealthWritesAtMostEvery30s(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db := mustOpenDB(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	tg := mustTelegram(t, fake, telegram.Config{Now: clock})
	probed := func() int64 {
		var v int64
		db.View(func(tx *storage.Tx) error { v = tx.MetaInt("health.checked"); return nil })
		return v
	}
	start := clock().Unix()
	for range 5 {
		if h := tg.Health(db); !h.OK || !h.DBWritable {
			t.Fatalf("health = %+v", h)
		}
		advance(5 * time.Second)
	}
	if got := probed(); got != start {
		t.Fatalf("the database was probed at %d, want only once at %d (a write per request)", got, start)
	}
	advance(10 * time.Second) // 35 s after the first probe
	tg.Health(db)
	waitFor(t, 10*time.Second, "the background probe", func() bool { return probed() == start+35 })
}

// A failing check (the sender cannot read its outbox) makes /healthz 503.
func TestTelegram_HealthChecks(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	var failing atomic.Bool
	tg.AddHealthCheck(func() error {
		if failing.Load() {
			return errors.New("sender: the outbox could not be read")
		}
		return nil
	})
	rec := httptest.NewRecorder()
	tg.HealthHandler(db).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("healthy: %d %s", rec.Code, rec.Body)
	}
	failing.Store(true)
	rec = httptest.NewRecorder()
	tg.HealthHandler(db).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "outbox could not be read") {
		t.Fatalf("failing check: %d %s", rec.Code, rec.Body)
	}
}

// A chibo just started on a quiet bot waits in its first long poll, which
// Telegram holds for the whole poll timeout: /healthz must say healthy
// meanwhile, not 503 until the first getUpdates returns (a restart then
// looked like an outage to the operator's monitor).
func TestTelegram_HealthyDuringFirstLongPoll(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{PollTimeout: time.Minute})
	d := bot.NewDispatcher(db, mustEngine(t), bot.DispatcherOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Poll(ctx, d, db) }()
	waitFor(t, 10*time.Second, "the webhook deleted", func() bool { return len(fake.Calls("deleteWebhook")) == 1 })
	deadline := time.Now().Add(10 * time.Second) // the poll itself lasts a minute
	for h := tg.Health(db); !h.OK; h = tg.Health(db) {
		if time.Now().After(deadline) {
			t.Fatalf("health while the first long poll waits = %+v, want OK", h)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(fake.Calls("getUpdates")); n != 0 {
		t.Fatalf("%d getUpdates answered; the test wants the first one still waiting", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
