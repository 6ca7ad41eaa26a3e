package storage

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Residence activity of members working at agencies (Regulation 213-QĐ/TW;
// DOMAIN.md §3 "Members working at agencies and their residence").

// ResidenceStatus is how Regulation 213 applies to a working member.
type ResidenceStatus string

// Residence statuses (Guide 33-HD/BTCTW 2020).
const (
	// ResidenceWithComment: introduced to the residence cell, commented on each year.
	ResidenceWithComment ResidenceStatus = "comment"
	// ResidenceNoActivity: introduced but exempt from residence activity
	// (works far away or is mobile, full-time student): no annual comment.
	ResidenceNoActivity ResidenceStatus = "no_activity"
	// ResidenceNoIntro: exempt from introduction (some armed-forces members).
	ResidenceNoIntro ResidenceStatus = "no_intro"
)

// ResidenceStatuses lists the statuses in the order people see them.
var ResidenceStatuses = []ResidenceStatus{ResidenceWithComment, ResidenceNoActivity, ResidenceNoIntro}

// ResidenceLink ties a working member to the cell where they live. It is
// pending while a request by the member waits for the residence secretary.
type ResidenceLink struct {
	MemberID     uint64          `json:"member_id"`
	CellID       uint64          `json:"cell_id"` // the residence cell
	Workplace    string          `json:"workplace"`
	WorkplaceOrg string          `json:"workplace_org"` // the party organisation at the workplace
	Introduced   time.Time       `json:"introduced"`    // date of the introduction letter
	Status       ResidenceStatus `json:"status"`
	Pending      bool            `json:"pending,omitempty"`
	RequestedBy  uint64          `json:"requested_by"` // the member, or the residence secretary who registered them
	RequestedAt  time.Time       `json:"requested_at"`
	ConfirmedBy  uint64          `json:"confirmed_by,omitempty"`
	ConfirmedAt  time.Time       `json:"confirmed_at,omitzero"`
}

// Active reports whether the link was confirmed.
func (l *ResidenceLink) Active() bool { return !l.Pending }

// ResidenceKind is a kind of residence activity a member reports.
type ResidenceKind string

// Residence activity kinds.
const (
	ActivityCellMeeting     ResidenceKind = "cell_meeting"     // the residence cell's meeting
	ActivityResidentMeeting ResidenceKind = "resident_meeting" // a residents' meeting (họp tổ dân phố/khu dân cư)
	ActivityCampaign        ResidenceKind = "campaign"         // a local campaign or movement
	ActivityContribution    ResidenceKind = "contribution"     // a contribution to the locality
	ActivityOther           ResidenceKind = "other"            // other, with a text
)

// ResidenceKinds lists the kinds in the order a member sees them.
var ResidenceKinds = []ResidenceKind{ActivityCellMeeting, ActivityResidentMeeting, ActivityCampaign, ActivityContribution, ActivityOther}

// ResidenceReport is one activity a member reported at their residence.
// Date is "yyyy-mm-dd": one report per kind and day.
type ResidenceReport struct {
	MemberID uint64        `json:"member_id"`
	CellID   uint64        `json:"cell_id"` // the residence cell at the time
	Kind     ResidenceKind `json:"kind"`
	Date     string        `json:"date"`
	Text     string        `json:"text,omitempty"`
	At       time.Time     `json:"at"`
}

// ResidenceField is one field of the annual comment form.
type ResidenceField struct {
	Key string `json:"key"`
	// Kind is "level" (chosen among Levels) or "text" (free text).
	Kind string `json:"kind"`
	// Label is the field's name per language, for a custom form; empty for
	// the default form, whose names come from the locale files.
	Label    map[string]string `json:"label,omitempty"`
	Optional bool              `json:"optional,omitempty"`
}

// ResidenceLevel is one choice of a "level" field: its stored key and, for
// a custom form, its label per language.
type ResidenceLevel struct {
	Key   string            `json:"key"`
	Label map[string]string `json:"label,omitempty"`
}

// ResidenceTemplate is an organization's annual comment form (phiếu nhận
// xét). Levels are the choices of every "level" field, best first. Empty
// Levels means the default three (tốt, đạt, chưa đạt).
type ResidenceTemplate struct {
	Fields []ResidenceField `json:"fields"`
	Levels []ResidenceLevel `json:"levels,omitempty"`
}

// ResidenceComment is the residence cell's annual comment on a member.
type ResidenceComment struct {
	MemberID uint64            `json:"member_id"`
	CellID   uint64            `json:"cell_id"`
	Year     int               `json:"year"`
	Form     ResidenceTemplate `json:"form"` // the form as it was filled in
	Answers  map[string]string `json:"answers"`
	Facts    string            `json:"facts,omitempty"` // the year's facts shown to the secretary
	By       uint64            `json:"by"`
	At       time.Time         `json:"at"`
}

// ResidenceSettings are a residence cell's rules for the annual comment.
// The zero value of each field means its default.
type ResidenceSettings struct {
	// OpenMonth and OpenDay: the round opens then, each year. Zero means 1 November.
	OpenMonth int `json:"open_month,omitempty"`
	OpenDay   int `json:"open_day,omitempty"`
	// DeadlineMonth and DeadlineDay: the last day of the round. Zero means 15 December.
	DeadlineMonth int `json:"deadline_month,omitempty"`
	DeadlineDay   int `json:"deadline_day,omitempty"`
	// Hour is the local hour of the reminders. Zero means 8.
	Hour int `json:"hour,omitempty"`
	// EveryDays is how often the secretary is reminded again. Zero means 7.
	EveryDays int `json:"every_days,omitempty"`
}

// WithDefaults returns the settings with every zero or invalid field set to
// its default.
func (s ResidenceSettings) WithDefaults() ResidenceSettings {
	if s.OpenMonth < 1 || s.OpenMonth > 12 || s.OpenDay < 1 || s.OpenDay > 28 {
		s.OpenMonth, s.OpenDay = 11, 1
	}
	if s.DeadlineMonth < 1 || s.DeadlineMonth > 12 || s.DeadlineDay < 1 || s.DeadlineDay > 31 {
		s.DeadlineMonth, s.DeadlineDay = 12, 15
	}
	if s.Hour <= 0 || s.Hour > 20 {
		s.Hour = 8
	}
	if s.EveryDays <= 0 {
		s.EveryDays = 7
	}
	return s
}

// ResidenceAttendance is a linked member's record for a meeting of their
// residence cell, kept apart from the meeting's roll (which is the home
// cell members' record).
type ResidenceAttendance struct {
	MeetingID uint64    `json:"meeting_id"`
	MemberID  uint64    `json:"member_id"`
	CellID    uint64    `json:"cell_id"`
	At        time.Time `json:"at"` // the meeting's time in the last notice sent
	Noticed   time.Time `json:"noticed"`
	RSVP      RSVP      `json:"rsvp,omitempty"`
	RSVPAt    time.Time `json:"rsvp_at,omitzero"`
	Mark      Mark      `json:"mark,omitempty"`
	MarkedBy  uint64    `json:"marked_by,omitempty"` // the member themself with MarkVia "code"
	MarkedAt  time.Time `json:"marked_at,omitzero"`
	MarkVia   string    `json:"mark_via,omitempty"` // "code" or "roll"
	// Open is true until the meeting is over and the record settled (or the
	// meeting cancelled): the scheduler looks only at open records.
	Open bool `json:"open,omitempty"`
}

func pairKey(a, b uint64) []byte { return append(itob(a), itob(b)...) }

// ResidenceLink returns the member's residence link.
func (tx *Tx) ResidenceLink(memberID uint64) (*ResidenceLink, error) {
	return getJSON[ResidenceLink](tx.tx.Bucket(bucketResidenceLinks), itob(memberID))
}

// PutResidenceLink stores the member's link and keeps the index of linked
// members by residence cell in step. The cell must exist.
func (tx *Tx) PutResidenceLink(l *ResidenceLink) error {
	if l.MemberID == 0 || !slices.Contains(ResidenceStatuses, l.Status) {
		return fmt.Errorf("residence link without member or with status %q", l.Status)
	}
	if _, err := tx.Cell(l.CellID); err != nil {
		return fmt.Errorf("residence cell %d: %w", l.CellID, err)
	}
	idx := tx.tx.Bucket(bucketResidenceCells)
	if old, err := tx.ResidenceLink(l.MemberID); err == nil && old.CellID != l.CellID {
		if err := idx.Delete(pairKey(old.CellID, l.MemberID)); err != nil {
			return err
		}
		if err := tx.TouchCell(old.CellID); err != nil {
			return err
		}
	}
	if err := idx.Put(pairKey(l.CellID, l.MemberID), nil); err != nil {
		return err
	}
	if err := tx.TouchCell(l.CellID); err != nil {
		return err
	}
	return putJSON(tx.tx.Bucket(bucketResidenceLinks), itob(l.MemberID), l)
}

// ResidenceRefusal is a refused link request, kept after the link is
// removed so that a later tap on the request's buttons can say who refused
// it and when, and so that the refusal can be changed into a confirmation.
type ResidenceRefusal struct {
	Link      ResidenceLink `json:"link"`
	RefusedBy uint64        `json:"refused_by"`
	RefusedAt time.Time     `json:"refused_at"`
}

// refusalKey keeps a member's refusal in the links bucket, after the
// member's 8-byte link key: the bucket is only read by key.
func refusalKey(memberID uint64) []byte { return append(itob(memberID), "/refused"...) }

// ResidenceRefusal returns the member's latest refused link request.
func (tx *Tx) ResidenceRefusal(memberID uint64) (*ResidenceRefusal, error) {
	return getJSON[ResidenceRefusal](tx.tx.Bucket(bucketResidenceLinks), refusalKey(memberID))
}

// RefuseResidenceLink removes the member's link and keeps it as refused by
// by at at.
func (tx *Tx) RefuseResidenceLink(memberID, by uint64, at time.Time) error {
	l, err := tx.ResidenceLink(memberID)
	if err != nil {
		return err
	}
	if err := tx.deleteResidenceLink(memberID); err != nil {
		return err
	}
	return putJSON(tx.tx.Bucket(bucketResidenceLinks), refusalKey(memberID), &ResidenceRefusal{Link: *l, RefusedBy: by, RefusedAt: at})
}

// DeleteResidenceRefusal forgets the member's refused request (changed
// into a confirmation).
func (tx *Tx) DeleteResidenceRefusal(memberID uint64) error {
	return tx.tx.Bucket(bucketResidenceLinks).Delete(refusalKey(memberID))
}

// DeleteResidenceLink removes the member's link and any refused request.
func (tx *Tx) DeleteResidenceLink(memberID uint64) error {
	if err := tx.DeleteResidenceRefusal(memberID); err != nil {
		return err
	}
	return tx.deleteResidenceLink(memberID)
}

func (tx *Tx) deleteResidenceLink(memberID uint64) error {
	old, err := tx.ResidenceLink(memberID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := tx.tx.Bucket(bucketResidenceCells).Delete(pairKey(old.CellID, memberID)); err != nil {
		return err
	}
	if err := tx.TouchCell(old.CellID); err != nil {
		return err
	}
	return tx.tx.Bucket(bucketResidenceLinks).Delete(itob(memberID))
}

// IsResidenceCell reports whether any member is linked (or asks to be) to
// the cell as their residence cell.
func (tx *Tx) IsResidenceCell(cellID uint64) bool {
	prefix := itob(cellID)
	k, _ := tx.tx.Bucket(bucketResidenceCells).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// ResidenceLinks lists the links (pending too) to a residence cell, in
// member id order.
func (tx *Tx) ResidenceLinks(cellID uint64) ([]ResidenceLink, error) {
	var out []ResidenceLink
	prefix := itob(cellID)
	c := tx.tx.Bucket(bucketResidenceCells).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		l, err := tx.ResidenceLink(btoi(k[8:]))
		if err != nil {
			return nil, fmt.Errorf("residence link %d: %w", btoi(k[8:]), err)
		}
		out = append(out, *l)
	}
	return out, nil
}

// ResidenceCells lists the cells that have at least one link, pending or not.
func (tx *Tx) ResidenceCells() []uint64 {
	var out []uint64
	c := tx.tx.Bucket(bucketResidenceCells).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if id := btoi(k[:8]); len(out) == 0 || out[len(out)-1] != id {
			out = append(out, id)
		}
	}
	return out
}

// ErrDuplicate is returned when a record of the same key exists.
var ErrDuplicate = errors.New("duplicate")

func reportKey(memberID uint64, date string, kind ResidenceKind) []byte {
	return append(append(itob(memberID), date...), "/"+kind...)
}

// AddResidenceReport stores a report, or returns ErrDuplicate when the
// member already reported that kind on that date.
func (tx *Tx) AddResidenceReport(r *ResidenceReport) error {
	if _, err := time.Parse("2006-01-02", r.Date); r.MemberID == 0 || err != nil || !slices.Contains(ResidenceKinds, r.Kind) {
		return fmt.Errorf("residence report without member, yyyy-mm-dd date or kind: %d %q %q", r.MemberID, r.Date, r.Kind)
	}
	b := tx.tx.Bucket(bucketResidenceReports)
	k := reportKey(r.MemberID, r.Date, r.Kind)
	if b.Get(k) != nil {
		return ErrDuplicate
	}
	return putJSON(b, k, r)
}

// ResidenceReports lists the member's reports dated in year, oldest first.
func (tx *Tx) ResidenceReports(memberID uint64, year int) ([]ResidenceReport, error) {
	var out []ResidenceReport
	prefix := append(itob(memberID), fmt.Sprintf("%04d-", year)...)
	b := tx.tx.Bucket(bucketResidenceReports)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		r, err := getJSON[ResidenceReport](b, k)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

func commentKey(memberID uint64, year int) []byte {
	return append(itob(memberID), fmt.Sprintf("%04d", year)...)
}

// ResidenceComment returns the member's annual comment for year.
func (tx *Tx) ResidenceComment(memberID uint64, year int) (*ResidenceComment, error) {
	return getJSON[ResidenceComment](tx.tx.Bucket(bucketResidenceComments), commentKey(memberID, year))
}

// AddResidenceComment stores the annual comment, or returns ErrDuplicate
// when the year's comment was already given: once given it is not changed.
func (tx *Tx) AddResidenceComment(c *ResidenceComment) error {
	if c.MemberID == 0 || c.CellID == 0 || c.Year < 2000 || c.By == 0 {
		return fmt.Errorf("residence comment without member, cell, year or author")
	}
	b := tx.tx.Bucket(bucketResidenceComments)
	k := commentKey(c.MemberID, c.Year)
	if b.Get(k) != nil {
		return ErrDuplicate
	}
	if err := tx.TouchCell(c.CellID); err != nil {
		return err
	}
	return putJSON(b, k, c)
}

// ResidenceSettings returns the cell's comment settings with defaults filled.
func (tx *Tx) ResidenceSettings(cellID uint64) (ResidenceSettings, error) {
	s, err := getJSON[ResidenceSettings](tx.tx.Bucket(bucketResidenceSettings), itob(cellID))
	if errors.Is(err, ErrNotFound) {
		return ResidenceSettings{}.WithDefaults(), nil
	}
	if err != nil {
		return ResidenceSettings{}, err
	}
	return s.WithDefaults(), nil
}

// PutResidenceSettings stores the cell's comment settings.
func (tx *Tx) PutResidenceSettings(cellID uint64, s ResidenceSettings) error {
	if err := tx.TouchCell(cellID); err != nil {
		return err
	}
	return putJSON(tx.tx.Bucket(bucketResidenceSettings), itob(cellID), s)
}

// ResidenceTemplate returns the organization's custom comment form, or
// ErrNotFound when it uses the default one.
func (tx *Tx) ResidenceTemplate(orgID uint64) (*ResidenceTemplate, error) {
	return getJSON[ResidenceTemplate](tx.tx.Bucket(bucketResidenceForms), itob(orgID))
}

// PutResidenceTemplate stores the organization's comment form.
func (tx *Tx) PutResidenceTemplate(orgID uint64, t *ResidenceTemplate) error {
	seen := map[string]bool{}
	for _, f := range t.Fields {
		if f.Key == "" || seen[f.Key] || (f.Kind != "level" && f.Kind != "text") {
			return fmt.Errorf("comment form: empty or duplicate key %q, or kind %q", f.Key, f.Kind)
		}
		seen[f.Key] = true
	}
	return putJSON(tx.tx.Bucket(bucketResidenceForms), itob(orgID), t)
}

// ResidenceAttendance returns the member's record for a residence meeting.
func (tx *Tx) ResidenceAttendance(meetingID, memberID uint64) (*ResidenceAttendance, error) {
	return getJSON[ResidenceAttendance](tx.tx.Bucket(bucketResidenceAttendance), pairKey(meetingID, memberID))
}

// PutResidenceAttendance stores a record and keeps the index of open
// records in step.
func (tx *Tx) PutResidenceAttendance(a *ResidenceAttendance) error {
	if a.MeetingID == 0 || a.MemberID == 0 {
		return fmt.Errorf("residence attendance without meeting or member")
	}
	k := pairKey(a.MeetingID, a.MemberID)
	open := tx.tx.Bucket(bucketResidenceOpen)
	var err error
	if a.Open {
		err = open.Put(k, nil)
	} else {
		err = open.Delete(k)
	}
	if err != nil {
		return err
	}
	if err := tx.TouchCell(a.CellID); err != nil {
		return err
	}
	return putJSON(tx.tx.Bucket(bucketResidenceAttendance), k, a)
}

// OpenResidenceAttendance lists the open records, by meeting and member.
func (tx *Tx) OpenResidenceAttendance() ([]ResidenceAttendance, error) {
	var out []ResidenceAttendance
	c := tx.tx.Bucket(bucketResidenceOpen).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		a, err := getJSON[ResidenceAttendance](tx.tx.Bucket(bucketResidenceAttendance), k)
		if err != nil {
			return nil, fmt.Errorf("open residence attendance %x: %w", k, err)
		}
		out = append(out, *a)
	}
	return out, nil
}

// ResidenceAttendanceOf lists the records of a meeting, by member id.
func (tx *Tx) ResidenceAttendanceOf(meetingID uint64) ([]ResidenceAttendance, error) {
	var out []ResidenceAttendance
	prefix := itob(meetingID)
	b := tx.tx.Bucket(bucketResidenceAttendance)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		a, err := getJSON[ResidenceAttendance](b, k)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, nil
}

// MemberResidenceAttendance lists the member's records of meetings at or
// after from and before to. It scans the bucket: it is for the yearly
// facts, not for every tick.
func (tx *Tx) MemberResidenceAttendance(memberID uint64, from, to time.Time) ([]ResidenceAttendance, error) {
	return listJSON(tx.tx.Bucket(bucketResidenceAttendance), func(a *ResidenceAttendance) bool {
		return a.MemberID == memberID && !a.At.Before(from) && a.At.Before(to)
	})
}
