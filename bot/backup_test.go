package bot

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"chibo/storage"
)

func TestScheduler_Backup(t *testing.T) {
	db := mustOpenDB(t)
	dir := filepath.Join(t.TempDir(), "backups")
	now := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	s := NewScheduler(db, &dueAfter{from: now.Add(1000 * time.Hour)}, SchedulerOptions{
		Now: func() time.Time { return now }, BackupDir: dir, BackupKeep: 3,
	})
	// Start catches up a missing backup at once (the directory is new).
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	names := func() []string {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{"chibo-20260301-023000.db"}) {
		t.Fatalf("after start: %q", got)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("backup directory mode: %v %v", st.Mode(), err)
	}
	// Each day's backup holds that day's data; only the newest 3 stay.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a backup"), 0o600)
	for day := 1; day <= 4; day++ {
		now = now.Add(24 * time.Hour)
		if err := db.Update(func(tx *storage.Tx) error { return tx.PutMetaInt("day", int64(day)) }); err != nil {
			t.Fatal(err)
		}
		path, _, err := s.Backup()
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("backup mode: %v %v", st, err)
		}
		if _, err := storage.Check(path); err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
		b, err := storage.Open(path, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		b.View(func(tx *storage.Tx) error { got = tx.MetaInt("day"); return nil })
		b.Close()
		if got != int64(day) {
			t.Errorf("backup of day %d holds day %d", day, got)
		}
	}
	want := []string{"chibo-20260303-023000.db", "chibo-20260304-023000.db", "chibo-20260305-023000.db", "notes.txt"}
	if got := names(); !slices.Equal(got, want) {
		t.Fatalf("retention: %q, want %q", got, want)
	}
	// A restart within a day of the last backup takes none.
	now = now.Add(time.Hour)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if got := names(); !slices.Equal(got, want) {
		t.Fatalf("after a restart: %q", got)
	}
}
