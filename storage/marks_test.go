package storage

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestAttendance_compactRoundTrip(t *testing.T) {
	zone := time.FixedZone("ICT", 7*3600)
	full := Attendance{RSVP: RSVPNo, RSVPAt: time.Date(2026, 12, 1, 8, 3, 4, 123456789, zone), Reason: ReasonOther,
		ReasonText: "Chăm mẹ ốm ở bệnh viện tỉnh", Excuse: ExcuseRejected, DecidedBy: 7, DecidedAt: time.Date(2026, 12, 2, 9, 0, 0, 0, zone),
		Mark: MarkAbsent, MarkedBy: 300000, MarkedAt: time.Date(2026, 12, 3, 19, 45, 0, 0, time.UTC), MarkVia: "roll",
		DuesPaid: true, DuesBy: 9, Outcome: OutcomeUnexcused}
	// Every field is set, so a field added to Attendance and not to the
	// compact form fails here.
	v := reflect.ValueOf(full)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("field %s is not set in the test", v.Type().Field(i).Name)
		}
	}
	unknown := Attendance{RSVP: "maybe", Reason: "storm", Excuse: "later", Mark: "late", MarkVia: "qr", Outcome: "partial"}
	for _, a := range []Attendance{full, {}, {Outcome: OutcomeExempt}, unknown} {
		enc := encodeAttendance(&a)
		got, err := decodeAttendance(enc)
		if err != nil {
			t.Fatalf("decode %+v: %v", a, err)
		}
		if !sameAttendance(got, &a) {
			t.Errorf("round trip:\n got %+v\nwant %+v", *got, a)
		}
	}
	if js, _ := json.Marshal(full); len(encodeAttendance(&full)) > len(js)/3 {
		t.Errorf("compact form is %d bytes, JSON %d", len(encodeAttendance(&full)), len(js))
	}
	for _, bad := range [][]byte{nil, {2}, {1}, {1, 1}, {1, 1, 9}, append(encodeAttendance(&full), 0)} {
		if _, err := decodeAttendance(bad); err == nil {
			t.Errorf("decode %v: no error", bad)
		}
	}
	// A roll: ids of any size, in any order, an empty entry too.
	roll := map[uint64]*Attendance{300000: &full, 2: {}, 7: &unknown, 1 << 40: {Outcome: OutcomeExempt}}
	got, err := decodeRoll(encodeRoll(roll))
	if err != nil || len(got) != len(roll) {
		t.Fatalf("roll round trip: %v, %v", got, err)
	}
	for id, a := range roll {
		if got[id] == nil || !sameAttendance(got[id], a) {
			t.Errorf("roll entry %d: %+v, want %+v", id, got[id], a)
		}
	}
	if empty, err := decodeRoll(nil); err != nil || len(empty) != 0 {
		t.Errorf("no roll: %v, %v", empty, err)
	}
	enc := encodeRoll(roll)
	for _, bad := range [][]byte{{}, {2, 0}, {1, 1}, enc[:len(enc)-1], append(slices.Clone(enc), 0)} {
		if _, err := decodeRoll(bad); err == nil {
			t.Errorf("decode roll %v: no error", bad)
		}
	}
}

// sameAttendance compares two entries, times by instant.
func sameAttendance(a, b *Attendance) bool {
	return bytes.Equal(encodeAttendance(a), encodeAttendance(b)) && a.RSVPAt.Equal(b.RSVPAt) && a.DecidedAt.Equal(b.DecidedAt) && a.MarkedAt.Equal(b.MarkedAt)
}

func TestTx_PutMeetingStoresRollBeside(t *testing.T) {
	db := openTemp(t)
	at := time.Date(2026, 12, 3, 19, 30, 0, 0, time.UTC)
	var id uint64
	err := db.Update(func(tx *Tx) error {
		m := &Meeting{CellID: 1, Kind: MeetingRegular, Month: "2026-12", At: at, State: MeetingOpen}
		m.Att(5).RSVP = RSVPYes
		m.Att(6).Mark = MarkPresent
		if err := tx.PutMeeting(m); err != nil {
			return err
		}
		id = m.ID
		// A header without its roll changes the header only.
		hs, err := tx.Meetings(1)
		if err != nil || len(hs) != 1 || hs[0].Roll != nil {
			t.Fatalf("headers: %+v, %v", hs, err)
		}
		hs[0].Topic = "Nghị quyết"
		if err := tx.PutMeeting(&hs[0]); err != nil {
			return err
		}
		return tx.PutAttendance(id, 7, &Attendance{RSVP: RSVPNo, Reason: ReasonSick})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error {
		m, err := tx.Meeting(id)
		if err != nil {
			return err
		}
		if m.Topic != "Nghị quyết" || len(m.Roll) != 3 || m.Roll[5].RSVP != RSVPYes || m.Roll[6].Mark != MarkPresent || m.Roll[7].Reason != ReasonSick {
			t.Errorf("meeting %+v, roll %v", m, m.Roll)
		}
		if raw := tx.tx.Bucket(bucketMeetings).Get(itob(id)); bytes.Contains(raw, []byte(`"roll"`)) {
			t.Errorf("the meeting's record holds its roll: %s", raw)
		}
		if _, err := tx.Attendance(id, 8); !errors.Is(err, ErrNotFound) {
			t.Errorf("member 8's attendance: %v, want not found", err)
		}
		in, err := tx.MeetingsIn(1, at.Add(time.Second), time.Time{})
		if err != nil || len(in) != 0 {
			t.Errorf("meetings after it: %v, %v", in, err)
		}
		in, err = tx.MeetingsIn(1, at, at.Add(time.Second))
		if err != nil || len(in) != 1 {
			t.Errorf("meetings in its second: %v, %v", in, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An answer on a meeting's roll rewrites the roll's row only: the
// meetings' records, their index and their check-in codes keep their pages
// (bbolt copies every page it writes, and its parents, at each commit; at a
// province's size that was most of the cost of an RSVP). What the header
// says still changes the header and its index.
func TestTx_PutMeetingWritesOnlyWhatChanged(t *testing.T) {
	db := openTemp(t)
	at := time.Date(2026, 12, 3, 19, 30, 0, 0, time.UTC)
	var ids []uint64
	err := db.Update(func(tx *Tx) error {
		for i := range 200 { // enough that no bucket is inline
			m := &Meeting{CellID: uint64(1 + i%20), Kind: MeetingRegular, Month: at.AddDate(0, -i/20, 0).Format("2006-01"), At: at.AddDate(0, -i/20, 0),
				State: MeetingPlanned, Code: fmt.Sprintf("%06d", i), Topic: "Nghị quyết của Đảng ủy xã về công tác quý"}
			m.Att(5).RSVP = RSVPYes
			if err := tx.PutMeeting(m); err != nil {
				return err
			}
			ids = append(ids, m.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	roots := func() map[string]uint64 {
		out := map[string]uint64{}
		db.View(func(tx *Tx) error {
			for _, name := range [][]byte{bucketMeetings, bucketMeetingIndex, bucketMeetingCodes, bucketMarks} {
				out[string(name)] = uint64(tx.tx.Bucket(name).Root())
				if out[string(name)] == 0 {
					t.Fatalf("bucket %s is inline: the test proves nothing", name)
				}
			}
			return nil
		})
		return out
	}
	put := func(change func(m *Meeting)) {
		t.Helper()
		err := db.Update(func(tx *Tx) error {
			m, err := tx.Meeting(ids[7])
			if err != nil {
				return err
			}
			change(m)
			return tx.PutMeeting(m)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	before := roots()
	put(func(m *Meeting) { m.Att(6).RSVP = RSVPYes })
	after := roots()
	for _, name := range []string{"meetings", "meetingindex", "meetingcodes"} {
		if after[name] != before[name] {
			t.Errorf("an answer rewrote bucket %s", name)
		}
	}
	if after["marks"] == before["marks"] {
		t.Errorf("the answer was not written")
	}
	put(func(m *Meeting) { m.State = MeetingCancelled })
	err = db.View(func(tx *Tx) error {
		m, err := tx.Meeting(ids[7])
		if err != nil || m.State != MeetingCancelled || m.Roll[6] == nil || m.Roll[6].RSVP != RSVPYes {
			t.Errorf("meeting after the answer and the cancellation: %+v %v", m, err)
		}
		active, err := tx.ActiveMeetings()
		if err != nil || slices.ContainsFunc(active, func(a Meeting) bool { return a.ID == ids[7] }) || len(active) != len(ids)-1 {
			t.Errorf("%d active meetings, want %d without the cancelled one (%v)", len(active), len(ids)-1, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if roots()["meetings"] == after["meetings"] {
		t.Errorf("the cancellation did not rewrite the header")
	}
}

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "chibo.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// v6File writes testdata/v6.db.gz, a file written by the release of schema
// 6 (a generated province of 4 cells and 3 months, and two active meetings
// with answers, excuses and reasons), to a temporary path.
func v6File(t *testing.T) string {
	t.Helper()
	f, err := os.Open("testdata/v6.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "chibo.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// legacyRolls reads, without migrating, the meetings of a schema 6 file in
// id order, with the rolls in their records.
func legacyRolls(t *testing.T, path string) []Meeting {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var ms []Meeting
	err = b.View(func(tx *bolt.Tx) error {
		if v := btoi(tx.Bucket(bucketMeta).Get(keySchemaVersion)); v != 6 {
			t.Fatalf("file is schema %d, want 6", v)
		}
		return tx.Bucket(bucketMeetings).ForEach(func(k, v []byte) error {
			var m Meeting
			err := json.Unmarshal(v, &m)
			ms = append(ms, m)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// checkRollsMoved checks that every meeting of want reads back with the same
// header and roll, no record holds a roll and no mark is doubled or extra.
func checkRollsMoved(t *testing.T, db *DB, want []Meeting) {
	t.Helper()
	marks := 0
	err := db.View(func(tx *Tx) error {
		if v := tx.Version(); v != SchemaVersion {
			t.Errorf("schema %d, want %d", v, SchemaVersion)
		}
		if tx.Meta(string(keyMarksMoved)) != nil {
			t.Errorf("the migration's progress is still recorded")
		}
		for _, w := range want {
			got, err := tx.Meeting(w.ID)
			if err != nil {
				return err
			}
			if len(got.Roll) != len(w.Roll) {
				t.Errorf("meeting %d: %d entries, want %d", w.ID, len(got.Roll), len(w.Roll))
			}
			for id, a := range w.Roll {
				if g := got.Roll[id]; g == nil || !sameAttendance(g, a) {
					t.Errorf("meeting %d, member %d: %+v, want %+v", w.ID, id, g, a)
				}
			}
			marks += len(w.Roll)
			gh, wh := *got, w
			gh.Roll, wh.Roll = nil, nil
			gj, _ := json.Marshal(gh)
			wj, _ := json.Marshal(wh)
			if !bytes.Equal(gj, wj) {
				t.Errorf("meeting %d header:\n got %s\nwant %s", w.ID, gj, wj)
			}
			if raw := tx.tx.Bucket(bucketMeetings).Get(itob(w.ID)); bytes.Contains(raw, []byte(`"roll"`)) {
				t.Errorf("meeting %d still holds its roll", w.ID)
			}
		}
		if n, err := tx.CountMarks(); err != nil || n != marks {
			t.Errorf("%d marks stored, want %d", n, marks)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if marks < 500 {
		t.Fatalf("only %d marks in the file: the test proves little", marks)
	}
}

func TestOpen_migratesV6RollsBesideMeetings(t *testing.T) {
	path := v6File(t)
	want := legacyRolls(t, path)
	told := map[uint64]int{} // batches done, by version left
	db, err := Open(path, Options{NoSync: true, Migrating: func(from uint64, batches int) { told[from] = batches }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkRollsMoved(t, db, want)
	if told[6] == 0 || told[7] == 0 || told[9] == 0 || len(told) != 3 {
		t.Errorf("progress told: %v, want batches of 6 → 7, 7 → 8 and 9 → 10", told)
	}
}

// A batch ends after its first unit of work that ends past migrateWork,
// however few units it did: with no time at all, each batch of the schema
// 7 migration moves one meeting's roll, of schema 8 indexes one name, of
// schema 10 one cell; the migrations still finish with everything moved.
func TestOpen_migrationBatchesEndAtTheirTime(t *testing.T) {
	defer func(w time.Duration) { migrateWork = w }(migrateWork)
	migrateWork = 0
	oneUnitBatches(t)
}

// A batch ends at its first unit of work that changes migrateNodes pages
// or more, however quick: with one page, each batch does one unit.
func TestOpen_migrationBatchesEndAtTheirPages(t *testing.T) {
	defer func(w time.Duration, n int) { migrateWork, migrateNodes = w, n }(migrateWork, migrateNodes)
	migrateWork, migrateNodes = time.Hour, 1
	oneUnitBatches(t)
}

// oneUnitBatches migrates the schema 6 file and fails unless each batch
// did one unit.
func oneUnitBatches(t *testing.T) {
	t.Helper()
	path := v6File(t)
	want := legacyRolls(t, path)
	told := map[uint64]int{}
	db, err := Open(path, Options{NoSync: true, Migrating: func(from uint64, batches int) { told[from] = batches }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkRollsMoved(t, db, want)
	var members, cells int
	err = db.View(func(tx *Tx) error {
		members = tx.tx.Bucket(bucketMembers).Stats().KeyN
		cells = tx.tx.Bucket(bucketCells).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if told[6] != len(want) || told[7] != members+cells || told[9] != cells {
		t.Errorf("batches: %v, want %d (meetings) of 6 → 7, %d (members and cells) of 7 → 8, %d (cells) of 9 → 10",
			told, len(want), members+cells, cells)
	}
}
