package storage

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// MeetingKind tells a cell's regular monthly meeting from the others.
type MeetingKind string

// Meeting kinds (DOMAIN.md §3, Meetings).
const (
	MeetingRegular  MeetingKind = "regular"  // sinh hoạt chi bộ thường kỳ, once a month
	MeetingThematic MeetingKind = "thematic" // sinh hoạt chuyên đề, at least once a quarter
	MeetingExtra    MeetingKind = "extra"    // any other meeting
)

// MeetingState is where a meeting is in its life.
type MeetingState string

// Meeting states.
const (
	MeetingPlanned   MeetingState = "planned"
	MeetingOpen      MeetingState = "open" // started: check-in opened or the roll taken
	MeetingClosed    MeetingState = "closed"
	MeetingCancelled MeetingState = "cancelled"
)

// RSVP is a member's answer to a notice.
type RSVP string

// RSVP answers.
const (
	RSVPNone RSVP = ""
	RSVPYes  RSVP = "yes"
	RSVPNo   RSVP = "no"
)

// ReasonKind is a preset reason for not attending.
type ReasonKind string

// Preset reasons.
const (
	ReasonSick    ReasonKind = "sick"
	ReasonWork    ReasonKind = "work" // work or an official trip
	ReasonFamily  ReasonKind = "family"
	ReasonFarAway ReasonKind = "far"
	ReasonOther   ReasonKind = "other"
)

// ReasonKinds lists the presets in the order a member sees them.
var ReasonKinds = []ReasonKind{ReasonSick, ReasonWork, ReasonFamily, ReasonFarAway, ReasonOther}

// ExcuseState is the cell's decision on an excuse.
type ExcuseState string

// Excuse states.
const (
	ExcuseNone     ExcuseState = ""
	ExcusePending  ExcuseState = "pending"
	ExcuseAccepted ExcuseState = "accepted"
	ExcuseRejected ExcuseState = "rejected"
)

// Mark is what the roll says of a member.
type Mark string

// Roll marks. An absent member is excused when their excuse was accepted.
const (
	MarkNone    Mark = ""
	MarkPresent Mark = "present"
	MarkAbsent  Mark = "absent"
)

// Outcome is a member's final state at a closed meeting, frozen at closing
// so later status changes do not rewrite the past.
type Outcome string

// Outcomes.
const (
	OutcomePresent     Outcome = "present"
	OutcomeExcused     Outcome = "excused"
	OutcomeUnexcused   Outcome = "unexcused"
	OutcomeExempt      Outcome = "exempt"       // on the list, not expected (exempt, far away, transferred out for the date)
	OutcomeNotExpected Outcome = "not_expected" // not on the list that day (joined later, left before)
)

// Attendance is one member's record for one meeting: the answer to the
// notice, the excuse and who decided it, and the roll. Dues are not here
// but in their own record (Dues).
type Attendance struct {
	RSVP       RSVP        `json:"rsvp,omitempty"`
	RSVPAt     time.Time   `json:"rsvp_at,omitzero"`
	Reason     ReasonKind  `json:"reason,omitempty"`
	ReasonText string      `json:"reason_text,omitempty"`
	Excuse     ExcuseState `json:"excuse,omitempty"`
	DecidedBy  uint64      `json:"decided_by,omitempty"`
	DecidedAt  time.Time   `json:"decided_at,omitzero"`
	Mark       Mark        `json:"mark,omitempty"`
	MarkedBy   uint64      `json:"marked_by,omitempty"` // 0 with MarkVia "code": the member checked in
	MarkedAt   time.Time   `json:"marked_at,omitzero"`
	MarkVia    string      `json:"mark_via,omitempty"` // "code" or "roll"
	// DuesPaid and DuesBy are the roll's dues tick of schema 3 and before,
	// kept for decoding: the schema 4 migration made Dues records of them,
	// and nothing writes them any more (dues are their own record).
	DuesPaid bool    `json:"dues_paid,omitempty"`
	DuesBy   uint64  `json:"dues_by,omitempty"`
	Outcome  Outcome `json:"outcome,omitempty"` // set when the meeting closes
}

// Meeting is one meeting of a cell.
type Meeting struct {
	ID        uint64       `json:"id"`
	CellID    uint64       `json:"cell_id"`
	Kind      MeetingKind  `json:"kind"`
	Month     string       `json:"month,omitempty"` // "2006-01" of a regular meeting: one per month
	At        time.Time    `json:"at"`
	Place     string       `json:"place,omitempty"`
	Topic     string       `json:"topic,omitempty"`
	Combined  bool         `json:"combined,omitempty"` // regular combined with a thematic one (120 minutes)
	Moved     bool         `json:"moved,omitempty"`    // moved by hand: a new schedule rule leaves it alone
	State     MeetingState `json:"state"`
	Noticed   time.Time    `json:"noticed,omitzero"` // when the notice went out
	Notified  []uint64     `json:"notified,omitempty"`
	Code      string       `json:"code,omitempty"` // in-room check-in code
	CodeUntil time.Time    `json:"code_until,omitzero"`
	Started   time.Time    `json:"started,omitzero"`
	Ended     time.Time    `json:"ended,omitzero"`
	ClosedBy  uint64       `json:"closed_by,omitempty"`
	// HeldFrom and HeldTo are the start and end the secretary confirmed at
	// closing; zero in meetings closed before they were asked.
	HeldFrom time.Time `json:"held_from,omitzero"`
	HeldTo   time.Time `json:"held_to,omitzero"`
	// Tally is the meeting's counts and verdicts, stored at closing and
	// changed only by an amendment; nil in meetings closed before it was
	// stored (computed on read from the frozen outcomes).
	Tally *MeetingTally `json:"tally,omitempty"`
	// Amendments are the changes made to the meeting after it closed.
	Amendments []Amendment `json:"amendments,omitempty"`
	// Roll is keyed by member id. Since schema 7 it is stored beside the
	// meeting, one compact record (marks.go), and the record keeps only the
	// header: Meeting and MeetingByCode fill it; Meetings, MeetingsIn,
	// ActiveMeetings and RegularMeeting return headers (LoadRoll or
	// LoadAttendance fill it); PutMeeting stores the entries it holds in
	// the stored roll. The JSON field is read only by the migrations of
	// older files.
	Roll  map[uint64]*Attendance `json:"roll,omitempty"`
	Score *QualityScore          `json:"score,omitempty"`
	// Reviews are the commune committee's views of Score: the cell scores,
	// the committee member who follows the cell confirms or comments; both
	// are kept (issue 17).
	Reviews []ScoreReview `json:"reviews,omitempty"`
	// Guests are the commune committee members who got the notice as
	// guests and whether they checked in: never on the roll, never counted.
	Guests  []Guest   `json:"guests,omitempty"`
	Created time.Time `json:"created"`
	By      uint64    `json:"by,omitempty"` // 0: made from the cell's schedule
	// whole: Roll holds the whole roll as stored (read by Meeting or
	// LoadRoll), not a header's nil or one member's entry.
	whole bool
}

// HasRoll reports whether m.Roll holds the meeting's whole roll: true for a
// meeting read by Meeting or MeetingByCode, or after LoadRoll; false for a
// header (Meetings, ActiveMeetings, RegularMeeting).
func (m *Meeting) HasRoll() bool { return m.whole || m.ID == 0 }

// MeetingTally is a closed meeting's roll report (Guide 09-HD/BTCTW) and
// its verdicts, as they stood when the meeting closed or was last amended.
type MeetingTally struct {
	Total         int `json:"total"`                    // on the list that day
	Exempt        int `json:"exempt"`                   // not expected, present or not
	ExemptPresent int `json:"exempt_present,omitempty"` // exempt members who came anyway
	Present       int `json:"present"`                  // expected and present
	Excused       int `json:"excused"`
	Unexcused     int `json:"unexcused"`
	// Minutes is how long the meeting lasted; Need the minimum that applied.
	Minutes int `json:"minutes"`
	Need    int `json:"need"`
	// RateOK is attendance above 85 % (false when nobody was expected);
	// LengthOK is Minutes ≥ Need; Standard is criterion 1 of Guide
	// 12-HD/BTCTW as judged at closing.
	RateOK   bool `json:"rate_ok"`
	LengthOK bool `json:"length_ok"`
	Standard bool `json:"standard"`
	// LongRun: someone had been excused more than 3 times in a row by then.
	LongRun bool `json:"long_run,omitempty"`
}

// Expected is how many members the meeting counted.
func (t MeetingTally) Expected() int { return t.Total - t.Exempt }

// Amendment is one change to a closed meeting: who made it, when, what
// changed, and the tally before and after.
type Amendment struct {
	At     time.Time    `json:"at"`
	By     uint64       `json:"by"`
	What   string       `json:"what"`             // "mark" (the roll) or "excuse" (a decision after closing)
	Member uint64       `json:"member,omitempty"` // whose entry changed
	From   Outcome      `json:"from,omitempty"`
	To     Outcome      `json:"to,omitempty"`
	Before MeetingTally `json:"before"`
	After  MeetingTally `json:"after"`
}

// Guest is a committee member at a cell's meeting: notified, checked in.
type Guest struct {
	MemberID  uint64    `json:"member_id"`
	Notified  time.Time `json:"notified,omitzero"`
	CheckedIn time.Time `json:"checked_in,omitzero"`
}

// Guest returns the guest record of the member, creating it.
func (m *Meeting) Guest(memberID uint64) *Guest {
	for i := range m.Guests {
		if m.Guests[i].MemberID == memberID {
			return &m.Guests[i]
		}
	}
	m.Guests = append(m.Guests, Guest{MemberID: memberID})
	return &m.Guests[len(m.Guests)-1]
}

// ScoreReview is a committee member's view of a meeting's quality score:
// confirmed, or a comment, with the score it was given on.
type ScoreReview struct {
	By        uint64    `json:"by"`
	At        time.Time `json:"at"`
	Total     int       `json:"total"`               // the cell's score when reviewed
	Confirmed bool      `json:"confirmed,omitempty"` // false: a comment
	Comment   string    `json:"comment,omitempty"`
}

// Att returns the member's attendance record, creating an empty one.
func (m *Meeting) Att(memberID uint64) *Attendance {
	if m.Roll == nil {
		m.Roll = map[uint64]*Attendance{}
	}
	a, ok := m.Roll[memberID]
	if !ok {
		a = &Attendance{}
		m.Roll[memberID] = a
	}
	return a
}

// Active reports whether the meeting is neither closed nor cancelled.
func (m *Meeting) Active() bool { return m.State == MeetingPlanned || m.State == MeetingOpen }

// WasNotified reports whether the member got the notice.
func (m *Meeting) WasNotified(memberID uint64) bool { return slices.Contains(m.Notified, memberID) }

// QualityScore is the secretary's score of a meeting on the organization's
// template: points per section id.
type QualityScore struct {
	Points map[string]int `json:"points"`
	By     uint64         `json:"by"`
	At     time.Time      `json:"at"`
}

// Total sums the points.
func (q *QualityScore) Total() int {
	t := 0
	for _, p := range q.Points {
		t += p
	}
	return t
}

// MeetingSettings are a cell's meeting rules. The zero value of each field
// means its default, so a cell without settings works.
type MeetingSettings struct {
	CellID uint64 `json:"cell_id"`
	// Spec is the regular meeting's cron spec in the cell's zone. Empty
	// means "30 19 3 * *" (the 3rd at 19:30).
	Spec string `json:"spec,omitempty"`
	// Place is the usual meeting place.
	Place string `json:"place,omitempty"`
	// QuietFrom and QuietTo are minutes after midnight. Both zero mean
	// 21:30–06:30.
	QuietFrom int `json:"quiet_from,omitempty"`
	QuietTo   int `json:"quiet_to,omitempty"`
	// Reminder offsets before the meeting. Zero means the default of each:
	// secretary 7 days and 2 days, members 1 day and 2 hours.
	SecEarly    time.Duration `json:"sec_early,omitempty"`
	SecLate     time.Duration `json:"sec_late,omitempty"`
	MemberEarly time.Duration `json:"member_early,omitempty"`
	MemberLate  time.Duration `json:"member_late,omitempty"`
	// MorningAt is the minute after midnight of the secretary's reminder on
	// the meeting day. Zero means 07:00.
	MorningAt int `json:"morning_at,omitempty"`
}

// QualitySection is one part of a meeting quality template.
type QualitySection struct {
	ID  string `json:"id"`
	Max int    `json:"max"`
	// Auto names the record that scores it ("attendance", "duration");
	// empty means the secretary scores it.
	Auto string `json:"auto,omitempty"`
	// Label names the section per language, for an organization's own
	// template; empty for the default sections, named in the locale files.
	Label map[string]string `json:"label,omitempty"`
}

// QualityTemplate is an organization's 100-point meeting quality template.
type QualityTemplate struct {
	OrgID    uint64           `json:"org_id"`
	Sections []QualitySection `json:"sections"`
	// Length is the organization's minimum meeting length; nil means 90
	// minutes, 120 for a regular meeting combined with a thematic one.
	Length *MeetingLength `json:"length,omitempty"`
}

// MeetingLength is an organization's minimum meeting length in minutes
// (Guide 12-HD/BTCTW 2018: 90, 120 combined; the higher committee may
// shorten it for very small cells). A zero field means its default.
type MeetingLength struct {
	Regular  int `json:"regular,omitempty"`
	Combined int `json:"combined,omitempty"`
	// SmallBelow: a meeting with fewer members on the list than this uses
	// SmallRegular and SmallCombined. Zero: no shorter rule.
	SmallBelow    int `json:"small_below,omitempty"`
	SmallRegular  int `json:"small_regular,omitempty"`
	SmallCombined int `json:"small_combined,omitempty"`
}

// Meeting returns the meeting with the id, with its roll.
func (tx *Tx) Meeting(id uint64) (*Meeting, error) {
	m, err := tx.meetingHeader(id)
	if err != nil {
		return nil, err
	}
	return m, tx.LoadRoll(m)
}

// MeetingHeader returns the meeting with the id without its roll.
func (tx *Tx) MeetingHeader(id uint64) (*Meeting, error) { return tx.meetingHeader(id) }

// meetingHeader returns the meeting's record without its roll.
func (tx *Tx) meetingHeader(id uint64) (*Meeting, error) {
	k := itob(id)
	v := tx.tx.Bucket(bucketMeetings).Get(k)
	if v == nil {
		return nil, ErrNotFound
	}
	return decodeMeeting(k, v)
}

// meetingIndexKeys are the index entries of a meeting: "c"+cell+unix
// time+id for every meeting (schema 3); "a"+id while it is planned or open;
// "r"+cell+"yyyy-mm" for a regular meeting (cancelled too, so its month is
// not made again); "t"+cell+unix time+id for a thematic session or a
// regular meeting combined with one, unless cancelled.
func meetingIndexKeys(m *Meeting) [][]byte {
	keys := [][]byte{append(append(append([]byte("c"), itob(m.CellID)...), itob(uint64(m.At.Unix()))...), itob(m.ID)...)}
	if m.Active() {
		keys = append(keys, append([]byte("a"), itob(m.ID)...))
	}
	if m.Kind == MeetingRegular && m.Month != "" {
		keys = append(keys, append(append([]byte("r"), itob(m.CellID)...), m.Month...))
	}
	if (m.Kind == MeetingThematic || m.Combined) && m.State != MeetingCancelled {
		k := append(append([]byte("t"), itob(m.CellID)...), itob(uint64(m.At.Unix()))...)
		keys = append(keys, append(k, itob(m.ID)...))
	}
	return keys
}

// PutMeeting stores m, assigning an id when m.ID is 0, and keeps the
// check-in code index and the meeting index in step with it. It writes
// only what changed (an answer on the roll rewrites the roll's row, not
// the header or the index): each page written costs a copy of it and its
// parents at commit, more of them the larger the database.
func (tx *Tx) PutMeeting(m *Meeting) error {
	b := tx.tx.Bucket(bucketMeetings)
	codes := tx.tx.Bucket(bucketMeetingCodes)
	idx := tx.tx.Bucket(bucketMeetingIndex)
	var oldKeys [][]byte
	if m.ID != 0 {
		if old, err := tx.meetingHeader(m.ID); err == nil {
			if old.Code != "" && old.Code != m.Code {
				if err := codes.Delete([]byte(old.Code)); err != nil {
					return err
				}
			}
			oldKeys = meetingIndexKeys(old)
		}
	}
	if err := nextID(b, &m.ID); err != nil {
		return err
	}
	id := itob(m.ID)
	if m.Code != "" {
		if owner := codes.Get([]byte(m.Code)); owner != nil && btoi(owner) != m.ID {
			return fmt.Errorf("check-in code already belongs to meeting %d", btoi(owner))
		}
		if err := putChanged(codes, []byte(m.Code), id); err != nil {
			return err
		}
	}
	keys := meetingIndexKeys(m)
	for _, k := range oldKeys {
		if !slices.ContainsFunc(keys, func(n []byte) bool { return bytes.Equal(n, k) }) {
			if err := idx.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range keys {
		if err := putChanged(idx, k, id); err != nil {
			return err
		}
	}
	if err := tx.TouchCell(m.CellID); err != nil {
		return err
	}
	if err := tx.putRoll(m.ID, m.Roll); err != nil {
		return err
	}
	v, err := encodeMeeting(m)
	if err != nil {
		return err
	}
	return putChanged(b, id, v)
}

// putChanged puts the value unless the bucket holds it already.
func putChanged(b *bolt.Bucket, k, v []byte) error {
	if old := b.Get(k); old != nil && bytes.Equal(old, v) {
		return nil
	}
	return b.Put(k, v)
}

// Meetings lists the meetings of a cell in time order, through the index,
// without their rolls.
func (tx *Tx) Meetings(cellID uint64) ([]Meeting, error) {
	return tx.MeetingsIn(cellID, time.Time{}, time.Time{})
}

// MeetingsIn lists the meetings of a cell at or after from and before to
// (a zero bound: no bound), in time order, without their rolls.
func (tx *Tx) MeetingsIn(cellID uint64, from, to time.Time) ([]Meeting, error) {
	var ms []Meeting
	prefix := append([]byte("c"), itob(cellID)...)
	start := prefix
	if !from.IsZero() {
		start = append(slices.Clone(prefix), itob(uint64(from.Unix()))...)
	}
	c := tx.tx.Bucket(bucketMeetingIndex).Cursor()
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if !to.IsZero() && len(k) >= len(prefix)+8 && int64(btoi(k[len(prefix):len(prefix)+8])) >= to.Unix() {
			break
		}
		m, err := tx.meetingHeader(btoi(v))
		if err != nil {
			return nil, fmt.Errorf("meeting %d of cell %d: %w", btoi(v), cellID, err)
		}
		ms = append(ms, *m)
	}
	// Keys order by whole seconds; the sort keeps finer times in order.
	slices.SortStableFunc(ms, func(a, b Meeting) int { return a.At.Compare(b.At) })
	return ms, nil
}

// MeetingsFrom lists the meetings of a cell at or after from, in time
// order, through the index: what a due source looks at, without the past.
func (tx *Tx) MeetingsFrom(cellID uint64, from time.Time) ([]Meeting, error) {
	var ms []Meeting
	prefix := append([]byte("c"), itob(cellID)...)
	c := tx.tx.Bucket(bucketMeetingIndex).Cursor()
	start := append(slices.Clone(prefix), itob(uint64(max(from.Unix(), 0)))...)
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		m, err := tx.Meeting(btoi(v))
		if err != nil {
			return nil, fmt.Errorf("meeting %d of cell %d: %w", btoi(v), cellID, err)
		}
		if !m.At.Before(from) {
			ms = append(ms, *m)
		}
	}
	slices.SortStableFunc(ms, func(a, b Meeting) int { return a.At.Compare(b.At) })
	return ms, nil
}

// ActiveMeetings lists every planned or open meeting of every cell, in
// time order, through the index (the scheduler asks on every tick),
// without their rolls.
func (tx *Tx) ActiveMeetings() ([]Meeting, error) {
	var ms []Meeting
	c := tx.tx.Bucket(bucketMeetingIndex).Cursor()
	for k, v := c.Seek([]byte("a")); k != nil && k[0] == 'a'; k, v = c.Next() {
		m, err := tx.meetingHeader(btoi(v))
		if err != nil {
			return nil, fmt.Errorf("active meeting %d: %w", btoi(v), err)
		}
		ms = append(ms, *m)
	}
	slices.SortStableFunc(ms, func(a, b Meeting) int { return a.At.Compare(b.At) })
	return ms, nil
}

// RegularMeeting returns the cell's regular meeting of month ("2006-01"),
// cancelled or not, without its roll.
func (tx *Tx) RegularMeeting(cellID uint64, month string) (*Meeting, error) {
	v := tx.tx.Bucket(bucketMeetingIndex).Get(append(append([]byte("r"), itob(cellID)...), month...))
	if v == nil {
		return nil, ErrNotFound
	}
	return tx.meetingHeader(btoi(v))
}

// HasThematic reports whether the cell has a thematic session (alone or
// combined with a regular meeting), not cancelled, at or after from and
// before to.
func (tx *Tx) HasThematic(cellID uint64, from, to time.Time) bool {
	prefix := append([]byte("t"), itob(cellID)...)
	c := tx.tx.Bucket(bucketMeetingIndex).Cursor()
	k, _ := c.Seek(append(slices.Clone(prefix), itob(uint64(from.Unix()))...))
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) < len(prefix)+8 {
		return false
	}
	return int64(btoi(k[len(prefix):len(prefix)+8])) < to.Unix()
}

// MeetingByCode finds the meeting whose check-in code is code.
func (tx *Tx) MeetingByCode(code string) (*Meeting, error) {
	id := tx.tx.Bucket(bucketMeetingCodes).Get([]byte(code))
	if id == nil {
		return nil, ErrNotFound
	}
	return tx.Meeting(btoi(id))
}

// MeetingSettings returns the cell's meeting settings, or the defaults
// (zero values) when none were stored.
func (tx *Tx) MeetingSettings(cellID uint64) (*MeetingSettings, error) {
	s, err := getJSON[MeetingSettings](tx.tx.Bucket(bucketMeetingSettings), itob(cellID))
	if errors.Is(err, ErrNotFound) {
		return &MeetingSettings{CellID: cellID}, nil
	}
	return s, err
}

// PutMeetingSettings stores a cell's meeting settings.
func (tx *Tx) PutMeetingSettings(s *MeetingSettings) error {
	if s.CellID == 0 {
		return fmt.Errorf("meeting settings without cell")
	}
	if err := tx.TouchCell(s.CellID); err != nil {
		return err
	}
	return putJSON(tx.tx.Bucket(bucketMeetingSettings), itob(s.CellID), s)
}

// QualityTemplate returns the organization's template, or nil when it has none.
func (tx *Tx) QualityTemplate(orgID uint64) (*QualityTemplate, error) {
	t, err := getJSON[QualityTemplate](tx.tx.Bucket(bucketQualityTemplates), itob(orgID))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return t, err
}

// PutQualityTemplate stores an organization's template.
func (tx *Tx) PutQualityTemplate(t *QualityTemplate) error {
	sum := 0
	for _, s := range t.Sections {
		sum += s.Max
	}
	if sum != 100 {
		return fmt.Errorf("quality template sums to %d points, not 100", sum)
	}
	return putJSON(tx.tx.Bucket(bucketQualityTemplates), itob(t.OrgID), t)
}
