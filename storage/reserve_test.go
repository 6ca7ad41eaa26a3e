package storage

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// scratchPages writes records filling about n pages in the audit bucket
// and deletes them again, so that bbolt holds about n pages free, as a
// big batch (a migration, a night's retention) leaves a file.
func scratchPages(t *testing.T, db *DB, n int) {
	t.Helper()
	putPages(t, db, scratchBase, n)
	deletePages(t, db, scratchBase, n)
}

// scratchBase is above any id the tests give audit entries.
const scratchBase = 1 << 40

// deletePages deletes what putPages wrote.
func deletePages(t *testing.T, db *DB, base uint64, n int) {
	t.Helper()
	if err := db.Update(func(tx *Tx) error {
		b := tx.tx.Bucket(bucketAudit)
		for j := range n * reservePerPage {
			if err := b.Delete(itob(base + uint64(j))); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// putPages writes records filling about n pages in the audit bucket, under
// ids from base on, a thousand to a transaction.
func putPages(t *testing.T, db *DB, base uint64, n int) {
	t.Helper()
	v := make([]byte, fillerSize(db.bolt.Info().PageSize))
	for i := 0; i < n*reservePerPage; i += 1000 {
		if err := db.Update(func(tx *Tx) error {
			b := tx.tx.Bucket(bucketAudit)
			for j := i; j < min(i+1000, n*reservePerPage); j++ {
				if err := b.Put(itob(base+uint64(j)), v); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// usedSize is the size of the file's pages in use or free (bbolt's high
// water mark): the file itself may be longer, grown ahead in steps.
func usedSize(t *testing.T, db *DB) int64 {
	t.Helper()
	var n int64
	if err := db.bolt.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func reservedPages(t *testing.T, db *DB) int {
	t.Helper()
	n := 0
	if err := db.View(func(tx *Tx) error { n = tx.ReservedPages(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func orgCount(t *testing.T, db *DB) int {
	t.Helper()
	n := 0
	if err := db.View(func(tx *Tx) error {
		orgs, err := tx.Orgs()
		n = len(orgs)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A file left with thousands of free pages is opened with the surplus in
// the reserve: the free list is back to its working set, the file is the
// same size, and every record is there.
func TestOpen_givesSurplusFreePagesToTheReserve(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	listQuietFor(db, time.Hour) // no quiet moment: Open does the work here
	putOrgs(t, db, 100)
	scratchPages(t, db, 3000)
	if free, pending := db.freePages(); free+pending < 2500 {
		t.Fatalf("%d free pages after the scratch records, want about 3000", free+pending)
	}
	size := usedSize(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if free, _ := db.freePages(); free > reserveKeep+reserveBatch/8 {
		t.Errorf("%d free pages after Open, want about %d", free, reserveKeep)
	}
	if got := reservedPages(t, db); got < 2000 {
		t.Errorf("%d pages in the reserve, want over 2000", got)
	}
	if got := usedSize(t, db); got != size {
		t.Errorf("the file's pages grew from %d to %d bytes", size, got)
	}
	if n := orgCount(t, db); n != 100 {
		t.Errorf("%d organizations, want 100", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(path); err != nil {
		t.Fatal(err)
	}
}

// As the records grow, the reserve gives its pages back before the file
// would grow; the free list stays within its working set.
func TestReserve_givesPagesBackBeforeTheFileGrows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	listQuietFor(db, time.Hour)
	scratchPages(t, db, 3000)
	if changed, err := db.tendReserve(func() bool { return false }); err != nil || !changed {
		free, pending := db.freePages()
		t.Fatalf("tendReserve with %d free pages and %d pending: changed %v, %v", free, pending, changed, err)
	}
	size, reserved := usedSize(t, db), reservedPages(t, db)
	if reserved < 2000 {
		t.Fatalf("%d pages in the reserve, want over 2000", reserved)
	}
	// 1,500 pages of new records, with quiet moments between.
	putOrgs(t, db, 100)
	for i := range 30 {
		putPages(t, db, uint64(1+i*100*reservePerPage), 50)
		if _, err := db.tendReserve(func() bool { return false }); err != nil {
			t.Fatal(err)
		}
		if free, _ := db.freePages(); free > reserveAbove {
			t.Fatalf("%d free pages, over %d", free, reserveAbove)
		}
	}
	// A commit may take more than the free pages left before the reserve
	// gives some back: the file grows by that, never by the new records.
	if got := usedSize(t, db); got > size+int64(reserveBelow*db.pageSize) {
		t.Errorf("the file's pages grew from %d to %d bytes with %d pages in the reserve", size, got, reserved)
	}
	if got := reservedPages(t, db); got > reserved-1000 {
		t.Errorf("the reserve holds %d pages, %d before 1,500 pages of new records", got, reserved)
	}
	if n := orgCount(t, db); n != 100 {
		t.Errorf("%d organizations, want 100", n)
	}
}

// Serving, the surplus goes to the reserve once the commits stop.
func TestReserve_takesTheSurplusWhenQuiet(t *testing.T) {
	db := MustOpenDB(t)
	listQuietFor(db, time.Hour)
	scratchPages(t, db, 2000)
	if got := reservedPages(t, db); got != 0 {
		t.Fatalf("%d pages in the reserve while commits come", got)
	}
	listQuietFor(db, time.Millisecond) // the commits have stopped
	waitForReserve(t, db, func() { time.Sleep(5 * time.Millisecond) }, "the commits stopped and the surplus free pages stayed free")
}

// waitForReserve runs step until the reserve holds pages, a minute at most.
func waitForReserve(t *testing.T, db *DB, step func(), failure string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); reservedPages(t, db) == 0; step() {
		if time.Now().After(deadline) {
			t.Fatal(failure)
		}
	}
}

// lastTx is the id of the last committed write transaction.
func lastTx(t *testing.T, db *DB) int {
	t.Helper()
	var id int
	if err := db.bolt.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// A small file has no surplus: the quiet moments leave it alone, without
// a commit of their own.
func TestReserve_leavesASmallFileAlone(t *testing.T) {
	db := MustOpenDB(t)
	putOrgs(t, db, 300)
	before := lastTx(t, db)
	if changed, err := db.tendReserve(func() bool { return false }); err != nil || changed {
		t.Fatalf("tendReserve on a small file: changed %v, %v", changed, err)
	}
	if got := lastTx(t, db); got != before {
		t.Errorf("tendReserve on a small file committed %d transactions", got-before)
	}
	if got := reservedPages(t, db); got != 0 {
		t.Fatalf("%d pages in the reserve of a small file", got)
	}
	if n := orgCount(t, db); n != 300 {
		t.Fatalf("%d organizations, want 300", n)
	}
}

// On a busy day the commits never stop for a second: the surplus still
// goes to the reserve, once they have not stopped for maxWait.
func TestReserve_takesTheSurplusUnderConstantCommits(t *testing.T) {
	db := MustOpenDB(t)
	listQuietFor(db, time.Hour)
	scratchPages(t, db, 2000)
	listMaxWaitFor(db, 20*time.Millisecond) // the commits never stop for the hour of quiet
	waitForReserve(t, db, func() { putOrgs(t, db, 1) }, "the commits went on and the surplus free pages stayed free")
}

// Pages freed while a read still needs them are not free to take: the
// reserve does not take them by growing the file.
func TestReserve_takesNoPageAReadStillNeeds(t *testing.T) {
	db := MustOpenDB(t)
	listQuietFor(db, time.Hour)
	putPages(t, db, scratchBase, 3000)
	reading, done := make(chan struct{}), make(chan struct{})
	go db.View(func(*Tx) error { close(reading); <-done; return nil })
	defer close(done)
	<-reading
	deletePages(t, db, scratchBase, 3000)
	size := usedSize(t, db)
	if _, err := db.tendReserve(func() bool { return false }); err != nil {
		t.Fatal(err)
	}
	if got := reservedPages(t, db); got != 0 {
		t.Errorf("%d pages in the reserve while a read holds the free pages", got)
	}
	if got := usedSize(t, db); got != size {
		t.Errorf("the file's pages grew from %d to %d bytes", size, got)
	}
}

// kill -9 between two batches of the reserve: the copy has no free-page
// list (the batches do not write it); the next Open walks the file, finds
// the filler's pages in use, takes the rest of the surplus, and the file
// passes bbolt's check.
func TestReserve_killedBetweenBatches(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "chibo.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	listQuietFor(db, time.Hour)
	putOrgs(t, db, 100)
	scratchPages(t, db, 3000)
	if err := db.Update(func(*Tx) error { return nil }); err != nil { // the deleted pages become free to take
		t.Fatal(err)
	}
	if _, err := db.reserveBatch(); err != nil {
		t.Fatal(err)
	}
	crashed := crashCopy(t, path)
	re, err := Open(crashed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := reservedPages(t, re); got < 2000 {
		t.Errorf("%d pages in the reserve after the restart, want over 2000", got)
	}
	if n := orgCount(t, re); n != 100 {
		t.Errorf("%d organizations, want 100", n)
	}
	if err := re.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(crashed); err != nil {
		t.Fatalf("check after the restart: %v", err)
	}
}

// When the records grow faster than the quiet moments come, the reserve
// gives pages back as soon as the free ones run low, not at the next
// quiet moment: the file does not grow while it holds pages.
func TestReserve_givesBackAtOnceWhenFreePagesRunLow(t *testing.T) {
	db := MustOpenDB(t)
	listQuietFor(db, time.Hour) // no quiet moment
	scratchPages(t, db, 3000)
	if changed, err := db.tendReserve(func() bool { return false }); err != nil || !changed {
		t.Fatalf("tendReserve: changed %v, %v", changed, err)
	}
	size, reserved := usedSize(t, db), reservedPages(t, db)
	for i := range 30 { // 1,500 pages
		putPages(t, db, uint64(1+i*100*reservePerPage), 50)
		for deadline := time.Now().Add(time.Minute); db.reserveLow(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the free pages ran low and the reserve gave none back")
			}
		}
	}
	// A commit may take more than the free pages left before the reserve
	// gives some back: the file grows by that, never by the new records.
	if got := usedSize(t, db); got > size+int64(reserveBelow*db.pageSize) {
		t.Errorf("the file's pages grew from %d to %d bytes with %d pages in the reserve", size, got, reserved)
	}
	if got := reservedPages(t, db); got > reserved-1000 {
		t.Errorf("the reserve holds %d pages, %d before 1,500 pages of new records", got, reserved)
	}
}

// Close while a quiet moment's work is under way ends the work and
// writes the free-page list: the file passes bbolt's check and needs no
// walk at the next start. (Close waits for the batch under way, so none of
// the work's commits, made without the list, comes after Close's.)
func TestReserve_closeDuringTheWork(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	listQuietFor(db, time.Hour)
	scratchPages(t, db, 6000)
	closed := make(chan error, 1)
	beforeReserveBatch = func() {
		beforeReserveBatch = nil
		go func() { closed <- db.Close() }()
		time.Sleep(20 * time.Millisecond) // Close, unless it waits for the work
	}
	defer func() { beforeReserveBatch = nil }()
	listQuietFor(db, time.Millisecond) // a quiet moment
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if got := freelistPage(t, path); got == noFreelist {
		t.Fatal("closed without the free-page list")
	}
	if _, err := Check(path); err != nil {
		t.Fatal(err)
	}
}
