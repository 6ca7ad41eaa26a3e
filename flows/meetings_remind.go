package flows

import (
	"fmt"
	"time"

	"chibo/storage"
)

// secretaryReminders are the secretary's points: a week before (prepare the
// content and a draft resolution, convene the committee), two days before
// (documents on the e-handbook app at least a day ahead, Guide 42-HD/BTCTW
// 2025) and the morning of the day (the roll sheet).
func (r *rules) secretaryReminders(mt *storage.Meeting) []reminder {
	at := mt.At.In(r.zone)
	morning := dayStart(at).Add(time.Duration(r.morning) * time.Minute)
	if !morning.Before(at) {
		morning = at.Add(-2 * time.Hour)
	}
	return []reminder{
		{"sec-early", at.Add(-r.secEarly)},
		{"sec-late", at.Add(-r.secLate)},
		{"sec-day", morning},
	}
}

// memberReminders are the members' points: the day before and shortly before.
func (r *rules) memberReminders(mt *storage.Meeting) []reminder {
	return []reminder{
		{"member-early", mt.At.Add(-r.memEarly)},
		{"member-late", mt.At.Add(-r.memLate)},
	}
}

func reminderKey(kind string, subject, member uint64) string {
	return fmt.Sprintf("reminder/%s/%d/%d", kind, subject, member)
}

// dueMeetings creates each cell's regular meetings from its rule and sends
// the reminders due now. A reminder is due from its time until the meeting
// starts, outside the cell's quiet hours; the outbox key makes it go once.
func dueMeetings(c *Ctx) error {
	cells, err := c.Tx.Cells()
	if err != nil {
		return err
	}
	byCell := map[uint64]*rules{}
	cellOf := map[uint64]*storage.Cell{}
	members := map[uint64][]storage.Member{} // loaded once per tick, when needed
	membersOf := func(cellID uint64) ([]storage.Member, error) {
		if ms, ok := members[cellID]; ok {
			return ms, nil
		}
		ms, err := c.Tx.Members(cellID)
		members[cellID] = ms
		return ms, err
	}
	for i := range cells {
		cell := &cells[i]
		r, err := c.meetingRules(cell)
		if err != nil {
			c.e.cfg.Log.Error("meeting rules", "cell", cell.ID, "err", err)
			continue
		}
		if err := c.ensureMeetings(cell, r); err != nil {
			return err
		}
		byCell[cell.ID], cellOf[cell.ID] = r, cell
		if r.quiet(c.Now) {
			continue
		}
		if err := dueThematic(c, cell, r); err != nil {
			return err
		}
	}
	ms, err := c.Tx.ActiveMeetings()
	if err != nil {
		return err
	}
	for i := range ms {
		mt := &ms[i]
		r, ok := byCell[mt.CellID]
		if !ok || !c.Now.Before(mt.At) || r.quiet(c.Now) {
			continue
		}
		if err := remindMeeting(c, mt, cellOf[mt.CellID], r, membersOf); err != nil {
			return err
		}
	}
	return nil
}

func remindMeeting(c *Ctx, mt *storage.Meeting, cell *storage.Cell, r *rules, membersOf func(uint64) ([]storage.Member, error)) error {
	secP, secDue := latestDue(r.secretaryReminders(mt), c.Now)
	memP, memDue := latestDue(r.memberReminders(mt), c.Now)
	if !secDue && !memDue {
		return nil
	}
	members, err := membersOf(cell.ID)
	if err != nil {
		return err
	}
	id := fmt.Sprint(mt.ID)
	if secDue {
		leaders := leadersIn(members, cell.ID, true)
		for i := range leaders {
			l := &leaders[i]
			rd := c.readerOf(l)
			var msgID string
			var buttons [][]Button
			switch secP.kind {
			case "sec-early":
				msgID = "mt.remind_sec_early"
				buttons = [][]Button{{ActionButton(rd.T("mt.btn_notify"), "mt", id+":n"), ActionButton(rd.T("mt.btn_view"), "mt", id+":v")}}
			case "sec-late":
				msgID = "mt.remind_sec_late"
				buttons = [][]Button{{ActionButton(rd.T("mt.btn_view"), "mt", id+":v")}}
			default:
				msgID = "mt.remind_sec_day"
				buttons = [][]Button{{ActionButton(rd.T("mt.btn_checkin"), "mt", id+":ck"), ActionButton(rd.T("mt.btn_roll"), "mt", id+":r")}}
			}
			if _, err := c.RemindUntil(keepMeetingKey(mt), reminderKey(secP.kind, mt.ID, l.ID), l, buttons, msgID,
				"Kind", rd.kindNameLower(mt), "When", rd.when(mt.At, cell), "Topic", rd.topicOf(mt), "Place", rd.placeOf(mt),
				"Noticed", !mt.Noticed.IsZero()); err != nil {
				return err
			}
		}
	}
	if memDue && mt.Noticed.IsZero() {
		// Members are reminded of a notice they got: without one there is no
		// place or topic to remind them of. The secretary is asked to send it.
		leaders := leadersIn(members, cell.ID, true)
		for i := range leaders {
			l := &leaders[i]
			rd := c.readerOf(l)
			buttons := [][]Button{{ActionButton(rd.T("mt.btn_notify"), "mt", id+":n"), ActionButton(rd.T("mt.btn_view"), "mt", id+":v")}}
			if _, err := c.RemindUntil(keepMeetingKey(mt), reminderKey("notice-missing", mt.ID, l.ID), l, buttons, "mt.remind_notice_missing",
				"Kind", rd.kindName(mt), "When", rd.when(mt.At, cell)); err != nil {
				return err
			}
		}
		return nil
	}
	if memDue {
		for i := range members {
			m := &members[i]
			if !expected(m, mt) {
				continue
			}
			a := mt.Roll[m.ID]
			if a != nil && a.RSVP == storage.RSVPNo {
				continue // they said they cannot come
			}
			rd := c.readerOf(m)
			var buttons [][]Button
			if a == nil || a.RSVP == storage.RSVPNone {
				buttons = rsvpButtons(rd, mt)
			}
			msgID := "mt.remind_member_early"
			if memP.kind == "member-late" {
				msgID = "mt.remind_member_late"
			}
			if _, err := c.RemindUntil(keepMeetingKey(mt), reminderKey(memP.kind, mt.ID, m.ID), m, buttons, msgID, "Notice", rd.noticeText(mt, cell)); err != nil {
				return err
			}
		}
	}
	return nil
}

// dueThematic reminds the secretary when a quarter has no thematic meeting
// planned by its second month (Directive 50-CT/TW: at least one a quarter).
func dueThematic(c *Ctx, cell *storage.Cell, r *rules) error {
	now := c.Now.In(r.zone)
	qFirst := time.Month((int(now.Month())-1)/3*3 + 1)
	start := time.Date(now.Year(), qFirst, 1, 0, 0, 0, 0, r.zone)
	second := start.AddDate(0, 1, 0).Add(time.Duration(r.morning) * time.Minute)
	end := start.AddDate(0, 3, 0)
	if now.Before(second) || second.Before(cell.Created) || c.Tx.HasThematic(cell.ID, start, end) {
		return nil
	}
	leaders, err := homeLeaders(c.Tx, cell.ID, true)
	if err != nil {
		return err
	}
	q := (int(qFirst)-1)/3 + 1
	for i := range leaders {
		l := &leaders[i]
		rd := c.readerOf(l)
		key := fmt.Sprintf("reminder/thematic/%d-%dq%d/%d", cell.ID, now.Year(), q, l.ID)
		buttons := [][]Button{{ActionButton(rd.T("mt.btn_new_thematic"), "ml", fmt.Sprintf("%d:t", cell.ID))}}
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
