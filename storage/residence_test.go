package storage

import (
	"errors"
	"testing"
	"time"
)

func TestResidenceLinks_indexFollowsTheCell(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		org := &Organization{Name: "Đảng bộ phường"}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		a, b := &Cell{OrgID: org.ID, Name: "A"}, &Cell{OrgID: org.ID, Name: "B"}
		if err := tx.PutCell(a); err != nil {
			return err
		}
		if err := tx.PutCell(b); err != nil {
			return err
		}
		if err := tx.PutResidenceLink(&ResidenceLink{MemberID: 5, CellID: 99, Status: ResidenceWithComment}); err == nil {
			t.Error("a link to a cell that does not exist was stored")
		}
		if err := tx.PutResidenceLink(&ResidenceLink{MemberID: 5, CellID: a.ID, Status: "bogus"}); err == nil {
			t.Error("a link with an unknown status was stored")
		}
		if err := tx.PutResidenceLink(&ResidenceLink{MemberID: 5, CellID: a.ID, Status: ResidenceWithComment, Pending: true}); err != nil {
			return err
		}
		if err := tx.PutResidenceLink(&ResidenceLink{MemberID: 6, CellID: a.ID, Status: ResidenceNoActivity}); err != nil {
			return err
		}
		// Member 5 moves to cell B.
		if err := tx.PutResidenceLink(&ResidenceLink{MemberID: 5, CellID: b.ID, Status: ResidenceWithComment}); err != nil {
			return err
		}
		la, err := tx.ResidenceLinks(a.ID)
		if err != nil {
			return err
		}
		lb, err := tx.ResidenceLinks(b.ID)
		if err != nil {
			return err
		}
		if len(la) != 1 || la[0].MemberID != 6 || len(lb) != 1 || lb[0].MemberID != 5 || !lb[0].Active() {
			t.Errorf("links of A %+v, of B %+v", la, lb)
		}
		if got := tx.ResidenceCells(); len(got) != 2 {
			t.Errorf("residence cells %v", got)
		}
		if err := tx.DeleteResidenceLink(6); err != nil {
			return err
		}
		if la, _ := tx.ResidenceLinks(a.ID); len(la) != 0 {
			t.Errorf("a deleted link is still listed: %+v", la)
		}
		if _, err := tx.ResidenceLink(6); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted link: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestResidenceReports_duplicatesAndYears(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		add := func(date string, k ResidenceKind) error {
			return tx.AddResidenceReport(&ResidenceReport{MemberID: 3, CellID: 1, Kind: k, Date: date})
		}
		for _, d := range []string{"2026-03-02", "2026-12-31", "2027-01-01"} {
			if err := add(d, ActivityCampaign); err != nil {
				return err
			}
		}
		if err := add("2026-03-02", ActivityCampaign); !errors.Is(err, ErrDuplicate) {
			t.Errorf("same kind and date: %v, want ErrDuplicate", err)
		}
		if err := add("2026-03-02", ActivityContribution); err != nil {
			t.Errorf("another kind the same day: %v", err)
		}
		if err := add("02/03/2026", ActivityContribution); err == nil {
			t.Error("a date not yyyy-mm-dd was stored")
		}
		rs, err := tx.ResidenceReports(3, 2026)
		if err != nil {
			return err
		}
		if len(rs) != 3 || rs[0].Date != "2026-03-02" || rs[2].Date != "2026-12-31" {
			t.Errorf("2026 reports %+v", rs)
		}
		if rs, _ := tx.ResidenceReports(4, 2026); len(rs) != 0 {
			t.Errorf("another member's reports: %+v", rs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestResidenceComment_givenOnce(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		c := &ResidenceComment{MemberID: 3, CellID: 1, Year: 2026, By: 9, Answers: map[string]string{"overall": "good"}}
		if err := tx.AddResidenceComment(c); err != nil {
			return err
		}
		c2 := *c
		c2.Answers = map[string]string{"overall": "fail"}
		if err := tx.AddResidenceComment(&c2); !errors.Is(err, ErrDuplicate) {
			t.Errorf("second comment of the year: %v, want ErrDuplicate", err)
		}
		got, err := tx.ResidenceComment(3, 2026)
		if err != nil {
			return err
		}
		if got.Answers["overall"] != "good" {
			t.Errorf("the comment changed: %+v", got)
		}
		if _, err := tx.ResidenceComment(3, 2025); !errors.Is(err, ErrNotFound) {
			t.Errorf("2025: %v", err)
		}
		s, err := tx.ResidenceSettings(1)
		if err != nil {
			return err
		}
		if s.OpenMonth != 11 || s.OpenDay != 1 || s.DeadlineMonth != 12 || s.DeadlineDay != 15 || s.Hour != 8 || s.EveryDays != 7 {
			t.Errorf("defaults %+v", s)
		}
		if err := tx.PutResidenceTemplate(1, &ResidenceTemplate{Fields: []ResidenceField{{Key: "a", Kind: "level"}, {Key: "a", Kind: "text"}}}); err == nil {
			t.Error("duplicate field keys accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestResidenceAttendance_openIndex(t *testing.T) {
	db := MustOpenDB(t)
	at := time.Date(2026, 3, 3, 19, 30, 0, 0, time.UTC)
	err := db.Update(func(tx *Tx) error {
		for _, m := range []uint64{4, 5} {
			if err := tx.PutResidenceAttendance(&ResidenceAttendance{MeetingID: 2, MemberID: m, CellID: 1, At: at, Open: true}); err != nil {
				return err
			}
		}
		a, err := tx.ResidenceAttendance(2, 4)
		if err != nil {
			return err
		}
		a.Open, a.Mark = false, MarkPresent
		if err := tx.PutResidenceAttendance(a); err != nil {
			return err
		}
		open, err := tx.OpenResidenceAttendance()
		if err != nil {
			return err
		}
		if len(open) != 1 || open[0].MemberID != 5 {
			t.Errorf("open records %+v", open)
		}
		all, err := tx.ResidenceAttendanceOf(2)
		if err != nil {
			return err
		}
		if len(all) != 2 {
			t.Errorf("records of the meeting %+v", all)
		}
		mine, err := tx.MemberResidenceAttendance(4, at.AddDate(0, -1, 0), at.AddDate(0, 1, 0))
		if err != nil {
			return err
		}
		if len(mine) != 1 || mine[0].Mark != MarkPresent {
			t.Errorf("member 4's records %+v", mine)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
