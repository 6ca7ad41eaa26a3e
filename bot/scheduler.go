package bot

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"chibo/flows/chat"
	"chibo/storage"
)

// DueSource says what is due to be sent at a time. flows.Engine is one.
type DueSource interface {
	// Due returns messages due at now, each with a Key; a key already in the
	// outbox is never sent again.
	Due(tx *storage.Tx, now time.Time) ([]chat.Message, error)
}

// Housekeeper does daily work (retention) in batches. A DueSource that is
// one is asked after every tick, each batch in its own write transaction,
// until it reports no more: so no transaction holds the writer for long, and
// a run cut short resumes from its last committed batch.
type Housekeeper interface {
	Housekeep(tx *storage.Tx, now time.Time) (more bool, err error)
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
	// KeepDelivered is how long the delivery record of a sent or failed
	// message (chat, state, reason; never its text) is kept. Zero means 30
	// days. Reminder keys outlive it, so nothing is sent twice.
	KeepDelivered time.Duration
	// OnTick is called after each successful tick with how many messages
	// it enqueued, for metrics. Nil means nothing.
	OnTick func(enqueued int)

	// BackupDir, when set, receives a consistent copy of the database on
	// BackupSpec, named chibo-<yyyymmdd-hhmmss, UTC>.db (mode 0600; the
	// directory is created with mode 0700). Empty means no scheduled backup.
	BackupDir string
	// BackupKeep is how many backups in BackupDir are kept; older ones are
	// removed after each backup. Zero means 7.
	BackupKeep int
	// BackupSpec is the cron spec of the backups. Empty means daily at
	// 02:30 in the process's zone (prefix CRON_TZ=<zone> for another).
	BackupSpec string
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
	// stopping cuts a tick or a housekeeping run short at Stop; the next
	// tick resumes it.
	stopping atomic.Bool
	catchUp  sync.WaitGroup // the catch-up tick of Start
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
	if opt.KeepDelivered == 0 {
		opt.KeepDelivered = 30 * 24 * time.Hour
	}
	if opt.OnTick == nil {
		opt.OnTick = func(int) {}
	}
	if opt.BackupKeep <= 0 {
		opt.BackupKeep = 7
	}
	if opt.BackupSpec == "" {
		opt.BackupSpec = "30 2 * * *"
	}
	l := cronLogger{opt.Log}
	// SkipIfStillRunning before Recover: the other order leaves a job
	// skipped forever after its first panic.
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)), cron.WithLogger(l))
	return &Scheduler{db: db, src: src, opt: opt, cron: c}
}

// DueStepper is a DueSource that finds its work through the due-work index
// (flows.Engine is one): DueStep does the work of the first index row due
// at now after the key after, and returns what it sends and the row's key;
// ok is false when no row is due. The scheduler runs each step in its own
// transaction and checks for Stop between them, so no transaction of a
// tick is long and a tick ends promptly at shutdown; a row left undone
// stays due for the next tick.
type DueStepper interface {
	DueStep(tx *storage.Tx, now time.Time, after []byte) (msgs []chat.Message, key []byte, ok bool, err error)
}

// stepRetry is how long a row whose step failed waits before it is tried
// again, so that the rows after it are not held up.
const stepRetry = 5 * time.Minute

// Tick enqueues what is due now and returns how many messages it enqueued:
// with a DueStepper, a transaction per due row; otherwise in one.
func (s *Scheduler) Tick() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	n, err := s.due(now)
	if err != nil {
		return n, fmt.Errorf("scheduler tick: %w", err)
	}
	s.opt.OnTick(n)
	if s.stopping.Load() {
		return n, nil
	}
	if err := s.housekeep(now); err != nil {
		return n, fmt.Errorf("scheduler housekeeping: %w", err)
	}
	return n, nil
}

// due enqueues what is due at now.
func (s *Scheduler) due(now time.Time) (int, error) {
	st, ok := s.src.(DueStepper)
	if !ok {
		n, err := s.dueOnce(now, func(tx *storage.Tx) ([]chat.Message, error) { return s.src.Due(tx, now) })
		if n > 0 {
			s.opt.OnCommit()
		}
		return n, err
	}
	total := 0
	var after []byte
	for !s.stopping.Load() {
		var key []byte
		more := false
		n, err := s.dueOnce(now, func(tx *storage.Tx) ([]chat.Message, error) {
			msgs, k, ok, err := st.DueStep(tx, now, after)
			key, more = k, ok
			return msgs, err
		})
		if err != nil && key == nil {
			return total, err // the index itself cannot be read
		}
		if err != nil {
			s.opt.Log.Error("due work failed; tried again later", "row", fmt.Sprintf("%x", key), "err", err)
			if err := s.db.Update(func(tx *storage.Tx) error { return tx.PostponeDue(key, now.Add(stepRetry)) }); err != nil {
				return total, err
			}
		}
		if !more {
			break
		}
		after = key
		total += n
		if n > 0 {
			s.opt.OnCommit()
		}
	}
	return total, nil
}

// dueOnce runs find in a write transaction and enqueues what it returns.
func (s *Scheduler) dueOnce(now time.Time, find func(tx *storage.Tx) ([]chat.Message, error)) (int, error) {
	n := 0
	err := s.db.Update(func(tx *storage.Tx) error {
		msgs, err := find(tx)
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
		return 0, err
	}
	return n, nil
}

// housekeep runs the source's housekeeping batches, each in its own
// transaction, until none remains or the scheduler is stopping.
func (s *Scheduler) housekeep(now time.Time) error {
	hk, ok := s.src.(Housekeeper)
	if !ok {
		return nil
	}
	for more := true; more && !s.stopping.Load(); {
		if err := s.db.Update(func(tx *storage.Tx) (err error) {
			more, err = hk.Housekeep(tx, now)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// Start catches up, then ticks on the spec. With a DueStepper, the catch-up
// runs in the background after the due-work index was rebuilt from the
// records (every cell is looked at once, a transaction each, so a row lost
// to a fault is healed by a restart), and Start returns at once; otherwise
// the catch-up tick runs before Start returns.
func (s *Scheduler) Start() error {
	if _, ok := s.src.(DueStepper); ok {
		if err := s.db.RebuildDue(true); err != nil {
			return err
		}
		s.catchUp.Go(func() {
			if _, err := s.Tick(); err != nil {
				s.opt.Log.Error("catch-up tick failed", "err", err)
			}
		})
	} else if _, err := s.Tick(); err != nil {
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
		if _, _, err := s.Prune(); err != nil {
			s.opt.Log.Error("prune failed", "err", err)
		}
	}); err != nil {
		return err
	}
	if s.opt.BackupDir != "" {
		if err := os.MkdirAll(s.opt.BackupDir, 0o700); err != nil {
			return fmt.Errorf("backup directory: %w", err)
		}
		if _, err := s.cron.AddFunc(s.opt.BackupSpec, s.backup); err != nil {
			return fmt.Errorf("backup spec %q: %w", s.opt.BackupSpec, err)
		}
		// cron does not catch up a run missed while chibo was down.
		if last, ok := s.lastBackup(); !ok || s.opt.Now().Sub(last) > 24*time.Hour {
			s.backup()
		}
	}
	s.cron.Start()
	return nil
}

// backupPrefix and backupSuffix frame the names of scheduled backups; the
// time between them sorts as the names do.
const (
	backupPrefix = "chibo-"
	backupSuffix = ".db"
	backupStamp  = "20060102-150405"
)

func (s *Scheduler) backup() {
	path, removed, err := s.Backup()
	if err != nil {
		s.opt.Log.Error("scheduled backup failed", "dir", s.opt.BackupDir, "err", err)
		return
	}
	s.opt.Log.Info("scheduled backup written", "file", path, "removed_old", removed)
}

// Backup writes a consistent copy of the database into BackupDir, then
// removes the oldest backups there beyond BackupKeep. It returns the new
// file's path and how many old ones it removed.
func (s *Scheduler) Backup() (path string, removed int, err error) {
	if s.opt.BackupDir == "" {
		return "", 0, errors.New("backup: no backup directory")
	}
	name := backupPrefix + s.opt.Now().UTC().Format(backupStamp) + backupSuffix
	path = filepath.Join(s.opt.BackupDir, name)
	if err := s.db.BackupFile(path); err != nil {
		return "", 0, err
	}
	names, err := s.backups()
	if err != nil {
		return path, 0, fmt.Errorf("backup retention: %w", err)
	}
	for len(names) > s.opt.BackupKeep {
		if err := os.Remove(filepath.Join(s.opt.BackupDir, names[0])); err != nil {
			return path, removed, fmt.Errorf("backup retention: %w", err)
		}
		names = names[1:]
		removed++
	}
	return path, removed, nil
}

// backups lists the scheduled backups in BackupDir, oldest first.
func (s *Scheduler) backups() ([]string, error) {
	entries, err := os.ReadDir(s.opt.BackupDir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, ok := backupTime(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// backupTime is the time in a scheduled backup's name.
func backupTime(name string) (time.Time, bool) {
	stamp, ok := strings.CutPrefix(name, backupPrefix)
	if !ok {
		return time.Time{}, false
	}
	if stamp, ok = strings.CutSuffix(stamp, backupSuffix); !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(backupStamp, stamp)
	return t, err == nil
}

// lastBackup is the time of the newest scheduled backup.
func (s *Scheduler) lastBackup() (time.Time, bool) {
	names, err := s.backups()
	if err != nil || len(names) == 0 {
		return time.Time{}, false
	}
	return backupTime(names[len(names)-1])
}

// Prune forgets processed event keys older than KeepEvents and delivery
// records older than KeepDelivered, and returns how many of each it removed.
func (s *Scheduler) Prune() (events, delivered int, err error) {
	err = s.db.Update(func(tx *storage.Tx) error {
		now := s.opt.Now()
		var err error
		if events, err = tx.PruneProcessed(now.Add(-s.opt.KeepEvents)); err != nil {
			return err
		}
		delivered, err = tx.PruneOutbox(now.Add(-s.opt.KeepDelivered))
		return err
	})
	return events, delivered, err
}

// Stop stops the ticks and waits for a running one to finish: it stops
// between two of its transactions, and the next start resumes its work.
func (s *Scheduler) Stop() {
	s.stopping.Store(true)
	<-s.cron.Stop().Done()
	s.catchUp.Wait()
}

type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
