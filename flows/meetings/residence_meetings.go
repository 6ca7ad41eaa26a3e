package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Meetings of a residence cell reach the working members linked to it
// (Regulation 213: they attend its periodic meetings). Their answers and
// attendance are kept in their own records (storage.ResidenceAttendance),
// apart from the meeting's roll, which is the home members' record: the
// cell's attendance rate and its members' absences are not touched.

// rollAfter is how long after its time a residence meeting's linked members
// are listed to the secretary for marking (at its start, with the roll: an
// evening meeting ends in the quiet hours), unless it started or closed earlier.
const rollAfter = 0

// settleAfter is how long after its time a record stays open for marking.
const settleAfter = 14 * 24 * time.Hour

// dueResidenceMeetings sends linked members the notices of their residence
// cell's meetings once the cell's members got theirs, tells them when a
// meeting moves or is cancelled, and after the meeting lists them to the
// secretary for marking. Keys:
//
//	notice/residence-meeting/<meeting>/<member>
//	notice/residence-meeting-moved/<meeting>/<member>/<unix time>
//	notice/residence-meeting-cancelled/<meeting>/<member>
//	reminder/residence-roll/<meeting>/<leader>
//
// It looks at the cell's meetings from settleAfter ago on, and looks again
// when a roll falls due or a record settles.
func dueResidenceMeetings(c *core.Ctx, cell *storage.Cell) (time.Time, error) {
	if !db(c).IsResidenceCell(cell.ID) {
		return time.Time{}, nil
	}
	next := core.Soonest{After: c.Now}
	quietEnd, quiet, err := c.QuietUntil(cell, c.Now)
	if err != nil {
		return time.Time{}, err
	}
	waiting := false // something held for the quiet hours
	ms, err := db(c).MeetingsFrom(cell.ID, c.Now.Add(-settleAfter))
	if err != nil {
		return time.Time{}, err
	}
	for i := range ms {
		mt := &ms[i]
		if !mt.Active() || mt.Noticed.IsZero() || !c.Now.Before(mt.At) {
			continue
		}
		if quiet {
			waiting = true
			continue
		}
		if err := noticeLinked(c, mt, cell); err != nil {
			return time.Time{}, err
		}
	}
	for i := range ms {
		mt := &ms[i]
		recs, err := db(c).ResidenceAttendanceOf(mt.ID)
		if err != nil {
			return time.Time{}, err
		}
		var rollDue []storage.ResidenceAttendance
		for _, a := range recs {
			if !a.Open {
				continue
			}
			switch {
			case mt.State == storage.MeetingCancelled:
				if quiet {
					waiting = true
					continue
				}
				if err := closeCancelled(c, mt, cell, a); err != nil {
					return time.Time{}, err
				}
			case a.Mark != storage.MarkNone || !c.Now.Before(mt.At.Add(settleAfter)):
				a.Open = false
				if err := db(c).PutResidenceAttendance(&a); err != nil {
					return time.Time{}, err
				}
			case mt.State != storage.MeetingPlanned || !c.Now.Before(mt.At.Add(rollAfter)):
				next.Add(mt.At.Add(settleAfter))
				if quiet {
					waiting = true
					continue
				}
				rollDue = append(rollDue, a)
			default:
				next.Add(mt.At.Add(rollAfter))
				next.Add(mt.At.Add(settleAfter))
			}
		}
		if len(rollDue) > 0 {
			if err := remindResidenceRoll(c, mt.ID, rollDue); err != nil {
				return time.Time{}, err
			}
		}
	}
	if waiting {
		next.Add(quietEnd)
	}
	return next.At, nil
}

// noticeLinked sends the meeting's notice to the linked members who have
// not had it, and a change notice to those who had it for another time.
func noticeLinked(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) error {
	links, err := members.LinkedMembers(c.Tx, cell.ID, storage.ResidenceWithComment)
	if err != nil {
		return err
	}
	for _, lm := range links {
		m := &lm.M
		if m.HomeCellID == cell.ID || (!lm.L.ConfirmedAt.IsZero() && lm.L.ConfirmedAt.After(mt.At)) {
			continue
		}
		a, err := db(c).ResidenceAttendance(mt.ID, m.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		rd := c.ReaderOf(m)
		buttons := [][]chat.Button{{core.ActionButton(rd.T("res.btn_attend"), codeResidenceRSVP, fmt.Sprintf("%d:y", mt.ID)), core.ActionButton(rd.T("res.btn_cannot"), codeResidenceRSVP, fmt.Sprintf("%d:n", mt.ID))}}
		switch {
		case a == nil:
			key := fmt.Sprintf("notice/residence-meeting/%d/%d", mt.ID, m.ID)
			sent, err := c.Remind(key, m, buttons, "res.meeting_notice", "Notice", noticeText(rd, mt, cell))
			if err != nil {
				return err
			}
			if sent {
				a = &storage.ResidenceAttendance{MeetingID: mt.ID, MemberID: m.ID, CellID: cell.ID, At: mt.At, Noticed: c.Now, Open: true}
				if err := db(c).PutResidenceAttendance(a); err != nil {
					return err
				}
			}
		case !a.At.Equal(mt.At):
			key := fmt.Sprintf("notice/residence-meeting-moved/%d/%d/%d", mt.ID, m.ID, mt.At.Unix())
			if _, err := c.Remind(key, m, buttons, "res.meeting_moved", "Old", when(rd, a.At, cell), "Notice", noticeText(rd, mt, cell)); err != nil {
				return err
			}
			a.At, a.RSVP, a.RSVPAt = mt.At, storage.RSVPNone, time.Time{} // an answer for the old time says nothing of the new one
			if err := db(c).PutResidenceAttendance(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// remindResidenceRoll lists a meeting's linked members to the residence
// cell's leaders, each with a "present" and an "absent" button.
func remindResidenceRoll(c *core.Ctx, meetingID uint64, recs []storage.ResidenceAttendance) error {
	mt, err := db(c).MeetingHeader(meetingID)
	if err != nil {
		return err
	}
	cell, err := db(c).Cell(mt.CellID)
	if err != nil {
		return err
	}
	leaders, err := members.LeadersOf(c, cell.ID, true)
	if err != nil {
		return err
	}
	for i := range leaders {
		l := &leaders[i]
		rd := c.ReaderOf(l)
		text, rows := residenceRoll(rd, mt, cell, recs)
		key := fmt.Sprintf("reminder/residence-roll/%d/%d", mt.ID, l.ID)
		if _, err := c.Remind(key, l, rows, "res.roll_remind", "Roll", text); err != nil {
			return err
		}
	}
	return nil
}

// residenceRoll is the list of a meeting's linked members with their
// answers and marks, and the buttons to mark them.
func residenceRoll(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, recs []storage.ResidenceAttendance) (string, [][]chat.Button) {
	var b strings.Builder
	b.WriteString(c.T("res.roll_header", "Kind", c.KindName(mt), "When", when(c, mt.At, cell)))
	var rows [][]chat.Button
	for _, a := range recs {
		m, err := db(c).Member(a.MemberID)
		if err != nil {
			continue
		}
		b.WriteString("\n")
		b.WriteString(c.T("res.roll_line", "Name", m.Name, "State", residenceState(c, &a)))
		args := fmt.Sprintf("%d:%d:", mt.ID, m.ID)
		name := core.CkShorten(m.Name, 24)
		rows = append(rows, []chat.Button{
			core.ActionButton(c.T("res.btn_present", "Name", name), codeResidenceMark, args+"p"),
			core.ActionButton(c.T("res.btn_absent"), codeResidenceMark, args+"a"),
		})
	}
	return b.String(), rows
}

// residenceState says what is known of a linked member at a meeting.
func residenceState(c *core.Ctx, a *storage.ResidenceAttendance) string {
	switch {
	case a.Mark == storage.MarkPresent:
		return c.T("res.state_present")
	case a.Mark == storage.MarkAbsent:
		return c.T("res.state_absent")
	case a.RSVP == storage.RSVPYes:
		return c.T("res.state_will_attend")
	case a.RSVP == storage.RSVPNo:
		return c.T("res.state_cannot")
	}
	return c.T("res.state_no_answer")
}

// actResidenceRSVP records a linked member's answer to a residence meeting
// notice: "rsr:<meeting>:y|n". It never touches the meeting's roll.
func actResidenceRSVP(c *core.Ctx, args string) error {
	idArg, ans, _ := strings.Cut(args, ":")
	id, err := strconv.ParseUint(idArg, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	a, err := db(c).ResidenceAttendance(id, c.Me.ID)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	mt, err := db(c).MeetingHeader(id)
	if err != nil {
		return err
	}
	if !mt.Active() || !c.Now.Before(mt.At) {
		c.Say("res.rsvp_closed")
		return nil
	}
	cell, err := db(c).Cell(mt.CellID)
	if err != nil {
		return err
	}
	want := storage.RSVPYes
	if ans == "n" {
		want = storage.RSVPNo
	} else if ans != "y" {
		c.Say("err.stale_button")
		return nil
	}
	if a.RSVP != want {
		a.RSVP, a.RSVPAt = want, c.Now
		if err := db(c).PutResidenceAttendance(a); err != nil {
			return err
		}
	}
	if want == storage.RSVPYes {
		c.Say("res.rsvp_yes", "When", when(c, mt.At, cell), "Cell", cell.Name)
	} else {
		c.Say("res.rsvp_no", "When", when(c, mt.At, cell), "Cell", cell.Name)
	}
	return nil
}

// actResidenceMark marks a linked member present or absent at a meeting of
// the residence cell: "rsm:<meeting>:<member>:p|a", for its leaders only.
func actResidenceMark(c *core.Ctx, args string) error {
	parts := strings.Split(args, ":")
	if len(parts) != 3 || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	mid, err1 := strconv.ParseUint(parts[0], 10, 64)
	uid, err2 := strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		c.Say("err.stale_button")
		return nil
	}
	a, err := db(c).ResidenceAttendance(mid, uid)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	if !c.Me.Leads(a.CellID) {
		c.Say("err.leaders_only")
		return nil
	}
	m, err := db(c).Member(uid)
	if err != nil {
		return err
	}
	mark := storage.MarkPresent
	if parts[2] == "a" {
		mark = storage.MarkAbsent
	} else if parts[2] != "p" {
		c.Say("err.stale_button")
		return nil
	}
	before := *a
	a.Mark, a.MarkedBy, a.MarkedAt, a.MarkVia, a.Open = mark, c.Me.ID, c.Now, "roll", false
	if err := db(c).PutResidenceAttendance(a); err != nil {
		return err
	}
	if err := c.Audit("roll_set", a.CellID, m.ID, before, a); err != nil {
		return err
	}
	c.Say("res.marked", "Name", m.Name, "State", residenceState(c, a))
	return nil
}

// residenceCheckin records an in-room check-in by a member linked to the
// meeting's cell as a residence cell, in their residence record. It reports
// false, doing nothing, when the caller is not such a member of that
// meeting, so the caller goes on as before. The meetings code calls it
// before refusing a code "of another cell".
func ResidenceCheckin(c *core.Ctx, mt *storage.Meeting) (bool, error) {
	if c.Me == nil || c.Me.HomeCellID == mt.CellID {
		return false, nil
	}
	l, err := db(c).ResidenceLink(c.Me.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (l.Pending || l.CellID != mt.CellID)) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	cell, err := db(c).Cell(mt.CellID)
	if err != nil {
		return false, err
	}
	a, err := db(c).ResidenceAttendance(mt.ID, c.Me.ID)
	if errors.Is(err, storage.ErrNotFound) {
		a = &storage.ResidenceAttendance{MeetingID: mt.ID, MemberID: c.Me.ID, CellID: mt.CellID, At: mt.At, Noticed: c.Now}
	} else if err != nil {
		return false, err
	}
	if a.Mark == storage.MarkPresent {
		c.Say("res.code_already", "When", when(c, mt.At, cell))
		return true, nil
	}
	a.Mark, a.MarkedBy, a.MarkedAt, a.MarkVia, a.Open = storage.MarkPresent, c.Me.ID, c.Now, "code", false
	if err := db(c).PutResidenceAttendance(a); err != nil {
		return false, err
	}
	c.Say("res.checked_in", "Kind", c.KindName(mt), "When", when(c, mt.At, cell), "Cell", cell.Name)
	return true, nil
}

// closeCancelled tells a linked member their residence cell's meeting was
// cancelled, and closes their record of it.
func closeCancelled(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, a storage.ResidenceAttendance) error {
	if m, err := db(c).Member(a.MemberID); err == nil {
		rd := c.ReaderOf(m)
		key := fmt.Sprintf("notice/residence-meeting-cancelled/%d/%d", mt.ID, m.ID)
		if _, err := c.Remind(key, m, nil, "res.meeting_cancelled", "Cell", cell.Name, "Kind", rd.KindName(mt), "When", when(rd, mt.At, cell)); err != nil {
			return err
		}
	}
	a.Open = false
	return db(c).PutResidenceAttendance(&a)
}
