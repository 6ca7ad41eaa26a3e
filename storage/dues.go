package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DuesState is what is known of a member's party dues (đảng phí) for one
// month. A month with no Dues record is unknown: nobody recorded an answer,
// which is neither paid nor unpaid.
type DuesState string

// Dues states.
const (
	DuesPaid   DuesState = "paid"
	DuesUnpaid DuesState = "unpaid" // not paid; Reason says why when one was given
)

// DuesSource is where a dues record came from.
type DuesSource string

// Dues sources.
const (
	DuesViaRoll      DuesSource = "roll"      // ticked on a meeting's roll
	DuesViaCheckin   DuesSource = "checkin"   // the far-away member's monthly report
	DuesViaLeader    DuesSource = "leader"    // recorded by the member's group leader
	DuesViaSecretary DuesSource = "secretary" // recorded by the secretary or deputy
)

// Dues is a member's party dues for one month ("2006-01"), collected
// monthly (DOMAIN.md §3). It is its own record, never inferred from
// attendance: the latest explicit answer stands, and each change is audited
// by the caller.
type Dues struct {
	MemberID  uint64     `json:"member_id"`
	CellID    uint64     `json:"cell_id"`
	Month     string     `json:"month"`
	State     DuesState  `json:"state"`
	Reason    string     `json:"reason,omitempty"`  // why not paid, when given
	PaidTo    string     `json:"paid_to,omitempty"` // from a check-in: "leader", "secretary" or "to:<name>"
	Via       DuesSource `json:"via"`
	By        uint64     `json:"by"` // who recorded it: an officer, or the member for a check-in
	At        time.Time  `json:"at"`
	MeetingID uint64     `json:"meeting_id,omitempty"` // the meeting whose roll recorded it
}

func duesKey(memberID uint64, month string) []byte { return append(itob(memberID), month...) }

// Dues returns the member's dues record for month ("2006-01"), or
// ErrNotFound when nothing was recorded.
func (tx *Tx) Dues(memberID uint64, month string) (*Dues, error) {
	return getJSON[Dues](tx.tx.Bucket(bucketDues), duesKey(memberID, month))
}

// PutDues stores a dues record under its member and month.
func (tx *Tx) PutDues(d *Dues) error {
	if err := checkDues(d); err != nil {
		return err
	}
	return putJSON(tx.tx.Bucket(bucketDues), duesKey(d.MemberID, d.Month), d)
}

func checkDues(d *Dues) error {
	if _, err := time.Parse("2006-01", d.Month); d.MemberID == 0 || err != nil {
		return fmt.Errorf("dues without member or yyyy-mm month: %d %q", d.MemberID, d.Month)
	}
	if d.State != DuesPaid && d.State != DuesUnpaid {
		return fmt.Errorf("dues state %q", d.State)
	}
	return nil
}

// DuesOf lists the member's dues records, oldest month first.
func (tx *Tx) DuesOf(memberID uint64) ([]Dues, error) {
	return tx.duesWithPrefix(itob(memberID))
}

// DuesOfYear lists the member's dues records of a year, oldest month first.
func (tx *Tx) DuesOfYear(memberID uint64, year int) ([]Dues, error) {
	return tx.duesWithPrefix(fmt.Appendf(itob(memberID), "%04d-", year))
}

var paidState = []byte(`"state":"paid"`)

// DuesStatesOfYear lists the member's dues records of a year with their
// month, state and reason only: what the year's flags read, without the
// cost of the rest (times, sources) over a commune's members.
func (tx *Tx) DuesStatesOfYear(memberID uint64, year int) ([]Dues, error) {
	var out []Dues
	prefix := fmt.Appendf(itob(memberID), "%04d-", year)
	c := tx.tx.Bucket(bucketDues).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		// Most records of a year say "paid": chibo wrote them with
		// encoding/json (no spaces), so the month in the key and the
		// state in the bytes are the record, without decoding it.
		if bytes.Contains(v, paidState) {
			out = append(out, Dues{MemberID: memberID, Month: string(k[8:]), State: DuesPaid})
			continue
		}
		var d struct {
			Month  string    `json:"month"`
			State  DuesState `json:"state"`
			Reason string    `json:"reason"`
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return nil, fmt.Errorf("dues %x: %w", k, err)
		}
		out = append(out, Dues{MemberID: memberID, Month: d.Month, State: d.State, Reason: d.Reason})
	}
	return out, nil
}

func (tx *Tx) duesWithPrefix(prefix []byte) ([]Dues, error) {
	var out []Dues
	c := tx.tx.Bucket(bucketDues).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var d Dues
		if err := json.Unmarshal(v, &d); err != nil {
			return nil, fmt.Errorf("dues %x: %w", k, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// duesOfAnswer reads a check-in's dues answer: "leader", "secretary" and
// "to:<name>" are paid, "no" (or "no:<reason>") not paid; anything else,
// the empty answer included, says nothing.
func duesOfAnswer(v string) (DuesState, string, string, bool) {
	switch {
	case v == "leader" || v == "secretary" || (len(v) > 3 && v[:3] == "to:"):
		return DuesPaid, "", v, true
	case v == "no":
		return DuesUnpaid, "", "", true
	case len(v) > 3 && v[:3] == "no:":
		return DuesUnpaid, v[3:], "", true
	}
	return "", "", "", false
}

// DuesFromAnswer makes the dues record a check-in's dues answer v gives, or
// nil when v answers nothing.
func DuesFromAnswer(ck *Checkin, v string) *Dues {
	st, reason, to, ok := duesOfAnswer(v)
	if !ok {
		return nil
	}
	return &Dues{MemberID: ck.MemberID, CellID: ck.CellID, Month: ck.Period, State: st, Reason: reason, PaidTo: to,
		Via: DuesViaCheckin, By: ck.MemberID, At: ck.Updated}
}

// migrateDuesV4 makes the dues records of schema 4 from what schema 3 kept
// in their place: a roll's dues tick (Attendance.DuesPaid) is "paid via the
// roll" for the meeting's month, and a check-in's dues answer is that answer
// for its period. When both speak of one month, the later one stands. An
// unticked roll says nothing: it was never a "not paid".
func migrateDuesV4(tx *bolt.Tx) error {
	found := map[string]*Dues{}
	keep := func(d *Dues) {
		k := string(duesKey(d.MemberID, d.Month))
		if old := found[k]; old == nil || d.At.After(old.At) {
			found[k] = d
		}
	}
	cells := tx.Bucket(bucketCells)
	err := tx.Bucket(bucketMeetings).ForEach(func(k, v []byte) error {
		m, err := decodeMeeting(k, v)
		if err != nil {
			return fmt.Errorf("meeting: %w", err)
		}
		if m.State == MeetingCancelled {
			return nil
		}
		month := m.Month
		if month == "" {
			month = m.At.In(cellZone(cells, m.CellID)).Format("2006-01")
		}
		for id, a := range m.Roll {
			if !a.DuesPaid {
				continue
			}
			at := a.MarkedAt
			if at.IsZero() {
				at = m.At
			}
			keep(&Dues{MemberID: id, CellID: m.CellID, Month: month, State: DuesPaid, Via: DuesViaRoll, By: a.DuesBy, At: at, MeetingID: m.ID})
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketCheckins).ForEach(func(k, v []byte) error {
		ck, err := decodeCheckin(k, v)
		if err != nil {
			return fmt.Errorf("check-in: %w", err)
		}
		for _, key := range duesKeys(tx, ck.CellID) {
			if d := DuesFromAnswer(ck, ck.Answers[key]); d != nil {
				keep(d)
				break
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	b := tx.Bucket(bucketDues)
	for k, d := range found {
		if b.Get([]byte(k)) != nil {
			continue
		}
		if err := putJSON(b, []byte(k), d); err != nil {
			return err
		}
	}
	return nil
}

// duesKeys are the answer keys of the dues questions of the cell's check-in
// form: "dues" in the default form, every "dues" field of a custom one.
func duesKeys(tx *bolt.Tx, cellID uint64) []string {
	var cell Cell
	if v := tx.Bucket(bucketCells).Get(itob(cellID)); v == nil || json.Unmarshal(v, &cell) != nil {
		return []string{"dues"}
	}
	var form CheckinTemplate
	if v := tx.Bucket(bucketCheckinForms).Get(itob(cell.OrgID)); v == nil || json.Unmarshal(v, &form) != nil || len(form.Fields) == 0 {
		return []string{"dues"}
	}
	var keys []string
	for _, f := range form.Fields {
		if f.Kind == "dues" {
			keys = append(keys, f.Key)
		}
	}
	return keys
}

// vietnam is the zone of cells that name none (no daylight saving there).
var vietnam = time.FixedZone("ICT", 7*3600)

// cellZone is the cell's zone, for naming a meeting's month.
func cellZone(cells *bolt.Bucket, cellID uint64) *time.Location {
	var cell Cell
	if v := cells.Get(itob(cellID)); v != nil && json.Unmarshal(v, &cell) == nil && cell.TZ != "" {
		if z, err := time.LoadLocation(cell.TZ); err == nil {
			return z
		}
	}
	return vietnam
}
