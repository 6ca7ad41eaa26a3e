package bot

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// TestSender_OnResult checks the result each attempt reports, which the
// metrics count.
func TestSender_OnResult(t *testing.T) {
	db := mustOpenDB(t)
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{
		"retry":   {&SendError{Outcome: SendRetry, Reason: "500"}},
		"blocked": {&SendError{Outcome: SendBlocked, Reason: "403"}},
		"refused": {&SendError{Outcome: SendPermanent, Reason: "400"}},
		"flaky":   {errors.New("reset"), errors.New("reset")},
	}}
	enqueue(t, db,
		chat.Message{Transport: "test", Chat: "ok", Text: "a", Key: "reminder/x/1/1"},
		chat.Message{Transport: "test", Chat: "retry", Text: "b"},
		chat.Message{Transport: "test", Chat: "blocked", Text: "c"},
		chat.Message{Transport: "test", Chat: "refused", Text: "d"},
		chat.Message{Transport: "test", Chat: "flaky", Text: "e"},
	)
	var mu sync.Mutex
	got := map[string][]string{}
	s := NewSender(db, map[string]Transport{"test": ft}, SenderOptions{
		MaxAttempts: 2,
		Backoff:     func(int) time.Duration { return 0 },
		OnResult: func(it *storage.OutboxItem, result string) {
			mu.Lock()
			defer mu.Unlock()
			got[it.Chat] = append(got[it.Chat], result)
		},
	})
	if err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"ok":      {ResultSent},
		"retry":   {ResultRetry, ResultSent},
		"blocked": {ResultBlocked},
		"refused": {ResultPermanent},
		"flaky":   {ResultRetry, ResultFailed},
	}
	for chat, w := range want {
		if !slices.Equal(got[chat], w) {
			t.Errorf("%s: %v, want %v", chat, got[chat], w)
		}
	}
}

// TestDispatcher_OnDispatched checks that each batch reports its size and
// outcome, for the metrics of updates handled.
func TestDispatcher_OnDispatched(t *testing.T) {
	db := mustOpenDB(t)
	type call struct {
		n   int
		err bool
	}
	var calls []call
	d := NewDispatcher(db, &countingHandler{}, DispatcherOptions{OnDispatched: func(n int, took time.Duration, err error) {
		if took <= 0 {
			t.Errorf("took %v", took)
		}
		calls = append(calls, call{n, err != nil})
	}})
	ctx := context.Background()
	d.Dispatch(ctx, []chat.Event{ev("k1", "a", "x"), ev("k2", "b", "y")})
	d.Dispatch(ctx, []chat.Event{ev("k3", "a", "z")})
	d.Dispatch(ctx, nil)
	if want := []call{{2, false}, {1, false}}; !slices.Equal(calls, want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
}
