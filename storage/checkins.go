package storage

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CheckinSettings are a cell's rules for the monthly check-ins of members
// working far away. The zero value of each field means its default.
type CheckinSettings struct {
	// Day is the day of the month the check-in opens and the first reminder
	// goes out, 1 to 28 (every month has it). Zero means 25.
	Day int `json:"day,omitempty"`
	// Hour is the local hour of the reminders. Zero means 8.
	Hour int `json:"hour,omitempty"`
	// FollowUps are the days after the check-in day when those who have not
	// answered are reminded again, ascending. Nil means 3 and 7; empty (not
	// nil) means no follow-up, which is why the field is always written.
	FollowUps []int `json:"follow_ups"`
	// DeadlineDays is how many days after the check-in day answers count as
	// on time and can be corrected; then the group leader and the secretary
	// get the list of who is silent. Zero means 10.
	DeadlineDays int `json:"deadline_days,omitempty"`
	// SilentMonths is how many months in a row without a check-in get a
	// member flagged to the secretary. Zero means 2.
	SilentMonths int `json:"silent_months,omitempty"`
	// ExemptionNoticeDays is how long before a temporary exemption ends the
	// member and the secretary are reminded to renew or end it. Zero means 14.
	ExemptionNoticeDays int `json:"exemption_notice_days,omitempty"`
	// RetentionMonths is how long check-in details are kept. Zero means 24.
	RetentionMonths int `json:"retention_months,omitempty"`
	// PreciseLocation lets members' shared points be stored; false keeps
	// province and district only (Law 91/2025: collect the minimum).
	PreciseLocation bool `json:"precise_location,omitempty"`
	// OnlinePilotFrom is when the party committee approved the online
	// meeting pilot for the cell (Guide 03-HD/TW 2022): from then, until
	// OnlinePilotTo when set, a far-away group's contact meeting counts as
	// the cell's meeting for its members. Zero means not approved.
	OnlinePilotFrom time.Time `json:"online_pilot_from,omitzero"`
	OnlinePilotTo   time.Time `json:"online_pilot_to,omitzero"`
	OnlinePilotBy   uint64    `json:"online_pilot_by,omitempty"`
}

// OnlinePilotOn reports whether the online pilot was approved for the cell
// on t.
func (s CheckinSettings) OnlinePilotOn(t time.Time) bool {
	return !s.OnlinePilotFrom.IsZero() && !t.Before(s.OnlinePilotFrom) && (s.OnlinePilotTo.IsZero() || t.Before(s.OnlinePilotTo))
}

// WithDefaults returns the settings with every zero field set to its default.
func (s CheckinSettings) WithDefaults() CheckinSettings {
	if s.Day <= 0 || s.Day > 28 {
		s.Day = 25
	}
	if s.Hour <= 0 || s.Hour > 23 {
		s.Hour = 8
	}
	if s.FollowUps == nil {
		s.FollowUps = []int{3, 7}
	}
	if s.DeadlineDays <= 0 {
		s.DeadlineDays = 10
	}
	if s.SilentMonths <= 0 {
		s.SilentMonths = 2
	}
	if s.ExemptionNoticeDays <= 0 {
		s.ExemptionNoticeDays = 14
	}
	if s.RetentionMonths <= 0 {
		s.RetentionMonths = 24
	}
	return s
}

// CheckinField is one question of a check-in form.
type CheckinField struct {
	Key  string `json:"key"`  // the answer's key, stable across months
	Kind string `json:"kind"` // place, yesno, text, phone, return, dues, note, choice
	// Label is the question per language, for a custom form; empty for the
	// default form, whose questions come from the locale files.
	Label    map[string]string `json:"label,omitempty"`
	Optional bool              `json:"optional,omitempty"`
	// Choices are the buttons of a "choice" field; the answer is the value.
	Choices []CheckinChoice `json:"choices,omitempty"`
}

// CheckinChoice is one button of a "choice" field.
type CheckinChoice struct {
	Value string            `json:"value"` // stored as the answer, stable across months
	Label map[string]string `json:"label"` // per language
}

// CheckinTemplate is an organization's check-in form.
type CheckinTemplate struct {
	Fields []CheckinField `json:"fields"`
}

// Checkin is a far-away member's monthly report. Period is "yyyy-mm", the
// month whose check-in day opened it.
type Checkin struct {
	MemberID    uint64            `json:"member_id"`
	CellID      uint64            `json:"cell_id"`
	Period      string            `json:"period"`
	At          time.Time         `json:"at"`      // first submitted
	Updated     time.Time         `json:"updated"` // last corrected
	Late        bool              `json:"late,omitempty"`
	Same        bool              `json:"same,omitempty"` // confirmed last month's answers in one tap
	Corrections int               `json:"corrections,omitempty"`
	Answers     map[string]string `json:"answers"`
	Lat         *float64          `json:"lat,omitempty"` // only when the cell allows precise location
	Lon         *float64          `json:"lon,omitempty"`
}

// FarAway is what the secretary recorded when marking a member as working
// far away; the period itself is the member's StatusFarAway status.
type FarAway struct {
	MemberID   uint64    `json:"member_id"`
	Province   string    `json:"province"`
	Exempt     bool      `json:"exempt"`               // copy of the marking's Status.Exempt, which decides (schema 4)
	Resolution string    `json:"resolution,omitempty"` // the cell's resolution note
	SetBy      uint64    `json:"set_by"`
	SetAt      time.Time `json:"set_at"`
}

// FarAwayRequest is a member's request to be recorded as working far away,
// waiting for the secretary or deputy to confirm or refuse it. A member has
// at most one: a new request replaces the last.
type FarAwayRequest struct {
	ID       string    `json:"id"` // changes with every request, so old buttons go stale
	MemberID uint64    `json:"member_id"`
	CellID   uint64    `json:"cell_id"` // the member's home cell when asking
	Province string    `json:"province"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Exempt   bool      `json:"exempt"`           // asks for a temporary exemption
	Reason   string    `json:"reason,omitempty"` // why, when asking for an exemption
	At       time.Time `json:"at"`
	// Decision is "" while pending, then "confirmed" or "refused".
	Decision     string    `json:"decision,omitempty"`
	DecidedBy    uint64    `json:"decided_by,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
	RefuseReason string    `json:"refuse_reason,omitempty"`
	// Replaced is the far-away details a confirmation replaced (nil: none),
	// given back when the confirmation is changed into a refusal.
	Replaced *FarAway `json:"replaced,omitempty"`
}

// Decisions on a far-away request.
const (
	RequestConfirmed = "confirmed"
	RequestRefused   = "refused"
)

// farAwayRequestKey keeps requests in the far-away bucket, after the
// member's 8-byte FarAway key: the bucket is only read by key.
func farAwayRequestKey(memberID uint64) []byte { return append(itob(memberID), "/request"...) }

// FarAwayRequest returns the member's latest far-away request.
func (tx *Tx) FarAwayRequest(memberID uint64) (*FarAwayRequest, error) {
	return getJSON[FarAwayRequest](tx.tx.Bucket(bucketFarAway), farAwayRequestKey(memberID))
}

// PutFarAwayRequest stores the member's far-away request.
func (tx *Tx) PutFarAwayRequest(r *FarAwayRequest) error {
	if r.MemberID == 0 || r.ID == "" {
		return fmt.Errorf("far-away request without member or id")
	}
	return putJSON(tx.tx.Bucket(bucketFarAway), farAwayRequestKey(r.MemberID), r)
}

func checkinKey(memberID uint64, period string) []byte {
	return append(itob(memberID), period...)
}

// CheckinSettings returns the cell's check-in settings with defaults filled.
func (tx *Tx) CheckinSettings(cellID uint64) (CheckinSettings, error) {
	s, err := getJSON[CheckinSettings](tx.tx.Bucket(bucketCheckinSettings), itob(cellID))
	if err == ErrNotFound {
		return CheckinSettings{}.WithDefaults(), nil
	}
	if err != nil {
		return CheckinSettings{}, err
	}
	return s.WithDefaults(), nil
}

// PutCheckinSettings stores the cell's check-in settings. Follow-ups must be
// ascending and fall before the deadline (later ones would never be sent),
// and the deadline before the next month's check-in day.
func (tx *Tx) PutCheckinSettings(cellID uint64, s CheckinSettings) error {
	for i, d := range s.FollowUps {
		if d <= 0 || (i > 0 && d <= s.FollowUps[i-1]) {
			return fmt.Errorf("check-in follow-ups must be positive and ascending: %v", s.FollowUps)
		}
	}
	d := s.WithDefaults()
	if d.DeadlineDays > 27 {
		return fmt.Errorf("check-in deadline of %d days runs into the next month's check-in", d.DeadlineDays)
	}
	if n := len(d.FollowUps); n > 0 && d.FollowUps[n-1] >= d.DeadlineDays {
		return fmt.Errorf("check-in follow-up on day %d is not before the deadline (%d days)", d.FollowUps[n-1], d.DeadlineDays)
	}
	if err := tx.TouchCell(cellID); err != nil {
		return err
	}
	return putJSON(tx.tx.Bucket(bucketCheckinSettings), itob(cellID), s)
}

// CheckinTemplate returns the organization's custom check-in form, or
// ErrNotFound when it uses the default one.
func (tx *Tx) CheckinTemplate(orgID uint64) (*CheckinTemplate, error) {
	return getJSON[CheckinTemplate](tx.tx.Bucket(bucketCheckinForms), itob(orgID))
}

// PutCheckinTemplate stores the organization's check-in form.
func (tx *Tx) PutCheckinTemplate(orgID uint64, t *CheckinTemplate) error {
	seen := map[string]bool{}
	for _, f := range t.Fields {
		if f.Key == "" || seen[f.Key] {
			return fmt.Errorf("check-in form: empty or duplicate key %q", f.Key)
		}
		seen[f.Key] = true
	}
	return putJSON(tx.tx.Bucket(bucketCheckinForms), itob(orgID), t)
}

// Checkin returns the member's check-in for the period.
func (tx *Tx) Checkin(memberID uint64, period string) (*Checkin, error) {
	k := checkinKey(memberID, period)
	v := tx.tx.Bucket(bucketCheckins).Get(k)
	if v == nil {
		return nil, ErrNotFound
	}
	return decodeCheckin(k, v)
}

// PutCheckin stores a check-in under its member and period, and keeps the
// index of check-ins by cell and period in step.
func (tx *Tx) PutCheckin(c *Checkin) error {
	if _, err := time.Parse("2006-01", c.Period); c.MemberID == 0 || err != nil {
		return fmt.Errorf("check-in without member or yyyy-mm period: %d %q", c.MemberID, c.Period)
	}
	idx := tx.tx.Bucket(bucketCheckinCells)
	if old, err := tx.Checkin(c.MemberID, c.Period); err == nil && old.CellID != c.CellID {
		if err := idx.Delete(checkinCellKey(old.CellID, old.Period, old.MemberID)); err != nil {
			return err
		}
	}
	if err := idx.Put(checkinCellKey(c.CellID, c.Period, c.MemberID), nil); err != nil {
		return err
	}
	if err := tx.TouchCell(c.CellID); err != nil {
		return err
	}
	v, err := encodeCheckin(c)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketCheckins).Put(checkinKey(c.MemberID, c.Period), v)
}

// Checkins lists the member's check-ins, oldest first.
func (tx *Tx) Checkins(memberID uint64) ([]Checkin, error) {
	var out []Checkin
	prefix := itob(memberID)
	c := tx.tx.Bucket(bucketCheckins).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rec, err := decodeCheckin(k, v)
		if err != nil {
			return nil, err
		}
		out = append(out, *rec)
	}
	return out, nil
}

// DeleteCheckinsBefore deletes up to limit of the cell's check-ins of
// periods before period ("yyyy-mm"), oldest first, and returns how many it
// deleted: fewer than limit means none is left. It seeks the index of
// check-ins by cell and period, so it reads only what it deletes.
func (tx *Tx) DeleteCheckinsBefore(cellID uint64, period string, limit int) (int, error) {
	idx, b := tx.tx.Bucket(bucketCheckinCells), tx.tx.Bucket(bucketCheckins)
	prefix := itob(cellID)
	var doomed [][]byte
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(doomed) < limit; k, _ = c.Next() {
		if len(k) != 8+7+8 || string(k[8:15]) >= period {
			break
		}
		doomed = append(doomed, bytes.Clone(k))
	}
	n := 0
	for _, k := range doomed {
		ck := checkinKey(btoi(k[15:]), string(k[8:15]))
		if b.Get(ck) != nil { // an entry whose check-in was erased is only dropped
			if err := b.Delete(ck); err != nil {
				return n, err
			}
		}
		if err := idx.Delete(k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// checkinCellKey is a key of the index of check-ins by cell and period.
func checkinCellKey(cellID uint64, period string, memberID uint64) []byte {
	return append(append(itob(cellID), period...), itob(memberID)...)
}

// deleteCheckinsOf deletes the member's check-ins with their index entries.
func (tx *Tx) deleteCheckinsOf(memberID uint64) error {
	cks, err := tx.Checkins(memberID)
	if err != nil {
		return err
	}
	for _, ck := range cks {
		if err := tx.tx.Bucket(bucketCheckinCells).Delete(checkinCellKey(ck.CellID, ck.Period, ck.MemberID)); err != nil {
			return err
		}
	}
	_, err = tx.deletePrefix(bucketCheckins, itob(memberID))
	return err
}

// indexCheckins builds the index of check-ins by cell and period, which
// schema 5 did not have: retention read every check-in of every cell.
func indexCheckins(tx *bolt.Tx) error {
	idx := tx.Bucket(bucketCheckinCells)
	return tx.Bucket(bucketCheckins).ForEach(func(k, v []byte) error {
		ck, err := decodeCheckin(k, v)
		if err != nil {
			return fmt.Errorf("check-in: %w", err)
		}
		if len(ck.Period) != 7 || ck.MemberID == 0 {
			return nil
		}
		return idx.Put(checkinCellKey(ck.CellID, ck.Period, ck.MemberID), nil)
	})
}

// FarAway returns the far-away details recorded for the member.
func (tx *Tx) FarAway(memberID uint64) (*FarAway, error) {
	return getJSON[FarAway](tx.tx.Bucket(bucketFarAway), itob(memberID))
}

// PutFarAway stores the far-away details of a member.
func (tx *Tx) PutFarAway(f *FarAway) error {
	if f.MemberID == 0 {
		return fmt.Errorf("far-away details without member")
	}
	if err := tx.touchMemberCells(f.MemberID, 0); err != nil {
		return err
	}
	return putJSON(tx.tx.Bucket(bucketFarAway), itob(f.MemberID), f)
}

// DeleteFarAway removes the member's far-away details (not their request).
func (tx *Tx) DeleteFarAway(memberID uint64) error {
	if err := tx.touchMemberCells(memberID, 0); err != nil {
		return err
	}
	return tx.tx.Bucket(bucketFarAway).Delete(itob(memberID))
}

// ExemptFromMeetings reports whether the member is exempt from meetings at t
// (DOMAIN.md §3: exempt members get no meeting reminders and are not counted
// as absent): exempt for age or health, or working far away with a temporary
// exemption granted for a period covering t. A far-away member recorded
// without an exemption is not exempt.
func (tx *Tx) ExemptFromMeetings(m *Member, t time.Time) (bool, error) {
	s := m.StatusOn(t)
	return s.Kind == StatusExempt || (s.Kind == StatusFarAway && s.Exempt), nil
}
