package main

import (
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
