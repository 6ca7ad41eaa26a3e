package storage

import (
	"testing"
	"time"
)

func TestCheckinSettings_defaultsAndValidation(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		s, err := tx.CheckinSettings(7)
		if err != nil {
			return err
		}
		if s.Day != 25 || s.Hour != 8 || len(s.FollowUps) != 2 || s.FollowUps[1] != 7 || s.DeadlineDays != 10 ||
			s.SilentMonths != 2 || s.ExemptionNoticeDays != 14 || s.RetentionMonths != 24 || s.PreciseLocation {
			t.Errorf("defaults %+v", s)
		}
		if err := tx.PutCheckinSettings(7, CheckinSettings{FollowUps: []int{5, 2}}); err == nil {
			t.Error("descending follow-ups accepted")
		}
		if err := tx.PutCheckinSettings(7, CheckinSettings{Day: 31, FollowUps: []int{2}}); err != nil {
			return err
		}
		s, err = tx.CheckinSettings(7)
		if s.Day != 25 || len(s.FollowUps) != 1 {
			t.Errorf("a day past 28 must fall back to 25: %+v", s)
		}
		if err := tx.PutCheckinTemplate(1, &CheckinTemplate{Fields: []CheckinField{{Key: "a"}, {Key: "a"}}}); err == nil {
			t.Error("duplicate field keys accepted")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckins_orderAndRetention(t *testing.T) {
	db := MustOpenDB(t)
	now := time.Date(2026, 3, 25, 8, 0, 0, 0, time.UTC)
	err := db.Update(func(tx *Tx) error {
		for _, c := range []Checkin{
			{MemberID: 1, CellID: 10, Period: "2026-03"},
			{MemberID: 1, CellID: 10, Period: "2024-01"},
			{MemberID: 2, CellID: 20, Period: "2024-01"},
			{MemberID: 1, CellID: 10, Period: "2025-06"},
			{MemberID: 256, CellID: 10, Period: "2023-01"}, // id whose big-endian bytes share no prefix with 1
		} {
			c.At, c.Answers = now, map[string]string{"place": "Bình Dương"}
			if err := tx.PutCheckin(&c); err != nil {
				return err
			}
		}
		if err := tx.PutCheckin(&Checkin{MemberID: 1, Period: "03/2026"}); err == nil {
			t.Error("a malformed period was accepted")
		}
		list, err := tx.Checkins(1)
		if err != nil {
			return err
		}
		if len(list) != 3 || list[0].Period != "2024-01" || list[2].Period != "2026-03" {
			t.Errorf("member 1's check-ins %+v", list)
		}
		n, err := tx.DeleteCheckinsBefore(10, "2024-03")
		if err != nil {
			return err
		}
		if n != 2 {
			t.Errorf("deleted %d, want 2 (cell 10's 2024-01 and 2023-01)", n)
		}
		if _, err := tx.Checkin(2, "2024-01"); err != nil {
			t.Errorf("another cell's check-in was deleted: %v", err)
		}
		if _, err := tx.Checkin(1, "2024-01"); err != ErrNotFound {
			t.Errorf("old check-in kept: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestExemptFromMeetings(t *testing.T) {
	db := MustOpenDB(t)
	day := func(d, m int) time.Time { return time.Date(2026, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	far := &Member{ID: 1, Status: Status{Kind: StatusFarAway, From: day(1, 3), To: day(31, 5), Exempt: true}}
	notExempt := &Member{ID: 4, Status: Status{Kind: StatusFarAway, From: day(1, 3), To: day(31, 5)}}
	err := db.Update(func(tx *Tx) error {
		cases := []struct {
			name   string
			m      *Member
			record *FarAway
			at     time.Time
			want   bool
		}{
			{"age or health", &Member{ID: 2, Status: Status{Kind: StatusExempt}}, nil, day(1, 4), true},
			{"active", &Member{ID: 3, Status: Status{Kind: StatusActive}}, nil, day(1, 4), false},
			{"far away with exemption", far, nil, day(1, 4), true},
			{"far away on the last day", far, nil, day(31, 5).Add(20 * time.Hour), true},
			{"far away, after the period", far, nil, day(1, 6), false},
			{"far away without exemption", notExempt, nil, day(1, 4), false},
		}
		for _, c := range cases {
			if c.record != nil {
				if err := tx.PutFarAway(c.record); err != nil {
					return err
				}
			}
			got, err := tx.ExemptFromMeetings(c.m, c.at)
			if err != nil {
				return err
			}
			if got != c.want {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckinSettings_followUpsBeforeDeadlineAndNone(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		for _, bad := range []CheckinSettings{
			{FollowUps: []int{3, 10}},                   // the default deadline is 10 days: never sent
			{FollowUps: []int{3}, DeadlineDays: 3},      // on the deadline
			{FollowUps: []int{}, DeadlineDays: 28},      // runs into the next month's check-in
			{FollowUps: []int{7, 14}, DeadlineDays: 14}, // the last one on the deadline
		} {
			if err := tx.PutCheckinSettings(1, bad); err == nil {
				t.Errorf("accepted %+v", bad)
			}
		}
		if _, err := tx.CheckinSettings(1); err != nil {
			return err
		}
		return tx.PutCheckinSettings(1, CheckinSettings{FollowUps: []int{}, DeadlineDays: 5})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error {
		s, err := tx.CheckinSettings(1)
		if err == nil && (s.FollowUps == nil || len(s.FollowUps) != 0 || s.DeadlineDays != 5) {
			t.Errorf("no follow-ups must stay none, not become the default: %+v", s)
		}
		if s, _ := tx.CheckinSettings(2); len(s.FollowUps) != 2 {
			t.Errorf("unset follow-ups must be the default: %+v", s)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMember_StatusOn(t *testing.T) {
	day := func(d, m int) time.Time { return time.Date(2026, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	active := Status{Kind: StatusActive, SetAt: day(1, 1)}
	cases := []struct {
		name string
		m    Member
		at   time.Time
		want StatusKind
	}{
		{"recorded after its effective date", Member{History: []Status{active},
			Status: Status{Kind: StatusFarAway, From: day(1, 11), To: day(30, 4).AddDate(1, 0, 0), SetAt: day(1, 12)}}, day(25, 11), StatusFarAway},
		{"before the effective date", Member{History: []Status{active},
			Status: Status{Kind: StatusExempt, From: day(1, 6), SetAt: day(1, 3)}}, day(1, 5), StatusActive},
		{"a period that ended gives way", Member{History: []Status{{Kind: StatusExempt, SetAt: day(1, 1)}},
			Status: Status{Kind: StatusTransferredOut, From: day(1, 3), To: day(31, 5), SetAt: day(1, 3)}}, day(1, 6), StatusExempt},
		{"a later decision about the same day wins", Member{History: []Status{active, {Kind: StatusExempt, From: day(1, 6), SetAt: day(1, 2)}},
			Status: Status{Kind: StatusFarAway, From: day(1, 3), To: day(31, 8), SetAt: day(1, 4)}}, day(1, 7), StatusFarAway},
		{"the first status covers the past", Member{Status: Status{Kind: StatusExempt, SetAt: day(1, 6)}}, day(1, 1), StatusExempt},
		{"no status", Member{}, day(1, 1), StatusActive},
	}
	for _, c := range cases {
		if got := c.m.StatusOn(c.at).Kind; got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}
