package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Rolls beside meetings (schema 7). A meeting's record is its header; its
// roll is a second, compact record in the marks bucket under the meeting's
// id: the entries in member id order, each a member id (as the difference
// from the previous one) and the entry in a binary form (about 20 bytes
// where the JSON was 150). A year's view reads its meetings' headers and
// the rolls it shows, never the roll of a meeting it does not show.

// marksFill is the fill at which the pages of append-mostly buckets split:
// their new keys come after the others (new meetings have higher ids).
const marksFill = 0.9

// rollFormat is the first byte of a stored roll.
const rollFormat = 1

// Roll returns the meeting's attendance, keyed by member id (empty, not
// nil, when nobody has an entry).
func (tx *Tx) Roll(meetingID uint64) (map[uint64]*Attendance, error) {
	roll, err := decodeRoll(tx.tx.Bucket(bucketMarks).Get(itob(meetingID)))
	if err != nil {
		return nil, fmt.Errorf("roll of meeting %d: %w", meetingID, err)
	}
	return roll, nil
}

// LoadRoll fills m.Roll with the meeting's whole roll, for a meeting listed
// by Meetings, MeetingsIn or ActiveMeetings (which return headers). Entries
// m.Roll holds already stand.
func (tx *Tx) LoadRoll(m *Meeting) error {
	roll, err := tx.Roll(m.ID)
	if err != nil {
		return err
	}
	for id, a := range m.Roll {
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
	roll, err := tx.Roll(meetingID)
	if err != nil {
		return nil, err
	}
	a, ok := roll[memberID]
	if !ok {
		return nil, ErrNotFound
	}
	return a, nil
}

// PutAttendance stores one member's entry on a meeting's roll.
func (tx *Tx) PutAttendance(meetingID, memberID uint64, a *Attendance) error {
	return tx.putRoll(meetingID, map[uint64]*Attendance{memberID: a})
}

// putRoll stores every entry of roll in the meeting's stored roll (entries
// it lacks are left as stored). It writes nothing when nothing changed.
func (tx *Tx) putRoll(meetingID uint64, roll map[uint64]*Attendance) error {
	if len(roll) == 0 {
		return nil
	}
	if meetingID == 0 {
		return fmt.Errorf("attendance without meeting")
	}
	b := tx.tx.Bucket(bucketMarks)
	old := b.Get(itob(meetingID))
	stored, err := decodeRoll(old)
	if err != nil {
		return fmt.Errorf("roll of meeting %d: %w", meetingID, err)
	}
	for id, a := range roll {
		if id == 0 {
			return fmt.Errorf("attendance without member at meeting %d", meetingID)
		}
		if a != nil {
			stored[id] = a
		}
	}
	v := encodeRoll(stored)
	if bytes.Equal(old, v) {
		return nil
	}
	return b.Put(itob(meetingID), v)
}

// CountMarks counts the entries on every meeting's roll.
func (tx *Tx) CountMarks() (int, error) {
	n := 0
	err := tx.tx.Bucket(bucketMarks).ForEach(func(k, v []byte) error {
		roll, err := decodeRoll(v)
		n += len(roll)
		return err
	})
	return n, err
}

// encodeRoll is the stored form of a roll: the format byte, the number of
// entries, then in member id order each id's difference from the previous
// one, the entry's length and the entry (encodeAttendance, without its
// format byte).
func encodeRoll(roll map[uint64]*Attendance) []byte {
	ids := make([]uint64, 0, len(roll))
	for id := range roll {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	w := &markWriter{b: make([]byte, 0, 2+len(roll)*24)}
	w.b = append(w.b, rollFormat)
	w.uint(uint64(len(ids)))
	prev := uint64(0)
	for _, id := range ids {
		w.uint(id - prev)
		prev = id
		a := encodeAttendance(roll[id])[1:]
		w.uint(uint64(len(a)))
		w.b = append(w.b, a...)
	}
	return w.b
}

// decodeRoll reads what encodeRoll wrote; nil is an empty roll.
func decodeRoll(v []byte) (map[uint64]*Attendance, error) {
	roll := map[uint64]*Attendance{}
	if v == nil {
		return roll, nil
	}
	if len(v) == 0 || v[0] != rollFormat {
		return nil, errBadMark
	}
	r := &markReader{b: v[1:]}
	n := r.uint()
	id := uint64(0)
	for i := uint64(0); i < n && r.err == nil; i++ {
		id += r.uint()
		size := r.uint()
		if r.err != nil || size > uint64(len(r.b)) {
			return nil, errBadMark
		}
		a, err := decodeFields(r.b[:size])
		if err != nil {
			return nil, err
		}
		roll[id] = a
		r.b = r.b[size:]
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, errBadMark
	}
	return roll, nil
}

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
	return decodeFields(v[1:])
}

// decodeFields reads an encoded attendance after its format byte.
func decodeFields(v []byte) (*Attendance, error) {
	r := &markReader{b: v}
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

// migrateMarksBatch moves the rolls of the meetings after the one recorded
// in meta out of their records into the marks bucket (schema 6 → 7), until
// the batch's budget is spent. Each batch is its own transaction, and
// records where it stopped in the same transaction: a kill between batches
// loses nothing and moves nothing twice (a meeting's header is rewritten
// without its roll in the batch that stores the roll).
func migrateMarksBatch(tx *bolt.Tx, b *budget) (more bool, err error) {
	meta, meetings := tx.Bucket(bucketMeta), tx.Bucket(bucketMeetings)
	after := uint64(0)
	if v := meta.Get(keyMarksMoved); len(v) == 8 {
		after = btoi(v)
	}
	t := &Tx{tx: tx}
	c := meetings.Cursor()
	for {
		// Seek again after each write: a write moves the cursor.
		k, v := c.Seek(itob(after + 1))
		if k == nil {
			return false, meta.Delete(keyMarksMoved)
		}
		if b.full() {
			return true, meta.Put(keyMarksMoved, itob(after))
		}
		m, err := decodeMeeting(k, v)
		if err != nil {
			return false, fmt.Errorf("meeting: %w", err)
		}
		after = btoi(k)
		if err := t.putRoll(after, m.Roll); err != nil {
			return false, err
		}
		marks := len(m.Roll)
		m.Roll = nil
		if err := putJSON(meetings, itob(after), m); err != nil {
			return false, err
		}
		b.spend(1 + marks)
	}
}

// keyMarksMoved is the meta key of the last meeting whose roll the schema 7
// migration moved, while it runs.
var keyMarksMoved = []byte("migrate7_marks_after")
