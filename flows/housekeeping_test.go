package flows

import (
	"chibo/flows/faraway"
	"chibo/flows/privacy"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Check-in details past their retention are deleted once a day, by batches
// that each commit: a crash between batches loses nothing and deletes
// nothing twice, and the minute's tick itself deletes nothing.
func TestHousekeep_retentionInBatchesResumes(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	// One cell with more old check-ins than a batch deletes, then more cells
	// than a batch looks at, each with an old check-in and a recent one.
	err := h.db.Update(func(tx *storage.Tx) error {
		for i := range faraway.HousekeepDeletes/12 + 10 {
			for mo := 1; mo <= 12; mo++ {
				ck := &storage.Checkin{MemberID: uint64(10_000 + i), CellID: h.cell.ID, Period: fmt.Sprintf("2020-%02d", mo)}
				if err := tx.PutCheckin(ck); err != nil {
					return err
				}
			}
		}
		for i := range faraway.HousekeepCells + 5 {
			cell := &storage.Cell{OrgID: h.cell.OrgID, Name: fmt.Sprint("Chi bộ ", i), Created: h.now}
			if err := tx.PutCell(cell); err != nil {
				return err
			}
			for _, p := range []string{"2023-05", "2026-01"} {
				if err := tx.PutCheckin(&storage.Checkin{MemberID: uint64(20_000 + i), CellID: cell.ID, Period: p}); err != nil {
					return err
				}
			}
		}
		// The minute's tick deletes nothing.
		_, err := h.e.Due(tx, h.now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	old := func() (n int) {
		_ = h.db.View(func(tx *storage.Tx) error {
			for i := range faraway.HousekeepCells + 5 {
				if _, err := tx.Checkin(uint64(20_000+i), "2023-05"); err == nil {
					n++
				}
			}
			for i := range faraway.HousekeepDeletes/12 + 10 {
				cks, _ := tx.Checkins(uint64(10_000 + i))
				n += len(cks)
			}
			return nil
		})
		return n
	}
	all := old()
	if all != (faraway.HousekeepDeletes/12+10)*12+faraway.HousekeepCells+5 {
		t.Fatalf("%d old check-ins before housekeeping: the tick deleted some", all)
	}
	batch := func() bool {
		var more bool
		if err := h.db.Update(func(tx *storage.Tx) (err error) {
			more, err = privacy.Housekeep(h.e, tx, h.now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return more
	}
	if !batch() {
		t.Fatal("the first batch did everything")
	}
	if left := old(); left != all-faraway.HousekeepDeletes {
		t.Fatalf("after one batch %d old check-ins are left, want %d", left, all-faraway.HousekeepDeletes)
	}
	h.restart()  // a crash after the first batch committed
	batches := 2 // the first, and the last that says no more
	for batch() {
		batches++
	}
	if left := old(); left != 0 || batches != 4 { // two for the first cells, one for the rest, one for the other work
		t.Fatalf("%d old check-ins left after %d batches, want 0 after 4", left, batches)
	}
	_ = h.db.View(func(tx *storage.Tx) error {
		for i := range faraway.HousekeepCells + 5 {
			if _, err := tx.Checkin(uint64(20_000+i), "2026-01"); err != nil {
				t.Errorf("a recent check-in of cell %d was deleted", i)
			}
		}
		return nil
	})

	// Once done, the day's housekeeping does nothing more; the next day's does.
	if err := h.db.Update(func(tx *storage.Tx) error {
		return tx.PutCheckin(&storage.Checkin{MemberID: 30_000, CellID: h.cell.ID, Period: "2020-01"})
	}); err != nil {
		t.Fatal(err)
	}
	if batch() {
		t.Fatal("the day's housekeeping has more to do once done")
	}
	gone := func() bool {
		var err error
		_ = h.db.View(func(tx *storage.Tx) error { _, err = tx.Checkin(30_000, "2020-01"); return nil })
		return err != nil
	}
	if gone() {
		t.Fatal("housekeeping ran twice in a day")
	}
	h.advance(24 * time.Hour)
	h.due()
	if !gone() {
		t.Fatal("the next day's housekeeping kept an old check-in")
	}
}

// The key of a check-in reminder is kept while the reminder can fall due
// and forgotten by the housekeeping once its month is long closed; the
// reminder is not sent again.
func TestHousekeep_reminderKeysForgottenAfterWindow(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	g := h.farGroup()
	h.markFar("dovanhung", g.ID, h.date(1, 3, 2026), h.date(30, 4, 2026), true)
	hung := h.member("dovanhung").ID
	key := fmt.Sprintf("reminder/checkin/2026-03/%d/0", hung)
	used := func() (u bool) {
		_ = h.db.View(func(tx *storage.Tx) error { u = tx.OutboxKeyUsed(key); return nil })
		return u
	}
	h.at(25, 3, 8, 0)
	if !slices.ContainsFunc(h.due(), func(m chat.Message) bool { return m.Key == key }) {
		t.Fatalf("no reminder %s on the check-in day", key)
	}
	h.at(31, 5, 9, 0)
	h.due()
	if !used() {
		t.Fatal("the key was forgotten while its month could still be reminded")
	}
	h.at(1, 6, 9, 0)
	for _, m := range h.due() {
		if strings.HasPrefix(m.Key, "reminder/checkin/2026-03/") {
			t.Fatalf("March's reminder sent again: %s", m.Key)
		}
	}
	if used() {
		t.Fatal("the key of a reminder that can no longer fall due is kept")
	}
}
