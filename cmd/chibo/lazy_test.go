package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"chibo/bot"
	"chibo/flows/chat"
)

type recordingTransport struct {
	mu   sync.Mutex
	sent []string
}

func (r *recordingTransport) Send(_ context.Context, m chat.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m.Text)
	return nil
}

// Before its messenger has connected, a send does not fail: it waits for
// the connection, and when it cannot wait longer it goes back unsent, which
// the sender does not count as an attempt. In a synctest bubble, so that the
// send is surely waiting when the connection comes.
func TestLazyTransport_sendWaitsForTheConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l lazyTransport
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := l.Send(ctx, chat.Message{Text: "early"})
		var se *bot.SendError
		if !errors.As(err, &se) || !se.Unsent || se.Outcome != bot.SendRetry {
			t.Fatalf("send before the connection = %v, want a retry marked unsent", err)
		}
		// Waiting longer than connectWait: unsent too.
		err = l.Send(context.Background(), chat.Message{Text: "too early"})
		if !errors.As(err, &se) || !se.Unsent {
			t.Fatalf("send that waited %s = %v, want unsent", connectWait, err)
		}
		rec := &recordingTransport{}
		done := make(chan error)
		go func() { done <- l.Send(context.Background(), chat.Message{Text: "waiting"}) }()
		synctest.Wait() // the send is waiting for the connection
		// Another send meanwhile does not wait too: it comes back unsent at
		// once, to try again soon, and its sender's slot serves others.
		began := time.Now()
		err = l.Send(context.Background(), chat.Message{Text: "second"})
		if !errors.As(err, &se) || !se.Unsent || se.RetryAfter != connectRetry || time.Since(began) != 0 {
			t.Fatalf("a second send while one waits = %v after %s, want unsent at once, again in %s", err, time.Since(began), connectRetry)
		}
		l.set(rec)
		if err := <-done; err != nil {
			t.Fatalf("send around the connection: %v", err)
		}
		l.set(rec) // a reconnect sets it again
		if err := l.Send(context.Background(), chat.Message{Text: "after"}); err != nil {
			t.Fatal(err)
		}
		if len(rec.sent) != 2 || rec.sent[0] != "waiting" || rec.sent[1] != "after" {
			t.Fatalf("sent %v", rec.sent)
		}
	})
}
