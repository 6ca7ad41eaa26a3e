package zalo_test

import (
	"chibo/flows/core"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/zalo"
	"chibo/bot/zalo/zalotest"
	"chibo/flows"
	"chibo/locales"
)

// BenchmarkPollInbound measures updates/s taken from the fake (one update
// per getUpdates, as the platform hands them out) and committed by the
// real engine on a real database, with 1, 4 and 8 polls in flight, on a
// local fake and on one that answers getUpdates 20 ms late (a network
// round trip). The
// updates wait in the fake's queue before polling starts; each is a text
// from a different stranger, answered with the how-to-join message.
//
//	go test -run '^$' -bench PollInbound -benchtime 2000x ./bot/zalo
func BenchmarkPollInbound(b *testing.B) {
	cat, err := locales.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, rtt := range []time.Duration{0, 20 * time.Millisecond} {
		for _, pollers := range []int{1, 4, 8} {
			benchPoll(b, cat, rtt, pollers)
		}
	}
}

func benchPoll(b *testing.B, cat *locales.Catalog, rtt time.Duration, pollers int) {
	b.Run(fmt.Sprintf("rtt=%v/pollers=%d", rtt, pollers), func(b *testing.B) {
		fake := zalotest.New(token)
		defer fake.Close()
		fake.Latency = rtt
		fake.MaxPoll = 20 * time.Millisecond
		engine, err := core.NewEngine(cat, core.Config{}, flows.Journeys()...)
		if err != nil {
			b.Fatal(err)
		}
		var handled atomic.Int64
		committed := make(chan struct{}, 1)
		d := bot.NewDispatcher(mustOpenDB(b), engine, bot.DispatcherOptions{OnDispatched: func(n int, _ time.Duration, err error) {
			if err == nil {
				handled.Add(int64(n))
			}
			select {
			case committed <- struct{}{}:
			default:
			}
		}})
		z := mustZalo(b, fake, zalo.Config{Pollers: pollers})
		for i := range b.N {
			fake.Push(fake.Text(zalotest.User{ID: fmt.Sprintf("u%07d", i), Name: "A"}, "xin chào"))
		}
		ctx, cancel := context.WithCancel(context.Background())
		b.ResetTimer()
		start := time.Now()
		stopped := make(chan struct{})
		go func() { defer close(stopped); z.Poll(ctx, d) }()
		for handled.Load() < int64(b.N) {
			<-committed
		}
		cancel()
		<-stopped
		d.Close()
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
		b.ReportMetric(float64(fake.MaxConcurrentPolls()), "polls_in_flight")
	})
}
