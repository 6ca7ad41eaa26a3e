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
// surplus held back, 1.05-1.12x (median 1.07), as on a compacted copy.
//
// chibo holds the free pages beyond a working set in the reserve bucket,
// as filler records that nothing reads. The file does not grow for it:
// the filler takes pages that were free already. When the free pages run
// low, the reserve gives some back before the file would grow. Both are
// done when the commits stop for a moment (listFlush) and at Open, in
// transactions of a few milliseconds.
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

// reservePerPage is how many filler records fill one page: bbolt puts at
// least two keys on a page.
const reservePerPage = 2

// freePages is the number of pages bbolt can allocate without growing the
// file, and of those it will free once no read needs them, as of the last
// write transaction.
func (db *DB) freePages() (free, pending int) {
	st := db.bolt.Stats()
	return st.FreePageN, st.PendingPageN
}

// tendReserve moves free pages to or from the reserve as the free list
// asks, a batch per transaction, and reports whether it changed anything.
// stop, when it returns true, ends the work between batches (chibo is
// stopping).
func (db *DB) tendReserve(stop func() bool) (bool, error) {
	free, pending := db.freePages()
	if free+pending > reserveAbove {
		// The pages the last commits freed become free to take when a
		// write transaction begins (unless a read still needs them).
		if err := db.bolt.Update(func(*bolt.Tx) error {
			db.bolt.NoFreelistSync = true // the list is written after the work (listFlush, Open)
			return nil
		}); err != nil {
			return false, err
		}
		free, _ = db.freePages()
	}
	changed := false
	if free > reserveAbove {
		// A batch that does not lower the count (nothing to take) ends
		// the work.
		for free > reserveKeep && !stop() {
			if err := db.reserveBatch(min(free-reserveKeep, reserveBatch)); err != nil {
				return changed, err
			}
			changed = true
			now, _ := db.freePages()
			if now >= free {
				break
			}
			free = now
		}
		return changed, nil
	}
	if free < reserveBelow && !stop() {
		n, err := db.releaseReserve(reserveKeep - free)
		return n > 0, err
	}
	return false, nil
}

// reserveBatch puts filler records that fill n pages in the reserve.
func (db *DB) reserveBatch(n int) error {
	size := fillerSize(db.bolt.Info().PageSize)
	filler := make([]byte, size)
	return db.bolt.Update(func(tx *bolt.Tx) error {
		db.bolt.NoFreelistSync = true // the list is written after the work (listFlush, Open)
		b := tx.Bucket(bucketReserve)
		b.FillPercent = 1 // appended: pages full, two records each
		for range n * reservePerPage {
			id, err := b.NextSequence()
			if err != nil {
				return err
			}
			if err := b.Put(itob(id), filler); err != nil {
				return err
			}
		}
		return nil
	})
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
		return nil
	})
	return deleted, err
}

// ReservedPages is how many pages the reserve holds.
func (tx *Tx) ReservedPages() int {
	return count(tx.tx.Bucket(bucketReserve)) / reservePerPage
}

// fillerSize is the size of a filler record: two of them, with their
// keys, fill a page.
func fillerSize(pageSize int) int {
	const pageHeader, leafElement, key = 16, 16, 8
	return (pageSize-pageHeader)/reservePerPage - leafElement - key - 8 // 8 bytes to spare
}
