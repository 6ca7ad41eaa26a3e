// Package storage keeps chibo's records in one bbolt file: the bucket
// registry, typed records and accessors, the schema version with its
// migrations, and online backup. It knows nothing of chat.
package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrLocked means another process holds the database file.
var ErrLocked = errors.New("the database file is in use by another chibo process; stop it first or use its admin channel")

// ErrNotFound means the record does not exist.
var ErrNotFound = errors.New("not found")

// ErrContactTaken means a messenger account (a contact) is already another
// member's: one account reaches one member record.
var ErrContactTaken = errors.New("contact already belongs to another member")

// Options configure Open. The zero value means the defaults.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// file. Zero means 2 seconds (bbolt itself would wait forever).
	LockTimeout time.Duration
	// NoSync skips fsync on commit. Only for benchmarks and throwaway files.
	NoSync bool
	// Migrating, when set, is told after each committed batch of a batched
	// migration: the version being left and how many batches are done (a
	// province's first start after an upgrade takes minutes).
	Migrating func(from uint64, batches int)
}

// DB is chibo's database.
type DB struct {
	bolt      *bolt.DB
	migrating func(from uint64, batches int)
	list      listFlush
	pageSize  int         // bbolt's, read once at Open (Info races a remap)
	reserved  atomic.Bool // the reserve holds pages (reserve.go)
}

// Open opens or creates the database at path with mode 0600, creates every
// registered bucket and runs pending migrations.
func Open(path string, opt Options) (*DB, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = 2 * time.Second
	}
	// The free-page list is written when the commits stop for a moment
	// (listFlush) and at Close, not by every commit: writing it costs a
	// commit time in proportion to the file's free pages (a province's
	// RSVP paid 30-50 µs of 150 for it). After a crash in a run of
	// commits, the next Open rebuilds it by walking the file's pages
	// (about 0.2 s for a province's 352 MB in the page cache), then
	// writes it. bbolt walks the same way, holding the writer, when a
	// commit fails (a full disk) or a transaction's function panics; a
	// function that returns an error rolls back without it.
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, NoSync: opt.NoSync, NoFreelistSync: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// bbolt applies the mode only when it creates the file: tighten an old one.
	if err := os.Chmod(path, 0o600); err != nil {
		b.Close()
		return nil, fmt.Errorf("chmod %s: %w", path, err)
	}
	db := &DB{bolt: b, migrating: opt.Migrating, pageSize: b.Info().PageSize}
	db.list.quiet, db.list.maxWait = listQuiet, listMaxWait
	if err := db.migrate(); err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// A migration's long work (the due-work index) runs after it, in
	// batches that commit separately and resume after a crash.
	if err := db.RebuildDue(false); err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The free pages a file was left with (or a migration made) go to the
	// reserve before serving starts (reserve.go).
	if err := db.lookAtReserve(); err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if changed, err := db.tendReserve(func() bool { return false }); err != nil || changed {
		if err == nil {
			err = db.writeList()
		}
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	return db, nil
}

// Close writes the free-page list, so that the next Open reads it rather
// than rebuilding it, and closes the file. A quiet moment's work under
// way ends first, at its next batch.
func (db *DB) Close() error {
	db.list.close()
	db.list.work.Lock()
	defer db.list.work.Unlock()
	err := db.writeList()
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		err = nil // closed before
	}
	if cerr := db.bolt.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeList commits once with bbolt's free-page list written.
func (db *DB) writeList() error {
	return db.bolt.Update(func(*bolt.Tx) error {
		db.bolt.NoFreelistSync = false // read by this commit, under the writer's lock
		return nil
	})
}

// listQuiet is how long the commits stop before the free-page list is
// written: a server between two updates, not one in a run of them.
const listQuiet = time.Second

// listFlush writes bbolt's free-page list once the commits have stopped
// for quiet (or have not stopped for maxWait), after moving free pages to
// or from the reserve (reserve.go): a commit of Update or Batch does not
// write it (under load that cost every commit time in proportion to the
// file's free pages), so a crash right after one needs the walk at the
// next start; a crash once chibo is quiet does not.
type listFlush struct {
	quiet   time.Duration
	maxWait time.Duration
	mu      sync.Mutex
	timer   *time.Timer
	armed   time.Time // when the timer was set
	last    time.Time // the last commit without the list
	soon    bool      // the reserve has pages to give back: do not wait for quiet
	closed  bool
	work    sync.Mutex // held by the work of a quiet moment, and by Close
}

// listMaxWait is how long the work of a quiet moment waits at most when
// the commits never stop for listQuiet (a busy day of a province).
const listMaxWait = time.Minute

// committed notes a commit without the list and makes sure a write of the
// list follows once the commits stop; at once when the free pages ran low
// and the reserve can give some back (the file would grow otherwise).
func (f *listFlush) committed(db *DB) {
	soon := db.reserveLow()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = time.Now()
	if f.closed {
		return
	}
	if soon && !f.soon {
		f.soon = true
		if f.timer != nil {
			f.timer.Reset(0)
		}
	}
	if f.timer == nil {
		f.armed = f.last
		wait := min(f.quiet, f.maxWait)
		if f.soon {
			wait = 0
		}
		f.timer = time.AfterFunc(wait, func() { f.fire(db) })
	}
}

// fire writes the list if no commit came for quiet, or the commits have
// not stopped for maxWait, else waits again.
func (f *listFlush) fire(db *DB) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	wait, most := f.quiet-time.Since(f.last), f.maxWait-time.Since(f.armed)
	if wait > 0 && most > 0 && !f.soon {
		f.timer.Reset(min(wait, most))
		f.mu.Unlock()
		return
	}
	f.timer, f.soon = nil, false
	f.mu.Unlock()
	f.work.Lock()
	defer f.work.Unlock()
	if f.stopped() { // Close came first, and wrote the list
		return
	}
	// Not done or not written: the next quiet moment tries again, or Close.
	if _, err := db.tendReserve(f.stopped); err == nil {
		_ = db.writeList()
	}
}

// stopped reports whether Close began.
func (f *listFlush) stopped() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// close stops the flush; Close writes the list itself.
func (f *listFlush) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	if f.timer != nil {
		f.timer.Stop()
	}
}

// Path is the file's path.
func (db *DB) Path() string { return db.bolt.Path() }

// Update runs fn in one read-write transaction.
func (db *DB) Update(fn func(tx *Tx) error) error {
	return db.bolt.Update(func(btx *bolt.Tx) error { return fn(db.writing(btx)) })
}

// Batch runs fn in a read-write transaction shared with concurrent callers.
// fn may run more than once: it must only change the database.
func (db *DB) Batch(fn func(tx *Tx) error) error {
	return db.bolt.Batch(func(btx *bolt.Tx) error { return fn(db.writing(btx)) })
}

// writing is btx as a write transaction of Update or Batch: its commit
// does not write the free-page list, and the list is written once the
// commits stop (listFlush).
func (db *DB) writing(btx *bolt.Tx) *Tx {
	db.bolt.NoFreelistSync = true // read by this commit, under the writer's lock
	btx.OnCommit(func() { db.list.committed(db) })
	return writing(btx)
}

// appendBuckets are the buckets whose new keys mostly come after every
// key stored (ids from a sequence, times): their pages split full, not in
// halves, or the file would be twice their size (bbolt's default 50 %).
var appendBuckets = [][]byte{bucketMeetings, bucketMarks, bucketMembers, bucketAudit, bucketOutbox, bucketKeyExpiry}

// writing is a write transaction whose append-mostly buckets split full
// (bbolt keeps a bucket's handle, and its fill, for the transaction).
func writing(btx *bolt.Tx) *Tx {
	for _, name := range appendBuckets {
		if b := btx.Bucket(name); b != nil {
			b.FillPercent = marksFill
		}
	}
	return &Tx{tx: btx}
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(tx *Tx) error) error {
	return db.bolt.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// Backup writes a consistent copy of the database to w while it stays in use.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a consistent copy to path (mode 0600) through a temporary
// file, so a crash never leaves a half-written backup under that name.
func (db *DB) BackupFile(path string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := db.Backup(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := writeFreelist(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	return os.Rename(tmp, path)
}

// writeFreelist writes the free-page list into the bbolt file at path.
// A copy of a live database has none (commits do not write it), so a
// start on the copy (a restore) would rebuild it by walking every page.
func writeFreelist(path string) error {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second}) // writes it on opening
	if err != nil {
		return err
	}
	return b.Close()
}

// ErrCorrupt means a file is not a bbolt database or fails bbolt's
// consistency check.
var ErrCorrupt = errors.New("consistency check failed")

// ErrNotChibo means a bbolt file holds no chibo schema version.
var ErrNotChibo = errors.New("the file is not a chibo database")

// ErrNewerSchema means a file was written by a newer chibo.
var ErrNewerSchema = errors.New("the database was written by a newer chibo")

// Check verifies the database file at path without changing it: it must be
// a bbolt file that passes bbolt's consistency check (every page reachable
// once, no page both used and free, keys in order) and carries a chibo schema
// version no newer than SchemaVersion. It returns that version; an older
// one is migrated when the file is next opened.
func Check(path string) (version uint64, err error) {
	defer func() { // bbolt trusts page headers: a damaged file may panic it
		if r := recover(); r != nil {
			err = fmt.Errorf("check %s: %w (%v)", path, ErrCorrupt, r)
		}
	}()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return 0, fmt.Errorf("check %s: %w", path, ErrLocked)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return 0, fmt.Errorf("check: %w", err)
	case err != nil:
		return 0, fmt.Errorf("check %s: %w (%v)", path, ErrCorrupt, err)
	}
	defer b.Close()
	err = b.View(func(tx *bolt.Tx) error {
		var problems []error
		for err := range tx.Check() {
			problems = append(problems, err)
		}
		if len(problems) > 0 {
			return fmt.Errorf("%w: %v (%d problems in all)", ErrCorrupt, problems[0], len(problems))
		}
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return ErrNotChibo
		}
		v := meta.Get(keySchemaVersion)
		if len(v) != 8 {
			return ErrNotChibo
		}
		version = binary.BigEndian.Uint64(v)
		if version == 0 {
			return ErrNotChibo
		}
		if version > SchemaVersion {
			return fmt.Errorf("%w (schema %d, this chibo reads up to %d)", ErrNewerSchema, version, SchemaVersion)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("check %s: %w", path, err)
	}
	return version, nil
}

// Restore replaces the database at dst with a copy of src, which must pass
// Check; the copy is checked again before it replaces anything. No process
// may hold dst (ErrLocked). The copy is written to a temporary file, synced
// and renamed over dst, so dst is at every moment the old file or the new
// one. The replaced file is kept as dst.before-restore-<time> (kept; empty
// when dst did not exist). version is the restored file's schema version.
func Restore(src, dst string, now time.Time) (kept string, version uint64, err error) {
	if _, err := Check(src); err != nil {
		return "", 0, err
	}
	if a, err := os.Stat(src); err == nil {
		if b, err := os.Stat(dst); err == nil && os.SameFile(a, b) {
			return "", 0, errors.New("restore: the file to restore is the database itself")
		}
	}
	unlock, err := lockFile(dst)
	if err != nil {
		return "", 0, err
	}
	defer unlock()

	tmp := dst + ".restore.tmp"
	if err := copyFile(src, tmp); err != nil {
		return "", 0, fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp) // nothing to remove once renamed
	if version, err = Check(tmp); err != nil {
		return "", 0, err
	}
	if _, err := os.Stat(dst); err == nil {
		kept = dst + ".before-restore-" + now.Format("20060102-150405")
		// A hard link keeps the old file without a moment when dst is
		// missing (a chibo started then would create an empty database).
		if err := os.Link(dst, kept); err != nil {
			if err := copyFile(dst, kept); err != nil {
				return "", 0, fmt.Errorf("restore: keep the old file: %w", err)
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", 0, fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", 0, fmt.Errorf("restore: %w", err)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return kept, version, fmt.Errorf("restore: %w", err)
	}
	return kept, version, nil
}

// copyFile copies src to a new file dst (mode 0600) and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
