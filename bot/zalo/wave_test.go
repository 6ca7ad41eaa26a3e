package zalo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/zalo"
	"chibo/bot/zalo/zalotest"
	"chibo/flows/chat"
	"chibo/storage"
)

// wave sends a 600-member wave (and 20 long messages in two parts) through
// the sender, paced as chibo paces Zalo (the sender's limiter at Zalo's
// pace), to a fake that refuses with 429 any send over pace. It
// returns how long the 640 requests took.
func wave(tb testing.TB, pace zalo.Pace) time.Duration {
	fake := newFake(tb)
	fake.Limits = zalotest.Limits{PerSecond: int(pace.PerSecond), ChatInterval: pace.ChatInterval}
	// As chibo serves Zalo: the sender's limiter is the only pacer.
	z := mustZalo(tb, fake, zalo.Config{Pace: zalo.Pace{PerSecond: -1}})
	db := mustOpenDB(tb)
	err := db.Update(func(tx *storage.Tx) error {
		now := time.Now()
		for i := range 600 {
			m := chat.Message{Transport: zalo.Name, Chat: fmt.Sprintf("member%03d", i), Text: "Nhắc họp chi bộ: 19:30 ngày 03/03/2026", Key: fmt.Sprintf("reminder/test/%d", i)}
			if err := bot.Enqueue(tx, now, m); err != nil {
				return err
			}
		}
		for i := range 20 {
			m := chat.Message{Transport: zalo.Name, Chat: fmt.Sprintf("member%03d", i), Text: strings.Repeat("Nội dung dài. ", 200)}
			if err := bot.Enqueue(tx, now, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sender := bot.NewSender(db, map[string]bot.Transport{zalo.Name: z}, bot.SenderOptions{
		Limiter:     bot.NewRateLimiter(bot.RateLimits{PerSecond: pace.PerSecond, PrivateInterval: pace.ChatInterval}),
		Concurrency: 16,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sender.Run(ctx) }()
	start := time.Now()
	for len(fake.Sent()) < 640 && fake.Violations() == 0 && time.Since(start) < 10*time.Minute {
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	cancel()
	<-done
	if v := fake.Violations(); v != 0 {
		tb.Errorf("%d sends over the pace", v)
	}
	if n := len(fake.Sent()); n != 640 {
		tb.Errorf("%d messages delivered, want 640 (600 + 20 in two parts)", n)
	}
	if st := sender.Stats(); st.Failed != 0 || st.Retried != 0 {
		tb.Errorf("sender stats %+v: want no failure and no retry", st)
	}
	return took
}

// A 600-member wave never goes beyond the pace. The pace here is 200/s to
// keep the test short; BenchmarkWave600 runs it at zalo.DefaultPace.
func TestZalo_WaveWithinPace(t *testing.T) {
	t.Logf("640 requests in %v", wave(t, zalo.Pace{PerSecond: 200, ChatInterval: time.Second}).Round(time.Millisecond))
}

// BenchmarkWave600 is the 600-member wave at the default pace (5/s, 1 s per
// chat), against a fake with exactly those limits: about two minutes.
//
//	go test -run '^$' -bench Wave600 -benchtime 1x ./bot/zalo
func BenchmarkWave600(b *testing.B) {
	for range b.N {
		took := wave(b, zalo.DefaultPace)
		b.ReportMetric(took.Seconds(), "s/wave")
		b.ReportMetric(640/took.Seconds(), "msg/s")
	}
}
