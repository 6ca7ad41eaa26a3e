package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"chibo/storage"
)

// DispatcherOptions configure a Dispatcher. Zero values mean defaults.
type DispatcherOptions struct {
	// Workers is how many chats are handled at once. Zero means 16.
	Workers int
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Log receives faults, with event keys only. Nil discards.
	Log *slog.Logger
	// OnCommit is called after events were committed, for example to wake
	// the outbox sender. Nil means nothing.
	OnCommit func()
}

// Dispatcher handles events exactly once each: in one transaction it skips a
// key already processed, runs the handler, appends its replies to the outbox
// and records the key. Events of one chat run in order; chats run in parallel.
type Dispatcher struct {
	db   *storage.DB
	h    Handler
	opt  DispatcherOptions
	mu   sync.Mutex
	stop bool
	busy sync.WaitGroup
}

// ErrStopped means the dispatcher no longer takes events.
var ErrStopped = errors.New("dispatcher stopped")

// NewDispatcher makes a dispatcher writing to db.
func NewDispatcher(db *storage.DB, h Handler, opt DispatcherOptions) *Dispatcher {
	if opt.Workers <= 0 {
		opt.Workers = 16
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.OnCommit == nil {
		opt.OnCommit = func() {}
	}
	return &Dispatcher{db: db, h: h, opt: opt}
}

// Dispatch handles a batch of events and returns when every one is
// committed, so the caller may then confirm the batch to the messenger. An
// error means some events may not be committed: the caller must not confirm
// the batch and will see the events again.
func (d *Dispatcher) Dispatch(ctx context.Context, evs []Event) error {
	d.mu.Lock()
	if d.stop {
		d.mu.Unlock()
		return ErrStopped
	}
	d.busy.Add(1)
	d.mu.Unlock()
	defer d.busy.Done()

	// Shard by chat: a chat's events go to one worker, in order.
	shards := make([][]Event, min(d.opt.Workers, len(evs)))
	for _, ev := range evs {
		h := fnv.New32a()
		h.Write([]byte(ev.Transport + ":" + ev.Chat))
		i := int(h.Sum32() % uint32(len(shards)))
		shards[i] = append(shards[i], ev)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(shards))
	for i, shard := range shards {
		if len(shard) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, ev := range shard {
				if err := ctx.Err(); err != nil {
					errs[i] = err
					return
				}
				if err := d.handle(ev); err != nil {
					errs[i] = err
					return // later events of this chat must wait for this one
				}
			}
		}()
	}
	wg.Wait()
	d.opt.OnCommit()
	return errors.Join(errs...)
}

// handlerFault is an error of the handler, as opposed to one of storage.
type handlerFault struct{ err error }

func (f handlerFault) Error() string { return f.err.Error() }

func (d *Dispatcher) handle(ev Event) error {
	if ev.Key == "" {
		return errors.New("event without key")
	}
	err := d.db.Batch(func(tx *storage.Tx) error {
		if tx.Processed(ev.Key) {
			return nil
		}
		msgs, err := d.safeHandle(tx, ev)
		if err != nil {
			return handlerFault{err}
		}
		return d.commit(tx, ev, msgs)
	})
	var fault handlerFault
	if !errors.As(err, &fault) {
		if err != nil {
			return fmt.Errorf("event %s: %w", ev.Key, err)
		}
		return nil
	}
	// The handler failed: its effects are rolled back. Record the event as
	// processed with an apology, so one bad event cannot block the chat.
	d.opt.Log.Error("handler failed", "event", ev.Key, "transport", ev.Transport, "err", fault.err)
	err = d.db.Batch(func(tx *storage.Tx) error {
		if tx.Processed(ev.Key) {
			return nil
		}
		return d.commit(tx, ev, d.h.InternalError(ev))
	})
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.Key, err)
	}
	return nil
}

func (d *Dispatcher) safeHandle(tx *storage.Tx, ev Event) (msgs []Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return d.h.Handle(tx, ev)
}

func (d *Dispatcher) commit(tx *storage.Tx, ev Event, msgs []Message) error {
	now := d.opt.Now()
	if err := Enqueue(tx, now, msgs...); err != nil {
		return err
	}
	return tx.MarkProcessed(ev.Key, now)
}

// Enqueue appends messages to the outbox in tx. A message with a Key is
// enqueued at most once, ever.
func Enqueue(tx *storage.Tx, now time.Time, msgs ...Message) error {
	for _, m := range msgs {
		payload, err := json.Marshal(m)
		if err != nil {
			return err
		}
		it := &storage.OutboxItem{Key: m.Key, Transport: m.Transport, Chat: m.Chat, Group: m.Group, Payload: payload}
		if _, err := tx.Enqueue(it, now); err != nil {
			return err
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
