package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The due-work index (issue 15): what can fall due is kept as rows keyed by
// the time it falls due, so that the scheduler's tick reads only the rows at
// or before now and its cost grows with what is due, not with the database.
//
// A row names a kind of work (a due source of flows, such as "meetings")
// and a subject (a cell). flows writes a source's row with SetDue after it
// looked at the cell: the time it next needs to look. storage itself writes
// a row of kind DueAny, due at once, for a cell whose records change
// (TouchCell, called by the Put methods), so that every source looks at the
// cell again at the next tick and sets its own row afresh. The rows never
// decide that something is sent: the records and the outbox keys do, as
// before; a row only says when to look.

// DueAny is the kind of a row that asks every due source to look at its
// subject: written when the subject's records change.
const DueAny = "*"

// DueRow is one row of the due-work index.
type DueRow struct {
	At      time.Time // when the work falls due (whole seconds; the zero time for DueAny rows)
	Kind    string    // the due source, or DueAny
	Subject uint64    // the cell
}

// Key is the row's key in the index: its time (big-endian unix seconds),
// kind, a zero byte and its subject (big-endian), so rows sort by time.
func (r DueRow) Key() []byte {
	k := make([]byte, 0, 8+len(r.Kind)+1+8)
	k = binary.BigEndian.AppendUint64(k, dueUnix(r.At))
	k = append(k, r.Kind...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, r.Subject)
}

// dueUnix is t in unix seconds, rounded up so that a row is never read
// before its time; the zero time (and anything before 1970) is 0.
func dueUnix(t time.Time) uint64 {
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return uint64(s)
}

// subjectKey is a row's key in the reverse index: kind, zero byte, subject.
func subjectKey(kind string, subject uint64) []byte {
	k := append([]byte(kind), 0)
	return binary.BigEndian.AppendUint64(k, subject)
}

func parseDueKey(k []byte) (DueRow, error) {
	if len(k) < 8+1+8 || k[len(k)-9] != 0 {
		return DueRow{}, fmt.Errorf("due row key %x", k)
	}
	r := DueRow{Kind: string(k[8 : len(k)-9]), Subject: btoi(k[len(k)-8:])}
	if s := btoi(k[:8]); s > 0 {
		r.At = time.Unix(int64(s), 0)
	}
	return r, nil
}

// SetDue sets when work of kind falls due for subject, replacing the row it
// had; a zero at removes the row (nothing to look at until the records
// change).
func (tx *Tx) SetDue(kind string, subject uint64, at time.Time) error {
	return setDue(tx.tx, kind, subject, at, false)
}

// TouchCell asks every due source to look at the cell at the next tick:
// its records changed, so what falls due for it may have changed.
func (tx *Tx) TouchCell(cellID uint64) error {
	if cellID == 0 {
		return nil
	}
	return touchCell(tx.tx, cellID)
}

func touchCell(tx *bolt.Tx, cellID uint64) error {
	return setDue(tx, DueAny, cellID, time.Time{}, true)
}

// setDue writes the row; touch writes a DueAny row due at once.
func setDue(tx *bolt.Tx, kind string, subject uint64, at time.Time, touch bool) error {
	rows, subjects := tx.Bucket(bucketDue), tx.Bucket(bucketDueSubjects)
	sk := subjectKey(kind, subject)
	if old := subjects.Get(sk); old != nil {
		if touch && btoi(old) == 0 {
			return nil // already touched
		}
		if err := rows.Delete(DueRow{At: time.Unix(int64(btoi(old)), 0), Kind: kind, Subject: subject}.Key()); err != nil {
			return err
		}
	}
	if !touch && at.IsZero() {
		return subjects.Delete(sk)
	}
	r := DueRow{At: at, Kind: kind, Subject: subject}
	if err := rows.Put(r.Key(), nil); err != nil {
		return err
	}
	return subjects.Put(sk, itob(dueUnix(at)))
}

// DueAt is when work of kind next falls due for subject, if it has a row.
func (tx *Tx) DueAt(kind string, subject uint64) (time.Time, bool) {
	v := tx.tx.Bucket(bucketDueSubjects).Get(subjectKey(kind, subject))
	if v == nil {
		return time.Time{}, false
	}
	if s := btoi(v); s > 0 {
		return time.Unix(int64(s), 0), true
	}
	return time.Time{}, true
}

// NextDue is the first row due at or before now whose key is after the
// given one (nil: from the first), in key order (time, then kind, then
// subject). ok is false when no such row exists.
func (tx *Tx) NextDue(now time.Time, after []byte) (row DueRow, key []byte, ok bool, err error) {
	c := tx.tx.Bucket(bucketDue).Cursor()
	var k []byte
	if after == nil {
		k, _ = c.First()
	} else {
		k, _ = c.Seek(after)
		if k != nil && bytes.Equal(k, after) {
			k, _ = c.Next()
		}
	}
	if len(k) < 8 || btoi(k[:8]) > uint64(max(now.Unix(), 0)) {
		return DueRow{}, nil, false, nil
	}
	row, err = parseDueKey(k)
	if err != nil {
		return DueRow{}, nil, false, err
	}
	return row, bytes.Clone(k), true, nil
}

// DueRows lists every row of the index in key order, for checks.
func (tx *Tx) DueRows() ([]DueRow, error) {
	var out []DueRow
	err := tx.tx.Bucket(bucketDue).ForEach(func(k, _ []byte) error {
		r, err := parseDueKey(k)
		out = append(out, r)
		return err
	})
	return out, err
}

// DueRebuildPending reports whether the index is being rebuilt (after the
// migration that made it, until RebuildDue finished): the tick is then not
// to be trusted to find every cell.
func (tx *Tx) DueRebuildPending() bool {
	return tx.tx.Bucket(bucketMeta).Get(keyDueRebuild) != nil
}

// keyDueRebuild holds, while the index is being rebuilt, the last cell id
// done (8 bytes): a rebuild cut short resumes after it.
var keyDueRebuild = []byte("due_rebuild_after")

// dueRebuildBatch is how many cells one rebuild transaction touches: a
// few milliseconds of writes at a province's size.
const dueRebuildBatch = 500

// RebuildDue rebuilds the due-work index from the records, in batches that
// commit separately: it forgets every row, then touches every cell, so that
// the next tick has every due source look at every cell and set its row.
// It resumes where a crash cut it short, and does nothing when no rebuild
// is pending unless start is true.
func (db *DB) RebuildDue(start bool) error {
	if start {
		if err := db.bolt.Update(startDueRebuild); err != nil {
			return err
		}
	}
	for {
		done := false
		err := timedUpdate(db.bolt, 9, func(tx *bolt.Tx) (err error) { // 9: the schema that made the index
			done, err = rebuildDueBatch(tx)
			return err
		})
		if err != nil {
			return fmt.Errorf("rebuild due index: %w", err)
		}
		if done {
			return nil
		}
	}
}

// rebuildDueBatch touches the next dueRebuildBatch cells of a pending
// rebuild and records where it stopped; done is true when none is pending.
func rebuildDueBatch(tx *bolt.Tx) (done bool, err error) {
	meta := tx.Bucket(bucketMeta)
	v := meta.Get(keyDueRebuild)
	if v == nil {
		return true, nil
	}
	after := btoi(v)
	c := tx.Bucket(bucketCells).Cursor()
	n := 0
	for k, _ := c.Seek(itob(after + 1)); k != nil; k, _ = c.Next() {
		if n == dueRebuildBatch {
			return false, meta.Put(keyDueRebuild, itob(after))
		}
		after = btoi(k)
		if err := touchCell(tx, after); err != nil {
			return false, err
		}
		n++
	}
	return true, meta.Delete(keyDueRebuild)
}

// startDueRebuild empties the index and marks a rebuild pending from the
// first cell. Emptying two buckets is quick whatever their size.
func startDueRebuild(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketDue, bucketDueSubjects} {
		if err := tx.DeleteBucket(name); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketMeta).Put(keyDueRebuild, itob(0))
}

// migrateDueIndex (schema 9) makes the due-work index: the buckets exist
// already (Open creates every registered bucket), so the migration only
// marks a rebuild pending; Open then runs it in batches, each its own
// transaction, resuming after a crash.
func migrateDueIndex(tx *bolt.Tx) error {
	return tx.Bucket(bucketMeta).Put(keyDueRebuild, itob(0))
}

// touchMemberCells touches the cells whose due work a change to the
// member's records can change: their home cell (home, or read when 0) and
// the residence cell they are linked to (their own reminders and the
// residence cell's notices and comment round).
func (tx *Tx) touchMemberCells(memberID, home uint64) error {
	if home == 0 {
		if m, err := tx.Member(memberID); err == nil {
			home = m.HomeCellID
		}
	}
	if err := tx.TouchCell(home); err != nil {
		return err
	}
	if l, err := tx.ResidenceLink(memberID); err == nil && l.CellID != home {
		return tx.TouchCell(l.CellID)
	}
	return nil
}

// PostponeDue moves the row with the key (from NextDue) to at.
func (tx *Tx) PostponeDue(key []byte, at time.Time) error {
	r, err := parseDueKey(key)
	if err != nil {
		return err
	}
	return tx.SetDue(r.Kind, r.Subject, at)
}
