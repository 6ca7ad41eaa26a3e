package storage

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOpen_migrationTiming times the migrations of a given file (a province
// kept by the generator of an older release), transaction by transaction,
// each commit (with its fsync) included, and logs for each schema version
// how many write transactions took it there, the longest and their sum
// (schema 9 counts the due index's rebuild). It runs only when asked:
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
	type spent struct {
		txs            int
		longest, total time.Duration
	}
	by := map[uint64]*spent{}
	migrateTook = func(to uint64, took time.Duration) {
		if by[to] == nil {
			by[to] = &spent{}
		}
		s := by[to]
		s.txs++
		s.longest = max(s.longest, took)
		s.total += took
	}
	defer func() { migrateTook = nil }()
	began := time.Now()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Logf("opened and migrated in %s", time.Since(began).Round(time.Millisecond))
	for v := uint64(1); v <= SchemaVersion; v++ {
		if s := by[v]; s != nil {
			t.Logf("schema %d: %d transactions, the longest %s, %s in all", v, s.txs, s.longest.Round(10*time.Microsecond), s.total.Round(time.Millisecond))
		}
	}
}
