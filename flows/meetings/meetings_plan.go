package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"time"
)

func askNewTopic(c *core.Ctx) error {
	if _, err := schedCell(c); err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	id := "mt.new_ask_topic_extra"
	if form(c).Kind == storage.MeetingThematic {
		id = "mt.new_ask_topic_thematic"
	}
	c.Reply(c.T(id))
	return nil
}

func cleanTopic(s string) (string, error) {
	t, err := core.CleanReason(s)
	var inv *core.InvalidInput
	if errors.As(err, &inv) && inv.MsgID == "err.reason_empty" {
		return "", core.Invalid("mt.topic_empty")
	}
	if err != nil || core.Utf8Len(t) > 200 {
		return "", core.Invalid("mt.topic_too_long", "Max", 200)
	}
	return t, nil
}

func answerNewTopic(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := cleanTopic(in.Text)
	if err != nil {
		return "", err
	}
	form(c).Topic = t
	return stepDate, nil
}

func askNewDate(c *core.Ctx) error {
	c.Reply(c.T("mt.ask_date", "Example", core.ExampleDate(c.Now, c.Zone())))
	return nil
}

// futureDate reads a typed date that is today or later.
func futureDate(c *core.Ctx, text string, zone *time.Location) (time.Time, error) {
	d, err := core.ParseDateFrom(text, c.Now, zone)
	if err != nil {
		return time.Time{}, err
	}
	if d.Before(core.DayStart(c.Now.In(zone))) {
		return time.Time{}, core.Invalid("mt.date_past")
	}
	return d, nil
}

func answerNewDate(c *core.Ctx, in core.Input) (core.StepName, error) {
	cell, err := schedCell(c)
	if err != nil {
		return "", err
	}
	d, err := futureDate(c, in.Text, c.CellZone(cell))
	if err != nil {
		return "", err
	}
	form(c).Date = core.DayOf(d)
	return stepTime, nil
}

func askNewTime(c *core.Ctx) error {
	c.Ask(c.T("mt.ask_time"), 4, timeOpts()...)
	return nil
}

// atFromData combines the stored date with a chosen or typed time.
func atFromData(c *core.Ctx, in core.Input, zone *time.Location) (time.Time, error) {
	v := in.Choice
	if v == "" {
		v = in.Text
	}
	h, m, err := parseClockTime(v)
	if err != nil {
		return time.Time{}, err
	}
	d, err := time.ParseInLocation("2006-01-02", string(form(c).Date), zone)
	if err != nil {
		return time.Time{}, err
	}
	at := time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, zone)
	if !at.After(c.Now) {
		return time.Time{}, core.Invalid("mt.date_past")
	}
	return at, nil
}

func answerNewTime(c *core.Ctx, in core.Input) (core.StepName, error) {
	cell, err := schedCell(c)
	if err != nil {
		return "", err
	}
	at, err := atFromData(c, in, c.CellZone(cell))
	if err != nil {
		return "", err
	}
	form(c).At = at.Truncate(time.Second) // whole seconds, as the RFC 3339 text kept before
	return stepPlace, nil
}

func askNewPlace(c *core.Ctx) error {
	c.Ask(c.T("mt.ask_place"), 1, core.Opt{Label: c.T("mt.btn_usual_place"), Value: "usual"})
	return nil
}

func answerNewPlace(c *core.Ctx, in core.Input) (core.StepName, error) {
	cell, err := schedCell(c)
	if err != nil {
		return "", err
	}
	r, err := meetingRules(c, cell)
	if err != nil {
		return "", err
	}
	place := r.s.Place
	if in.Choice != "usual" {
		if place, err = core.CleanPlace(in.Text); err != nil {
			return "", err
		}
	}
	f := form(c)
	mt := &storage.Meeting{CellID: cell.ID, Kind: f.Kind, At: f.At, Place: place,
		Topic: f.Topic, State: storage.MeetingPlanned, Created: c.Now, By: c.Me.ID}
	if mt.Kind != storage.MeetingThematic {
		mt.Kind = storage.MeetingExtra
	}
	// A thematic meeting on the day of the regular one is held with it:
	// the regular meeting then lasts at least 120 minutes.
	ms, err := db(c).Meetings(cell.ID)
	if err != nil {
		return "", err
	}
	for i := range ms {
		reg := &ms[i]
		if mt.Kind == storage.MeetingThematic && reg.Kind == storage.MeetingRegular && reg.Active() && sameDay(reg.At.In(r.zone), mt.At.In(r.zone)) {
			reg.Combined = true
			if reg.Topic == "" {
				reg.Topic = mt.Topic
			}
			if err := db(c).PutMeeting(reg); err != nil {
				return "", err
			}
			c.Say("mt.new_combined", "When", when(c, reg.At, cell))
			return "", meetingCard(c, reg, cell)
		}
	}
	if err := db(c).PutMeeting(mt); err != nil {
		return "", err
	}
	if err := c.AuditMeeting("meeting_create", mt, 0, nil, meetingPlace{At: mt.At, Place: mt.Place, Kind: mt.Kind}); err != nil {
		return "", err
	}
	c.Say("mt.new_done", "Kind", kindNameLower(c, mt), "When", when(c, mt.At, cell))
	return "", meetingCard(c, mt, cell)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// flowMeeting is the meeting of a flow, checked against the caller's role
// and the meeting's state on every step.
func flowMeeting(c *core.Ctx) (*storage.Meeting, *storage.Cell, error) {
	id := form(c).Meeting
	mt, err := db(c).Meeting(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, core.Invalid("err.stale_button")
	}
	if err != nil {
		return nil, nil, err
	}
	if !c.Me.Leads(mt.CellID) {
		return nil, nil, core.Invalid("err.leaders_only")
	}
	if !mt.Active() {
		return nil, nil, core.Invalid("mt.already_ended", "State", stateName(c, mt.State))
	}
	cell, err := db(c).Cell(mt.CellID)
	return mt, cell, err
}

func askMoveDate(c *core.Ctx) error {
	mt, cell, err := flowMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	c.Ask(c.T("mt.move_ask_date", "When", when(c, mt.At, cell)), 1, core.Opt{Label: c.T("mt.btn_keep_date"), Value: "keep"})
	return nil
}

func answerMoveDate(c *core.Ctx, in core.Input) (core.StepName, error) {
	mt, cell, err := flowMeeting(c)
	if err != nil {
		return "", err
	}
	zone := c.CellZone(cell)
	d := core.DayStart(mt.At.In(zone))
	if in.Choice != "keep" {
		if d, err = futureDate(c, in.Text, zone); err != nil {
			return "", err
		}
	}
	form(c).Date = core.DayOf(d)
	return stepTime, nil
}

func askMoveTime(c *core.Ctx) error {
	mt, cell, err := flowMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	keep := mt.At.In(c.CellZone(cell)).Format("15:04")
	opts := append([]core.Opt{{Label: c.T("mt.btn_keep_time", "Time", keep), Value: keep}}, timeOpts()...)
	c.Ask(c.T("mt.ask_time"), 4, opts...)
	return nil
}

func answerMoveTime(c *core.Ctx, in core.Input) (core.StepName, error) {
	_, cell, err := flowMeeting(c)
	if err != nil {
		return "", err
	}
	at, err := atFromData(c, in, c.CellZone(cell))
	if err != nil {
		return "", err
	}
	form(c).At = at.Truncate(time.Second) // whole seconds, as the RFC 3339 text kept before
	return stepPlace, nil
}

func askMovePlace(c *core.Ctx) error {
	mt, _, err := flowMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	c.Ask(c.T("mt.move_ask_place", "Place", placeOf(c, mt)), 1, core.Opt{Label: c.T("mt.btn_keep_place"), Value: "keep"})
	return nil
}

func answerMovePlace(c *core.Ctx, in core.Input) (core.StepName, error) {
	mt, cell, err := flowMeeting(c)
	if err != nil {
		return "", err
	}
	place := mt.Place
	if in.Choice != "keep" {
		if place, err = core.CleanPlace(in.Text); err != nil {
			return "", err
		}
	}
	at := form(c).At
	if at.Equal(mt.At) && place == mt.Place {
		c.Say("mt.move_nothing")
		return "", nil
	}
	oldAt, oldPlace := mt.At, mt.Place
	mt.At, mt.Place, mt.Moved = at, place, true
	if err := db(c).PutMeeting(mt); err != nil {
		return "", err
	}
	if err := c.AuditMeeting("meeting_move", mt, 0, meetingPlace{At: oldAt, Place: oldPlace, Kind: mt.Kind, Combined: mt.Combined}, meetingPlace{At: mt.At, Place: mt.Place, Kind: mt.Kind, Combined: mt.Combined}); err != nil {
		return "", err
	}
	c.Say("mt.move_done", "When", when(c, mt.At, cell), "Place", placeOf(c, mt), "Count", len(mt.Notified))
	return "", notifyChange(c, mt, cell, oldAt, oldPlace)
}

func askTopic(c *core.Ctx) error {
	mt, _, err := flowMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	c.Reply(c.T("mt.topic_ask", "Topic", topicOf(c, mt)))
	return nil
}

func answerTopic(c *core.Ctx, in core.Input) (core.StepName, error) {
	mt, cell, err := flowMeeting(c)
	if err != nil {
		return "", err
	}
	t, err := cleanTopic(in.Text)
	if err != nil {
		return "", err
	}
	mt.Topic = t
	if err := db(c).PutMeeting(mt); err != nil {
		return "", err
	}
	c.Say("mt.topic_done")
	return "", meetingCard(c, mt, cell)
}

func askCancelMeeting(c *core.Ctx) error {
	mt, cell, err := flowMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	c.Ask(c.N("mt.cancel_confirm", len(mt.Notified), "Kind", kindNameLower(c, mt), "When", when(c, mt.At, cell)), 2,
		core.Opt{Label: c.T("mt.btn_cancel_yes"), Value: "yes"}, core.Opt{Label: c.T("mt.btn_cancel_no"), Value: "no"})
	return nil
}

func answerCancelMeeting(c *core.Ctx, in core.Input) (core.StepName, error) {
	switch in.Choice {
	case "no":
		c.Say("cancel.done")
		return "", nil
	case "yes":
	default:
		return "", core.Invalid("err.choose_option")
	}
	mt, cell, err := flowMeeting(c)
	if err != nil {
		return "", err
	}
	mt.State = storage.MeetingCancelled
	if err := db(c).PutMeeting(mt); err != nil {
		return "", err
	}
	if err := c.AuditMeeting("meeting_cancel", mt, 0, nil, meetingPlace{At: mt.At, Place: mt.Place, Kind: mt.Kind, Combined: mt.Combined}); err != nil {
		return "", err
	}
	for _, id := range mt.Notified {
		m, err := db(c).Member(id)
		if err != nil {
			continue
		}
		c.SendTo(m, "mt.cancelled_notice", "Kind", kindNameLower(c.ReaderOf(m), mt), "When", when(c.ReaderOf(m), mt.At, cell))
	}
	for _, m := range guestsOf(c, mt) {
		c.SendTo(m, "mt.cancelled_notice", "Kind", kindNameLower(c.ReaderOf(m), mt), "When", when(c.ReaderOf(m), mt.At, cell))
	}
	c.Say("mt.cancel_done", "Count", len(mt.Notified))
	offerReschedule(c, mt, cell)
	return "", nil
}
