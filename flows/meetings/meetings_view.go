package meetings

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"fmt"
	"strings"
	"time"
)

// runMeeting shows the caller's cell's meetings: the leader gets the tools,
// a member the next meeting and their answer.
func runMeeting(c *core.Ctx, _ string) error {
	if len(c.Me.LedCells()) == 0 {
		return memberMeetingView(c)
	}
	return members.ForLedCell(c, "meeting")
}

// memberMeetingView shows the member's next meeting at their home cell and,
// apart, at their residence cell (Regulation 213).
func memberMeetingView(c *core.Ctx) error {
	home, err := homeMeetingView(c)
	if err != nil {
		return err
	}
	res, err := residenceNext(c)
	if err != nil {
		return err
	}
	if !home && !res {
		c.Say("mt.none")
	}
	return nil
}

// homeMeetingView shows the member's next meeting at their home cell; false
// when there is none.
func homeMeetingView(c *core.Ctx) (bool, error) {
	cell, err := db(c).Cell(c.Me.HomeCellID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r, err := meetingRules(c, cell)
	if err != nil {
		return false, err
	}
	if err := ensureMeetings(c, cell, r); err != nil {
		return false, err
	}
	ms, err := db(c).Meetings(cell.ID)
	if err != nil {
		return false, err
	}
	for i := range ms {
		mt := &ms[i]
		if !mt.Active() || mt.At.Before(c.Now.Add(-6*time.Hour)) {
			continue
		}
		if err := db(c).LoadAttendance(mt, c.Me.ID); err != nil {
			return false, err
		}
		var b strings.Builder
		b.WriteString(noticeText(c, mt, cell))
		b.WriteString("\n")
		var buttons [][]chat.Button
		switch {
		case !expected(c.Me, mt):
			b.WriteString(c.T("mt.you_not_expected"))
		default:
			a := mt.Roll[c.Me.ID]
			switch {
			case a != nil && a.RSVP == storage.RSVPYes:
				b.WriteString(c.T("mt.you_said_yes"))
			case a != nil && a.RSVP == storage.RSVPNo:
				b.WriteString(c.T("mt.you_said_no", "Reason", ReasonText(c, a), "Decision", c.ExcuseName(a.Excuse)))
			default:
				b.WriteString(c.T("mt.you_not_answered"))
			}
			buttons = rsvpButtons(c, mt)
		}
		c.Reply(b.String(), buttons...)
		return true, nil
	}
	return false, nil
}

func leaderMeetingList(c *core.Ctx, cell *storage.Cell) error {
	r, err := meetingRules(c, cell)
	if err != nil {
		return err
	}
	if err := ensureMeetings(c, cell, r); err != nil {
		return err
	}
	ms, err := db(c).Meetings(cell.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(c.T("mt.list_header", "Cell", cell.Name, "Rule", ruleText(c, r)))
	var rows [][]chat.Button
	shown := 0
	for i := range ms {
		mt := &ms[i]
		// Upcoming and open meetings, and the last closed one (for its summary).
		recent := mt.State == storage.MeetingClosed && mt.Ended.After(c.Now.AddDate(0, 0, -40))
		if !mt.Active() && !recent {
			continue
		}
		shown++
		b.WriteString("\n")
		b.WriteString(c.T("mt.list_line", "N", shown, "Line", meetingLine(c, mt, cell)))
		rows = append(rows, []chat.Button{core.ActionButton(c.T("mt.btn_open_n", "N", shown, "Date", mt.At.In(r.zone).Format("02/01")), codeMeeting, fmt.Sprintf("%d:v", mt.ID))})
	}
	if shown == 0 {
		b.WriteString("\n")
		b.WriteString(c.T("mt.list_empty"))
	}
	id := fmt.Sprint(cell.ID)
	rows = append(rows,
		[]chat.Button{core.ActionButton(c.T("mt.btn_new_thematic"), codeMeetingList, id+":t"), core.ActionButton(c.T("mt.btn_new_extra"), codeMeetingList, id+":e")},
		[]chat.Button{core.ActionButton(c.T("mt.btn_schedule"), codeMeetingList, id+":s"), core.ActionButton(c.T("mt.btn_reminders"), codeMeetingList, id+":q")},
		[]chat.Button{core.ActionButton(c.T("mt.btn_year"), codeMeetingList, id+":y")})
	c.Reply(b.String(), rows...)
	return nil
}

// ruleText describes the regular meeting rule: "ngày 3 hằng tháng, lúc 19:30".
func ruleText(c *core.Ctx, r *rules) string {
	if d, h, m, ok := specDayTime(r.spec); ok {
		return c.T("mt.rule", "Day", d, "Time", fmt.Sprintf("%02d:%02d", h, m))
	}
	return c.T("mt.rule_custom", "Spec", r.spec)
}

func actMeetingList(c *core.Ctx, args string) error {
	idArg, op, _ := strings.Cut(args, ":")
	return members.WithLedCell(c, idArg, func(c *core.Ctx, cell *storage.Cell) error {
		switch op {
		case "t":
			return c.StartWith("mnew", stepTopic, &mtForm{Cell: cell.ID, Kind: storage.MeetingThematic})
		case "e":
			return c.StartWith("mnew", stepTopic, &mtForm{Cell: cell.ID, Kind: storage.MeetingExtra})
		case "s":
			return c.StartWith("mschedule", stepDay, &mtForm{Cell: cell.ID})
		case "q":
			return c.StartWith("mremind", stepQuiet, &mtForm{Cell: cell.ID})
		case "y":
			return yearTally(c, cell, c.Now.In(c.CellZone(cell)).Year())
		case "l":
			return leaderMeetingList(c, cell)
		}
		c.Say("err.stale_button")
		return nil
	})
}

// actMeeting runs a tool on one meeting: "mt:<id>:<op>".
func actMeeting(c *core.Ctx, args string) error {
	idArg, op, _ := strings.Cut(args, ":")
	mt, cell, ok, err := meetingFor(c, idArg, true)
	if !ok || err != nil {
		return err
	}
	data := &mtForm{Meeting: mt.ID}
	switch op {
	case "v":
		return meetingCard(c, mt, cell)
	case "s":
		if mt.State != storage.MeetingClosed {
			c.Say("mt.not_closed")
			return nil
		}
		return sendSummary(c, mt, cell)
	case "sc":
		if mt.State != storage.MeetingClosed {
			c.Say("mt.not_closed")
			return nil
		}
		return c.StartWith("mscore", stepSection, &scoreState{Meeting: mt.ID})
	}
	if !mt.Active() {
		c.Say("mt.already_ended", "State", stateName(c, mt.State))
		return nil
	}
	switch op {
	case "n":
		return sendNotice(c, mt, cell)
	case "mv":
		return c.StartWith("mmove", stepDate, data)
	case "tp":
		return c.StartWith("mtopic", stepTopic, data)
	case "x":
		return c.StartWith("mcancel", stepConfirm, data)
	case "ck":
		return openCheckin(c, mt, cell)
	case "r":
		return showRoll(c, mt, cell, false)
	case "cl":
		return startClose(c, mt, cell)
	}
	c.Say("err.stale_button")
	return nil
}

// meetingCard shows one meeting with the leader's tools.
func meetingCard(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) error {
	if err := wholeRoll(c, mt); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(c.T("mt.card", "Kind", c.KindName(mt), "When", when(c, mt.At, cell), "Place", placeOf(c, mt),
		"Topic", topicOf(c, mt), "State", stateName(c, mt.State)))
	if !mt.Noticed.IsZero() {
		b.WriteString("\n")
		b.WriteString(c.N("mt.card_noticed", len(mt.Notified), "Date", c.Date(mt.Noticed)))
		yes, no, pending := 0, 0, 0
		for _, a := range mt.Roll {
			switch {
			case a.RSVP == storage.RSVPYes:
				yes++
			case a.RSVP == storage.RSVPNo:
				no++
				if a.Excuse == storage.ExcusePending {
					pending++
				}
			}
		}
		b.WriteString("\n")
		b.WriteString(c.T("mt.card_rsvp", "Yes", yes, "No", no, "Pending", pending))
	}
	id := fmt.Sprint(mt.ID)
	var rows [][]chat.Button
	switch mt.State {
	case storage.MeetingPlanned, storage.MeetingOpen:
		notice := c.T("mt.btn_notify")
		if !mt.Noticed.IsZero() {
			notice = c.T("mt.btn_notify_new")
		}
		rows = append(rows,
			[]chat.Button{core.ActionButton(notice, codeMeeting, id+":n"), core.ActionButton(c.T("mt.btn_topic"), codeMeeting, id+":tp")},
			[]chat.Button{core.ActionButton(c.T("mt.btn_move"), codeMeeting, id+":mv"), core.ActionButton(c.T("mt.btn_cancel"), codeMeeting, id+":x")},
			[]chat.Button{core.ActionButton(c.T("mt.btn_checkin"), codeMeeting, id+":ck"), core.ActionButton(c.T("mt.btn_roll"), codeMeeting, id+":r")},
			[]chat.Button{core.ActionButton(c.T("mt.btn_close"), codeMeeting, id+":cl")})
	case storage.MeetingClosed:
		rows = append(rows, []chat.Button{core.ActionButton(c.T("mt.btn_summary"), codeMeeting, id+":s"), core.ActionButton(c.T("mt.btn_score"), codeMeeting, id+":sc")},
			[]chat.Button{core.ActionButton(c.T("mt.btn_roll"), codeMeeting, id+":r")})
	}
	tools, err := c.MeetingTools(mt, cell)
	if err != nil {
		return err
	}
	if len(tools) > 0 {
		rows = append(rows, tools)
	}
	c.Reply(b.String(), rows...)
	return nil
}
