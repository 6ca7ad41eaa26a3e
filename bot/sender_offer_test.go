package bot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Rows the dispatcher just committed go to the sender as they are: an
// offered row is sent with the offered message, not read back.
func TestSender_sendsAnOfferedRowAsOffered(t *testing.T) {
	db := mustOpenDB(t)
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{}}
	s := NewSender(db, map[string]Transport{"test": ft}, SenderOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil { // reads the (empty) outbox once
		t.Fatal(err)
	}
	var it storage.OutboxItem
	err := db.Update(func(tx *storage.Tx) error {
		it = storage.OutboxItem{Transport: "test", Chat: "a", Payload: []byte(`{"transport":"test","chat":"a","text":"from the outbox"}`)}
		_, err := tx.Enqueue(&it, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Offer([]Enqueued{{Item: it, Msg: &chat.Message{Transport: "test", Chat: "a", Text: "as offered"}}})
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ft.sent["a"]); got != "[as offered]" {
		t.Fatalf("sent %s, want [as offered]", got)
	}
}

// Offers, rows other writers enqueue between them (reminders), offers that
// come late or twice: every row goes once, in order per chat.
func TestSender_offeredAndReadRowsGoOnce(t *testing.T) {
	db := mustOpenDB(t)
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{}}
	s := NewSender(db, map[string]Transport{"test": ft}, SenderOptions{})
	var offered [][]Enqueued
	d := NewDispatcher(db, &countingHandler{}, DispatcherOptions{
		OnEnqueued: func(rows []Enqueued) { offered = append(offered, rows); s.Offer(rows) },
		OnCommit:   s.Notify,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	want := 0
	expect, effects := map[string][]string{}, map[string]int{}
	for i := range 60 {
		var batch []chat.Event
		for j := range 3 {
			c, text := fmt.Sprint("c", (i+j)%4), fmt.Sprint("u", i*3+j)
			batch = append(batch, ev(fmt.Sprint("k", i, "-", j), c, text))
			effects[c]++
			expect[c] = append(expect[c], fmt.Sprintf("%s#%d", text, effects[c]))
		}
		if err := d.Dispatch(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		want += 3
		switch i % 5 {
		case 1: // a reminder between two batches: the next offer does not follow
			c := fmt.Sprint("c", i%4)
			enqueue(t, db, chat.Message{Transport: "test", Chat: c, Text: fmt.Sprint("r", i)})
			expect[c] = append(expect[c], fmt.Sprint("r", i))
			s.Notify()
			want++
		case 3: // an offer again, late
			s.Offer(offered[len(offered)-2])
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Sent < int64(want) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Sent != int64(want) {
		t.Fatalf("sent %d, want %d", st.Sent, want)
	}
	for c, w := range expect {
		if got := ft.sent[c]; fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("chat %s got %v, want %v (the outbox's order, each once)", c, got, w)
		}
	}
}
