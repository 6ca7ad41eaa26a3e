package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Closing a meeting: the secretary confirms when it really started and
// ended, the roll is frozen, and the meeting's counts and verdicts are
// stored with it. After that they change only by an amendment, stored on
// the meeting and audited (issue 11: closed is closed).

// countMeeting counts a closed meeting's frozen outcomes (Guide
// 09-HD/BTCTW roll report). Exempt members who came are counted apart and
// stay out of the rate (DOMAIN.md §3).
func countMeeting(mt *storage.Meeting) storage.MeetingTally {
	var n storage.MeetingTally
	for _, a := range mt.Roll {
		switch a.Outcome {
		case storage.OutcomeExempt:
			n.Exempt++
			if a.Mark == storage.MarkPresent {
				n.ExemptPresent++
			}
		case storage.OutcomePresent:
			n.Present++
		case storage.OutcomeExcused:
			n.Excused++
		case storage.OutcomeUnexcused:
			n.Unexcused++
		default:
			continue
		}
		n.Total++
	}
	return n
}

// rateOf is present over expected in percent; false when nobody was
// expected (no rate, no verdict, no points).
func rateOf(n storage.MeetingTally) (float64, bool) {
	if n.Expected() <= 0 {
		return 0, false
	}
	return float64(n.Present) * 100 / float64(n.Expected()), true
}

// minutesNeeded is the shortest a meeting may last under the
// organization's rule: by default 90 minutes, 120 when a regular meeting is
// combined with a thematic one (Guide 12-HD/BTCTW 2018); a province may
// shorten it for cells with few members (the template's "length").
func minutesNeeded(c *core.Ctx, cell *storage.Cell, mt *storage.Meeting, members int) (int, error) {
	regular, combined := 90, 120
	t, err := db(c).QualityTemplate(cell.OrgID)
	if err != nil {
		return 0, err
	}
	if t != nil && t.Length != nil {
		l := t.Length
		regular, combined = orDefault(l.Regular, regular), orDefault(l.Combined, combined)
		if l.SmallBelow > 0 && members < l.SmallBelow {
			regular, combined = orDefault(l.SmallRegular, regular), orDefault(l.SmallCombined, combined)
		}
	}
	if mt.Combined {
		return combined, nil
	}
	return regular, nil
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// heldTimes are a closed meeting's start and end: the ones the secretary
// confirmed, or, for a meeting closed before they were asked, its scheduled
// time (not before, not after the end) and the closing time.
func heldTimes(mt *storage.Meeting) (time.Time, time.Time) {
	if !mt.HeldFrom.IsZero() {
		return mt.HeldFrom, mt.HeldTo
	}
	s := mt.Started
	if s.IsZero() || s.Before(mt.At) {
		s = mt.At
	}
	if !mt.Ended.IsZero() && s.After(mt.Ended) {
		s = mt.Ended
	}
	return s, mt.Ended
}

// yearUpTo is the cell's year of closed meetings up to and including mt:
// what was known when mt closed.
func yearUpTo(c *core.Ctx, cell *storage.Cell, mt *storage.Meeting) (*yearRec, error) {
	y, err := YearRecord(c, cell, mt.At.In(c.CellZone(cell)).Year())
	if err != nil {
		return nil, err
	}
	var kept []storage.Meeting
	for _, o := range y.meetings {
		if o.ID != mt.ID && !o.At.After(mt.At) {
			kept = append(kept, o)
		}
	}
	y.meetings = append(kept, *mt)
	return y, nil
}

// judgeTally fills the counts and verdicts of a closed meeting from its
// frozen outcomes and times.
func judgeTally(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) (storage.MeetingTally, error) {
	if err := wholeRoll(c, mt); err != nil {
		return storage.MeetingTally{}, err
	}
	n := countMeeting(mt)
	from, to := heldTimes(mt)
	n.Minutes = int(to.Sub(from) / time.Minute)
	need, err := minutesNeeded(c, cell, mt, n.Total)
	if err != nil {
		return n, err
	}
	if mt.HeldFrom.IsZero() { // closed by the previous release: judged then on 90/120
		need = 90
		if mt.Combined {
			need = 120
		}
	}
	n.Need = need
	n.LengthOK = n.Minutes >= n.Need
	rate, has := rateOf(n)
	n.RateOK = has && rate > 85
	y, err := yearUpTo(c, cell, mt)
	if err != nil {
		return n, err
	}
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return n, err
	}
	n.LongRun = len(y.streaks(ms)) > 0
	n.Standard = n.RateOK && n.Unexcused == 0 && !n.LongRun
	return n, nil
}

// tallyOf is the meeting's stored tally. A meeting closed before tallies
// were stored gets one computed from its frozen outcomes, the same figures
// it showed then; its criterion is judged on the meetings up to it.
func tallyOf(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) (storage.MeetingTally, error) {
	if mt.Tally != nil {
		return *mt.Tally, nil
	}
	return judgeTally(c, mt, cell)
}

// ---- the close flow: confirm the real times ----

// startClose asks the secretary to confirm the meeting's times; the
// meeting closes on "Đúng".
func startClose(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) error {
	if c.Now.Before(mt.At.Add(-openEarly)) {
		c.Say("mt.close_too_early", "When", when(c, mt.At, cell))
		return nil
	}
	from, to := mt.At, c.Now
	if to.Before(from) { // closed before its hour: it started when it was opened
		from = to
		if !mt.Started.IsZero() && mt.Started.Before(to) {
			from = mt.Started
		}
	}
	return c.StartWith("mclose", stepTimes, &mtForm{Meeting: mt.ID, From: from.Unix(), To: to.Unix()})
}

// askCloseTimes shows the start and end to confirm: the scheduled start
// and the time the secretary tapped "close", until changed.
func askCloseTimes(c *core.Ctx) error {
	mt, cell, err := flowMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	from, to := closeTimes(c, mt)
	zone := c.CellZone(cell)
	c.Ask(c.T("close.ask_times", "Start", from.In(zone).Format("15:04"), "End", to.In(zone).Format("15:04"),
		"Minutes", int(to.Sub(from)/time.Minute)), 2,
		core.Opt{Label: c.T("close.btn_ok"), Value: "ok"}, core.Opt{Label: c.T("close.btn_change"), Value: "change"})
	return nil
}

// closeTimes reads the times being confirmed from the conversation.
func closeTimes(c *core.Ctx, mt *storage.Meeting) (time.Time, time.Time) {
	from, to := mt.At, c.Now
	if v := form(c).From; v != 0 {
		from = time.Unix(v, 0)
	}
	if v := form(c).To; v != 0 {
		to = time.Unix(v, 0)
	}
	return from, to
}

func answerCloseTimes(c *core.Ctx, in core.Input) (core.StepName, error) {
	mt, cell, err := flowMeeting(c)
	if err != nil {
		return "", err
	}
	switch in.Choice {
	case "ok":
		from, to := closeTimes(c, mt)
		return "", closeMeeting(c, mt, cell, from, to)
	case "change":
		c.Say("close.type_times")
		return stepTimes, nil
	}
	from, to, err := parseHeldTimes(c, mt, cell, in.Text)
	if err != nil {
		return "", err
	}
	form(c).From, form(c).To = from.Unix(), to.Unix()
	return stepTimes, nil
}

// parseHeldTimes reads "19:30" (the start) or "19:30 21:05" / "19:30-21:05"
// (start and end) on the meeting's day. The end keeps its current value
// when only the start is typed. A start after the end, or an end after
// now, is refused.
func parseHeldTimes(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, text string) (time.Time, time.Time, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '-' || r == '–' || r == ',' })
	if len(fields) == 0 || len(fields) > 2 {
		return time.Time{}, time.Time{}, core.Invalid("close.bad_times")
	}
	zone := c.CellZone(cell)
	day := mt.At.In(zone)
	at := func(s string) (time.Time, error) {
		h, m, err := parseClockTime(s)
		if err != nil {
			return time.Time{}, core.Invalid("close.bad_times")
		}
		return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, zone), nil
	}
	_, to := closeTimes(c, mt)
	from, err := at(fields[0])
	if err != nil {
		return from, to, err
	}
	if len(fields) == 2 {
		if to, err = at(fields[1]); err != nil {
			return from, to, err
		}
	}
	if !from.Before(to) || to.After(c.Now) {
		return from, to, core.Invalid("close.bad_order", "Now", c.Now.In(zone).Format("15:04"))
	}
	return from, to, nil
}

// ---- amendments ----

// amendClosed records a change to a closed meeting's roll entry: the tally
// is counted again, the verdicts judged again (the run of excuses as it
// was at closing), and the amendment with the counts before and after is
// stored on the meeting and audited. The caller stores the meeting.
func amendClosed(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, memberID uint64, what string, from storage.Outcome) error {
	if mt.State != storage.MeetingClosed {
		return nil
	}
	to := storage.Outcome("")
	if a := mt.Roll[memberID]; a != nil {
		to = a.Outcome
	}
	before, err := tallyOf(c, mt, cell)
	if err != nil {
		return err
	}
	if err := wholeRoll(c, mt); err != nil {
		return err
	}
	after := countMeeting(mt)
	if from == to && after.ExemptPresent == before.ExemptPresent {
		return nil
	}
	after.Minutes, after.Need, after.LengthOK, after.LongRun = before.Minutes, before.Need, before.LengthOK, before.LongRun
	rate, has := rateOf(after)
	after.RateOK = has && rate > 85
	after.Standard = after.RateOK && after.Unexcused == 0 && !after.LongRun
	am := storage.Amendment{At: c.Now, By: c.MeID(), What: what, Member: memberID, From: from, To: to, Before: before, After: after}
	mt.Amendments = append(mt.Amendments, am)
	mt.Tally = &after
	return c.AuditMeeting("meeting_amend", mt, memberID, before, am)
}

// amendmentLines are the summary's lines about changes after closing.
func amendmentLines(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) []string {
	var out []string
	zone := c.CellZone(cell)
	for _, am := range mt.Amendments {
		by, name := "", ""
		if m, err := db(c).Member(am.By); err == nil {
			by = m.Name
		}
		if m, err := db(c).Member(am.Member); err == nil {
			name = m.Name
		}
		out = append(out, c.T("close.amended_line", "At", am.At.In(zone).Format("15:04 02/01/2006"), "By", by, "Name", name,
			"From", outcomeName(c, am.From), "To", outcomeName(c, am.To),
			"Before", am.Before.Present, "After", am.After.Present, "Expected", am.After.Expected()))
	}
	return out
}

func outcomeName(c *core.Ctx, o storage.Outcome) string {
	switch o {
	case storage.OutcomePresent:
		return c.T("mt.rs_present")
	case storage.OutcomeExcused:
		return c.T("mt.rs_excused")
	case storage.OutcomeUnexcused:
		return c.T("mt.rs_unexcused")
	case storage.OutcomeExempt:
		return c.T("mt.rs_exempt")
	}
	return c.T("mt.rs_unmarked")
}

// ---- a cancelled month: reschedule within the month ----

// offerReschedule follows the cancellation of a regular meeting: the cell
// meets once a month (Charter art. 24.2), so the secretary is offered
// another day of the same month while days are left.
func offerReschedule(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) {
	zone := c.CellZone(cell)
	if mt.Kind != storage.MeetingRegular || len(rescheduleDays(c, mt, zone)) == 0 {
		return
	}
	c.Reply(c.T("close.cancel_reschedule", "Month", mt.At.In(zone).Format("01/2006")),
		[]chat.Button{core.ActionButton(c.T("close.btn_reschedule"), codeReschedule, fmt.Sprint(mt.ID))})
}

// rescheduleDays are the days left in the cancelled meeting's month, from
// tomorrow.
func rescheduleDays(c *core.Ctx, mt *storage.Meeting, zone *time.Location) []time.Time {
	at := mt.At.In(zone)
	var out []time.Time
	for d := core.DayStart(c.Now.In(zone)).AddDate(0, 0, 1); d.Month() == at.Month() && d.Year() == at.Year(); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// actReschedule starts the reschedule of a cancelled regular meeting:
// "mrs:<meeting>".
func actReschedule(c *core.Ctx, args string) error {
	id, _ := strconv.ParseUint(args, 10, 64) // a bad id is refused by the step as a stale button
	return c.StartWith("mresched", stepDate, &mtForm{Meeting: id})
}

// rescheduleMeeting loads the cancelled meeting of the flow and checks that
// its month has no other regular meeting yet.
func rescheduleMeeting(c *core.Ctx) (*storage.Meeting, *storage.Cell, error) {
	id := form(c).Meeting
	mt, err := db(c).Meeting(id)
	if err != nil {
		return nil, nil, core.Invalid("err.stale_button")
	}
	if c.Me == nil || !c.Me.Leads(mt.CellID) {
		return nil, nil, core.Invalid("err.leaders_only")
	}
	if mt.State != storage.MeetingCancelled || mt.Kind != storage.MeetingRegular {
		return nil, nil, core.Invalid("err.stale_button")
	}
	if cur, err := db(c).RegularMeeting(mt.CellID, mt.Month); err == nil && cur.ID != mt.ID {
		return nil, nil, core.Invalid("close.already_rescheduled")
	}
	cell, err := db(c).Cell(mt.CellID)
	return mt, cell, err
}

func askReschedule(c *core.Ctx) error {
	mt, cell, err := rescheduleMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	zone := c.CellZone(cell)
	var opts []core.Opt
	for _, d := range rescheduleDays(c, mt, zone) {
		if len(opts) == 8 {
			break
		}
		opts = append(opts, core.Opt{Label: d.Format("02/01"), Value: d.Format("2006-01-02")})
	}
	c.Ask(c.T("close.ask_reschedule", "Month", mt.At.In(zone).Format("01/2006"), "Time", mt.At.In(zone).Format("15:04")), 4, opts...)
	return nil
}

func answerReschedule(c *core.Ctx, in core.Input) (core.StepName, error) {
	mt, cell, err := rescheduleMeeting(c)
	if err != nil {
		return "", err
	}
	zone := c.CellZone(cell)
	var d time.Time
	if in.Choice != "" {
		d, err = time.ParseInLocation("2006-01-02", in.Choice, zone)
	} else {
		d, err = core.ParseDateFrom(in.Text, c.Now, zone)
	}
	if err != nil {
		return "", core.Invalid("close.bad_reschedule", "Month", mt.At.In(zone).Format("01/2006"))
	}
	ok := false
	for _, day := range rescheduleDays(c, mt, zone) {
		ok = ok || day.Equal(core.DayStart(d))
	}
	if !ok {
		return "", core.Invalid("close.bad_reschedule", "Month", mt.At.In(zone).Format("01/2006"))
	}
	old := mt.At.In(zone)
	nm := &storage.Meeting{CellID: mt.CellID, Kind: storage.MeetingRegular, Month: mt.Month, Place: mt.Place, Topic: mt.Topic, Combined: mt.Combined,
		At: time.Date(d.Year(), d.Month(), d.Day(), old.Hour(), old.Minute(), 0, 0, zone), Moved: true, State: storage.MeetingPlanned, Created: c.Now, By: c.Me.ID}
	if err := db(c).PutMeeting(nm); err != nil {
		return "", err
	}
	if err := c.AuditMeeting("meeting_resched", mt, 0, map[string]any{"meeting": mt.ID, "at": mt.At}, map[string]any{"meeting": nm.ID, "at": nm.At}); err != nil {
		return "", err
	}
	c.Say("close.rescheduled", "When", when(c, nm.At, cell))
	return "", meetingCard(c, nm, cell)
}

func registerClose(e *core.Engine) {
	e.Register(&core.Flow{Name: "mclose", Need: core.NeedLeader, First: stepTimes, State: func() any { return &mtForm{} },
		Steps: map[core.StepName]core.Step{
			stepTimes: {Ask: askCloseTimes, Answer: answerCloseTimes, Next: []core.StepName{stepTimes}},
		}})
	e.Register(&core.Flow{Name: "mresched", Need: core.NeedLeader, First: stepDate, State: func() any { return &mtForm{} },
		Steps: map[core.StepName]core.Step{
			stepDate: {Ask: askReschedule, Answer: answerReschedule, Next: []core.StepName{}},
		}})
}
