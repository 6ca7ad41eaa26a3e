package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"chibo/bot/telegram/telegramtest"
)

// benchServe runs chibo exactly as it serves Telegram (Main, with the
// environment an operator sets for a Bot API with limits off: the same
// constructors, the limiter on with the overall rate raised to
// CHIBO_RATE=100000 and no per-chat gap, CHIBO_CHAT_INTERVAL=0, the
// concurrency that rate gets, a database with fsync) against the fake Bot
// API, with b.N /start updates from the given number of private chats
// waiting. It reports updates/s: updates committed (each one's reply in the
// outbox) per second, from chibo's first getUpdates to the offset
// confirming the last; and replies/s: replies accepted by the fake per
// second over the same start.
func benchServe(b *testing.B, chats int) {
	fake := telegramtest.New(b, telegramtest.Options{})
	lastID := 0
	for i := range b.N {
		c := int64(10000 + i%chats)
		lastID = fake.PushText(c, c, "/start")
	}
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN":  fake.Token(),
		"CHIBO_TELEGRAM_API":  fake.URL(),
		"CHIBO_DB":            filepath.Join(b.TempDir(), "chibo.db"),
		"CHIBO_RATE":          "100000",
		"CHIBO_CHAT_INTERVAL": "0",
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	b.ResetTimer()
	go func() {
		done <- Main(ctx, nil, strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return env[k] })
	}()
	deadline := time.Now().Add(10 * time.Minute)
	for fake.Confirmed() < lastID && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	committed := time.Now()
	for fake.Accepted() < b.N && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	answered := time.Now()
	b.StopTimer()
	cancel()
	if code := <-done; code != 0 {
		b.Fatalf("chibo exited %d", code)
	}
	polls := fake.Calls("getUpdates")
	if len(polls) == 0 {
		b.Fatal("chibo never polled")
	}
	start := polls[0].At
	b.ReportMetric(float64(b.N)/committed.Sub(start).Seconds(), "updates/s")
	if n := fake.Accepted(); n < b.N {
		b.Fatalf("%d replies reached the fake, want %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/answered.Sub(start).Seconds(), "replies/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkChibo_distinctChats: every update from another private chat, as
// in a wave of people starting the bot. Run with -benchtime 10000x.
func BenchmarkChibo_distinctChats(b *testing.B) { benchServe(b, max(b.N, 1)) }

// BenchmarkChibo_repeatingChats: 100 private chats sending again and again
// (run with -benchtime 10000x: 100 updates each). With Telegram's per-chat
// limit (the default CHIBO_CHAT_INTERVAL) replies to one chat would leave
// once a second; the fake's limits are off, and so is chibo's gap.
func BenchmarkChibo_repeatingChats(b *testing.B) { benchServe(b, 100) }

// BenchmarkPlainLoop is the yardstick for BenchmarkChibo_distinctChats: a
// plain telegram-bot-api loop on the same fake that stores nothing and
// answers one update after another (getUpdates, then a sendMessage per
// update). It reports updates/s the same way. Run with -benchtime 10000x.
func BenchmarkPlainLoop(b *testing.B) {
	fake := telegramtest.New(b, telegramtest.Options{})
	for i := range b.N {
		c := int64(10000 + i)
		fake.PushText(c, c, "/start")
	}
	api, err := tgbotapi.NewBotAPIWithClient(fake.Token(), fake.URL()+"/bot%s/%s", &http.Client{Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	offset, answered := 0, 0
	for answered < b.N {
		updates, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: 100, Timeout: 1})
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range updates {
			if _, err := api.Send(tgbotapi.NewMessage(u.Message.Chat.ID, "Chào đồng chí")); err != nil {
				b.Fatal(err)
			}
			offset = u.UpdateID + 1
			answered++
		}
	}
	end := time.Now()
	b.StopTimer()
	polls := fake.Calls("getUpdates")
	b.ReportMetric(float64(b.N)/end.Sub(polls[0].At).Seconds(), "updates/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkChibo_latency measures, under light load (20 private chats, one
// update a second in turn, so no reply waits for its chat's interval), the
// time from an update being available on the fake to its reply reaching
// the fake, with chibo served as in BenchmarkChibo_distinctChats but at
// Telegram's real rate (30/s). One operation is one update, a second apart:
// run with -benchtime 30x.
func BenchmarkChibo_latency(b *testing.B) {
	fake := telegramtest.New(b, telegramtest.Options{})
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN": fake.Token(),
		"CHIBO_TELEGRAM_API": fake.URL(),
		"CHIBO_DB":           filepath.Join(b.TempDir(), "chibo.db"),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- Main(ctx, nil, strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return env[k] })
	}()
	for len(fake.Calls("getUpdates")) == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(time.Second) // past the start, as a chat that writes later
	b.ResetTimer()
	pushed := make([]time.Time, b.N)
	tick := time.NewTicker(time.Second)
	for i := range b.N {
		c := int64(10000 + i%20)
		pushed[i] = time.Now()
		fake.PushText(c, c, "/start")
		<-tick.C
	}
	tick.Stop()
	b.StopTimer()
	cancel()
	if code := <-done; code != 0 {
		b.Fatalf("chibo exited %d", code)
	}
	var lat []time.Duration
	replies := fake.Delivered()
	for i, at := range pushed {
		c := int64(10000 + i%20)
		for _, r := range replies {
			if r.Chat() == c && !r.At.Before(at) {
				lat = append(lat, r.At.Sub(at))
				break
			}
		}
	}
	if len(lat) != b.N {
		b.Fatalf("%d of %d updates answered", len(lat), b.N)
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[(len(lat)*95+99)/100-1]), "p95-ms")
	b.ReportMetric(0, "ns/op")
}
