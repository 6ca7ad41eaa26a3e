package telegram_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
	"chibo/flows/chat"
	"chibo/storage"
)

// BenchmarkFanOut sends a reminder wave to 600 private chats at Telegram's
// real limits (30 messages/s overall, 1/s per chat), on the strict fake
// (which answers 429 to anything over those limits, with no tolerance),
// through the sender as chibo serves it: cmd/chibo's newTelegramSender
// builds the same components with the same defaults (a RateLimiter at 30/s,
// DefaultConcurrency, telegram.New with its defaults). The wave is enqueued
// while the sender runs, as the scheduler does. It reports the rate the fake
// saw, from its first accepted message to its last, and the 429s. One
// operation is one wave (about 20 s): run with -benchtime 1x.
func BenchmarkFanOut(b *testing.B) {
	const chats = 600
	fake := telegramtest.New(b, telegramtest.Options{Enforce: &telegramtest.Limits{Jitter: time.Nanosecond}})
	db := mustOpenDB(b)
	tg := mustTelegram(b, fake, telegram.Config{})
	s := runSender(b, db, tg, bot.SenderOptions{Limiter: bot.NewRateLimiter(bot.RateLimits{PerSecond: 30})})
	var total time.Duration
	for n := range b.N {
		var msgs []chat.Message
		for i := range chats {
			c := strconv.Itoa(1_000_000 + n*chats + i)
			msgs = append(msgs, chat.Message{Transport: telegram.Name, Chat: c, Text: fmt.Sprintf("Nhắc họp chi bộ 19:30 (%d)", n), Key: "reminder/meeting/" + c})
		}
		if err := db.Update(func(tx *storage.Tx) error { return bot.Enqueue(tx, time.Now(), msgs...) }); err != nil {
			b.Fatal(err)
		}
		s.Notify()
		waitFor(b, 5*time.Minute, "the wave to drain", func() bool { return pending(b, db) == 0 })
		got := fake.Delivered()[n*chats:]
		if len(got) != chats {
			b.Fatalf("wave %d: %d messages delivered, want %d", n, len(got), chats)
		}
		seen := map[string]bool{}
		for _, c := range got {
			if seen[c.Params["chat_id"]] {
				b.Fatalf("chat %s got the reminder twice", c.Params["chat_id"])
			}
			seen[c.Params["chat_id"]] = true
		}
		total += got[len(got)-1].At.Sub(got[0].At)
	}
	rate := float64(b.N*(chats-1)) / total.Seconds()
	b.ReportMetric(rate, "msg/s")
	b.ReportMetric(100*rate/30, "%of30/s")
	b.ReportMetric(float64(fake.RateLimited()), "429s")
	b.ReportMetric(0, "ns/op")
}
