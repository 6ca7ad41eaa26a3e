//go:build unix

package storage

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestOpen_migrationKillChild is the process killed by killMigration: it
// runs only with CHIBO_TEST_KILL_DB set, cuts batches of
// CHIBO_TEST_KILL_UNITS units and kills itself (SIGKILL) inside batch
// CHIBO_TEST_KILL_BATCH of the migration to schema CHIBO_TEST_KILL_TO,
// after the batch's writes, before its commit.
func TestOpen_migrationKillChild(t *testing.T) {
	path := os.Getenv("CHIBO_TEST_KILL_DB")
	if path == "" {
		t.Skip("run by killMigration")
	}
	to, _ := strconv.ParseUint(os.Getenv("CHIBO_TEST_KILL_TO"), 10, 64)
	batch, _ := strconv.Atoi(os.Getenv("CHIBO_TEST_KILL_BATCH"))
	migrateBatch, _ = strconv.Atoi(os.Getenv("CHIBO_TEST_KILL_UNITS"))
	migrateWork, migrateNodes = time.Hour, 1<<30 // batches cut by count only, where the parent expects them
	afterMigrateBatch = func(v uint64, n int) {
		if v == to && n == batch {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		}
	}
	Open(path, Options{})
	os.Exit(3) // not killed: the parent fails
}

// killMigration opens path in a child process that is killed inside batch
// n of the migration to schema to, batches being units long, and fails
// unless the child was killed.
func killMigration(t *testing.T, path string, to uint64, n, units int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOpen_migrationKillChild$")
	cmd.Env = append(os.Environ(), "CHIBO_TEST_KILL_DB="+path, fmt.Sprintf("CHIBO_TEST_KILL_TO=%d", to),
		fmt.Sprintf("CHIBO_TEST_KILL_BATCH=%d", n), fmt.Sprintf("CHIBO_TEST_KILL_UNITS=%d", units))
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("migrating process: %v, want killed in batch %d of schema %d", err, n, to)
	}
}

// copyOf copies the database at path to a new file and returns its path.
func copyOf(t *testing.T, path string) string {
	t.Helper()
	cp := filepath.Join(t.TempDir(), "copy.db")
	if err := copyFile(path, cp); err != nil {
		t.Fatal(err)
	}
	return cp
}

// dumpFile reads every key and value of every bucket of the database at
// path (bucket/key → value), opening it without migrating.
func dumpFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	out := map[string]string{}
	err = b.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			return bk.ForEach(func(k, v []byte) error {
				out[fmt.Sprintf("%s/%x", name, k)] = string(v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantSameDatabase fails unless the two files hold the same buckets, keys
// and values.
func wantSameDatabase(t *testing.T, got, want string) {
	t.Helper()
	g, w := dumpFile(t, got), dumpFile(t, want)
	var diff []string
	for k, v := range w {
		if gv, ok := g[k]; !ok {
			diff = append(diff, "missing "+k)
		} else if gv != v {
			diff = append(diff, "differs "+k)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			diff = append(diff, "extra "+k)
		}
	}
	if len(diff) > 0 {
		t.Fatalf("the resumed migration differs from an uninterrupted one in %d keys: %s", len(diff), strings.Join(diff[:min(len(diff), 10)], ", "))
	}
	if len(w) == 0 {
		t.Fatal("nothing compared")
	}
}

// viewFile reads the file at path in a read transaction, with bbolt alone.
func viewFile(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.View(fn); err != nil {
		t.Fatal(err)
	}
}

// openClose opens (migrating) and closes the database at path.
func openClose(t *testing.T, path string) {
	t.Helper()
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpen_migrationKilledResumes kills (SIGKILL) a process in the middle
// of the schema 7 migration, inside its third batch, then opens the file
// again: the two committed batches stay, the third is redone, and the
// migration finishes with every mark once, the file the same as one
// migrated without a kill.
func TestOpen_migrationKilledResumes(t *testing.T) {
	path := v6File(t)
	want := legacyRolls(t, path)
	whole := copyOf(t, path)
	openClose(t, whole)
	killMigration(t, path, 7, 3, 60)
	// Two batches committed, not the version.
	// Where the two batches ended, by migrateMarksBatch's rule (a unit per
	// meeting and per mark, a batch ends with the meeting that reaches 60).
	done, marks := 0, 0
	for range 2 {
		units := 0
		for done < len(want) && units < 60 {
			units += 1 + len(want[done].Roll)
			marks += len(want[done].Roll)
			done++
		}
	}
	viewFile(t, path, func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := btoi(meta.Get(keySchemaVersion)); v != 6 {
			t.Errorf("schema %d after the kill, want 6", v)
		}
		if after := meta.Get(keyMarksMoved); len(after) != 8 || btoi(after) != want[done-1].ID {
			t.Errorf("progress %x after the kill, want meeting %d", after, want[done-1].ID)
		}
		n := 0
		err := tx.Bucket(bucketMarks).ForEach(func(k, v []byte) error {
			roll, err := decodeRoll(v)
			n += len(roll)
			return err
		})
		if err != nil {
			return err
		}
		if n != marks {
			t.Errorf("%d marks after the kill, want %d (two batches)", n, marks)
		}
		return nil
	})
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	checkRollsMoved(t, db, want)
	db.Close()
	wantSameDatabase(t, path, whole)
}

// A kill inside the schema 8 migration (the index of names) resumes where
// its last committed batch ended and ends with the index an uninterrupted
// migration writes.
func TestOpen_namesMigrationKilledResumes(t *testing.T) {
	path := v6File(t)
	whole := copyOf(t, path)
	openClose(t, whole)
	killMigration(t, path, 8, 4, 25)
	viewFile(t, path, func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := btoi(meta.Get(keySchemaVersion)); v != 7 {
			t.Errorf("schema %d after the kill, want 7", v)
		}
		// Three batches of 25 members committed: the 75th member's id.
		c := tx.Bucket(bucketMembers).Cursor()
		k, _ := c.First()
		for range 74 {
			k, _ = c.Next()
		}
		if after := meta.Get(keyNamesIndexed); k == nil || string(after) != string(k) {
			t.Errorf("progress %x after the kill, want member %x", after, k)
		}
		return nil
	})
	openClose(t, path)
	wantSameDatabase(t, path, whole)
}

// A kill inside the schema 10 migration (cells by organization) resumes
// after the cells its committed batch indexed and ends with the index an
// uninterrupted migration writes.
func TestOpen_orgCellsMigrationKilledResumes(t *testing.T) {
	path := v9File(t, 10)
	whole := copyOf(t, path)
	openClose(t, whole)
	killMigration(t, path, 10, 2, 3)
	viewFile(t, path, func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := btoi(meta.Get(keySchemaVersion)); v != 9 {
			t.Errorf("schema %d after the kill, want 9", v)
		}
		if after := meta.Get(keyOrgCellsIndexed); len(after) != 8 || btoi(after) != 3 {
			t.Errorf("progress %x after the kill, want cell 3", after)
		}
		if n := tx.Bucket(bucketOrgCells).Stats().KeyN; n != 3 {
			t.Errorf("%d cells indexed after the kill, want 3 (one batch)", n)
		}
		return nil
	})
	openClose(t, path)
	wantSameDatabase(t, path, whole)
}
