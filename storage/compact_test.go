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
