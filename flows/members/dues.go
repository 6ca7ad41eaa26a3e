package members

import (
	"chibo/flows/core"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Party dues (đảng phí) are their own record per member and month
// (storage.Dues), fed by the roll of the month's meetings, by the far-away
// member's monthly check-in, and by the group leader or the secretary. They
// are never inferred from presence: a month nobody recorded is "no
// information", which is neither paid nor a Charter art. 8.1 "not paid".

// registerDues registers the officers' way to record a member's dues for a
// month: "du:<member>" from the board or the member's roll card.
func registerDues(e *core.Engine) {
	e.AuditWords(map[string]core.AuditFunc{"dues_set": auditDues})
	e.MyData(40, "dues.sec_mydata", func(c *core.Ctx, m *storage.Member) ([]string, error) { return myDues(c, m) })
	e.Forget(func(c *core.Ctx, m *storage.Member) ([][]byte, error) { return nil, forgetDues(c, m) })
	e.Register(&core.Flow{Name: "dues", Need: core.NeedGroupLeader, First: duesMonth, State: func() any { return &duesState{} },
		Steps: map[core.StepName]core.Step{
			duesMonth:  {Ask: askDuesMonth, Answer: answerDuesMonth, Next: []core.StepName{duesPaid}},
			duesPaid:   {Ask: askDuesState, Answer: answerDuesState, Next: []core.StepName{duesReason}},
			duesReason: {Ask: askDuesReason, Answer: answerDuesReason, Next: []core.StepName{}},
		}})
}

// The steps of recording a member's dues.
const (
	duesMonth  core.StepName = "month"
	duesPaid   core.StepName = "state"
	duesReason core.StepName = "reason"
)

// duesState is what recording dues carries. Its JSON keys are those of the
// map kept before typed state.
type duesState struct {
	Member uint64 `json:"member,string"`
	Month  string `json:"month,omitempty"` // "2006-01"
}

// duesOf is the member's dues record for month ("2006-01"), nil when none.
func DuesOf(tx store, memberID uint64, month string) (*storage.Dues, error) {
	d, err := tx.Dues(memberID, month)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	return d, err
}

// checkDuesMonth refuses dues for a month before the member joined the cell,
// or more than one month ahead (a member may pay next month's in advance).
func CheckDuesMonth(c *core.Ctx, m *storage.Member, month string) error {
	p, ok := core.ParsePeriod(month)
	if !ok {
		return core.Invalid("dues.err_month", "Example", c.ExampleMonth())
	}
	if !m.Joined.IsZero() {
		j := m.Joined.In(c.Zone())
		if joined := (core.Period{Y: j.Year(), M: j.Month()}); p.Before(joined) {
			return core.Invalid("dues.err_before_joined", "Name", m.Name, "Month", p.Label(), "Joined", joined.Label())
		}
	}
	now := c.Now.In(c.Zone())
	if latest := (core.Period{Y: now.Year(), M: now.Month()}).Add(1); latest.Before(p) {
		return core.Invalid("dues.err_future", "Month", p.Label(), "Latest", latest.Label())
	}
	return nil
}

// recordDues stores d for member m when it says something new, audited as
// "dues_set" in the same transaction. It reports whether anything changed;
// a month refused by checkDuesMonth is an *InvalidInput and changes nothing.
func RecordDues(c *core.Ctx, m *storage.Member, d *storage.Dues) (bool, error) {
	if err := CheckDuesMonth(c, m, d.Month); err != nil {
		return false, err
	}
	old, err := DuesOf(db(c), d.MemberID, d.Month)
	if err != nil {
		return false, err
	}
	if old != nil && old.State == d.State && old.Reason == d.Reason && old.PaidTo == d.PaidTo {
		return false, nil
	}
	if d.CellID == 0 {
		d.CellID = m.HomeCellID
	}
	if err := db(c).PutDues(d); err != nil {
		return false, err
	}
	var before any
	if old != nil {
		before = old
	}
	return true, c.Audit("dues_set", d.CellID, d.MemberID, before, d)
}

// duesText says what a dues record says, "no information" for none.
func DuesText(c *core.Ctx, d *storage.Dues) string {
	switch {
	case d == nil:
		return c.T("dues.none")
	case d.State == storage.DuesPaid && d.PaidTo != "":
		return duesAnswer(c, d.PaidTo)
	case d.State == storage.DuesPaid:
		return c.T("dues.paid")
	case d.Reason != "":
		return c.T("dues.unpaid_reason", "Reason", d.Reason)
	}
	return c.T("dues.unpaid")
}

// duesRollMark is the dues note after a member's line on the roll.
func DuesRollMark(c *core.Ctx, d *storage.Dues) string {
	switch {
	case d == nil:
		return ""
	case d.State == storage.DuesPaid:
		return c.T("mt.roll_dues_mark")
	}
	return c.T("dues.roll_unpaid_mark")
}

// duesRecorder says how the caller may record m's dues: as the secretary
// or deputy of m's cell, or as m's group leader; ok is false otherwise.
func duesRecorder(c *core.Ctx, m *storage.Member) (storage.DuesSource, bool) {
	switch {
	case c.Me == nil:
		return "", false
	case c.Me.Leads(m.HomeCellID):
		return storage.DuesViaSecretary, true
	case CkGroupLeader(db(c), m) == c.Me.ID:
		return storage.DuesViaLeader, true
	}
	return "", false
}

// actionDues starts recording a member's dues: "du:<member>".
func actionDues(c *core.Ctx, args string) error {
	id, err := strconv.ParseUint(args, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	m, err := db(c).Member(id)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	if _, ok := duesRecorder(c, m); !ok {
		c.Say("dues.not_allowed")
		return nil
	}
	return c.StartWith("dues", duesMonth, &duesState{Member: m.ID})
}

// duesMember is the member of the dues flow, checked against the caller's
// role on every step (a role can be lost mid-conversation).
func duesMember(c *core.Ctx) (*storage.Member, storage.DuesSource, error) {
	m, err := db(c).Member(core.StateOf[duesState](c).Member)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, "", core.Invalid("err.conv_expired")
	}
	if err != nil {
		return nil, "", err
	}
	via, ok := duesRecorder(c, m)
	if !ok {
		return nil, "", core.Invalid("dues.not_allowed")
	}
	return m, via, nil
}

// duesStep loads the flow's member, or ends the flow with the reason.
func duesStep(c *core.Ctx) (*storage.Member, storage.DuesSource, bool, error) {
	m, via, err := duesMember(c)
	if err != nil {
		c.End()
		return nil, "", false, SayInvalid(c, err)
	}
	return m, via, true, nil
}

func askDuesMonth(c *core.Ctx) error {
	m, _, ok, err := duesStep(c)
	if !ok {
		return err
	}
	now := c.Now.In(c.Zone())
	cur := core.Period{Y: now.Year(), M: now.Month()}
	var opts []core.Opt
	var lines []string
	for _, p := range []core.Period{cur.Add(-2), cur.Add(-1), cur} {
		if CheckDuesMonth(c, m, p.String()) != nil {
			continue
		}
		d, err := DuesOf(db(c), m.ID, p.String())
		if err != nil {
			return err
		}
		lines = append(lines, c.T("dues.month_line", "Month", p.Label(), "State", DuesText(c, d)))
		opts = append(opts, core.Opt{Label: p.Label(), Value: p.String()})
	}
	c.Ask(c.T("dues.ask_month", "Name", m.Name, "Lines", strings.Join(lines, "\n"), "Example", c.ExampleMonth()), 3, opts...)
	return nil
}

func answerDuesMonth(c *core.Ctx, in core.Input) (core.StepName, error) {
	m, _, err := duesMember(c)
	if err != nil {
		return "", err
	}
	month := in.Choice
	if month == "" {
		s := core.MonthYear.FindStringSubmatch(strings.TrimSpace(in.Text))
		if s == nil {
			return "", core.Invalid("dues.err_month", "Example", c.ExampleMonth())
		}
		mo, _ := strconv.Atoi(s[1])
		y, _ := strconv.Atoi(s[2])
		if mo < 1 || mo > 12 {
			return "", core.Invalid("dues.err_month", "Example", c.ExampleMonth())
		}
		month = core.Period{Y: y, M: time.Month(mo)}.String()
	}
	if err := CheckDuesMonth(c, m, month); err != nil {
		return "", err
	}
	core.StateOf[duesState](c).Month = month
	return duesPaid, nil
}

func askDuesState(c *core.Ctx) error {
	m, _, ok, err := duesStep(c)
	if !ok {
		return err
	}
	p, _ := core.ParsePeriod(core.StateOf[duesState](c).Month)
	d, err := DuesOf(db(c), m.ID, p.String())
	if err != nil {
		return err
	}
	c.Ask(c.T("dues.ask_state", "Name", m.Name, "Month", p.Label(), "State", DuesText(c, d)), 1,
		core.Opt{Label: c.T("dues.btn_paid"), Value: "paid"},
		core.Opt{Label: c.T("dues.btn_unpaid"), Value: "unpaid"},
		core.Opt{Label: c.T("dues.btn_unpaid_reason"), Value: "reason"})
	return nil
}

func answerDuesState(c *core.Ctx, in core.Input) (core.StepName, error) {
	switch in.Choice {
	case "paid", "unpaid":
		return "", saveOfficerDues(c, storage.DuesState(in.Choice), "")
	case "reason":
		return duesReason, nil
	}
	return "", core.Invalid("err.choose_option")
}

func askDuesReason(c *core.Ctx) error {
	m, _, ok, err := duesStep(c)
	if !ok {
		return err
	}
	p, _ := core.ParsePeriod(core.StateOf[duesState](c).Month)
	c.Ask(c.T("dues.ask_reason", "Name", m.Name, "Month", p.Label()), 1)
	return nil
}

func answerDuesReason(c *core.Ctx, in core.Input) (core.StepName, error) {
	if in.Choice != "" {
		return "", core.Invalid("dues.err_reason")
	}
	reason, err := core.CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	return "", saveOfficerDues(c, storage.DuesUnpaid, reason)
}

// saveOfficerDues records what the secretary or group leader said of the
// flow's member and month, and ends the flow.
func saveOfficerDues(c *core.Ctx, st storage.DuesState, reason string) error {
	m, via, err := duesMember(c)
	if err != nil {
		return err
	}
	month := core.StateOf[duesState](c).Month
	p, _ := core.ParsePeriod(month)
	d := &storage.Dues{MemberID: m.ID, CellID: m.HomeCellID, Month: month, State: st, Reason: reason, Via: via, By: c.Me.ID, At: c.Now}
	changed, err := RecordDues(c, m, d)
	if err != nil {
		return err
	}
	if changed {
		c.Say("dues.saved", "Name", m.Name, "Month", p.Label(), "State", DuesText(c, d))
	} else {
		c.Say("dues.no_change", "Name", m.Name, "Month", p.Label(), "State", DuesText(c, d))
	}
	c.End()
	return nil
}

// duesButton is the button that opens the dues of member m.
func DuesButton(c *core.Ctx, m *storage.Member) chat.Button {
	return core.ActionButton(c.T("dues.btn_record", "Name", m.Name), codeDues, fmt.Sprint(m.ID))
}

// myDues lists the member's dues records for /mydata, oldest first.
func myDues(c *core.Ctx, m *storage.Member) ([]string, error) {
	ds, err := db(c).DuesOf(m.ID)
	if err != nil {
		return nil, err
	}
	lines := make([]string, 0, len(ds))
	for i := range ds {
		d := &ds[i]
		lines = append(lines, c.T("dues.mydata_line", "Month", c.MonthLabel(d.Month), "State", DuesText(c, d),
			"Via", duesViaName(c, d.Via), "By", c.PersonName(d.By), "Date", c.Date(d.At)))
	}
	return lines, nil
}

// duesViaName names where a dues record came from.
func duesViaName(c *core.Ctx, v storage.DuesSource) string {
	switch v {
	case storage.DuesViaRoll:
		return c.T("dues.via_roll")
	case storage.DuesViaCheckin:
		return c.T("dues.via_checkin")
	case storage.DuesViaLeader:
		return c.T("dues.via_leader")
	}
	return c.T("dues.via_secretary")
}

// forgetDues keeps m's dues records, which are the cell's (like the roll),
// under the member's number, but drops the free text in them: the reason for
// not paying and the name of whoever received the dues.
func forgetDues(c *core.Ctx, m *storage.Member) error {
	ds, err := db(c).DuesOf(m.ID)
	if err != nil {
		return err
	}
	for i := range ds {
		d := &ds[i]
		if d.Reason == "" && !strings.HasPrefix(d.PaidTo, "to:") {
			continue
		}
		d.Reason = ""
		if strings.HasPrefix(d.PaidTo, "to:") {
			d.PaidTo = ""
		}
		if err := db(c).PutDues(d); err != nil {
			return err
		}
	}
	return nil
}

// duesExportText is the dues column of a roll file: paid, not paid, or empty
// when nothing was recorded for the month.
func DuesExportText(c *core.Ctx, d *storage.Dues) string {
	switch {
	case d == nil:
		return ""
	case d.State == storage.DuesPaid:
		return c.T("export.dues_paid")
	}
	return c.T("dues.exp_unpaid")
}

// duesAnswerText is a dues answer of a check-in or a record in words:
// "leader", "secretary", "no", "no:<reason>", "to:<name>".
func DuesAnswerText(c *core.Ctx, v string) (string, bool) {
	switch v {
	case "leader":
		return c.T("checkins.v_paid_leader"), true
	case "secretary":
		return c.T("checkins.v_paid_secretary"), true
	case "no":
		return c.T("checkins.v_not_paid"), true
	}
	if reason, ok := strings.CutPrefix(v, "no:"); ok {
		return c.T("dues.unpaid_reason", "Reason", reason), true
	}
	if name, ok := strings.CutPrefix(v, "to:"); ok {
		return c.T("checkins.v_paid_to", "Name", name), true
	}
	return "", false
}

// duesAnswer is duesAnswerText, or the answer itself ("" reads as none).
func duesAnswer(c *core.Ctx, v string) string {
	if t, ok := DuesAnswerText(c, v); ok {
		return t
	}
	if v == "" {
		return c.T("checkins.v_none")
	}
	return v
}
