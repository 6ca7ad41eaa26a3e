package storage

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// The reserve of free pages (issue 15).
//
// bbolt keeps the file's free pages in one sorted list. Every commit
// merges the pages it releases into the whole list (a cost in proportion
// to the list) and takes its new pages from the lowest free ids, spread
// over the file, so a commit's writes scatter. A big batch (a migration,
// a night's retention, a province loaded at once) leaves thousands of
// pages free, and they stay free: bbolt never shrinks the file. Every
// commit after it pays. An RSVP on a province with 5,323 free pages cost
// 1.10-1.23x the same press on a 2-cell file (median 1.19); with the
// surplus held back, 1.07-1.17x (median 1.10); a compacted copy of the
// file, 1.00-1.10x.
//
// chibo holds the free pages beyond a working set in the reserve bucket,
// as filler records that nothing reads. The file does not grow for it:
// the filler takes pages that were free already. When the free pages run
// low, the reserve gives some back at once, so that the file grows only
// when the reserve is empty. The surplus is taken at Open and when the
// commits stop for a moment (listFlush), in transactions of a few
// milliseconds.
const (
	// reserveAbove is the number of free pages over which the surplus
	// goes to the reserve.
	reserveAbove = 1024
	// reserveKeep is how many free pages are left when the surplus goes
	// to the reserve, and how many the reserve gives back up to.
	reserveKeep = 256
	// reserveBelow is the number of free pages under which the reserve
	// gives pages back.
	reserveBelow = 64
	// reserveBatch is the most pages one transaction moves.
	reserveBatch = 512
)

// reservePerPage is how many filler records fill one page. With four, no
// leaf of the reserve ever spans two pages: bbolt does not split a node of
// four keys or fewer, and four fit in a page.
const reservePerPage = 4

// freePages is the number of pages bbolt can allocate without growing the
// file, and of those it will free once no read needs them, as of the last
// write transaction.
func (db *DB) freePages() (free, pending int) {
	st := db.bolt.Stats()
	return st.FreePageN, st.PendingPageN
}

// reserveLow reports whether the free pages ran low while the reserve
// holds some to give back.
func (db *DB) reserveLow() bool {
	if !db.reserved.Load() {
		return false
	}
	free, pending := db.freePages()
	return free+pending < reserveBelow
}

// tendReserve moves free pages to or from the reserve as the free list
// asks, a batch per transaction, and reports whether it changed anything.
// stop, when it returns true, ends the work between batches (chibo is
// stopping).
func (db *DB) tendReserve(stop func() bool) (bool, error) {
	free, pending := db.freePages()
	switch {
	case free+pending > reserveAbove:
		// The pages the last commits freed become free to take when a
		// write transaction begins (unless a read still needs them).
		if err := db.bolt.Update(func(*bolt.Tx) error {
			db.bolt.NoFreelistSync = true // the list is written after the work (listFlush, Open)
			return nil
		}); err != nil {
			return false, err
		}
		if free, _ = db.freePages(); free <= reserveAbove {
			return false, nil
		}
		changed := false
		for !stop() {
			if beforeReserveBatch != nil {
				beforeReserveBatch()
			}
			took, err := db.reserveBatch()
			if err != nil || !took {
				return changed, err
			}
			changed = true
		}
		return changed, nil
	case free+pending < reserveBelow && db.reserved.Load() && !stop():
		n, err := db.releaseReserve(reserveKeep - free - pending)
		return n > 0, err
	}
	return false, nil
}

// beforeReserveBatch, when set (by tests), runs before each batch.
var beforeReserveBatch func()

// reserveBatch puts filler records in the reserve that take up to
// reserveBatch pages, leaving reserveKeep free, and reports whether it
// took any. The count is read in the transaction, after bbolt made the
// pages freed before it free to take.
func (db *DB) reserveBatch() (bool, error) {
	filler := make([]byte, fillerSize(db.pageSize))
	took := false
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		db.bolt.NoFreelistSync = true // the list is written after the work (listFlush, Open)
		free, _ := db.freePages()
		n := min(free-reserveKeep, reserveBatch)
		if n <= 0 {
			return nil
		}
		b := tx.Bucket(bucketReserve)
		b.FillPercent = 1 // appended: pages full
		for range n * reservePerPage {
			id, err := b.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(itob(id), filler); err != nil {
				return err
			}
		}
		took = true
		tx.OnCommit(func() { db.reserved.Store(true) })
		return nil
	})
	return took, err
}

// releaseReserve deletes the reserve's last records, up to n pages of
// them, and returns how many pages' worth it deleted.
func (db *DB) releaseReserve(n int) (int, error) {
	deleted := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		db.bolt.NoFreelistSync = true
		b := tx.Bucket(bucketReserve)
		var doomed [][]byte
		c := b.Cursor()
		for k, _ := c.Last(); k != nil && len(doomed) < n*reservePerPage; k, _ = c.Prev() {
			doomed = append(doomed, bytes.Clone(k))
		}
		if _, err := deleteKeys(b, doomed); err != nil {
			return err
		}
		deleted = len(doomed) / reservePerPage
		first, _ := c.First()
		more := first != nil
		tx.OnCommit(func() { db.reserved.Store(more) })
		return nil
	})
	return deleted, err
}

// lookAtReserve notes whether the reserve holds pages (at Open).
func (db *DB) lookAtReserve() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketReserve).Cursor().First()
		db.reserved.Store(k != nil)
		return nil
	})
}

// ReservedPages is how many pages the reserve holds.
func (tx *Tx) ReservedPages() int {
	return count(tx.tx.Bucket(bucketReserve)) / reservePerPage
}

// fillerSize is the size of a filler record: reservePerPage of them, with
// their keys, fill a page.
func fillerSize(pageSize int) int {
	const pageHeader, leafElement, key = 16, 16, 8
	return (pageSize-pageHeader)/reservePerPage - leafElement - key - 8 // 8 bytes to spare
}
