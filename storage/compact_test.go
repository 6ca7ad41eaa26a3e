package storage

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// viaJSON is v after a trip through JSON, the encoding before compact
// records: what a compact record must decode to.
func viaJSON[T any](t *testing.T, v *T) *T {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(j, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// everyFieldSet fails when a field of v is zero: a fixture that sets every
// field proves that the codec keeps each one (a field added later fails
// here until the fixture sets it, and its round trip then goes through the
// JSON tail).
func everyFieldSet(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		if rv.Type().Field(i).IsExported() && rv.Field(i).IsZero() {
			t.Errorf("%s.%s is zero in the fixture: set it", rv.Type().Name(), rv.Type().Field(i).Name)
		}
	}
}

// testTimes are times as chibo stores them: in a cell's zone, in UTC, in
// the machine's zone, with nanoseconds, before 1970, and the zero time.
func testTimes() []time.Time {
	hcm := time.FixedZone("ICT", 7*3600)
	return []time.Time{
		time.Date(2026, 3, 5, 19, 30, 0, 0, hcm),
		time.Date(2026, 3, 5, 19, 30, 0, 0, time.UTC),
		time.Date(2026, 3, 5, 19, 30, 0, 0, time.Local),
		time.Date(2026, 3, 5, 19, 30, 12, 345678901, hcm),
		time.Date(1969, 7, 20, 20, 17, 0, 0, time.FixedZone("", -4*3600-30*60)),
		time.Date(2026, 3, 5, 19, 30, 0, 0, time.FixedZone("odd", 7*3600+6*60+40)),
		{},
	}
}

func fullCheckin() *Checkin {
	lat, lon := 10.98, 106.65
	at := time.Date(2026, 2, 26, 20, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	return &Checkin{MemberID: 1260, CellID: 18, Period: "2026-02", At: at, Updated: at.Add(36 * time.Hour), Late: true, Same: true, Corrections: 2,
		Answers: map[string]string{"place": "Bình Dương, Thủ Dầu Một", "work": "yes", "thoughts": "Không có gì", "": "\x00\"{"}, Lat: &lat, Lon: &lon}
}

func TestCompactCheckin_roundTrip(t *testing.T) {
	full := fullCheckin()
	everyFieldSet(t, full)
	cases := []*Checkin{full, {MemberID: 1, Period: "2025-12"}, {MemberID: 2, Period: "2025-12", Answers: map[string]string{}}}
	for _, at := range testTimes() {
		for _, up := range testTimes() {
			cases = append(cases, &Checkin{MemberID: 3, CellID: 1 << 40, Period: "2026-01", At: at, Updated: up, Answers: map[string]string{"work": "no"}})
		}
	}
	for _, c := range cases {
		v, err := encodeCheckin(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeCheckin(checkinKey(c.MemberID, c.Period), v)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if want := viaJSON(t, c); !reflect.DeepEqual(got, want) {
			t.Errorf("round trip of a check-in:\n got %+v\nwant %+v", got, want)
		}
		if j, _ := json.Marshal(c); len(v) >= len(j) {
			t.Errorf("compact check-in of %d bytes, its JSON %d", len(v), len(j))
		}
	}
	v, _ := encodeCheckin(full)
	for i := range v { // cut short: an error, never a panic
		if _, err := decodeCheckin(checkinKey(1, "2026-02"), v[:i]); err == nil {
			t.Errorf("check-in cut at %d of %d bytes decoded", i, len(v))
		}
	}
}

// TestCompactCheckin_oldRecord: a check-in stored as JSON by the release
// before compact records reads as it was, and rewriting it makes it compact.
func TestCompactCheckin_oldRecord(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "old.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := fullCheckin()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketCheckins), checkinKey(old.MemberID, old.Period), old)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		got, err := tx.Checkin(old.MemberID, old.Period)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, viaJSON(t, old)) {
			t.Errorf("old check-in read as %+v", got)
		}
		list, err := tx.Checkins(old.MemberID)
		if err != nil || len(list) != 1 || !reflect.DeepEqual(&list[0], got) {
			t.Errorf("Checkins: %+v, %v", list, err)
		}
		got.Corrections++
		if err := tx.PutCheckin(got); err != nil {
			return err
		}
		if v := tx.tx.Bucket(bucketCheckins).Get(checkinKey(old.MemberID, old.Period)); v[0] != compactCheckin {
			t.Errorf("rewritten check-in still JSON: %q", v)
		}
		again, err := tx.Checkin(old.MemberID, old.Period)
		if err != nil || again.Corrections != old.Corrections+1 || again.Answers["place"] != old.Answers["place"] {
			t.Errorf("rewritten check-in read as %+v, %v", again, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fullMeeting() *Meeting {
	hcm := time.FixedZone("ICT", 7*3600)
	at := time.Date(2026, 3, 5, 19, 30, 0, 0, hcm)
	tally := MeetingTally{Total: 200, Exempt: 20, ExemptPresent: 1, Present: 170, Excused: 8, Unexcused: 2, Minutes: 125, Need: 90, RateOK: true, LengthOK: true, Standard: true, LongRun: true}
	return &Meeting{ID: 3001, CellID: 126, Kind: MeetingThematic, Month: "2026-03", At: at, Place: "Hội trường ấp", Topic: "Học tập Nghị quyết",
		Combined: true, Moved: true, State: MeetingClosed, Noticed: at.AddDate(0, 0, -3), Notified: []uint64{3401, 3402, 3400, 1 << 50, 7},
		Code: "4821", CodeUntil: at.Add(30 * time.Minute), Started: at.Add(2 * time.Minute), Ended: at.Add(127 * time.Minute), ClosedBy: 3401,
		HeldFrom: at, HeldTo: at.Add(125 * time.Minute), Tally: &tally,
		Amendments: []Amendment{{At: at.AddDate(0, 0, 1), By: 3401, What: "mark", Member: 3402, From: OutcomeUnexcused, To: OutcomeExcused, Before: tally, After: tally}},
		Roll:       map[uint64]*Attendance{3402: {Mark: MarkPresent}},
		Score:      &QualityScore{Points: map[string]int{"prep": 10}, By: 3401, At: at.Add(3 * time.Hour)},
		Reviews:    []ScoreReview{{By: 9, At: at.AddDate(0, 0, 2), Total: 85, Confirmed: true, Comment: "Tốt"}},
		Guests:     []Guest{{MemberID: 9, Notified: at.AddDate(0, 0, -3), CheckedIn: at}},
		Created:    at.AddDate(0, 0, -7), By: 3401}
}

func TestCompactMeeting_roundTrip(t *testing.T) {
	full := fullMeeting()
	everyFieldSet(t, full)
	everyFieldSet(t, full.Tally)
	cases := []*Meeting{full, {ID: 1}, {ID: 2, Kind: "other", State: "odd", Notified: []uint64{}, Tally: &MeetingTally{}}}
	for _, at := range testTimes() {
		m := *full
		m.At, m.Ended, m.Created = at, at.Add(time.Hour), at
		cases = append(cases, &m)
	}
	for _, m := range cases {
		v, err := encodeMeeting(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeMeeting(itob(m.ID), v)
		if err != nil {
			t.Fatalf("%+v: %v", m, err)
		}
		header := *m
		header.Roll = nil // stored beside the header (marks.go)
		if want := viaJSON(t, &header); !reflect.DeepEqual(got, want) {
			t.Errorf("round trip of a meeting:\n got %+v\nwant %+v", got, want)
		}
		if j, _ := json.Marshal(&header); len(v) >= len(j) {
			t.Errorf("compact meeting of %d bytes, its JSON %d", len(v), len(j))
		}
	}
	v, _ := encodeMeeting(full)
	for i := range v {
		if _, err := decodeMeeting(itob(full.ID), v[:i]); err == nil {
			t.Errorf("meeting cut at %d of %d bytes decoded", i, len(v))
		}
	}
}

// TestCompactMeeting_oldRecord: a meeting header stored as JSON by the
// release before compact records reads as it was, through every way to
// read one, and rewriting it makes it compact.
func TestCompactMeeting_oldRecord(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "old.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := fullMeeting()
	m.ID, m.Code, m.Roll = 0, "", nil
	err = db.Update(func(tx *Tx) error {
		if err := tx.PutOrg(&Organization{Name: "Đảng bộ xã"}); err != nil {
			return err
		}
		cell := &Cell{OrgID: 1, Name: "Chi bộ ấp 1"}
		if err := tx.PutCell(cell); err != nil {
			return err
		}
		m.CellID = cell.ID
		if err := tx.PutMeeting(m); err != nil {
			return err
		}
		// What the release before wrote: the header as JSON.
		return putJSON(tx.tx.Bucket(bucketMeetings), itob(m.ID), m)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := viaJSON(t, m)
	err = db.Update(func(tx *Tx) error {
		got, err := tx.MeetingHeader(m.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("old meeting read as\n%+v\nwant\n%+v", got, want)
		}
		list, err := tx.Meetings(m.CellID)
		if err != nil || len(list) != 1 || !reflect.DeepEqual(&list[0], want) {
			t.Errorf("Meetings: %+v, %v", list, err)
		}
		got.Topic = "Học tập chuyên đề"
		if err := tx.PutMeeting(got); err != nil {
			return err
		}
		if v := tx.tx.Bucket(bucketMeetings).Get(itob(m.ID)); v[0] != compactMeeting {
			t.Errorf("rewritten meeting still JSON: %q", v)
		}
		again, err := tx.Meeting(m.ID)
		if err != nil || again.Topic != got.Topic || len(again.Notified) != len(m.Notified) || again.Tally.Present != m.Tally.Present {
			t.Errorf("rewritten meeting read as %+v, %v", again, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCompact_v6FileCheckins: the check-ins of a file written by the
// release of schema 6 (JSON) read the same after the file is opened, and
// each one rewritten reads the same again, compact.
func TestCompact_v6FileCheckins(t *testing.T) {
	path := v6File(t)
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Checkin{}
	err = b.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCheckins).ForEach(func(k, v []byte) error {
			var c Checkin
			want[string(k)] = &c
			return json.Unmarshal(v, &c)
		})
	})
	b.Close()
	if err != nil || len(want) == 0 {
		t.Fatalf("%d check-ins in the v6 file: %v", len(want), err)
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for round := range 2 {
		err = db.Update(func(tx *Tx) error {
			for k, w := range want {
				got, err := tx.Checkin(w.MemberID, w.Period)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("round %d: check-in %q read as %+v, want %+v", round, k, got, w)
				}
				if round == 0 {
					if err := tx.PutCheckin(got); err != nil {
						return err
					}
				} else if v := tx.tx.Bucket(bucketCheckins).Get([]byte(k)); v[0] != compactCheckin {
					t.Errorf("rewritten check-in %q still JSON", k)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
