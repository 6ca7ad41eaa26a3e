package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
)

// checkinTail is a Checkin's JSON tail: the fields encodeCheckin writes in
// binary are hidden (the member and the period are the record's key).
type checkinTail struct {
	Checkin
	XMemberID    omit `json:"member_id,omitempty"`
	XCellID      omit `json:"cell_id,omitempty"`
	XPeriod      omit `json:"period,omitempty"`
	XAt          omit `json:"at,omitempty"`
	XUpdated     omit `json:"updated,omitempty"`
	XLate        omit `json:"late,omitempty"`
	XSame        omit `json:"same,omitempty"`
	XCorrections omit `json:"corrections,omitempty"`
	XAnswers     omit `json:"answers,omitempty"`
	XLat         omit `json:"lat,omitempty"`
	XLon         omit `json:"lon,omitempty"`
}

// encodeCheckin is c's stored form (compactCheckin): the cell, the two
// times, the flags, the corrections, the answers in key order, the
// location if any, and the JSON tail.
func encodeCheckin(c *Checkin) ([]byte, error) {
	w := &cw{b: make([]byte, 0, 96)}
	w.b = append(w.b, compactCheckin)
	w.uvarint(c.CellID)
	w.time(c.At)
	w.time(c.Updated)
	w.bools(c.Late, c.Same, c.Lat != nil, c.Lon != nil, c.Answers == nil)
	w.uvarint(uint64(c.Corrections))
	keys := make([]string, 0, len(c.Answers))
	for k := range c.Answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.uvarint(uint64(len(keys)))
	for _, k := range keys {
		w.str(k)
		w.str(c.Answers[k])
	}
	for _, f := range []*float64{c.Lat, c.Lon} {
		if f != nil {
			w.b = binary.BigEndian.AppendUint64(w.b, math.Float64bits(*f))
		}
	}
	if err := w.tail(&checkinTail{Checkin: *c}); err != nil {
		return nil, err
	}
	return w.b, nil
}

// decodeCheckin reads a stored check-in under key (member id + period):
// compact, or the JSON of older files.
func decodeCheckin(key, v []byte) (*Checkin, error) {
	if len(v) == 0 || v[0] != compactCheckin {
		var c Checkin
		if err := json.Unmarshal(v, &c); err != nil {
			return nil, fmt.Errorf("decode %x: %w", key, err)
		}
		return &c, nil
	}
	if len(key) != 8+7 {
		return nil, fmt.Errorf("decode %x: not a check-in's key", key)
	}
	r := &cr{b: v[1:]}
	t := &checkinTail{}
	c := &t.Checkin
	c.MemberID, c.Period = btoi(key[:8]), string(key[8:])
	c.CellID = r.uvarint()
	c.At = r.time()
	c.Updated = r.time()
	flags := r.byte()
	c.Late, c.Same = flags&1 != 0, flags&2 != 0
	c.Corrections = int(r.uvarint())
	n := r.uvarint()
	if flags&16 != 0 && n != 0 {
		r.fail()
	}
	if flags&16 == 0 {
		c.Answers = make(map[string]string, min(n, 64))
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		k := r.str()
		c.Answers[k] = r.str()
	}
	for i, p := range []**float64{&c.Lat, &c.Lon} {
		if flags&(4<<i) != 0 {
			f := r.float()
			*p = &f
		}
	}
	r.tail(t)
	if err := r.end(); err != nil {
		return nil, fmt.Errorf("decode %x: %w", key, err)
	}
	return c, nil
}

// meetingKinds and meetingStates are stored as one byte each.
var (
	meetingKinds  = []string{string(MeetingRegular), string(MeetingThematic), string(MeetingExtra)}
	meetingStates = []string{string(MeetingPlanned), string(MeetingOpen), string(MeetingClosed), string(MeetingCancelled)}
)

// meetingTail is a meeting header's JSON tail: amendments, score, reviews,
// guests and any field added later; the id is the record's key.
type meetingTail struct {
	Meeting
	XID        omit `json:"id,omitempty"`
	XCellID    omit `json:"cell_id,omitempty"`
	XKind      omit `json:"kind,omitempty"`
	XMonth     omit `json:"month,omitempty"`
	XAt        omit `json:"at,omitempty"`
	XPlace     omit `json:"place,omitempty"`
	XTopic     omit `json:"topic,omitempty"`
	XCombined  omit `json:"combined,omitempty"`
	XMoved     omit `json:"moved,omitempty"`
	XState     omit `json:"state,omitempty"`
	XNoticed   omit `json:"noticed,omitempty"`
	XNotified  omit `json:"notified,omitempty"`
	XCode      omit `json:"code,omitempty"`
	XCodeUntil omit `json:"code_until,omitempty"`
	XStarted   omit `json:"started,omitempty"`
	XEnded     omit `json:"ended,omitempty"`
	XClosedBy  omit `json:"closed_by,omitempty"`
	XHeldFrom  omit `json:"held_from,omitempty"`
	XHeldTo    omit `json:"held_to,omitempty"`
	XTally     omit `json:"tally,omitempty"`
	XCreated   omit `json:"created,omitempty"`
	XBy        omit `json:"by,omitempty"`
}

// tallyTail is a tally's JSON tail (fields added later).
type tallyTail struct {
	MeetingTally
	XTotal         omit `json:"total,omitempty"`
	XExempt        omit `json:"exempt,omitempty"`
	XExemptPresent omit `json:"exempt_present,omitempty"`
	XPresent       omit `json:"present,omitempty"`
	XExcused       omit `json:"excused,omitempty"`
	XUnexcused     omit `json:"unexcused,omitempty"`
	XMinutes       omit `json:"minutes,omitempty"`
	XNeed          omit `json:"need,omitempty"`
	XRateOK        omit `json:"rate_ok,omitempty"`
	XLengthOK      omit `json:"length_ok,omitempty"`
	XStandard      omit `json:"standard,omitempty"`
	XLongRun       omit `json:"long_run,omitempty"`
}

// encodeMeeting is a meeting header's stored form (compactMeeting): its
// roll is stored beside it (marks.go), and m.Roll is not written.
func encodeMeeting(m *Meeting) ([]byte, error) {
	w := &cw{b: make([]byte, 0, 128+2*len(m.Notified))}
	w.b = append(w.b, compactMeeting)
	w.uvarint(m.CellID)
	w.code(string(m.Kind), meetingKinds)
	w.code(string(m.State), meetingStates)
	w.bools(m.Combined, m.Moved, m.Tally != nil)
	w.str(m.Month)
	w.str(m.Place)
	w.str(m.Topic)
	w.str(m.Code)
	w.uvarint(m.ClosedBy)
	w.uvarint(m.By)
	for _, t := range []time.Time{m.At, m.Noticed, m.CodeUntil, m.Started, m.Ended, m.HeldFrom, m.HeldTo, m.Created} {
		w.time(t)
	}
	w.ids(m.Notified)
	if t := m.Tally; t != nil {
		for _, n := range []int{t.Total, t.Exempt, t.ExemptPresent, t.Present, t.Excused, t.Unexcused, t.Minutes, t.Need} {
			w.varint(int64(n))
		}
		w.bools(t.RateOK, t.LengthOK, t.Standard, t.LongRun)
		if err := w.tail(&tallyTail{MeetingTally: *t}); err != nil {
			return nil, err
		}
	}
	header := *m
	header.Roll = nil
	if err := w.tail(&meetingTail{Meeting: header}); err != nil {
		return nil, err
	}
	return w.b, nil
}

// decodeMeeting reads a stored meeting header under key (its id): compact,
// or the JSON of older files (with the roll in files before schema 7).
func decodeMeeting(key, v []byte) (*Meeting, error) {
	if len(v) == 0 || v[0] != compactMeeting {
		var m Meeting
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, fmt.Errorf("decode %x: %w", key, err)
		}
		return &m, nil
	}
	if len(key) != 8 {
		return nil, fmt.Errorf("decode %x: not a meeting's key", key)
	}
	r := &cr{b: v[1:]}
	mt := &meetingTail{}
	m := &mt.Meeting
	m.ID = btoi(key)
	m.CellID = r.uvarint()
	m.Kind = MeetingKind(r.code(meetingKinds))
	m.State = MeetingState(r.code(meetingStates))
	flags := r.byte()
	m.Combined, m.Moved = flags&1 != 0, flags&2 != 0
	m.Month, m.Place, m.Topic, m.Code = r.str(), r.str(), r.str(), r.str()
	m.ClosedBy, m.By = r.uvarint(), r.uvarint()
	for _, t := range []*time.Time{&m.At, &m.Noticed, &m.CodeUntil, &m.Started, &m.Ended, &m.HeldFrom, &m.HeldTo, &m.Created} {
		*t = r.time()
	}
	m.Notified = r.ids()
	if flags&4 != 0 {
		tt := &tallyTail{}
		t := &tt.MeetingTally
		for _, n := range []*int{&t.Total, &t.Exempt, &t.ExemptPresent, &t.Present, &t.Excused, &t.Unexcused, &t.Minutes, &t.Need} {
			*n = int(r.varint())
		}
		b := r.byte()
		t.RateOK, t.LengthOK, t.Standard, t.LongRun = b&1 != 0, b&2 != 0, b&4 != 0, b&8 != 0
		r.tail(tt)
		m.Tally = t
	}
	r.tail(mt)
	if err := r.end(); err != nil {
		return nil, fmt.Errorf("decode %x: %w", key, err)
	}
	return m, nil
}
