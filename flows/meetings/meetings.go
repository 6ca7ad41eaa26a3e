package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"chibo/flows/chat"
	"chibo/storage"
)

// registerMeetings registers the meetings feature's commands, flows and reminders.
func registerMeetings(e *core.Engine) {
	e.CellTool("meeting", leaderMeetingList)
	e.CellTool("attendance", func(c *core.Ctx, cell *storage.Cell) error {
		return cellYear(c, cell, c.Now.In(c.CellZone(cell)).Year())
	})
	e.Exporter(core.ExportAttendance, exportAttendance)
	e.Exporter(core.ExportRoll, exportRoll)
	e.Exporter(core.ExportQuality, exportQuality)
	e.Drawer(chat.DrawYearChart, drawYearChart)
	e.AuditWords(map[string]core.AuditFunc{
		"excuse_decide":   auditExcuse,
		"roll_set":        auditRoll,
		"meeting_score":   auditScore,
		"meeting_close":   auditClose,
		"meeting_amend":   auditAmend,
		"meeting_resched": auditResched,
		"meeting_create":  auditMeetingPlace("audit.w_meeting_create"),
		"meeting_cancel":  auditMeetingPlace("audit.w_meeting_cancel"),
		"meeting_move":    auditMeetingPlace("audit.w_meeting_move"),
		"notice_sent":     auditNotice,
		"settings_change": auditSettings,
	})
	e.MyData(30, "privacy.sec_meetings", func(c *core.Ctx, m *storage.Member) ([]string, error) { return myMeetings(c, m) })
	e.Forget(func(c *core.Ctx, m *storage.Member) ([][]byte, error) { return nil, forgetMeetings(c, m) })
	e.OnStart(func(c *core.Ctx, payload string) (bool, error) {
		if !IsCheckinPayload(payload) {
			return false, nil
		}
		return true, StartCheckin(c, payload)
	})
	e.Command(&core.Command{Name: "meeting", Need: core.NeedMember, PrivateOnly: true, HelpID: "mt.help", MenuID: "mt.menu", Run: runMeeting})
	e.Command(&core.Command{Name: "attendance", Need: core.NeedMember, PrivateOnly: true, HelpID: "mt.help_attendance", MenuID: "mt.menu_attendance", Run: runAttendance})
	e.Command(&core.Command{Name: "code", Need: core.NeedMember, PrivateOnly: true, HelpID: "mt.help_code", MenuID: "mt.menu_code", Run: runCheckinCode})

	end := []core.StepName{} // a step after which the flow ends
	e.Register(&core.Flow{Name: "mschedule", Need: core.NeedLeader, First: stepDay, State: func() any { return &mtForm{} },
		Steps: map[core.StepName]core.Step{
			stepDay:  {Ask: askScheduleDay, Answer: answerScheduleDay, Next: []core.StepName{stepTime}},
			stepTime: {Ask: askScheduleTime, Answer: answerScheduleTime, Next: end},
		}})
	e.Register(&core.Flow{Name: "mremind", Need: core.NeedLeader, First: stepQuiet, State: func() any { return &mtForm{} },
		Steps: map[core.StepName]core.Step{
			stepQuiet:     {Ask: askRemindQuiet, Answer: answerRemindQuiet, Next: []core.StepName{stepMember}},
			stepMember:    {Ask: askRemindMember, Answer: answerRemindMember, Next: []core.StepName{stepSecretary}},
			stepSecretary: {Ask: askRemindSecretary, Answer: answerRemindSecretary, Next: []core.StepName{stepMorning}},
			stepMorning:   {Ask: askRemindMorning, Answer: answerRemindMorning, Next: end},
		}})
	e.Register(&core.Flow{Name: "mnew", Need: core.NeedLeader, First: stepTopic, State: func() any { return &mtForm{} },
		Steps: map[core.StepName]core.Step{
			stepTopic: {Ask: askNewTopic, Answer: answerNewTopic, Next: []core.StepName{stepDate}},
			stepDate:  {Ask: askNewDate, Answer: answerNewDate, Next: []core.StepName{stepTime}},
			stepTime:  {Ask: askNewTime, Answer: answerNewTime, Next: []core.StepName{stepPlace}},
			stepPlace: {Ask: askNewPlace, Answer: answerNewPlace, Next: end},
		}})
	e.Register(&core.Flow{Name: "mmove", Need: core.NeedLeader, First: stepDate, State: func() any { return &mtForm{} },
		Steps: map[core.StepName]core.Step{
			stepDate:  {Ask: askMoveDate, Answer: answerMoveDate, Next: []core.StepName{stepTime}},
			stepTime:  {Ask: askMoveTime, Answer: answerMoveTime, Next: []core.StepName{stepPlace}},
			stepPlace: {Ask: askMovePlace, Answer: answerMovePlace, Next: end},
		}})
	e.Register(&core.Flow{Name: "mtopic", Need: core.NeedLeader, First: stepTopic, State: func() any { return &mtForm{} },
		Steps: map[core.StepName]core.Step{
			stepTopic: {Ask: askTopic, Answer: answerTopic, Next: end},
		}})
	e.Register(&core.Flow{Name: "mcancel", Need: core.NeedLeader, First: stepConfirm, State: func() any { return &mtForm{} },
		Steps: map[core.StepName]core.Step{
			stepConfirm: {Ask: askCancelMeeting, Answer: answerCancelMeeting, Next: end},
		}})
	e.Register(&core.Flow{Name: "excuse", Need: core.NeedMember, First: stepReason, State: func() any { return &mtForm{} },
		Steps: map[core.StepName]core.Step{
			stepReason: {Ask: askExcuseReason, Answer: answerExcuseReason, Next: []core.StepName{stepText}},
			stepText:   {Ask: askExcuseText, Answer: answerExcuseText, Next: end},
		}})
	e.Register(&core.Flow{Name: "mscore", Need: core.NeedLeader, First: stepSection, State: func() any { return &scoreState{} },
		Steps: map[core.StepName]core.Step{
			stepSection: {Ask: askScoreSection, Answer: answerScoreSection, Next: []core.StepName{stepSection}},
		}})
	e.DueSource("meetings", dueMeetings)
	e.DueSource("residence-meetings", dueResidenceMeetings)
}

// Defaults of a cell's meeting rules (DOMAIN.md §3: configurable, never
// hard-coded; these are only what a new cell starts with).
const (
	defaultSpec    = "30 19 3 * *" // the 3rd of each month at 19:30
	defaultMorning = 7 * 60
	// codeTTL is how long an in-room check-in code works after it is shown.
	CodeTTL = 4 * time.Hour
	// openEarly is how long before its time a meeting's check-in can open.
	openEarly = 2 * time.Hour
)

// rules are a cell's meeting settings with the defaults filled in.
type rules struct {
	s                  *storage.MeetingSettings
	spec               string
	sched              cron.Schedule
	zone               *time.Location
	quietFrom, quietTo int
	morning            int
	secEarly, secLate  time.Duration
	memEarly, memLate  time.Duration
}

func meetingRules(c *core.Ctx, cell *storage.Cell) (*rules, error) {
	s, err := c.Tx.MeetingSettings(cell.ID)
	if err != nil {
		return nil, err
	}
	r := &rules{s: s, spec: s.Spec, zone: c.CellZone(cell), quietFrom: s.QuietFrom, quietTo: s.QuietTo, morning: s.MorningAt,
		secEarly: s.SecEarly, secLate: s.SecLate, memEarly: s.MemberEarly, memLate: s.MemberLate}
	if r.spec == "" {
		r.spec = defaultSpec
	}
	if r.quietFrom == 0 && r.quietTo == 0 {
		r.quietFrom, r.quietTo = core.DefaultQuietFrom, core.DefaultQuietTo
	}
	if r.morning == 0 {
		r.morning = defaultMorning
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&r.secEarly, 7*24*time.Hour)
	def(&r.secLate, 2*24*time.Hour)
	def(&r.memEarly, 24*time.Hour)
	def(&r.memLate, 2*time.Hour)
	r.sched, err = cron.ParseStandard(r.spec)
	if err != nil {
		return nil, fmt.Errorf("cell %d meeting spec %q: %w", cell.ID, r.spec, err)
	}
	return r, nil
}

// regularAt is the time of the month's regular meeting by the rule, or
// false when the rule has none that month.
func (r *rules) regularAt(year int, month time.Month) (time.Time, bool) {
	start := time.Date(year, month, 1, 0, 0, 0, 0, r.zone)
	t := r.sched.Next(start.Add(-time.Second))
	if t.IsZero() || t.Year() != year || t.Month() != month {
		return time.Time{}, false
	}
	return t, true
}

// dayAndTime reads the day of month and time of a "M H D * *" spec, the only
// kind the schedule buttons make.
func specDayTime(spec string) (day, hour, minute int, ok bool) {
	f := strings.Fields(spec)
	if len(f) != 5 || f[3] != "*" || f[4] != "*" {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	minute, err1 = strconv.Atoi(f[0])
	hour, err2 = strconv.Atoi(f[1])
	day, err3 = strconv.Atoi(f[2])
	return day, hour, minute, err1 == nil && err2 == nil && err3 == nil
}

// quiet reports whether t falls in the cell's quiet hours.
func (r *rules) quiet(t time.Time) bool {
	t = t.In(r.zone)
	m := t.Hour()*60 + t.Minute()
	if r.quietFrom <= r.quietTo {
		return m >= r.quietFrom && m < r.quietTo
	}
	return m >= r.quietFrom || m < r.quietTo
}

// monthKey names a month of a regular meeting.
func monthKey(t time.Time) string { return t.Format("2006-01") }

// ensureMeetings creates the cell's regular meetings of this month and the
// next from its rule, when they do not exist and are still ahead, so
// reminders a week before an early-month meeting have a meeting to look at.
func ensureMeetings(c *core.Ctx, cell *storage.Cell, r *rules) error {
	now := c.Now.In(r.zone)
	for i := 0; i < 2; i++ {
		first := time.Date(now.Year(), now.Month()+time.Month(i), 1, 0, 0, 0, 0, r.zone)
		key := monthKey(first)
		if _, err := c.Tx.RegularMeeting(cell.ID, key); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		at, ok := r.regularAt(first.Year(), first.Month())
		if !ok || !at.After(c.Now) || at.Before(cell.Created) {
			continue
		}
		m := &storage.Meeting{CellID: cell.ID, Kind: storage.MeetingRegular, Month: key, At: at, Place: r.s.Place,
			State: storage.MeetingPlanned, Created: c.Now}
		if err := c.Tx.PutMeeting(m); err != nil {
			return err
		}
	}
	return nil
}

// statusOn is the kind of the member's status in effect on day t
// (storage.Member.StatusOn decides, for every rule).
func statusOn(m *storage.Member, t time.Time) storage.StatusKind { return m.StatusOn(t).Kind }

// standing says whether a member is on the cell's list on the meeting's day
// and whether they are expected: exempt members, far-away members with a
// temporary exemption granted for that day, and temporarily transferred out
// members are on the list but not counted (Guide 12-HD/BTCTW criterion 1); a
// member working far away without an exemption is expected (and can be
// excused); members who left or had not joined are not on it.
func standing(m *storage.Member, mt *storage.Meeting) storage.Outcome {
	if mt.State == storage.MeetingClosed {
		if a, ok := mt.Roll[m.ID]; ok && a.Outcome != "" {
			return a.Outcome
		}
		return storage.OutcomeNotExpected
	}
	if m.HomeCellID != mt.CellID || (!m.Joined.IsZero() && m.Joined.After(mt.At)) {
		return storage.OutcomeNotExpected
	}
	switch s := m.StatusOn(mt.At); s.Kind {
	case storage.StatusLeft:
		return storage.OutcomeNotExpected
	case storage.StatusExempt, storage.StatusTransferredOut:
		return storage.OutcomeExempt
	case storage.StatusFarAway:
		if s.Exempt {
			return storage.OutcomeExempt
		}
	}
	return ""
}

// expected reports whether the member is expected at the meeting.
func expected(m *storage.Member, mt *storage.Meeting) bool {
	switch standing(m, mt) {
	case storage.OutcomeExempt, storage.OutcomeNotExpected:
		return false
	}
	return true
}

// wholeRoll reads mt's roll unless mt holds it already (a header listed by
// Meetings or ActiveMeetings holds none).
func wholeRoll(c *core.Ctx, mt *storage.Meeting) error {
	if mt.HasRoll() {
		return nil
	}
	return c.Tx.LoadRoll(mt)
}

// meetingFor loads the meeting named in args and its cell. lead requires the
// caller to lead the meeting's cell; otherwise the caller must belong to it.
func meetingFor(c *core.Ctx, idArg string, lead bool) (*storage.Meeting, *storage.Cell, bool, error) {
	id, err := strconv.ParseUint(idArg, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil, nil, false, nil
	}
	mt, err := c.Tx.Meeting(id)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	if lead && !c.Me.Leads(mt.CellID) {
		c.Say("err.leaders_only")
		return nil, nil, false, nil
	}
	if !lead && c.Me.HomeCellID != mt.CellID && !c.Me.Leads(mt.CellID) {
		c.Say("err.stale_button")
		return nil, nil, false, nil
	}
	cell, err := c.Tx.Cell(mt.CellID)
	if err != nil {
		return nil, nil, false, err
	}
	return mt, cell, true, nil
}

// When formats a meeting's time as "19:30 ngày 03/03/2026" in the cell's zone.
func when(c *core.Ctx, t time.Time, cell *storage.Cell) string {
	t = t.In(c.CellZone(cell))
	return c.T("mt.when", "Time", t.Format("15:04"), "Date", t.Format("02/01/2006"))
}

func stateName(c *core.Ctx, s storage.MeetingState) string {
	switch s {
	case storage.MeetingOpen:
		return c.T("mt.state_open")
	case storage.MeetingClosed:
		return c.T("mt.state_closed")
	case storage.MeetingCancelled:
		return c.T("mt.state_cancelled")
	}
	return c.T("mt.state_planned")
}

func topicOf(c *core.Ctx, mt *storage.Meeting) string {
	if mt.Topic == "" {
		return c.T("mt.no_topic")
	}
	return mt.Topic
}

func placeOf(c *core.Ctx, mt *storage.Meeting) string {
	if mt.Place == "" {
		return c.T("mt.no_place")
	}
	return mt.Place
}

// meetingLine is one meeting in a list.
func meetingLine(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) string {
	return c.T("mt.line", "Kind", c.KindName(mt), "When", when(c, mt.At, cell), "State", stateName(c, mt.State))
}

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
	cell, err := c.Tx.Cell(c.Me.HomeCellID)
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
	ms, err := c.Tx.Meetings(cell.ID)
	if err != nil {
		return false, err
	}
	for i := range ms {
		mt := &ms[i]
		if !mt.Active() || mt.At.Before(c.Now.Add(-6*time.Hour)) {
			continue
		}
		if err := c.Tx.LoadAttendance(mt, c.Me.ID); err != nil {
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
	ms, err := c.Tx.Meetings(cell.ID)
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

// ---- schedule ----

// schedCell is the cell of a planning flow, checked against the caller's
// role on every step.
func schedCell(c *core.Ctx) (*storage.Cell, error) {
	id := form(c).Cell
	if id == 0 || !c.Me.Leads(id) {
		return nil, core.Invalid("err.leaders_only")
	}
	return c.Tx.Cell(id)
}

func askScheduleDay(c *core.Ctx) error {
	cell, err := schedCell(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	r, err := meetingRules(c, cell)
	if err != nil {
		return err
	}
	// Days 1–28 exist in every month, so the rule never skips February.
	opts := make([]core.Opt, 0, 28)
	for d := 1; d <= 28; d++ {
		opts = append(opts, core.Opt{Label: strconv.Itoa(d), Value: strconv.Itoa(d)})
	}
	c.Ask(c.T("mt.sched_ask_day", "Rule", ruleText(c, r)), 7, opts...)
	return nil
}

func answerScheduleDay(c *core.Ctx, in core.Input) (core.StepName, error) {
	v := in.Choice
	if v == "" {
		v = in.Text
	}
	d, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || d < 1 || d > 28 {
		return "", core.Invalid("mt.sched_bad_day")
	}
	form(c).Day = d
	return stepTime, nil
}

// commonTimes are the meeting hours offered as buttons; any other is typed.
var commonTimes = []string{"07:30", "08:00", "14:00", "17:00", "19:00", "19:30", "20:00"}

func timeOpts() []core.Opt {
	opts := make([]core.Opt, 0, len(commonTimes))
	for _, t := range commonTimes {
		opts = append(opts, core.Opt{Label: t, Value: t})
	}
	return opts
}

// parseClockTime reads "19:30", "19h30", "19h" or "19".
func parseClockTime(s string) (h, m int, err error) {
	s = strings.ToLower(strings.ReplaceAll(core.NormalizeText(s), " ", ""))
	s = strings.NewReplacer("h", ":", ".", ":", "g", ":").Replace(s)
	s = strings.TrimSuffix(s, ":")
	hs, ms, _ := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hs)
	m = 0
	var err2 error
	if ms != "" {
		m, err2 = strconv.Atoi(ms)
	}
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, core.Invalid("mt.bad_time")
	}
	return h, m, nil
}

func askScheduleTime(c *core.Ctx) error {
	c.Ask(c.T("mt.sched_ask_time", "Day", strconv.Itoa(form(c).Day)), 4, timeOpts()...)
	return nil
}

func answerScheduleTime(c *core.Ctx, in core.Input) (core.StepName, error) {
	v := in.Choice
	if v == "" {
		v = in.Text
	}
	h, m, err := parseClockTime(v)
	if err != nil {
		return "", err
	}
	cell, err := schedCell(c)
	if err != nil {
		return "", err
	}
	day := form(c).Day
	s, err := c.Tx.MeetingSettings(cell.ID)
	if err != nil {
		return "", err
	}
	prevSpec := s.Spec
	s.Spec = fmt.Sprintf("%d %d %d * *", m, h, day)
	if err := c.Tx.PutMeetingSettings(s); err != nil {
		return "", err
	}
	if err := c.Audit("settings_change", cell.ID, 0, map[string]string{"schedule": prevSpec}, map[string]string{"schedule": s.Spec}); err != nil {
		return "", err
	}
	r, err := meetingRules(c, cell)
	if err != nil {
		return "", err
	}
	// Future regular meetings follow the new rule, except those moved by hand.
	ms, err := c.Tx.Meetings(cell.ID)
	if err != nil {
		return "", err
	}
	for i := range ms {
		mt := &ms[i]
		if mt.Kind != storage.MeetingRegular || mt.State != storage.MeetingPlanned || mt.Moved || !mt.At.After(c.Now) {
			continue
		}
		first, _ := time.ParseInLocation("2006-01", mt.Month, r.zone)
		at, ok := r.regularAt(first.Year(), first.Month())
		if !ok || at.Equal(mt.At) {
			continue
		}
		old := mt.At
		mt.At = at
		if err := c.Tx.PutMeeting(mt); err != nil {
			return "", err
		}
		if err := notifyChange(c, mt, cell, old, mt.Place); err != nil {
			return "", err
		}
	}
	if err := ensureMeetings(c, cell, r); err != nil {
		return "", err
	}
	c.Say("mt.sched_done", "Rule", ruleText(c, r))
	return "", nil
}

// ---- new thematic or extra meeting ----

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
	ms, err := c.Tx.Meetings(cell.ID)
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
			if err := c.Tx.PutMeeting(reg); err != nil {
				return "", err
			}
			c.Say("mt.new_combined", "When", when(c, reg.At, cell))
			return "", meetingCard(c, reg, cell)
		}
	}
	if err := c.Tx.PutMeeting(mt); err != nil {
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

// ---- move, topic, cancel ----

// flowMeeting is the meeting of a flow, checked against the caller's role
// and the meeting's state on every step.
func flowMeeting(c *core.Ctx) (*storage.Meeting, *storage.Cell, error) {
	id := form(c).Meeting
	mt, err := c.Tx.Meeting(id)
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
	cell, err := c.Tx.Cell(mt.CellID)
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
	if err := c.Tx.PutMeeting(mt); err != nil {
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
	if err := c.Tx.PutMeeting(mt); err != nil {
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
	if err := c.Tx.PutMeeting(mt); err != nil {
		return "", err
	}
	if err := c.AuditMeeting("meeting_cancel", mt, 0, nil, meetingPlace{At: mt.At, Place: mt.Place, Kind: mt.Kind, Combined: mt.Combined}); err != nil {
		return "", err
	}
	for _, id := range mt.Notified {
		m, err := c.Tx.Member(id)
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

// ---- reminder settings ----

// quietChoices, memberChoices and secretaryChoices are the reminder settings
// a secretary picks from: quiet hours as minutes after midnight, offsets in
// hours before the meeting.
var (
	quietChoices     = [][2]int{{21*60 + 30, 6*60 + 30}, {22 * 60, 6 * 60}, {21 * 60, 7 * 60}, {22 * 60, 7 * 60}}
	memberChoices    = [][2]int{{24, 2}, {24, 1}, {48, 2}, {24, 3}}
	secretaryChoices = [][2]int{{7 * 24, 2 * 24}, {5 * 24, 2 * 24}, {10 * 24, 3 * 24}, {7 * 24, 3 * 24}}
)

func quietLabel(c *core.Ctx, q [2]int) string {
	return c.T("mt.rem_quiet_opt", "From", core.Hhmm(q[0]), "To", core.Hhmm(q[1]))
}

func memberLabel(c *core.Ctx, p [2]int) string {
	return c.T("mt.rem_member_opt", "Days", p[0]/24, "Hours", p[1])
}

func secretaryLabel(c *core.Ctx, p [2]int) string {
	return c.T("mt.rem_sec_opt", "Early", p[0]/24, "Late", p[1]/24)
}

// pickPair reads the index of a choice.
func pickPair(in core.Input, choices [][2]int) ([2]int, error) {
	i, err := strconv.Atoi(in.Choice)
	if err != nil || i < 0 || i >= len(choices) {
		return [2]int{}, core.Invalid("err.choose_option")
	}
	return choices[i], nil
}

func pairOpts(choices [][2]int, label func([2]int) string) []core.Opt {
	opts := make([]core.Opt, len(choices))
	for i, p := range choices {
		opts[i] = core.Opt{Label: label(p), Value: strconv.Itoa(i)}
	}
	return opts
}

func askRemindQuiet(c *core.Ctx) error {
	cell, err := schedCell(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	r, err := meetingRules(c, cell)
	if err != nil {
		return err
	}
	cur := c.T("mt.rem_current", "Quiet", quietLabel(c, [2]int{r.quietFrom, r.quietTo}),
		"Member", memberLabel(c, [2]int{int(r.memEarly / time.Hour), int(r.memLate / time.Hour)}),
		"Secretary", secretaryLabel(c, [2]int{int(r.secEarly / time.Hour), int(r.secLate / time.Hour)}),
		"Morning", fmt.Sprintf("%02d:%02d", r.morning/60, r.morning%60))
	c.Ask(cur+"\n"+c.T("mt.rem_ask_quiet"), 2, pairOpts(quietChoices, func(p [2]int) string { return quietLabel(c, p) })...)
	return nil
}

func answerRemindQuiet(c *core.Ctx, in core.Input) (core.StepName, error) {
	if _, err := pickPair(in, quietChoices); err != nil {
		return "", err
	}
	form(c).Quiet = in.Choice
	return stepMember, nil
}

func askRemindMember(c *core.Ctx) error {
	c.Ask(c.T("mt.rem_ask_member"), 2, pairOpts(memberChoices, func(p [2]int) string { return memberLabel(c, p) })...)
	return nil
}

func answerRemindMember(c *core.Ctx, in core.Input) (core.StepName, error) {
	if _, err := pickPair(in, memberChoices); err != nil {
		return "", err
	}
	form(c).Member = in.Choice
	return stepSecretary, nil
}

func askRemindSecretary(c *core.Ctx) error {
	c.Ask(c.T("mt.rem_ask_secretary"), 2, pairOpts(secretaryChoices, func(p [2]int) string { return secretaryLabel(c, p) })...)
	return nil
}

func answerRemindSecretary(c *core.Ctx, in core.Input) (core.StepName, error) {
	if _, err := pickPair(in, secretaryChoices); err != nil {
		return "", err
	}
	form(c).Secretary = in.Choice
	return stepMorning, nil
}

// morningChoices are the hours of the secretary's reminder on the day of
// the meeting (the roll sheet), outside the default quiet hours.
var morningChoices = []int{6, 7, 8, 9, 10, 12}

func askRemindMorning(c *core.Ctx) error {
	opts := make([]core.Opt, len(morningChoices))
	for i, h := range morningChoices {
		opts[i] = core.Opt{Label: fmt.Sprintf("%02d:00", h), Value: strconv.Itoa(i)}
	}
	c.Ask(c.T("mt.rem_ask_morning"), 3, opts...)
	return nil
}

func answerRemindMorning(c *core.Ctx, in core.Input) (core.StepName, error) {
	i, err := strconv.Atoi(in.Choice)
	if err != nil || i < 0 || i >= len(morningChoices) {
		return "", core.Invalid("err.choose_option")
	}
	morning := morningChoices[i]
	cell, err := schedCell(c)
	if err != nil {
		return "", err
	}
	f := form(c)
	q, _ := pickPair(core.Input{Choice: f.Quiet}, quietChoices)
	mem, _ := pickPair(core.Input{Choice: f.Member}, memberChoices)
	sec, _ := pickPair(core.Input{Choice: f.Secretary}, secretaryChoices)
	s, err := c.Tx.MeetingSettings(cell.ID)
	if err != nil {
		return "", err
	}
	prev := *s
	s.QuietFrom, s.QuietTo = q[0], q[1]
	s.MemberEarly, s.MemberLate = time.Duration(mem[0])*time.Hour, time.Duration(mem[1])*time.Hour
	s.SecEarly, s.SecLate = time.Duration(sec[0])*time.Hour, time.Duration(sec[1])*time.Hour
	s.MorningAt = morning * 60
	if err := c.Tx.PutMeetingSettings(s); err != nil {
		return "", err
	}
	if err := c.Audit("settings_change", cell.ID, 0, prev, s); err != nil {
		return "", err
	}
	c.Say("mt.rem_done", "Quiet", quietLabel(c, q), "Member", memberLabel(c, mem), "Secretary", secretaryLabel(c, sec), "Morning", fmt.Sprintf("%02d:00", morning))
	return "", nil
}
