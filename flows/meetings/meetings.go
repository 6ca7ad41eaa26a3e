package meetings

import (
	"chibo/flows/core"
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
	s, err := db(c).MeetingSettings(cell.ID)
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
		if _, err := db(c).RegularMeeting(cell.ID, key); err == nil {
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
		if err := db(c).PutMeeting(m); err != nil {
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
	return db(c).LoadRoll(mt)
}

// meetingFor loads the meeting named in args and its cell. lead requires the
// caller to lead the meeting's cell; otherwise the caller must belong to it.
func meetingFor(c *core.Ctx, idArg string, lead bool) (*storage.Meeting, *storage.Cell, bool, error) {
	id, err := strconv.ParseUint(idArg, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil, nil, false, nil
	}
	mt, err := db(c).Meeting(id)
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
	cell, err := db(c).Cell(mt.CellID)
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

// ---- schedule ----

// ---- new thematic or extra meeting ----

// ---- move, topic, cancel ----

// ---- reminder settings ----
