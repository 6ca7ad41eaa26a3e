package telegram_test

import (
	"context"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
)

// BenchmarkEndToEnd measures updates per second from the fake's getUpdates
// through a real flow step (/start from 500 strangers, each in their private
// chat), the bbolt commit (with fsync) and the reply reaching the fake, with
// no rate limit.
func BenchmarkEndToEnd(b *testing.B) {
	fake := telegramtest.New(b, telegramtest.Options{})
	db := mustOpenDB(b)
	tg := mustTelegram(b, fake, telegram.Config{})
	for i := range b.N {
		fake.PushText(int64(10000+i%500), int64(10000+i%500), "/start")
	}
	s := bot.NewSender(db, map[string]bot.Transport{telegram.Name: tg}, bot.SenderOptions{Limiter: bot.Unlimited{}, Concurrency: 128})
	d := bot.NewDispatcher(db, mustEngine(b), bot.DispatcherOptions{OnCommit: s.Notify})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	b.ResetTimer()
	start := time.Now()
	go func() { tg.Poll(ctx, d, db); done <- struct{}{} }()
	go func() { s.Run(ctx); done <- struct{}{} }()
	for s.Stats().Sent < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	<-done
	d.Close()
	if got := len(fake.Delivered()); got != b.N {
		b.Fatalf("%d replies reached the fake, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
}
