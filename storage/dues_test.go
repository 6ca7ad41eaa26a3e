package storage

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writeV3 writes a database as chibo's schema 3 did: dues ticked on the
// roll (Attendance.DuesPaid) and answered in check-ins, no dues bucket.
func writeV3(t *testing.T, path string) {
	t.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	zone := time.FixedZone("ICT", 7*3600)
	err = db.Update(func(tx *Tx) error {
		org := &Organization{Name: "Đảng bộ xã Thử"}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		cell := &Cell{OrgID: org.ID, Name: "Chi bộ 1"}
		if err := tx.PutCell(cell); err != nil {
			return err
		}
		// A regular meeting of November: member 7 ticked, member 8 present
		// and not ticked; a thematic one on 1 December at 06:00 local time
		// (still 30 November in UTC) ticks member 9.
		nov := &Meeting{CellID: cell.ID, Kind: MeetingRegular, Month: "2026-11", State: MeetingClosed,
			At: time.Date(2026, 11, 3, 19, 30, 0, 0, zone), Roll: map[uint64]*Attendance{
				7: {Mark: MarkPresent, MarkedAt: time.Date(2026, 11, 3, 19, 40, 0, 0, zone), DuesPaid: true, DuesBy: 1},
				8: {Mark: MarkPresent},
			}}
		dec := &Meeting{CellID: cell.ID, Kind: MeetingThematic, State: MeetingClosed,
			At: time.Date(2026, 12, 1, 6, 0, 0, 0, zone), Roll: map[uint64]*Attendance{9: {Mark: MarkPresent, DuesPaid: true, DuesBy: 1}}}
		cancelled := &Meeting{CellID: cell.ID, Kind: MeetingRegular, Month: "2026-10", State: MeetingCancelled,
			At: time.Date(2026, 10, 3, 19, 30, 0, 0, zone), Roll: map[uint64]*Attendance{7: {DuesPaid: true}}}
		for _, m := range []*Meeting{nov, dec, cancelled} {
			if err := tx.PutMeeting(m); err != nil {
				return err
			}
		}
		for _, ck := range []*Checkin{
			{MemberID: 10, CellID: cell.ID, Period: "2026-11", Updated: time.Date(2026, 11, 25, 9, 0, 0, 0, zone), Answers: map[string]string{"dues": "to:Trần Thị Thu"}},
			{MemberID: 10, CellID: cell.ID, Period: "2026-12", Updated: time.Date(2026, 12, 25, 9, 0, 0, 0, zone), Answers: map[string]string{"dues": "no"}},
			{MemberID: 11, CellID: cell.ID, Period: "2026-12", Updated: time.Date(2026, 12, 25, 9, 0, 0, 0, zone), Answers: map[string]string{"place": "Bình Dương"}},
			// Member 7 also reported November, later than the roll: it stands.
			{MemberID: 7, CellID: cell.ID, Period: "2026-11", Updated: time.Date(2026, 11, 26, 9, 0, 0, 0, zone), Answers: map[string]string{"dues": "leader"}},
		} {
			if err := tx.PutCheckin(ck); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketDues); err != nil {
			return err
		}
		if err := rollsInRecords(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, itob(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func TestOpen_migratesDuesV3(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v3.db")
	writeV3(t, path)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		if v := tx.Version(); v != SchemaVersion {
			t.Errorf("version %d, want %d", v, SchemaVersion)
		}
		want := []struct {
			member uint64
			month  string
			state  DuesState
			via    DuesSource
			paidTo string
		}{
			{7, "2026-11", DuesPaid, DuesViaCheckin, "leader"},
			{9, "2026-12", DuesPaid, DuesViaRoll, ""},
			{10, "2026-11", DuesPaid, DuesViaCheckin, "to:Trần Thị Thu"},
			{10, "2026-12", DuesUnpaid, DuesViaCheckin, ""},
		}
		for _, w := range want {
			d, err := tx.Dues(w.member, w.month)
			if err != nil || d.State != w.state || d.Via != w.via || d.PaidTo != w.paidTo {
				t.Errorf("dues of %d for %s: %+v %v; want %s via %s", w.member, w.month, d, err, w.state, w.via)
			}
		}
		// Nothing answered is nothing recorded: not "unpaid", not "paid".
		for _, none := range []struct {
			member uint64
			month  string
		}{{8, "2026-11"}, {11, "2026-12"}, {7, "2026-10"}, {9, "2026-11"}} {
			if d, err := tx.Dues(none.member, none.month); !errors.Is(err, ErrNotFound) {
				t.Errorf("dues of %d for %s made from nothing: %+v %v", none.member, none.month, d, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTx_PutDues_refusesBadRecords(t *testing.T) {
	db := MustOpenDB(t)
	for _, d := range []Dues{
		{MemberID: 0, Month: "2026-11", State: DuesPaid},
		{MemberID: 1, Month: "11/2026", State: DuesPaid},
		{MemberID: 1, Month: "2026-11", State: "maybe"},
	} {
		err := db.Update(func(tx *Tx) error { return tx.PutDues(&d) })
		if err == nil {
			t.Errorf("stored %+v", d)
		}
	}
}
