//go:build unix

package storage

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestOpen_migrationKilledResumes kills (SIGKILL) a process in the middle
// of the schema 7 migration, inside its third batch, then opens the file
// again: the two committed batches stay, the third is redone, and the
// migration finishes with every mark once.
func TestOpen_migrationKilledResumes(t *testing.T) {
	if path := os.Getenv("CHIBO_TEST_KILL_DB"); path != "" {
		migrateBatch = 3
		afterMigrateBatch = func(n int) {
			if n == 3 {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
		}
		Open(path, Options{})
		os.Exit(3) // not killed: the parent fails
	}
	path := v6File(t)
	want := legacyRolls(t, path)
	cmd := exec.Command(os.Args[0], "-test.run=^TestOpen_migrationKilledResumes$")
	cmd.Env = append(os.Environ(), "CHIBO_TEST_KILL_DB="+path)
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("migrating process: %v, want killed", err)
	}
	// Two batches committed, not the version.
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Where the two batches ended, by migrateMarksBatch's rule (3 meetings
	// or 60 marks a batch).
	done, marks := 0, 0
	for range 2 {
		n, inBatch := 0, 0
		for done < len(want) && n < 3 && inBatch < 60 {
			inBatch += len(want[done].Roll)
			n, done = n+1, done+1
		}
		marks += inBatch
	}
	err = b.View(func(tx *bolt.Tx) error {
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
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkRollsMoved(t, db, want)
}
