package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Rolls beside meetings (schema 7). A meeting's record is its header; each
// member's attendance is one row of the marks bucket, keyed by meeting id
// then member id, in a compact binary form (about 20 bytes where the JSON
// was 150). A year's view reads its meetings' headers and the marks it
// shows, never a roll it does not show; an answer to a notice writes one
// row, not the meeting's whole roll.

// marksFill is the marks bucket's fill when a page splits: rows arrive
// mostly in key order (new meetings have higher ids), so pages split full.
const marksFill = 0.9

func markKey(meetingID, memberID uint64) []byte { return pairKey(meetingID, memberID) }

// Roll returns the meeting's attendance, keyed by member id (empty, not
// nil, when nobody has an entry).
func (tx *Tx) Roll(meetingID uint64) (map[uint64]*Attendance, error) {
	roll := map[uint64]*Attendance{}
	prefix := itob(meetingID)
	c := tx.tx.Bucket(bucketMarks).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		a, err := decodeAttendance(v)
		if err != nil {
			return nil, fmt.Errorf("mark %d of meeting %d: %w", btoi(k[8:]), meetingID, err)
		}
		roll[btoi(k[8:])] = a
	}
	return roll, nil
}

// LoadRoll fills m.Roll with the meeting's whole roll, for a meeting listed
// by Meetings, MeetingsIn or ActiveMeetings (which return headers).
func (tx *Tx) LoadRoll(m *Meeting) error {
	roll, err := tx.Roll(m.ID)
	if err != nil {
		return err
	}
	for id, a := range m.Roll { // entries already read or set stand
		roll[id] = a
	}
	m.Roll, m.whole = roll, true
	return nil
}

// LoadAttendance puts the member's entry, when there is one, in m.Roll
// (which may then hold only some members): for a view of one member.
func (tx *Tx) LoadAttendance(m *Meeting, memberID uint64) error {
	a, err := tx.Attendance(m.ID, memberID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Roll == nil {
		m.Roll = map[uint64]*Attendance{}
	}
	m.Roll[memberID] = a
	return nil
}

// Attendance returns one member's entry on a meeting's roll, ErrNotFound
// when they have none.
func (tx *Tx) Attendance(meetingID, memberID uint64) (*Attendance, error) {
	v := tx.tx.Bucket(bucketMarks).Get(markKey(meetingID, memberID))
	if v == nil {
		return nil, ErrNotFound
	}
	a, err := decodeAttendance(v)
	if err != nil {
		return nil, fmt.Errorf("mark %d of meeting %d: %w", memberID, meetingID, err)
	}
	return a, nil
}

// PutAttendance stores one member's entry on a meeting's roll. It writes
// nothing when the entry is stored as it is.
func (tx *Tx) PutAttendance(meetingID, memberID uint64, a *Attendance) error {
	if meetingID == 0 || memberID == 0 {
		return fmt.Errorf("attendance without meeting (%d) or member (%d)", meetingID, memberID)
	}
	b := tx.tx.Bucket(bucketMarks)
	k, v := markKey(meetingID, memberID), encodeAttendance(a)
	if bytes.Equal(b.Get(k), v) {
		return nil
	}
	b.FillPercent = marksFill
	return b.Put(k, v)
}

// putRoll stores every entry of roll (entries it lacks are left as stored).
func (tx *Tx) putRoll(meetingID uint64, roll map[uint64]*Attendance) error {
	for id, a := range roll {
		if a == nil {
			continue
		}
		if err := tx.PutAttendance(meetingID, id, a); err != nil {
			return err
		}
	}
	return nil
}

// CountMarks counts the attendance rows of every meeting.
func (tx *Tx) CountMarks() int { return count(tx.tx.Bucket(bucketMarks)) }

// Codes of the enumerations in the binary form. Code 0 means the value
// follows as a string, so a value added later is stored too.
var (
	rsvpCodes    = []string{"", string(RSVPYes), string(RSVPNo)}
	reasonCodes  = []string{"", string(ReasonSick), string(ReasonWork), string(ReasonFamily), string(ReasonFarAway), string(ReasonOther)}
	excuseCodes  = []string{"", string(ExcusePending), string(ExcuseAccepted), string(ExcuseRejected)}
	markCodes    = []string{"", string(MarkPresent), string(MarkAbsent)}
	viaCodes     = []string{"", "code", "roll", "close"}
	outcomeCodes = []string{"", string(OutcomePresent), string(OutcomeExcused), string(OutcomeUnexcused), string(OutcomeExempt), string(OutcomeNotExpected)}
)

// attendanceFormat is the first byte of an encoded attendance.
const attendanceFormat = 1

// Presence bits of the encoded fields, in the order they follow.
const (
	fRSVP = 1 << iota
	fRSVPAt
	fReason
	fReasonText
	fExcuse
	fDecidedBy
	fDecidedAt
	fMark
	fMarkedBy
	fMarkedAt
	fMarkVia
	fDuesPaid
	fDuesBy
	fOutcome
)

type markWriter struct{ b []byte }

func (w *markWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }

func (w *markWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *markWriter) enum(codes []string, s string) {
	for i, c := range codes {
		if i > 0 && c == s {
			w.uint(uint64(i))
			return
		}
	}
	w.uint(0)
	w.str(s)
}

func (w *markWriter) time(t time.Time) {
	w.b = binary.AppendVarint(w.b, t.Unix())
	w.uint(uint64(t.Nanosecond()))
}

// encodeAttendance is the compact form of a: a format byte, a bitmap of the
// fields present, then each present field (enumerations as small codes,
// times as seconds and nanoseconds, ids and lengths as varints).
func encodeAttendance(a *Attendance) []byte {
	var bits uint64
	set := func(bit uint64, present bool) {
		if present {
			bits |= bit
		}
	}
	set(fRSVP, a.RSVP != "")
	set(fRSVPAt, !a.RSVPAt.IsZero())
	set(fReason, a.Reason != "")
	set(fReasonText, a.ReasonText != "")
	set(fExcuse, a.Excuse != "")
	set(fDecidedBy, a.DecidedBy != 0)
	set(fDecidedAt, !a.DecidedAt.IsZero())
	set(fMark, a.Mark != "")
	set(fMarkedBy, a.MarkedBy != 0)
	set(fMarkedAt, !a.MarkedAt.IsZero())
	set(fMarkVia, a.MarkVia != "")
	set(fDuesPaid, a.DuesPaid)
	set(fDuesBy, a.DuesBy != 0)
	set(fOutcome, a.Outcome != "")
	w := &markWriter{b: make([]byte, 0, 32)}
	w.b = append(w.b, attendanceFormat)
	w.uint(bits)
	if bits&fRSVP != 0 {
		w.enum(rsvpCodes, string(a.RSVP))
	}
	if bits&fRSVPAt != 0 {
		w.time(a.RSVPAt)
	}
	if bits&fReason != 0 {
		w.enum(reasonCodes, string(a.Reason))
	}
	if bits&fReasonText != 0 {
		w.str(a.ReasonText)
	}
	if bits&fExcuse != 0 {
		w.enum(excuseCodes, string(a.Excuse))
	}
	if bits&fDecidedBy != 0 {
		w.uint(a.DecidedBy)
	}
	if bits&fDecidedAt != 0 {
		w.time(a.DecidedAt)
	}
	if bits&fMark != 0 {
		w.enum(markCodes, string(a.Mark))
	}
	if bits&fMarkedBy != 0 {
		w.uint(a.MarkedBy)
	}
	if bits&fMarkedAt != 0 {
		w.time(a.MarkedAt)
	}
	if bits&fMarkVia != 0 {
		w.enum(viaCodes, a.MarkVia)
	}
	if bits&fDuesBy != 0 {
		w.uint(a.DuesBy)
	}
	if bits&fOutcome != 0 {
		w.enum(outcomeCodes, string(a.Outcome))
	}
	return w.b
}

var errBadMark = errors.New("malformed attendance")

type markReader struct {
	b   []byte
	err error
}

func (r *markReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadMark
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *markReader) str() string {
	n := r.uint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errBadMark
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *markReader) enum(codes []string) string {
	i := r.uint()
	switch {
	case r.err != nil:
		return ""
	case i == 0:
		return r.str()
	case i < uint64(len(codes)):
		return codes[i]
	}
	r.err = errBadMark
	return ""
}

func (r *markReader) time() time.Time {
	if r.err != nil {
		return time.Time{}
	}
	s, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadMark
		return time.Time{}
	}
	r.b = r.b[n:]
	ns := r.uint()
	return time.Unix(s, int64(ns)).UTC()
}

// decodeAttendance reads what encodeAttendance wrote.
func decodeAttendance(v []byte) (*Attendance, error) {
	if len(v) == 0 || v[0] != attendanceFormat {
		return nil, errBadMark
	}
	r := &markReader{b: v[1:]}
	bits := r.uint()
	a := &Attendance{}
	if bits&fRSVP != 0 {
		a.RSVP = RSVP(r.enum(rsvpCodes))
	}
	if bits&fRSVPAt != 0 {
		a.RSVPAt = r.time()
	}
	if bits&fReason != 0 {
		a.Reason = ReasonKind(r.enum(reasonCodes))
	}
	if bits&fReasonText != 0 {
		a.ReasonText = r.str()
	}
	if bits&fExcuse != 0 {
		a.Excuse = ExcuseState(r.enum(excuseCodes))
	}
	if bits&fDecidedBy != 0 {
		a.DecidedBy = r.uint()
	}
	if bits&fDecidedAt != 0 {
		a.DecidedAt = r.time()
	}
	if bits&fMark != 0 {
		a.Mark = Mark(r.enum(markCodes))
	}
	if bits&fMarkedBy != 0 {
		a.MarkedBy = r.uint()
	}
	if bits&fMarkedAt != 0 {
		a.MarkedAt = r.time()
	}
	if bits&fMarkVia != 0 {
		a.MarkVia = r.enum(viaCodes)
	}
	a.DuesPaid = bits&fDuesPaid != 0
	if bits&fDuesBy != 0 {
		a.DuesBy = r.uint()
	}
	if bits&fOutcome != 0 {
		a.Outcome = Outcome(r.enum(outcomeCodes))
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 || bits >= fOutcome<<1 {
		return nil, errBadMark
	}
	return a, nil
}

// migrateMarksBatch moves the rolls of up to limit meetings after the one
// recorded in meta out of their records into the marks bucket (schema 6 →
// 7). Each batch is its own transaction, and records where it stopped in
// the same transaction: a kill between batches loses nothing and moves
// nothing twice (a meeting's marks are rows keyed by meeting and member,
// and its header is rewritten without them in the batch that moves them).
func migrateMarksBatch(tx *bolt.Tx, limit int) (more bool, err error) {
	meta, meetings := tx.Bucket(bucketMeta), tx.Bucket(bucketMeetings)
	after := uint64(0)
	if v := meta.Get(keyMarksMoved); len(v) == 8 {
		after = btoi(v)
	}
	type moved struct {
		k []byte
		m Meeting
	}
	var batch []moved
	c := meetings.Cursor()
	for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
		if len(batch) == limit {
			more = true
			break
		}
		var m Meeting
		if err := json.Unmarshal(v, &m); err != nil {
			return false, fmt.Errorf("meeting %x: %w", k, err)
		}
		batch = append(batch, moved{bytes.Clone(k), m})
	}
	t := &Tx{tx: tx}
	for _, mv := range batch {
		if err := t.putRoll(btoi(mv.k), mv.m.Roll); err != nil {
			return false, err
		}
		mv.m.Roll = nil
		if err := putJSON(meetings, mv.k, &mv.m); err != nil {
			return false, err
		}
		after = btoi(mv.k)
	}
	if !more {
		return false, meta.Delete(keyMarksMoved)
	}
	return true, meta.Put(keyMarksMoved, itob(after))
}

// keyMarksMoved is the meta key of the last meeting whose roll the schema 7
// migration moved, while it runs.
var keyMarksMoved = []byte("migrate7_marks_after")
