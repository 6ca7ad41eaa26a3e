package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// schedCell is the cell of a planning flow, checked against the caller's
// role on every step.
func schedCell(c *core.Ctx) (*storage.Cell, error) {
	id := form(c).Cell
	if id == 0 || !c.Me.Leads(id) {
		return nil, core.Invalid("err.leaders_only")
	}
	return db(c).Cell(id)
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
	s, err := db(c).MeetingSettings(cell.ID)
	if err != nil {
		return "", err
	}
	prevSpec := s.Spec
	s.Spec = fmt.Sprintf("%d %d %d * *", m, h, day)
	if err := db(c).PutMeetingSettings(s); err != nil {
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
	ms, err := db(c).Meetings(cell.ID)
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
		if err := db(c).PutMeeting(mt); err != nil {
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
	s, err := db(c).MeetingSettings(cell.ID)
	if err != nil {
		return "", err
	}
	prev := *s
	s.QuietFrom, s.QuietTo = q[0], q[1]
	s.MemberEarly, s.MemberLate = time.Duration(mem[0])*time.Hour, time.Duration(mem[1])*time.Hour
	s.SecEarly, s.SecLate = time.Duration(sec[0])*time.Hour, time.Duration(sec[1])*time.Hour
	s.MorningAt = morning * 60
	if err := db(c).PutMeetingSettings(s); err != nil {
		return "", err
	}
	if err := c.Audit("settings_change", cell.ID, 0, prev, s); err != nil {
		return "", err
	}
	c.Say("mt.rem_done", "Quiet", quietLabel(c, q), "Member", memberLabel(c, mem), "Secretary", secretaryLabel(c, sec), "Morning", fmt.Sprintf("%02d:00", morning))
	return "", nil
}

// quietChoices, memberChoices and secretaryChoices are the reminder settings
// a secretary picks from: quiet hours as minutes after midnight, offsets in
// hours before the meeting.
var (
	quietChoices     = [][2]int{{21*60 + 30, 6*60 + 30}, {22 * 60, 6 * 60}, {21 * 60, 7 * 60}, {22 * 60, 7 * 60}}
	memberChoices    = [][2]int{{24, 2}, {24, 1}, {48, 2}, {24, 3}}
	secretaryChoices = [][2]int{{7 * 24, 2 * 24}, {5 * 24, 2 * 24}, {10 * 24, 3 * 24}, {7 * 24, 3 * 24}}
)
