package storage

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestDue_rowsComeInTimeOrderUpToNow(t *testing.T) {
	db := MustOpenDB(t)
	t0 := time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
	err := db.Update(func(tx *Tx) error {
		for _, r := range []DueRow{{At: t0.Add(2 * time.Hour), Kind: "meetings", Subject: 1}, {At: t0.Add(time.Hour), Kind: "checkins", Subject: 2},
			{At: t0.Add(3 * time.Hour), Kind: "meetings", Subject: 3}} {
			if err := tx.SetDue(r.Kind, r.Subject, r.At); err != nil {
				return err
			}
		}
		// Moved later: the row at 1 h is gone, not doubled.
		if err := tx.SetDue("checkins", 2, t0.Add(90*time.Minute)); err != nil {
			return err
		}
		// Done: no row.
		return tx.SetDue("meetings", 3, time.Time{})
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []DueRow
	_ = db.View(func(tx *Tx) error {
		var after []byte
		for {
			r, k, ok, err := tx.NextDue(t0.Add(150*time.Minute), after)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return nil
			}
			got, after = append(got, r), k
		}
	})
	want := []DueRow{{At: t0.Add(90 * time.Minute), Kind: "checkins", Subject: 2}, {At: t0.Add(2 * time.Hour), Kind: "meetings", Subject: 1}}
	if len(got) != len(want) {
		t.Fatalf("due rows %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].At.Equal(want[i].At) || got[i].Kind != want[i].Kind || got[i].Subject != want[i].Subject {
			t.Fatalf("due rows %+v, want %+v", got, want)
		}
	}
	_ = db.View(func(tx *Tx) error {
		if rows, _ := tx.DueRows(); len(rows) != 2 {
			t.Errorf("index holds %d rows, want 2: %+v", len(rows), rows)
		}
		return nil
	})
}

func TestDue_recordChangesTouchTheirCell(t *testing.T) {
	db := MustOpenDB(t)
	var cellID uint64
	err := db.Update(func(tx *Tx) error {
		org := &Organization{Name: "Đảng bộ"}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		c := &Cell{OrgID: org.ID, Name: "Chi bộ"}
		if err := tx.PutCell(c); err != nil {
			return err
		}
		cellID = c.ID
		return tx.SetDue(DueAny, cellID, time.Time{}) // looked at: no row
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		return tx.PutMeeting(&Meeting{CellID: cellID, Kind: MeetingRegular, At: time.Date(2027, 1, 3, 19, 30, 0, 0, time.UTC), State: MeetingPlanned})
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *Tx) error {
		if _, touched := tx.DueAt(DueAny, cellID); !touched {
			t.Error("a new meeting did not ask the due sources to look at its cell")
		}
		return nil
	})
}

// writeV6 writes a database as schema 6 (the release before the due-work
// index) left it: the records, no due buckets.
func writeV6(t *testing.T, path string, cells int) {
	t.Helper()
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		org := &Organization{Name: "Đảng bộ"}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		for range cells {
			if err := tx.PutCell(&Cell{OrgID: org.ID, Name: "Chi bộ"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDue, bucketDueSubjects} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return putVersion(tx.Bucket(bucketMeta), 6)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// wantEveryCellTouched fails unless the file is at SchemaVersion, with no
// rebuild pending and a DueAny row for each of its cells.
func wantEveryCellTouched(t *testing.T, db *DB, cells int) {
	t.Helper()
	_ = db.View(func(tx *Tx) error {
		if v := tx.Version(); v != SchemaVersion {
			t.Errorf("version %d, want %d", v, SchemaVersion)
		}
		if tx.DueRebuildPending() {
			t.Error("rebuild still pending after Open")
		}
		rows, err := tx.DueRows()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[uint64]bool{}
		for _, r := range rows {
			if r.Kind != DueAny || !r.At.IsZero() || seen[r.Subject] {
				t.Fatalf("row %+v: want one DueAny row per cell, due at once", r)
			}
			seen[r.Subject] = true
		}
		for _, id := range tx.CellIDsAfter(0, cells+1) {
			if !seen[id] {
				t.Errorf("cell %d has no due row after the migration", id)
			}
		}
		if len(seen) != cells {
			t.Errorf("%d cells touched, want %d", len(seen), cells)
		}
		return nil
	})
}

func TestOpen_migratesV6DueIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v6.db")
	writeV6(t, path, 3)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wantEveryCellTouched(t, db, 3)
}

// A crash in the middle of the rebuild (after its first batch committed)
// is finished by the next Open, each cell touched once.
func TestOpen_dueRebuildResumesAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v6.db")
	cells := 2*dueRebuildBatch + 7
	writeV6(t, path, cells)
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error { // what Open did before the crash
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if err := migrateDueIndex(tx); err != nil {
			return err
		}
		return putVersion(tx.Bucket(bucketMeta), 7)
	})
	if err == nil {
		err = b.Update(func(tx *bolt.Tx) error {
			done, err := rebuildDueBatch(tx)
			if done {
				t.Fatal("one batch finished the rebuild: the test needs more cells")
			}
			return err
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	b.Close() // the crash
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wantEveryCellTouched(t, db, cells)
}
