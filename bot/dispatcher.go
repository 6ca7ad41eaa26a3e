package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// DispatcherOptions configure a Dispatcher. Zero values mean defaults.
type DispatcherOptions struct {
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Log receives faults, with event keys only. Nil discards.
	Log *slog.Logger
	// OnCommit is called after events were committed, for example to wake
	// the outbox sender. Nil means nothing.
	OnCommit func()
	// OnDispatched is called after each Dispatch with the number of events,
	// how long handling and committing them took, and Dispatch's error, for
	// metrics. It must not block. Nil means nothing.
	OnDispatched func(events int, took time.Duration, err error)
	// OnEnqueued is called after a batch was committed, before OnCommit,
	// with the outbox rows it added, in order, so the sender can take them
	// without reading them back (Sender.Offer). It must not block. Nil
	// means nothing.
	OnEnqueued func(rows []Enqueued)
}

// Enqueued is an outbox row as committed, with the message it holds.
type Enqueued struct {
	Item storage.OutboxItem
	// Msg is the row's payload decoded; nil when the sender should decode
	// it itself (a message with a document).
	Msg *chat.Message
}

// Dispatcher handles events exactly once each: in one transaction it skips a
// key already processed, runs the handler, appends its replies to the outbox
// and records the key.
//
// A batch (one getUpdates answer) is handled in order in a single
// transaction: bbolt has one writer, so running chats in parallel would gain
// nothing, while one commit per batch keeps fsync off the per-event path.
// Concurrent single events (webhook calls) share commits (groupCommit), and
// a lone one commits at once.
type Dispatcher struct {
	db    *storage.DB
	h     Handler
	opt   DispatcherOptions
	group groupCommit
	mu    sync.Mutex
	stop  bool
	busy  sync.WaitGroup
}

// ErrStopped means the dispatcher no longer takes events.
var ErrStopped = errors.New("dispatcher stopped")

// NewDispatcher makes a dispatcher writing to db.
func NewDispatcher(db *storage.DB, h Handler, opt DispatcherOptions) *Dispatcher {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.OnCommit == nil {
		opt.OnCommit = func() {}
	}
	if opt.OnDispatched == nil {
		opt.OnDispatched = func(int, time.Duration, error) {}
	}
	if opt.OnEnqueued == nil {
		opt.OnEnqueued = func([]Enqueued) {}
	}
	return &Dispatcher{db: db, h: h, opt: opt}
}

// Dispatch handles a batch of events in order and returns when every one is
// committed, so the caller may then confirm the batch to the messenger. An
// error means some events may not be committed: the caller must not confirm
// the batch and will see the events again.
func (d *Dispatcher) Dispatch(ctx context.Context, evs []chat.Event) error {
	return d.DispatchThen(ctx, evs, nil)
}

// DispatchThen is Dispatch, and runs then (when not nil) in the same
// transaction as the events' effects, after them: a messenger's intake
// records there how far it has read (Telegram's getUpdates offset), so the
// batch and its confirmation are one commit, not two. then must be safe to
// run twice (it runs again, in a transaction of its own, when a handler
// failed and the events went one at a time). then runs even when evs holds
// no event.
func (d *Dispatcher) DispatchThen(ctx context.Context, evs []chat.Event, then func(tx *storage.Tx) error) error {
	d.mu.Lock()
	if d.stop {
		d.mu.Unlock()
		return ErrStopped
	}
	d.busy.Add(1)
	d.mu.Unlock()
	defer d.busy.Done()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, ev := range evs {
		if ev.Key == "" {
			return errors.New("event without key")
		}
	}
	if len(evs) == 0 {
		if then == nil {
			return nil
		}
		return d.group.do(d.db, then)
	}
	start := time.Now() // the wall clock, not opt.Now: a duration for metrics
	err := d.dispatch(evs, then)
	d.opt.OnDispatched(len(evs), time.Since(start), err)
	return err
}

func (d *Dispatcher) dispatch(evs []chat.Event, then func(tx *storage.Tx) error) error {
	var added []Enqueued
	all := func(tx *storage.Tx) error {
		added = added[:0] // a shared commit that failed runs this again
		for _, ev := range evs {
			if err := d.handle(tx, ev, &added); err != nil {
				return err
			}
		}
		if then != nil {
			return then(tx)
		}
		return nil
	}
	var err error
	switch len(evs) {
	case 1:
		err = d.group.do(d.db, all)
	default:
		err = d.db.Update(all)
	}
	var fault handlerFault
	if err == nil && len(added) > 0 {
		d.opt.OnEnqueued(added)
	}
	if errors.As(err, &fault) {
		// Some handler failed and the whole transaction rolled back: go
		// again one event at a time, so only the faulty one is apologised for.
		// (The sender reads these rows from the outbox.)
		err = nil
		for _, ev := range evs {
			if err = d.one(ev); err != nil {
				break
			}
		}
		if err == nil && then != nil {
			err = d.group.do(d.db, then)
		}
	}
	if err == nil {
		d.opt.OnCommit()
	}
	return err
}

// handlerFault is an error of the handler, as opposed to one of storage.
type handlerFault struct{ err error }

func (f handlerFault) Error() string { return f.err.Error() }

// handle applies one event in tx, unless it was processed before.
func (d *Dispatcher) handle(tx *storage.Tx, ev chat.Event, added *[]Enqueued) error {
	if tx.Processed(ev.Key) {
		return nil
	}
	msgs, err := d.safeHandle(tx, ev)
	if err != nil {
		return handlerFault{err}
	}
	return d.commit(tx, ev, msgs, added)
}

// one handles a single event in its own transaction; if the handler fails,
// its effects are rolled back and the event is recorded as processed with an
// apology, so one bad event cannot block the chat.
func (d *Dispatcher) one(ev chat.Event) error {
	err := d.group.do(d.db, func(tx *storage.Tx) error { return d.handle(tx, ev, nil) })
	var fault handlerFault
	if !errors.As(err, &fault) {
		if err != nil {
			return fmt.Errorf("event %s: %w", ev.Key, err)
		}
		return nil
	}
	d.opt.Log.Error("handler failed", "event", ev.Key, "transport", ev.Transport, "err", fault.err)
	err = d.group.do(d.db, func(tx *storage.Tx) error {
		if tx.Processed(ev.Key) {
			return nil
		}
		return d.commit(tx, ev, d.h.InternalError(ev), nil)
	})
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.Key, err)
	}
	return nil
}

func (d *Dispatcher) safeHandle(tx *storage.Tx, ev chat.Event) (msgs []chat.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return d.h.Handle(tx, ev)
}

// commit enqueues the event's replies and marks it processed; the rows
// added go to *added when it is not nil.
func (d *Dispatcher) commit(tx *storage.Tx, ev chat.Event, msgs []chat.Message, added *[]Enqueued) error {
	now := d.opt.Now()
	if err := enqueueRows(tx, now, msgs, added); err != nil {
		return err
	}
	return tx.MarkProcessed(ev.Key, now)
}

// Enqueue appends messages to the outbox in tx. A message with a Key is
// enqueued at most once, ever.
func Enqueue(tx *storage.Tx, now time.Time, msgs ...chat.Message) error {
	return enqueueRows(tx, now, msgs, nil)
}

func enqueueRows(tx *storage.Tx, now time.Time, msgs []chat.Message, added *[]Enqueued) error {
	for _, m := range msgs {
		payload, err := json.Marshal(m)
		if err != nil {
			return err
		}
		it := &storage.OutboxItem{Key: m.Key, KeyUntil: m.KeyUntil, Transport: m.Transport, Chat: m.Chat, Group: m.Group, Payload: payload, NotBefore: m.NotBefore}
		ok, err := tx.Enqueue(it, now)
		if err != nil {
			return err
		}
		if ok && added != nil {
			e := Enqueued{Item: *it}
			if m.Document == nil {
				stored := m.Stored() // as the payload decodes
				e.Msg = &stored
			}
			*added = append(*added, e)
		}
	}
	return nil
}

// Close stops taking events and waits for the batches in flight.
func (d *Dispatcher) Close() {
	d.mu.Lock()
	d.stop = true
	d.mu.Unlock()
	d.busy.Wait()
}
