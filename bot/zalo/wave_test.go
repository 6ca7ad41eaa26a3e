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
	"chibo/storage"
)

// A 600-member wave (and 20 long messages in two parts) goes out at the
// configured pace and never beyond it: the fake refuses with 429 any send
// over its limits, set to exactly that pace. The pace here is 200/s to keep
// the test short; the default is zalo.DefaultPace.
func TestZalo_WaveWithinPace(t *testing.T) {
	pace := zalo.Pace{PerSecond: 200, ChatInterval: time.Second}
	fake := newFake(t)
	fake.Limits = zalotest.Limits{PerSecond: int(pace.PerSecond), ChatInterval: pace.ChatInterval}
	z := mustZalo(t, fake, zalo.Config{Pace: pace})
	db := mustOpenDB(t)
	err := db.Update(func(tx *storage.Tx) error {
		now := time.Now()
		for i := range 600 {
			m := bot.Message{Transport: zalo.Name, Chat: fmt.Sprintf("member%03d", i), Text: "Nhắc họp chi bộ: 19:30 ngày 03/03/2026", Key: fmt.Sprintf("reminder/test/%d", i)}
			if err := bot.Enqueue(tx, now, m); err != nil {
				return err
			}
		}
		for i := range 20 {
			m := bot.Message{Transport: zalo.Name, Chat: fmt.Sprintf("member%03d", i), Text: strings.Repeat("Nội dung dài. ", 200)}
			if err := bot.Enqueue(tx, now, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sender := bot.NewSender(db, map[string]bot.Transport{zalo.Name: z}, bot.SenderOptions{
		Limiter:     bot.NewRateLimiter(bot.RateLimits{PerSecond: pace.PerSecond, PrivateInterval: pace.ChatInterval}),
		Concurrency: 16,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sender.Run(ctx) }()
	start := time.Now()
	for len(fake.Sent()) < 640 && fake.Violations() == 0 && time.Since(start) < time.Minute {
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("640 messages in %v", time.Since(start).Round(time.Millisecond))
	cancel()
	<-done
	if v := fake.Violations(); v != 0 {
		t.Errorf("%d sends over the pace", v)
	}
	if n := len(fake.Sent()); n != 640 {
		t.Errorf("%d messages delivered, want 640 (600 + 20 in two parts)", n)
	}
	if st := sender.Stats(); st.Failed != 0 || st.Retried != 0 {
		t.Errorf("sender stats %+v: want no failure and no retry", st)
	}
}
