package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A failing outbox read does not stop the sender (chibo would keep taking
// updates and never answer): it is logged, retried with back-off and
// reported by Healthy, and sending goes on once the read works again.
func TestSender_outboxReadFailureIsRetried(t *testing.T) {
	db := mustOpenDB(t)
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{}}
	var logs syncBuffer
	s := NewSender(db, map[string]Transport{"test": ft}, SenderOptions{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	var mu sync.Mutex
	broken := true
	s.pendingAfter = func(tx *storage.Tx, after uint64, limit int) ([]storage.OutboxItem, error) {
		mu.Lock()
		defer mu.Unlock()
		if broken {
			return nil, errors.New("outbox row 7: unexpected end of JSON input")
		}
		return tx.PendingAfter(after, limit)
	}
	enqueue(t, db, chat.Message{Transport: "test", Chat: "1", Text: "hello"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitUntil(t, "two failed reads", func() bool { return strings.Count(logs.String(), "outbox read failed") >= 2 })
	if err := s.Healthy(); !errors.Is(err, ErrOutboxUnreadable) {
		t.Fatalf("Healthy() = %v while the outbox cannot be read", err)
	}
	mu.Lock()
	broken = false
	mu.Unlock()
	waitUntil(t, "the message sent", func() bool { return s.Stats().Sent == 1 })
	if err := s.Healthy(); err != nil {
		t.Errorf("Healthy() = %v after the read works again", err)
	}
}

// After GiveUpAfter of failed reads Run returns an error, so chibo exits
// and its supervisor restarts it.
func TestSender_givesUpAfterContinuousReadFailure(t *testing.T) {
	db := mustOpenDB(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { // every look at the clock is a minute later
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
	s := NewSender(db, map[string]Transport{}, SenderOptions{Now: clock, GiveUpAfter: 5 * time.Minute})
	s.pendingAfter = func(*storage.Tx, uint64, int) ([]storage.OutboxItem, error) {
		return nil, errors.New("input/output error")
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrOutboxUnreadable) {
			t.Fatalf("Run returned %v, want ErrOutboxUnreadable", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run still running after the outbox failed for 5 minutes")
	}
}

// recordingLimiter records what the sender tells the limiter.
type recordingLimiter struct {
	Unlimited
	mu    sync.Mutex
	held  []string
	done  map[string]time.Time
	group map[string]bool
}

func (l *recordingLimiter) Hold(chat string, group bool, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held = append(l.held, chat)
}

func (l *recordingLimiter) Done(chat string, group bool, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.done[chat]; !ok {
		l.done[chat] = now
		l.group[chat] = group
	}
}

// After a restart only the chats that may have had a message within their
// interval are held back: those with a row sent in the last seconds, and
// those with rows pending at start (the head may have been in flight when
// the process died). A chat first written to after the start goes at once.
func TestSender_restartHoldsOnlyChatsThatMayHaveHadASend(t *testing.T) {
	db := mustOpenDB(t)
	start := time.Now()
	enqueue(t, db, chat.Message{Transport: "test", Chat: "recent", Text: "before"}, chat.Message{Transport: "test", Chat: "old", Text: "long ago"})
	err := db.Update(func(tx *storage.Tx) error {
		rows, err := tx.OutboxRows()
		if err != nil {
			return err
		}
		rows[0].State, rows[0].Ended = storage.OutboxSent, start.Add(-500*time.Millisecond)
		rows[1].State, rows[1].Ended = storage.OutboxSent, start.Add(-time.Hour)
		for i := range rows {
			if err := tx.UpdateOutbox(&rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, db, chat.Message{Transport: "test", Chat: "waiting", Text: "pending at start"})
	lim := &recordingLimiter{done: map[string]time.Time{}, group: map[string]bool{}}
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{}}
	s := NewSender(db, map[string]Transport{"test": ft}, SenderOptions{Limiter: lim, Now: func() time.Time { return start }})
	if err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	enqueue(t, db, chat.Message{Transport: "test", Chat: "new", Text: "after the start"})
	if err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := lim.held; len(got) != 1 || got[0] != "test:waiting" {
		t.Errorf("held %v, want only test:waiting", got)
	}
	if at, ok := lim.done["test:recent"]; !ok || !at.Equal(start.Add(-500*time.Millisecond)) {
		t.Errorf("the limiter was not told of the send 0.5 s before the start (%v)", lim.done)
	}
	if _, ok := lim.done["test:old"]; ok {
		t.Error("the limiter was told of a send an hour old")
	}
	if len(ft.sent["new"]) != 1 || len(ft.sent["waiting"]) != 1 {
		t.Errorf("sent %v", ft.sent)
	}
}

// The sender reads the outbox when told rows were committed (Notify), not
// once per send result: 200 messages cost a read or two, not 200 (each
// read decoded the new rows in a transaction of its own).
func TestSender_readsTheOutboxWhenToldNotPerResult(t *testing.T) {
	db := mustOpenDB(t)
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{}}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s := NewSender(db, map[string]Transport{"test": ft}, SenderOptions{Now: func() time.Time { return now }})
	var reads atomic.Int64
	s.pendingAfter = func(tx *storage.Tx, after uint64, limit int) ([]storage.OutboxItem, error) {
		reads.Add(1)
		return tx.PendingAfter(after, limit)
	}
	var msgs []chat.Message
	for i := range 200 {
		msgs = append(msgs, chat.Message{Transport: "test", Chat: fmt.Sprint(i % 50), Text: fmt.Sprint(i)})
	}
	enqueue(t, db, msgs...)
	if err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Sent != 200 {
		t.Fatalf("sent %d of 200", st.Sent)
	}
	if n := reads.Load(); n > 2 {
		t.Errorf("the outbox was read %d times for 200 messages committed at once", n)
	}
	enqueue(t, db, chat.Message{Transport: "test", Chat: "late", Text: "after"})
	s.Notify()
	if err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ft.sent["late"]; len(got) != 1 {
		t.Errorf("a row committed later was not sent: %v", got)
	}
}

func TestConcurrencyFor(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want int
	}{{5, DefaultConcurrency}, {30, DefaultConcurrency}, {35, 9}, {40, 10}, {100, 25}, {1000, MaxConcurrency}, {100000, MaxConcurrency}} {
		if got := ConcurrencyFor(c.rate); got != c.want {
			t.Errorf("ConcurrencyFor(%v) = %d, want %d", c.rate, got, c.want)
		}
	}
}
