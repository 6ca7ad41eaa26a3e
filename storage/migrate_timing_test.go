package storage

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOpen_migrationTiming times the migrations of a given file (a province
// kept by the generator of an older release), batch by batch: the longest
// interval between two batches is one batch's work and one commit. It runs
// only when asked:
//
//	CHIBO_MIGRATE_DB=/tmp/province-v6.db go test ./storage -run migrationTiming -v
func TestOpen_migrationTiming(t *testing.T) {
	src := os.Getenv("CHIBO_MIGRATE_DB")
	if src == "" {
		t.Skip("CHIBO_MIGRATE_DB names no file")
	}
	path := filepath.Join(t.TempDir(), "chibo.db")
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	in.Close()
	out.Close()
	batches, longest, last := 0, time.Duration(0), time.Now()
	began := last
	afterMigrateBatch = func(int) {
		batches++
		longest = max(longest, time.Since(last))
		last = time.Now()
	}
	defer func() { afterMigrateBatch = nil }()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Logf("migrated in %s: %d batches, the longest %s", time.Since(began).Round(time.Millisecond), batches, longest.Round(time.Microsecond))
}
