package telegram_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
)

// TestTelegram_ServeWebhook_ops checks that the webhook server also serves
// /metrics (the handler given) and /healthz with a database write check.
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
