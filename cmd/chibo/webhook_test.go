package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chibo/bot/telegram/telegramtest"
)

// TestTelegram_webhookMode serves the webhook as an operator configures it
// and posts updates to it as Telegram would.
func TestTelegram_webhookMode(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const secret = "s3cret-Token_for-tests"
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN":   fake.Token(),
		"CHIBO_TELEGRAM_API":   fake.URL(),
		"CHIBO_DB":             filepath.Join(t.TempDir(), "chibo.db"),
		"CHIBO_WEBHOOK_URL":    "https://bot.example.org/telegram/hook",
		"CHIBO_WEBHOOK_LISTEN": addr,
		"CHIBO_WEBHOOK_SECRET": secret,
	}
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan int)
	go func() {
		done <- Main(ctx, nil, strings.NewReader(""), &logs, &logs, func(k string) string { return env[k] })
	}()

	deadline := time.Now().Add(10 * time.Second)
	for fake.Webhook() == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if wh := fake.Webhook(); wh["url"] != env["CHIBO_WEBHOOK_URL"] || wh["secret_token"] != secret {
		t.Fatalf("webhook registered as %v", wh)
	}
	post := func(id int, secretHeader string) int {
		body := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":%d,"chat":{"id":4242,"type":"private","first_name":"A"},"from":{"id":4242,"is_bot":false,"first_name":"A","language_code":"vi"},"text":"/help"}}`, id, time.Now().Unix())
		for time.Now().Before(deadline.Add(10 * time.Second)) {
			req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/telegram/hook", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if secretHeader != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secretHeader)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil { // the listener may not be up yet
				time.Sleep(20 * time.Millisecond)
				continue
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		t.Fatal("the webhook never answered")
		return 0
	}
	if code := post(500, ""); code != http.StatusUnauthorized {
		t.Fatalf("no secret: %d", code)
	}
	if code := post(501, "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", code)
	}
	if code := post(502, secret); code != http.StatusOK {
		t.Fatalf("good request: %d", code)
	}
	if code := post(502, secret); code != http.StatusOK { // Telegram repeats what it did not see answered
		t.Fatalf("repeat: %d", code)
	}
	waitSent(t, fake, 4242, "đường dẫn mời")
	time.Sleep(500 * time.Millisecond)
	if n := len(fake.Delivered()); n != 1 {
		t.Fatalf("%d replies, want 1: the refused and the repeated updates must have no effect", n)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no clean stop")
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), fake.Token()) {
		t.Fatal("a secret reached the logs")
	}
}
