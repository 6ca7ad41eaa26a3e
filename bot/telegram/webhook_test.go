package telegram_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
	"chibo/storage"
)

const secret = "s3cret_Token-1"

func post(t *testing.T, url, secretHeader, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secretHeader != "" {
		req.Header.Set(telegram.SecretHeader, secretHeader)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func update(id int, chat int64, text string) string {
	b, _ := json.Marshal(map[string]any{"update_id": id, "message": map[string]any{
		"message_id": 1, "date": time.Now().Unix(), "text": text,
		"chat": telegramtest.ChatJSON(chat), "from": telegramtest.UserJSON(chat),
	}})
	return string(b)
}

func TestTelegram_ServeWebhook(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	d := bot.NewDispatcher(db, mustEngine(t), bot.DispatcherOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tg.ServeWebhook(ctx, telegram.WebhookConfig{URL: "https://bot.example.org/hook/abc", Listener: ln, Secret: secret}, d, db)
	}()
	waitFor(t, 5*time.Second, "setWebhook", func() bool { return fake.Webhook() != nil })
	wh := fake.Webhook()
	if wh["secret_token"] != secret || wh["url"] != "https://bot.example.org/hook/abc" || !strings.Contains(wh["allowed_updates"], "callback_query") {
		t.Fatalf("webhook registered as %v", wh)
	}
	url := "http://" + ln.Addr().String() + "/hook/abc"
	rows := func() int { return len(outboxRows(t, db)) }
	processed := func(key string) bool {
		ok := false
		db.View(func(tx *storage.Tx) error { ok = tx.Processed(key); return nil })
		return ok
	}

	t.Run("bad secret", func(t *testing.T) {
		for _, s := range []string{"", "wrong", secret + "x", strings.ToUpper(secret)} {
			if got := post(t, url, s, update(501, 9001, "/start")); got != http.StatusUnauthorized {
				t.Errorf("secret %q: status %d, want 401", s, got)
			}
		}
		if processed("tg:501") || rows() != 0 {
			t.Fatal("an update with a bad secret was processed")
		}
	})
	t.Run("committed before 200", func(t *testing.T) {
		if got := post(t, url, secret, update(502, 9002, "/start")); got != http.StatusOK {
			t.Fatalf("status %d", got)
		}
		// Checked right after the 200: no waiting allowed.
		if !processed("tg:502") || rows() != 1 {
			t.Fatalf("after 200: processed %v, %d outbox rows; want committed with 1 reply", processed("tg:502"), rows())
		}
		if h := tg.Health(db); h.LastWebhook == nil || h.Mode != "webhook" || h.OutboxPending != 1 {
			t.Errorf("health = %+v", h)
		}
	})
	t.Run("repeat is a no-op", func(t *testing.T) {
		if got := post(t, url, secret, update(502, 9002, "/start")); got != http.StatusOK {
			t.Fatalf("status %d", got)
		}
		if rows() != 1 {
			t.Fatalf("%d outbox rows after a repeat, want 1", rows())
		}
	})
	t.Run("limits", func(t *testing.T) {
		big := fmt.Sprintf(`{"update_id":503,"message":{"text":%q}}`, strings.Repeat("a", telegram.MaxWebhookBody))
		if got := post(t, url, secret, big); got != http.StatusRequestEntityTooLarge {
			t.Errorf("big body: %d, want 413", got)
		}
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET: %d, want 405", resp.StatusCode)
		}
		if processed("tg:503") {
			t.Error("oversized update processed")
		}
	})
	t.Run("healthz", func(t *testing.T) {
		resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var h telegram.Health
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || resp.StatusCode != 200 || !h.OK {
			t.Errorf("healthz: %d %+v %v", resp.StatusCode, h, err)
		}
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeWebhook did not stop")
	}
}
