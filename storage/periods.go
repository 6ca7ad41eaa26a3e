package storage

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Members with a status for a period (working far away, transferred), now
// or in their history, by home cell (schema 6): the minute's tick looks for
// check-ins and ends of periods among them, not among every member.

// hasPeriodStatus reports whether one of m's statuses is for a period.
func hasPeriodStatus(m *Member) bool {
	if m.Status.Kind.HasPeriod() {
		return true
	}
	for _, s := range m.History {
		if s.Kind.HasPeriod() {
			return true
		}
	}
	return false
}

// PeriodCells lists, in id order, the home cells of members who have or
// had a status for a period.
func (tx *Tx) PeriodCells() []uint64 {
	var out []uint64
	c := tx.tx.Bucket(bucketPeriodCells).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Seek(itob(btoi(k[:8]) + 1)) {
		out = append(out, btoi(k[:8]))
	}
	return out
}

// PeriodMembers lists the members of the home cell who have or had a
// status for a period, in id order.
func (tx *Tx) PeriodMembers(cellID uint64) ([]Member, error) {
	return indexed(tx, bucketPeriodCells, cellID, tx.Member, "member %d of cell %d")
}

// HasCheckin reports whether the member checked in for the period.
func (tx *Tx) HasCheckin(memberID uint64, period string) bool {
	return tx.tx.Bucket(bucketCheckins).Get(checkinKey(memberID, period)) != nil
}

// indexPeriodMembers builds the index of members with a status for a
// period, which schema 5 did not have: the tick read every member.
func indexPeriodMembers(tx *bolt.Tx) error {
	idx := tx.Bucket(bucketPeriodCells)
	return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("member %x: %w", k, err)
		}
		if !hasPeriodStatus(&m) {
			return nil
		}
		return idx.Put(homeKey(m.HomeCellID, m.ID), nil)
	})
}

// HasPeriodMembers reports whether the cell has a member with a status for
// a period, now or before.
func (tx *Tx) HasPeriodMembers(cellID uint64) bool {
	prefix := itob(cellID)
	k, _ := tx.tx.Bucket(bucketPeriodCells).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}
