package storage

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// freelistPage reads, from the bbolt file at path, the free-page list's
// page in the newer of the two meta pages: none (^0) when the last commit
// did not write the list. The layout is bbolt's file format: a 16-byte page
// header, then the meta's magic, version, page size and flags (4 bytes
// each), the root bucket (16 bytes), the freelist page, the high water
// mark and the transaction id.
func freelistPage(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(binary.LittleEndian.Uint32(f[16+8:]))
	var txid, freelist uint64
	for i := range 2 {
		m := f[i*pageSize+16:]
		if id := binary.LittleEndian.Uint64(m[48:]); id >= txid {
			txid, freelist = id, binary.LittleEndian.Uint64(m[32:])
		}
	}
	return freelist
}

const noFreelist = ^uint64(0)

// listQuietFor sets how long db's commits must stop before the free-page list
// is written, for the flush already waiting too.
// A wait longer than listMaxWait makes that the longest wait too.
func listQuietFor(db *DB, d time.Duration) {
	db.list.mu.Lock()
	defer db.list.mu.Unlock()
	db.list.quiet, db.list.maxWait = d, max(d, listMaxWait)
	if db.list.timer != nil {
		db.list.timer.Reset(d)
	}
}

// listMaxWaitFor sets how long db's commits may go on without stopping
// before the free-page list is written anyway, for the flush already
// waiting too.
func listMaxWaitFor(db *DB, d time.Duration) {
	db.list.mu.Lock()
	defer db.list.mu.Unlock()
	db.list.maxWait = d
	if db.list.timer != nil {
		db.list.timer.Reset(d)
	}
}

// Commits do not write the free-page list while they keep coming; once
// they stop, the list is written (a crash then needs no walk).
func TestCommits_writeTheFreelistWhenQuiet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	listQuietFor(db, time.Hour)
	putOrgs(t, db, 50)
	if got := freelistPage(t, path); got != noFreelist {
		t.Fatalf("a commit wrote the free-page list (page %d)", got)
	}
	listQuietFor(db, time.Millisecond) // the commits have stopped
	for deadline := time.Now().Add(time.Minute); freelistPage(t, path) == noFreelist; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the commits stopped and the free-page list was not written")
		}
	}
}

// Commits close together do not write the free-page list; Close does, so
// the next Open reads it instead of walking the file.
func TestClose_writesTheFreelist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	listQuietFor(db, time.Hour)
	putOrgs(t, db, 200)
	if got := freelistPage(t, path); got != noFreelist {
		t.Fatalf("a commit wrote the free-page list (page %d)", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := freelistPage(t, path); got == noFreelist {
		t.Fatal("Close did not write the free-page list")
	}
	if err := db.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
	if _, err := Check(path); err != nil {
		t.Fatal(err)
	}
}

// A copy of the file taken while chibo runs (as after kill -9) after a
// commit that did not write the free-page list has none: Open rebuilds it, the records are all there, and the
// rebuilt list passes bbolt's check (no page both used and free).
func TestOpen_afterACrashRebuildsTheFreelist(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "chibo.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	listQuietFor(db, time.Hour)
	putOrgs(t, db, 300)
	// More transactions, more pages freed and reused.
	putOrgs(t, db, 300)
	crashed := crashCopy(t, path)
	re, err := Open(crashed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	putOrgs(t, re, 50) // allocates from the rebuilt list
	if err := re.View(func(tx *Tx) error {
		orgs, err := tx.Orgs()
		if err == nil && len(orgs) != 650 {
			err = fmt.Errorf("%d organizations after the reopen, want 650", len(orgs))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := re.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(crashed); err != nil {
		t.Fatalf("check after the reopen: %v", err)
	}
}

// A backup carries its free-page list: a restore starts without walking
// the file.
func TestBackupFile_writesTheFreelist(t *testing.T) {
	db := MustOpenDB(t)
	putOrgs(t, db, 200)
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := db.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	if got := freelistPage(t, path); got == noFreelist {
		t.Fatal("the backup has no free-page list")
	}
	if _, err := Check(path); err != nil {
		t.Fatal(err)
	}
}

// crashCopy copies the file of a running chibo, as kill -9 leaves it after
// commits that did not write the free-page list, and checks the copy has
// none and passes bbolt's check; it returns the copy's path.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	crashed := filepath.Join(filepath.Dir(path), "crashed.db")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(crashed, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := freelistPage(t, crashed); got != noFreelist {
		t.Fatalf("the running file has a free-page list (page %d)", got)
	}
	if _, err := Check(crashed); err != nil {
		t.Fatalf("check before the restart: %v", err)
	}
	return crashed
}

// putOrgs adds n organizations, ten to a transaction.
func putOrgs(t *testing.T, db *DB, n int) {
	t.Helper()
	for i := 0; i < n; i += 10 {
		if err := db.Update(func(tx *Tx) error {
			for j := i; j < min(i+10, n); j++ {
				if err := tx.PutOrg(&Organization{Name: fmt.Sprintf("Đảng bộ xã %d", j)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}
