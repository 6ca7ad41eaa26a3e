package bot

import (
	"fmt"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// dueAfter says a reminder per recipient is due from a time on.
type dueAfter struct {
	from       time.Time
	recipients []string
	calls      int
}

func (d *dueAfter) Due(tx *storage.Tx, now time.Time) ([]chat.Message, error) {
	d.calls++
	if now.Before(d.from) {
		return nil, nil
	}
	var out []chat.Message
	for _, r := range d.recipients {
		key := "reminder/test/1/" + r
		if _, err := tx.OutboxByKey(key); err == nil {
			continue
		}
		out = append(out, chat.Message{Transport: "test", Chat: r, Text: "nhắc", Key: key})
	}
	return out, nil
}

func TestScheduler_exactlyOnceAcrossRestarts(t *testing.T) {
	db := mustOpenDB(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	src := &dueAfter{from: now.Add(time.Hour), recipients: []string{"a", "b", "c"}}
	newSched := func() *Scheduler {
		return NewScheduler(db, src, SchedulerOptions{Now: func() time.Time { return now }})
	}
	s := newSched()
	if n, err := s.Tick(); err != nil || n != 0 {
		t.Fatalf("before due: %d %v", n, err)
	}
	now = now.Add(2 * time.Hour) // chibo was down across the due time
	s = newSched()               // a restart
	if n, err := s.Tick(); err != nil || n != 3 {
		t.Fatalf("catch-up tick: %d %v", n, err)
	}
	for range 3 {
		if n, err := newSched().Tick(); err != nil || n != 0 {
			t.Fatalf("repeat tick sent %d again (%v)", n, err)
		}
	}
	got := rows(t, db)
	if len(got) != 3 {
		t.Fatalf("outbox %v", got)
	}
}

func TestScheduler_refusesUnkeyed(t *testing.T) {
	db := mustOpenDB(t)
	s := NewScheduler(db, dueFunc(func() []chat.Message { return []chat.Message{{Transport: "test", Chat: "a", Text: "x"}} }), SchedulerOptions{})
	if _, err := s.Tick(); err == nil {
		t.Fatal("an unkeyed reminder was accepted: it could be sent on every tick")
	}
}

type dueFunc func() []chat.Message

func (f dueFunc) Due(*storage.Tx, time.Time) ([]chat.Message, error) { return f(), nil }

func TestScheduler_prunesOldEventKeysAndDeliveries(t *testing.T) {
	db := mustOpenDB(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	_ = db.Update(func(tx *storage.Tx) error {
		for i := range 10 {
			if err := tx.MarkProcessed(fmt.Sprint("tg:", i), now.Add(-time.Duration(i)*24*time.Hour)); err != nil {
				return err
			}
		}
		// A message a week for ten weeks, each delivered a minute later.
		for i := 9; i >= 0; i-- {
			at := now.Add(-time.Duration(i) * 7 * 24 * time.Hour)
			it := &storage.OutboxItem{Transport: "test", Chat: "a", Payload: []byte("{}")}
			if _, err := tx.Enqueue(it, at); err != nil {
				return err
			}
			it.State, it.Ended = storage.OutboxSent, at.Add(time.Minute)
			if err := tx.UpdateOutbox(it); err != nil {
				return err
			}
		}
		return nil
	})
	s := NewScheduler(db, dueFunc(func() []chat.Message { return nil }), SchedulerOptions{Now: func() time.Time { return now }})
	if events, delivered, err := s.Prune(); err != nil || events != 2 || delivered != 5 {
		t.Fatalf("pruned %d events and %d deliveries (%v), want 2 (older than 7 days) and 5 (older than 30 days)", events, delivered, err)
	}
}

// housekeeper has batches of daily work left; a batch fails once when fail is set.
type housekeeper struct {
	dueFunc
	fail      int
	committed []int // batches left as each transaction saw them
}

func (h *housekeeper) Housekeep(tx *storage.Tx, now time.Time) (bool, error) {
	n := int(tx.MetaInt("test_left"))
	h.committed = append(h.committed, n)
	if h.fail > 0 && n == h.fail {
		h.fail = 0
		return false, fmt.Errorf("disk full")
	}
	if n == 0 {
		return false, nil
	}
	return n > 1, tx.PutMetaInt("test_left", int64(n-1))
}

// A tick runs the daily work after the reminders, a batch per transaction
// (each sees the last one committed) until none is left; a batch that fails
// leaves the committed ones and the next tick resumes from there.
func TestScheduler_housekeepsInBatches(t *testing.T) {
	db := mustOpenDB(t)
	_ = db.Update(func(tx *storage.Tx) error { return tx.PutMetaInt("test_left", 5) })
	src := &housekeeper{dueFunc: func() []chat.Message { return nil }, fail: 2}
	s := NewScheduler(db, src, SchedulerOptions{})
	if _, err := s.Tick(); err == nil {
		t.Fatal("a failed batch was not reported")
	}
	if want := []int{5, 4, 3, 2}; fmt.Sprint(src.committed) != fmt.Sprint(want) {
		t.Fatalf("batches saw %v, want %v", src.committed, want)
	}
	src.committed = nil
	if _, err := s.Tick(); err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 1}; fmt.Sprint(src.committed) != fmt.Sprint(want) {
		t.Fatalf("after the failure, batches saw %v, want %v", src.committed, want)
	}
}

// stepper is a DueStepper with one row per recipient, due from a time on.
type stepper struct {
	from       time.Time
	recipients []string
	steps      int
	onStep     func(n int)
}

func (d *stepper) Due(tx *storage.Tx, now time.Time) ([]chat.Message, error) {
	panic("a DueStepper's Due is not used by the scheduler")
}

func (d *stepper) DueStep(tx *storage.Tx, now time.Time, after []byte) ([]chat.Message, []byte, bool, error) {
	i := 0
	if after != nil {
		i = int(after[0]) + 1
	}
	if now.Before(d.from) || i >= len(d.recipients) {
		return nil, nil, false, nil
	}
	d.steps++
	if d.onStep != nil {
		d.onStep(d.steps)
	}
	key := "reminder/test/1/" + d.recipients[i]
	if _, err := tx.OutboxByKey(key); err == nil {
		return nil, []byte{byte(i)}, true, nil
	}
	return []chat.Message{{Transport: "test", Chat: d.recipients[i], Text: "nhắc", Key: key}}, []byte{byte(i)}, true, nil
}

// A tick stops between two of its transactions when the scheduler stops,
// and the next start does the rest, each reminder once.
func TestScheduler_stopsMidTickAndResumes(t *testing.T) {
	db := mustOpenDB(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	src := &stepper{from: now, recipients: []string{"a", "b", "c", "d", "e", "f"}}
	s := NewScheduler(db, src, SchedulerOptions{Now: func() time.Time { return now }})
	src.onStep = func(n int) {
		if n == 2 {
			s.Stop() // SIGTERM while the tick is at its second row
		}
	}
	n, err := s.Tick()
	if err != nil || n != 2 {
		t.Fatalf("stopped tick enqueued %d (%v), want the 2 rows done before the stop", n, err)
	}
	if got := rows(t, db); len(got) != 2 {
		t.Fatalf("outbox after the stop: %v", got)
	}
	src.onStep = nil
	if n, err := NewScheduler(db, src, SchedulerOptions{Now: func() time.Time { return now }}).Tick(); err != nil || n != 4 {
		t.Fatalf("tick after the restart enqueued %d (%v), want the other 4", n, err)
	}
	if got := rows(t, db); len(got) != 6 {
		t.Fatalf("outbox %v", got)
	}
}
