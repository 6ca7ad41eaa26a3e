package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"fmt"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// secretaryReminders are the secretary's points: a week before (prepare the
// content and a draft resolution, convene the committee), two days before
// (documents on the e-handbook app at least a day ahead, Guide 42-HD/BTCTW
// 2025) and the morning of the day (the roll sheet).
func (r *rules) secretaryReminders(mt *storage.Meeting) []core.Reminder {
	at := mt.At.In(r.zone)
	morning := core.DayStart(at).Add(time.Duration(r.morning) * time.Minute)
	if !morning.Before(at) {
		morning = at.Add(-2 * time.Hour)
	}
	return []core.Reminder{
		{Kind: "sec-early", At: at.Add(-r.secEarly)},
		{Kind: "sec-late", At: at.Add(-r.secLate)},
		{Kind: "sec-day", At: morning},
	}
}

// memberReminders are the members' points: the day before and shortly before.
func (r *rules) memberReminders(mt *storage.Meeting) []core.Reminder {
	return []core.Reminder{
		{Kind: "member-early", At: mt.At.Add(-r.memEarly)},
		{Kind: "member-late", At: mt.At.Add(-r.memLate)},
	}
}

func ReminderKey(kind string, subject, member uint64) string {
	return fmt.Sprintf("reminder/%s/%d/%d", kind, subject, member)
}

// dueMeetings creates the cell's regular meetings from its rule and sends
// the reminders due now. A reminder is due from its time until the meeting
// starts, outside the cell's quiet hours; the outbox key makes it go once.
// It looks again at the next reminder point, the next month (a meeting to
// make) or the next quarter's thematic check, whichever comes first.
func dueMeetings(c *core.Ctx, cell *storage.Cell) (time.Time, error) {
	r, err := meetingRules(c, cell)
	if err != nil {
		c.E.Cfg.Log.Error("meeting rules", "cell", cell.ID, "err", err)
		return time.Time{}, nil // nothing until the settings change
	}
	if err := ensureMeetings(c, cell, r); err != nil {
		return time.Time{}, err
	}
	next := core.Soonest{After: c.Now}
	now := c.Now.In(r.zone)
	next.Add(time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, r.zone))
	quietEnd, quiet, err := c.QuietUntil(cell, c.Now)
	if err != nil {
		return time.Time{}, err
	}
	if !quiet {
		if err := dueThematic(c, cell, r); err != nil {
			return time.Time{}, err
		}
	}
	next.Add(r.thematicCheck(c.Now))
	ms, err := db(c).MeetingsFrom(cell.ID, c.Now)
	if err != nil {
		return time.Time{}, err
	}
	var cellMembers []storage.Member // loaded once, when needed
	membersOf := func(uint64) ([]storage.Member, error) {
		if cellMembers != nil {
			return cellMembers, nil
		}
		cellMembers, err = db(c).Members(cell.ID)
		return cellMembers, err
	}
	for i := range ms {
		mt := &ms[i]
		if !mt.Active() || !c.Now.Before(mt.At) {
			continue
		}
		for _, p := range append(r.secretaryReminders(mt), r.memberReminders(mt)...) {
			if p.At.Before(mt.At) {
				next.Add(p.At)
			}
		}
		if quiet {
			continue
		}
		if err := remindMeeting(c, mt, cell, r, membersOf); err != nil {
			return time.Time{}, err
		}
	}
	if quiet {
		next.Add(quietEnd)
	}
	return next.At, nil
}

// thematicCheck is the next time after now that dueThematic can find a
// quarter without a thematic meeting: its second month's morning.
func (r *rules) thematicCheck(now time.Time) time.Time {
	t := now.In(r.zone)
	qFirst := time.Month((int(t.Month())-1)/3*3 + 1)
	start := time.Date(t.Year(), qFirst, 1, 0, 0, 0, 0, r.zone)
	second := start.AddDate(0, 1, 0).Add(time.Duration(r.morning) * time.Minute)
	if second.After(now) {
		return second
	}
	return start.AddDate(0, 4, 0).Add(time.Duration(r.morning) * time.Minute)
}

// remindMeeting sends the meeting's reminders due now: the secretaries'
// (before it, and the morning of it), and the members' once the notice was
// sent (until then the secretaries are asked to send it).
func remindMeeting(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, r *rules, membersOf func(uint64) ([]storage.Member, error)) error {
	secP, secDue := core.LatestDue(r.secretaryReminders(mt), c.Now)
	memP, memDue := core.LatestDue(r.memberReminders(mt), c.Now)
	if !secDue && !memDue {
		return nil
	}
	cellMembers, err := membersOf(cell.ID)
	if err != nil {
		return err
	}
	if secDue {
		if err := remindSecretaries(c, mt, cell, secP, members.LeadersIn(cellMembers, cell.ID, true)); err != nil {
			return err
		}
	}
	switch {
	case memDue && mt.Noticed.IsZero():
		// Members are reminded of a notice they got: without one there is no
		// place or topic to remind them of. The secretary is asked to send it.
		return askForNotice(c, mt, cell, members.LeadersIn(cellMembers, cell.ID, true))
	case memDue:
		return remindMembers(c, mt, cell, memP, cellMembers)
	}
	return nil
}

// remindSecretaries sends the secretaries' reminder of kind p.Kind, with
// the secretary's notes (overdue tasks…) after it.
func remindSecretaries(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, p core.Reminder, leaders []storage.Member) error {
	id := fmt.Sprint(mt.ID)
	for i := range leaders {
		l := &leaders[i]
		rd := c.ReaderOf(l)
		var msgID string
		var buttons [][]chat.Button
		switch p.Kind {
		case "sec-early":
			msgID = "mt.remind_sec_early"
			buttons = [][]chat.Button{{core.ActionButton(rd.T("mt.btn_notify"), codeMeeting, id+":n"), core.ActionButton(rd.T("mt.btn_view"), codeMeeting, id+":v")}}
		case "sec-late":
			msgID = "mt.remind_sec_late"
			buttons = [][]chat.Button{{core.ActionButton(rd.T("mt.btn_view"), codeMeeting, id+":v")}}
		default:
			msgID = "mt.remind_sec_day"
			buttons = [][]chat.Button{{core.ActionButton(rd.T("mt.btn_checkin"), codeMeeting, id+":ck"), core.ActionButton(rd.T("mt.btn_roll"), codeMeeting, id+":r")}}
		}
		sent, err := c.RemindUntil(keepMeetingKey(mt), ReminderKey(p.Kind, mt.ID, l.ID), l, buttons, msgID,
			"Kind", kindNameLower(rd, mt), "When", when(rd, mt.At, cell), "Topic", topicOf(rd, mt), "Place", placeOf(rd, mt),
			"Noticed", !mt.Noticed.IsZero())
		if err != nil {
			return err
		}
		if sent {
			if err := addSecretaryNotes(c, rd, mt, cell); err != nil {
				return err
			}
		}
	}
	return nil
}

// askForNotice asks the secretaries, once, to send the notice the members'
// reminders wait for.
func askForNotice(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, leaders []storage.Member) error {
	id := fmt.Sprint(mt.ID)
	for i := range leaders {
		l := &leaders[i]
		rd := c.ReaderOf(l)
		buttons := [][]chat.Button{{core.ActionButton(rd.T("mt.btn_notify"), codeMeeting, id+":n"), core.ActionButton(rd.T("mt.btn_view"), codeMeeting, id+":v")}}
		if _, err := c.RemindUntil(keepMeetingKey(mt), ReminderKey("notice-missing", mt.ID, l.ID), l, buttons, "mt.remind_notice_missing",
			"Kind", rd.KindName(mt), "When", when(rd, mt.At, cell)); err != nil {
			return err
		}
	}
	return nil
}

// remindMembers sends the members' reminder of kind p.Kind to everyone
// expected who did not say they cannot come, with the RSVP buttons to those
// who did not answer.
func remindMembers(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, p core.Reminder, cellMembers []storage.Member) error {
	if err := wholeRoll(c, mt); err != nil {
		return err
	}
	msgID := "mt.remind_member_early"
	if p.Kind == "member-late" {
		msgID = "mt.remind_member_late"
	}
	for i := range cellMembers {
		m := &cellMembers[i]
		if !expected(m, mt) {
			continue
		}
		a := mt.Roll[m.ID]
		if a != nil && a.RSVP == storage.RSVPNo {
			continue // they said they cannot come
		}
		rd := c.ReaderOf(m)
		var buttons [][]chat.Button
		if a == nil || a.RSVP == storage.RSVPNone {
			buttons = rsvpButtons(rd, mt)
		}
		if _, err := c.RemindUntil(keepMeetingKey(mt), ReminderKey(p.Kind, mt.ID, m.ID), m, buttons, msgID, "Notice", noticeText(rd, mt, cell)); err != nil {
			return err
		}
	}
	return nil
}

// addSecretaryNotes adds what other journeys want the secretary to bring
// up at the meeting (tasks overdue) to the reminder just sent, in its
// reader's language.
func addSecretaryNotes(c, rd *core.Ctx, mt *storage.Meeting, cell *storage.Cell) error {
	notes, err := rd.MeetingNotes(mt, cell, core.NoteSecretary)
	if err != nil || len(notes) == 0 {
		return err
	}
	m := &c.Out[len(c.Out)-1]
	m.Text += "\n\n" + strings.Join(notes, "\n")
	return nil
}

// dueThematic reminds the secretary when a quarter has no thematic meeting
// planned by its second month (Directive 50-CT/TW: at least one a quarter).
func dueThematic(c *core.Ctx, cell *storage.Cell, r *rules) error {
	now := c.Now.In(r.zone)
	qFirst := time.Month((int(now.Month())-1)/3*3 + 1)
	start := time.Date(now.Year(), qFirst, 1, 0, 0, 0, 0, r.zone)
	second := start.AddDate(0, 1, 0).Add(time.Duration(r.morning) * time.Minute)
	end := start.AddDate(0, 3, 0)
	if now.Before(second) || second.Before(cell.Created) || db(c).HasThematic(cell.ID, start, end) {
		return nil
	}
	leaders, err := members.HomeLeaders(c.Tx, cell.ID, true)
	if err != nil {
		return err
	}
	q := (int(qFirst)-1)/3 + 1
	for i := range leaders {
		l := &leaders[i]
		rd := c.ReaderOf(l)
		key := fmt.Sprintf("reminder/thematic/%d-%dq%d/%d", cell.ID, now.Year(), q, l.ID)
		buttons := [][]chat.Button{{core.ActionButton(rd.T("mt.btn_new_thematic"), codeMeetingList, fmt.Sprintf("%d:t", cell.ID))}}
		if _, err := c.Remind(key, l, buttons, "mt.remind_thematic", "Quarter", q, "Year", now.Year(), "Cell", cell.Name); err != nil {
			return err
		}
	}
	return nil
}

// keepMeetingKey is until when a meeting reminder's key is kept: its
// reminders fall due only before the meeting starts; a month more covers a
// meeting moved a little later (moved further, it is reminded afresh).
func keepMeetingKey(mt *storage.Meeting) time.Time { return mt.At.AddDate(0, 1, 0) }
