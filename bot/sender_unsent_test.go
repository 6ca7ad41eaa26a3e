package bot

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// A send its transport never handed to the messenger (not connected yet,
// at start) waits for it: it does not use up the row's attempts, keeps the
// chat's order, and goes once the transport is there.
func TestSender_unsentWaitsWithoutUsingAttempts(t *testing.T) {
	db := mustOpenDB(t)
	notConnected := &SendError{Outcome: SendRetry, RetryAfter: time.Second, Unsent: true, Reason: "transport not connected"}
	var fails []error
	for range 12 { // more than MaxAttempts
		fails = append(fails, notConnected)
	}
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{"a": fails}}
	// Each reading of the clock is 2 s after the one before: a row that
	// waits a second is due at the loop's next turn.
	var ticks atomic.Int64
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s := NewSender(db, map[string]Transport{"test": ft}, SenderOptions{
		MaxAttempts: 3,
		Now:         func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * 2 * time.Second) },
	})
	enqueue(t, db, chat.Message{Transport: "test", Chat: "a", Text: "a1"}, chat.Message{Transport: "test", Chat: "a", Text: "a2"},
		chat.Message{Transport: "test", Chat: "b", Text: "b1"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ft.sent["a"], ft.sent["b"]); got != "[a1 a2] [b1]" {
		t.Fatalf("sent %s, want [a1 a2] [b1]", got)
	}
	r := rows(t, db)
	for _, it := range r["a"] {
		if it.State != storage.OutboxSent || it.Attempts != 1 {
			t.Errorf("row %d: %s after %d attempts (%q), want sent after 1", it.ID, it.State, it.Attempts, it.Reason)
		}
	}
	if st := s.Stats(); st.Sent != 3 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
}
