package bot

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"chibo/storage"
)

// DueSource says what is due to be sent at a time. flows.Engine is one.
type DueSource interface {
	// Due returns messages due at now, each with a Key; a key already in the
	// outbox is never sent again.
	Due(tx *storage.Tx, now time.Time) ([]Message, error)
}

// SchedulerOptions configure a Scheduler. Zero values mean defaults.
type SchedulerOptions struct {
	// Spec is the cron spec of the ticks. Empty means every minute.
	Spec string
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Log receives faults. Nil discards.
	Log *slog.Logger
	// OnCommit is called after a tick enqueued messages (to wake the sender).
	OnCommit func()
	// KeepEvents is how long processed event keys are kept for dedupe.
	// Zero means 7 days (Telegram re-delivers for at most 24 hours).
	KeepEvents time.Duration
}

// Scheduler is the clock of reminders: cron ticks ask the DueSource what is
// due and put it in the outbox. Whether something is due is computed from
// data, so a tick missed while chibo was down is caught up by the first tick
// after start, and nothing is sent twice.
type Scheduler struct {
	db   *storage.DB
	src  DueSource
	opt  SchedulerOptions
	cron *cron.Cron
	mu   sync.Mutex // one tick at a time, from cron or from Tick
}

// NewScheduler makes a scheduler. It does nothing until Start.
func NewScheduler(db *storage.DB, src DueSource, opt SchedulerOptions) *Scheduler {
	if opt.Spec == "" {
		opt.Spec = "@every 1m"
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
	if opt.KeepEvents == 0 {
		opt.KeepEvents = 7 * 24 * time.Hour
	}
	l := cronLogger{opt.Log}
	// SkipIfStillRunning before Recover: the other order leaves a job
	// skipped forever after its first panic.
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)), cron.WithLogger(l))
	return &Scheduler{db: db, src: src, opt: opt, cron: c}
}

// Tick enqueues what is due now, in one transaction, and returns how many
// messages it enqueued.
func (s *Scheduler) Tick() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	n := 0
	err := s.db.Update(func(tx *storage.Tx) error {
		n = 0
		msgs, err := s.src.Due(tx, now)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Key == "" {
				return errors.New("due message without key")
			}
		}
		n = len(msgs)
		return Enqueue(tx, now, msgs...)
	})
	if err != nil {
		return 0, fmt.Errorf("scheduler tick: %w", err)
	}
	if n > 0 {
		s.opt.OnCommit()
	}
	return n, nil
}

// Start catches up at once, then ticks on the spec.
func (s *Scheduler) Start() error {
	if _, err := s.Tick(); err != nil {
		s.opt.Log.Error("catch-up tick failed", "err", err)
	}
	if _, err := s.cron.AddFunc(s.opt.Spec, func() {
		if _, err := s.Tick(); err != nil {
			s.opt.Log.Error("tick failed", "err", err)
		}
	}); err != nil {
		return fmt.Errorf("scheduler spec %q: %w", s.opt.Spec, err)
	}
	if _, err := s.cron.AddFunc("@hourly", func() {
		if _, err := s.Prune(); err != nil {
			s.opt.Log.Error("prune failed", "err", err)
		}
	}); err != nil {
		return err
	}
	s.cron.Start()
	return nil
}

// Prune forgets processed event keys older than KeepEvents and returns how
// many it removed.
func (s *Scheduler) Prune() (int, error) {
	n := 0
	err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		n, err = tx.PruneProcessed(s.opt.Now().Add(-s.opt.KeepEvents))
		return err
	})
	return n, err
}

// Stop stops the ticks and waits for a running one to finish.
func (s *Scheduler) Stop() {
	<-s.cron.Stop().Done()
}

type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
