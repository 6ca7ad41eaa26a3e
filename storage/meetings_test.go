package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func TestTx_MeetingIndexes(t *testing.T) {
	db := MustOpenDB(t)
	zone := time.FixedZone("ICT", 7*3600)
	at := time.Date(2026, 3, 3, 19, 30, 0, 0, zone)
	err := db.Update(func(tx *Tx) error {
		reg := &Meeting{CellID: 1, Kind: MeetingRegular, Month: "2026-03", At: at, State: MeetingPlanned, Code: "ABCD2345"}
		if err := tx.PutMeeting(reg); err != nil {
			return err
		}
		other := &Meeting{CellID: 2, Kind: MeetingThematic, At: at, State: MeetingPlanned, Code: "ABCD2345"}
		if err := tx.PutMeeting(other); err == nil {
			t.Error("two meetings share a check-in code")
		}
		other.Code = ""
		if err := tx.PutMeeting(other); err != nil {
			return err
		}
		if got, err := tx.RegularMeeting(1, "2026-03"); err != nil || got.ID != reg.ID {
			t.Errorf("regular meeting of March: %v %v", got, err)
		}
		if got, err := tx.MeetingByCode("ABCD2345"); err != nil || got.ID != reg.ID {
			t.Errorf("by code: %v %v", got, err)
		}
		if !tx.HasThematic(2, at.Add(-time.Hour), at.Add(time.Hour)) || tx.HasThematic(2, at.Add(time.Minute), at.Add(time.Hour)) || tx.HasThematic(1, at.Add(-time.Hour), at.Add(time.Hour)) {
			t.Error("thematic index")
		}
		if ms, _ := tx.ActiveMeetings(); len(ms) != 2 {
			t.Errorf("active: %d", len(ms))
		}
		// Closing, cancelling and a new code keep the indexes in step.
		reg.State, reg.Code = MeetingClosed, "WXYZ6789"
		if err := tx.PutMeeting(reg); err != nil {
			return err
		}
		if _, err := tx.MeetingByCode("ABCD2345"); !errors.Is(err, ErrNotFound) {
			t.Error("the old code still works")
		}
		other.State = MeetingCancelled
		if err := tx.PutMeeting(other); err != nil {
			return err
		}
		if ms, _ := tx.ActiveMeetings(); len(ms) != 0 {
			t.Errorf("active after close and cancel: %d", len(ms))
		}
		if tx.HasThematic(2, at.Add(-time.Hour), at.Add(time.Hour)) {
			t.Error("a cancelled thematic meeting counts")
		}
		if _, err := tx.RegularMeeting(1, "2026-03"); err != nil {
			t.Error("a closed regular meeting left the month index")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A schema 2 file (meetings stored, maybe before the meeting index existed)
// gets the whole meeting index, with meetings by cell, when it is opened.
func TestOpen_migratesV2MeetingIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 3, 12, 30, 0, 0, time.UTC)
	err = db.Update(func(tx *Tx) error {
		for id, cell := range map[uint64]uint64{7: 1, 8: 2, 9: 1} {
			m := &Meeting{ID: id, CellID: cell, Kind: MeetingRegular, Month: fmt.Sprintf("2026-%02d", id-3), At: at.AddDate(0, int(id)-7, 0), State: MeetingPlanned}
			if err := putJSON(tx.tx.Bucket(bucketMeetings), itob(id), m); err != nil {
				return err
			}
		}
		if err := tx.tx.DeleteBucket(bucketMeetingIndex); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put(keySchemaVersion, itob(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		if got, err := tx.RegularMeeting(1, "2026-04"); err != nil || got.ID != 7 {
			t.Errorf("regular meeting of April after the migration: %v %v", got, err)
		}
		ms, err := tx.Meetings(1)
		if err != nil || len(ms) != 2 || ms[0].ID != 7 || ms[1].ID != 9 {
			t.Errorf("meetings of cell 1: %+v %v", ms, err)
		}
		if act, _ := tx.ActiveMeetings(); len(act) != 3 {
			t.Errorf("%d active meetings, want 3", len(act))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTx_MeetingSettingsAndTemplate(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		s, err := tx.MeetingSettings(3)
		if err != nil || s.CellID != 3 || s.Spec != "" {
			t.Errorf("defaults: %+v %v", s, err)
		}
		if err := tx.PutQualityTemplate(&QualityTemplate{OrgID: 1, Sections: []QualitySection{{ID: "a", Max: 50}}}); err == nil {
			t.Error("a template that is not 100 points was stored")
		}
		if got, err := tx.QualityTemplate(1); got != nil || err != nil {
			t.Errorf("no template: %v %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
