package main

import (
	"io"
	"testing"
	"time"

	"chibo/bot"
)

// TestByTransport_pauseStaysWithItsMessenger: a 429 from Zalo for every chat
// holds back Zalo's chats, not Telegram's.
func TestByTransport_pauseStaysWithItsMessenger(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	l := byTransport{"telegram": bot.NewRateLimiter(bot.RateLimits{}), "zalo": bot.NewRateLimiter(bot.RateLimits{PerSecond: 5})}
	l.Pause("zalo:", now.Add(30*time.Second))
	if wait, _ := l.Reserve("zalo:u1", false, now); wait < 29*time.Second {
		t.Fatalf("a Zalo chat waits %v after Zalo's 429", wait)
	}
	if wait, _ := l.Reserve("telegram:42", false, now); wait != 0 {
		t.Fatalf("a Telegram chat waits %v after Zalo's 429", wait)
	}
}

// CHIBO_CHAT_INTERVAL sets the gap between two messages to one private
// Telegram chat: Telegram's second by default, whatever CHIBO_RATE; 0 for
// none (a Bot API without that limit); a bad value is refused by name.
func TestConfig_chatInterval(t *testing.T) {
	tr := func(id string, _ ...any) string { return id }
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		env  string
		want time.Duration // the chat's wait right after its previous message was answered
	}{{"", time.Second}, {"0", 0}, {"250ms", 250 * time.Millisecond}} {
		env := map[string]string{"CHIBO_RATE": "1000", "CHIBO_CHAT_INTERVAL": c.env, "CHIBO_DB": "x.db"}
		cfg, _, err := parseConfig(nil, func(k string) string { return env[k] }, io.Discard, tr)
		if err != nil {
			t.Fatalf("%q: %v", c.env, err)
		}
		l := telegramPlug(cfg, nil, time.Now).limiter
		if wait, _ := l.Reserve("telegram:42", false, now); wait != 0 {
			t.Fatalf("%q: first message waits %v", c.env, wait)
		}
		l.Done("telegram:42", false, now)
		if wait, _ := l.Reserve("telegram:42", false, now.Add(time.Millisecond)); wait != max(c.want-time.Millisecond, 0) {
			t.Errorf("CHIBO_CHAT_INTERVAL=%q: the chat's next message waits %v", c.env, wait)
		}
	}
	for _, bad := range []string{"soon", "-1s"} {
		env := map[string]string{"CHIBO_CHAT_INTERVAL": bad, "CHIBO_DB": "x.db"}
		if _, _, err := parseConfig(nil, func(k string) string { return env[k] }, io.Discard, tr); err == nil || err.Error() != "cli.err_chat_interval" {
			t.Errorf("CHIBO_CHAT_INTERVAL=%q: %v", bad, err)
		}
	}
}
