package storage

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

// TestOpen_migrationTiming times the migrations of a given file (a province
// kept by the generator of an older release), transaction by transaction,
// each commit (with its fsync) included, and logs for each schema version
// how many write transactions took it there, the median and the longest,
// their sum, and the longest CPU time of one (what the transaction itself
// costs, without waiting for a core or the disk on a busy machine). Schema
// 9 counts the due index's rebuild. It runs only when asked:
//
//	CHIBO_MIGRATE_DB=/tmp/province-v6.db go test ./storage -run migrationTiming -v
func TestOpen_migrationTiming(t *testing.T) {
	src := os.Getenv("CHIBO_MIGRATE_DB")
	if src == "" {
		t.Skip("CHIBO_MIGRATE_DB names no file")
	}
	path := filepath.Join(t.TempDir(), "chibo.db")
	if err := copyFile(src, path); err != nil {
		t.Fatal(err)
	}
	type spent struct {
		took    []time.Duration
		total   time.Duration
		longCPU time.Duration
		longest time.Duration
		sizes   [2]int64 // the file's size before and after the longest
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	lastSize := size()
	by := map[uint64]*spent{}
	runtime.LockOSThread() // bbolt runs each transaction on this goroutine
	defer runtime.UnlockOSThread()
	cpu := threadCPU()
	migrateTook = func(to uint64, took time.Duration) {
		if by[to] == nil {
			by[to] = &spent{}
		}
		s := by[to]
		s.took = append(s.took, took)
		s.total += took
		if sz := size(); took > s.longest {
			s.longest, s.sizes = took, [2]int64{lastSize, sz}
		}
		lastSize = size()
		now := threadCPU()
		s.longCPU = max(s.longCPU, now-cpu) // since the last one: this transaction and the loop around it
		cpu = now
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
		s := by[v]
		if s == nil {
			continue
		}
		slices.Sort(s.took)
		n := len(s.took)
		t.Logf("schema %d: %d transactions, median %s, 99th percentile %s, the longest %s (the file %d → %d MB), the most CPU of one %s, %s in all", v, n,
			s.took[n/2].Round(10*time.Microsecond), s.took[n*99/100].Round(10*time.Microsecond), s.took[n-1].Round(10*time.Microsecond),
			s.sizes[0]>>20, s.sizes[1]>>20, s.longCPU.Round(10*time.Microsecond), s.total.Round(time.Millisecond))
	}
}
