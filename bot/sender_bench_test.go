package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// nopTransport accepts every message at once.
type nopTransport struct{}

func (nopTransport) Send(context.Context, chat.Message) error { return nil }

// BenchmarkSender_backlog measures the sender alone: b.N rows to b.N
// distinct chats waiting in the outbox (a database with fsync), a transport
// that answers at once, no limiter, the default concurrency. Its cost per
// message is the loop's and the recording's.
func BenchmarkSender_backlog(b *testing.B) {
	db, err := storage.Open(filepath.Join(b.TempDir(), "chibo.db"), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var msgs []chat.Message
	for i := range b.N {
		msgs = append(msgs, chat.Message{Transport: "t", Chat: fmt.Sprint(i), Text: "x"})
	}
	if err := db.Update(func(tx *storage.Tx) error { return Enqueue(tx, time.Now(), msgs...) }); err != nil {
		b.Fatal(err)
	}
	s := NewSender(db, map[string]Transport{"t": nopTransport{}}, SenderOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	b.ResetTimer()
	start := time.Now()
	go func() { defer close(done); s.Run(ctx) }()
	for s.Stats().Sent < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msg/s")
}

// BenchmarkRateLimiter_manyChats reserves and answers a request for b.N
// distinct chats at 100,000 a second (a raised overall rate), so more than
// 10,000 chats are within their interval at once: the cost per request
// must stay flat, not grow with the chats remembered.
func BenchmarkRateLimiter_manyChats(b *testing.B) {
	l := NewRateLimiter(RateLimits{PerSecond: 1e6})
	now := time.Unix(1000, 0)
	for i := range b.N {
		chat := fmt.Sprint(i)
		if d, _ := l.Reserve(chat, false, now); d != 0 {
			b.Fatalf("request %d waits %v", i, d)
		}
		l.Done(chat, false, now)
		now = now.Add(10 * time.Microsecond)
	}
}
