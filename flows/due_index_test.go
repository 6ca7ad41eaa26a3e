package flows

import (
	"chibo/flows/meetings"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"chibo/storage"
)

// checkDue runs admin check's comparison for every cell, each in a
// transaction rolled back, and returns the disagreements as text.
func (h *harness) checkDue() []string {
	h.t.Helper()
	var ids []uint64
	_ = h.db.View(func(tx *storage.Tx) error { ids = tx.CellIDsAfter(0, 1<<20); return nil })
	var out []string
	for _, id := range ids {
		err := h.db.Update(func(tx *storage.Tx) error {
			ds, err := h.e.CheckDue(tx, h.now, id)
			if err != nil {
				return err
			}
			for _, d := range ds {
				indexed := "never"
				if !d.Indexed.IsZero() {
					indexed = d.Indexed.In(h.zone).Format("02/01 15:04")
				}
				out = append(out, fmt.Sprintf("%s/%d needed %s indexed %s", d.Source, d.Cell, d.Needed.In(h.zone).Format("02/01 15:04"), indexed))
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			h.t.Fatal(err)
		}
	}
	return out
}

// dueRowsAtOrBefore lists the index rows due at h.now.
func (h *harness) dueRowsAtOrBefore() []storage.DueRow {
	var out []storage.DueRow
	_ = h.db.View(func(tx *storage.Tx) error {
		rows, err := tx.DueRows()
		for _, r := range rows {
			if !r.At.After(h.now) {
				out = append(out, r)
			}
		}
		return err
	})
	return out
}

// downgradeToV6 makes h's file what the release before the due-work index
// left: no due buckets, schema 6. It closes h.db; h.open opens it again.
func (h *harness) downgradeToV6() {
	h.t.Helper()
	if err := h.db.Close(); err != nil {
		h.t.Fatal(err)
	}
	b, err := bolt.Open(h.path, 0o600, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"due", "duesubjects"} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		v := make([]byte, 8)
		v[7] = 6
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), v)
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		h.t.Fatal(err)
	}
}

// A tick leaves no row due: the next tick at the same time reads nothing,
// however many cells there are. A member's answer makes their cell due
// again, and only it.
func TestDueIndex_aTickLeavesNothingDue(t *testing.T) {
	h, mt := newReminderCell(t)
	other := &storage.Cell{OrgID: h.cell.OrgID, Name: "Chi bộ Hai", Created: h.now}
	if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutCell(other) }); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Minute)
	h.due()
	if rows := h.dueRowsAtOrBefore(); len(rows) != 0 {
		t.Fatalf("rows still due after a tick: %+v", rows)
	}
	h.press("lethihai", fmt.Sprintf("rsvp:%d:y", mt.ID))
	rows := h.dueRowsAtOrBefore()
	if len(rows) != 1 || rows[0].Subject != h.cell.ID || rows[0].Kind != storage.DueAny {
		t.Fatalf("after an answer, due rows %+v; want the answer's cell only", rows)
	}
	if got := h.checkDue(); len(got) != 0 {
		t.Fatalf("admin check disagrees: %q", got)
	}
}

// A row naming a cell that is gone is skipped and removed; the tick goes
// on with the rows after it.
func TestDueIndex_rowOfAGoneCellIsRepaired(t *testing.T) {
	h, mt := newReminderCell(t)
	err := h.db.Update(func(tx *storage.Tx) error {
		return tx.SetDue("meetings", 999, h.now.Add(-time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	h.now = time.Date(2026, 2, 24, 19, 30, 0, 0, h.zone) // the secretary's T−7
	got := h.meetingReminders(h.due())
	if want := []string{meetings.ReminderKey("sec-early", mt.ID, h.member("sec").ID) + "@24/02 19:30"}; !slices.Equal(got, want) {
		t.Fatalf("with a row of a gone cell, reminders %q, want %q", got, want)
	}
	_ = h.db.View(func(tx *storage.Tx) error {
		if _, ok := tx.DueAt("meetings", 999); ok {
			t.Error("the row of the gone cell was kept")
		}
		return nil
	})
}

// admin check says when the index would miss work: here a cell's row of
// meeting reminders was lost.
func TestDueIndex_checkFindsALostRow(t *testing.T) {
	h, _ := newReminderCell(t)
	h.advance(time.Minute)
	h.due()
	if got := h.checkDue(); len(got) != 0 {
		t.Fatalf("admin check disagrees on a sound index: %q", got)
	}
	if err := h.db.Update(func(tx *storage.Tx) error { return tx.SetDue("meetings", h.cell.ID, time.Time{}) }); err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("meetings/%d needed 24/02 19:30 indexed never", h.cell.ID)}
	if got := h.checkDue(); !slices.Equal(got, want) {
		t.Fatalf("admin check after losing a row: %q, want %q", got, want)
	}
}

// A database written by the release before the index is migrated: admin
// check agrees, and the reminders go exactly once at their times, as on a
// database made with the index.
func TestDueIndex_migratedDatabaseRemindsAsBefore(t *testing.T) {
	h, mt := newReminderCell(t)
	sec, one := h.member("sec").ID, h.member("tranvanmot").ID
	h.press("lethihai", fmt.Sprintf("rsvp:%d:n", mt.ID))
	h.say("lethihai", "2")
	h.downgradeToV6()
	h.open()
	if got := h.checkDue(); len(got) != 0 {
		t.Fatalf("admin check disagrees after the migration: %q", got)
	}
	got := h.runClock(time.Date(2026, 3, 4, 12, 0, 0, 0, h.zone), 10*time.Minute)
	want := []string{
		meetings.ReminderKey("sec-early", mt.ID, sec) + "@24/02 19:30",
		meetings.ReminderKey("sec-late", mt.ID, sec) + "@01/03 19:30",
		meetings.ReminderKey("member-early", mt.ID, sec) + "@02/03 19:30",
		meetings.ReminderKey("member-early", mt.ID, one) + "@02/03 19:30",
		meetings.ReminderKey("sec-day", mt.ID, sec) + "@03/03 07:00",
		meetings.ReminderKey("member-late", mt.ID, sec) + "@03/03 17:30",
		meetings.ReminderKey("member-late", mt.ID, one) + "@03/03 17:30",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("reminders after the migration:\n got %q\nwant %q", got, want)
	}
	if got := h.checkDue(); len(got) != 0 {
		t.Fatalf("admin check disagrees after the reminders: %q", got)
	}
}
