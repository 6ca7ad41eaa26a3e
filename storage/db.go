// Package storage keeps chibo's records in one bbolt file: the bucket
// registry, typed records and accessors, the schema version with its
// migrations, and online backup. It knows nothing of chat.
package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrLocked means another process holds the database file.
var ErrLocked = errors.New("the database file is in use by another chibo process; stop it first or use its admin channel")

// ErrNotFound means the record does not exist.
var ErrNotFound = errors.New("not found")

// Options configure Open. The zero value means the defaults.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// file. Zero means 2 seconds (bbolt itself would wait forever).
	LockTimeout time.Duration
	// NoSync skips fsync on commit. Only for benchmarks and throwaway files.
	NoSync bool
}

// DB is chibo's database.
type DB struct {
	bolt *bolt.DB
}

// Open opens or creates the database at path with mode 0600, creates every
// registered bucket and runs pending migrations.
func Open(path string, opt Options) (*DB, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = 2 * time.Second
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, NoSync: opt.NoSync})
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
	db := &DB{bolt: b}
	if err := db.migrate(); err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the file's path.
func (db *DB) Path() string { return db.bolt.Path() }

// Update runs fn in one read-write transaction.
func (db *DB) Update(fn func(tx *Tx) error) error {
	return db.bolt.Update(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// Batch runs fn in a read-write transaction shared with concurrent callers.
// fn may run more than once: it must only change the database.
func (db *DB) Batch(fn func(tx *Tx) error) error {
	return db.bolt.Batch(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
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
	return os.Rename(tmp, path)
}
