package flows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chibo/storage"
)

// Party dues (đảng phí) are their own record per member and month
// (storage.Dues), fed by the roll of the month's meetings, by the far-away
// member's monthly check-in, and by the group leader or the secretary. They
// are never inferred from presence: a month nobody recorded is "no
// information", which is neither paid nor a Charter art. 8.1 "not paid".

// registerDues registers the officers' way to record a member's dues for a
// month: "du:<member>" from the board or the member's roll card.
func (e *Engine) registerDues() {
	e.AuditWords(map[string]AuditFunc{"dues_set": auditDues})
	e.MyData(40, "dues.sec_mydata", func(c *Ctx, m *storage.Member) ([]string, error) { return c.myDues(m) })
	e.Forget(func(c *Ctx, m *storage.Member) ([][]byte, error) { return nil, forgetDues(c, m) })
	e.action("du", actionDues)
	e.register(&Flow{Name: "dues", Need: NeedGroupLeader, Steps: map[string]Step{
		"month":  {Ask: askDuesMonth, Answer: answerDuesMonth},
		"state":  {Ask: askDuesState, Answer: answerDuesState},
		"reason": {Ask: askDuesReason, Answer: answerDuesReason},
	}})
}

// duesOf is the member's dues record for month ("2006-01"), nil when none.
func duesOf(tx *storage.Tx, memberID uint64, month string) (*storage.Dues, error) {
	d, err := tx.Dues(memberID, month)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	return d, err
}

// checkDuesMonth refuses dues for a month before the member joined the cell,
// or more than one month ahead (a member may pay next month's in advance).
func (c *Ctx) checkDuesMonth(m *storage.Member, month string) error {
	p, ok := parsePeriod(month)
	if !ok {
		return invalid("dues.err_month", "Example", c.exampleMonth())
	}
	if !m.Joined.IsZero() {
		j := m.Joined.In(c.Zone())
		if joined := (ckPeriod{j.Year(), j.Month()}); p.before(joined) {
			return invalid("dues.err_before_joined", "Name", m.Name, "Month", p.label(), "Joined", joined.label())
		}
	}
	now := c.Now.In(c.Zone())
	if latest := (ckPeriod{now.Year(), now.Month()}).add(1); latest.before(p) {
		return invalid("dues.err_future", "Month", p.label(), "Latest", latest.label())
	}
	return nil
}

// recordDues stores d for member m when it says something new, audited as
// "dues_set" in the same transaction. It reports whether anything changed;
// a month refused by checkDuesMonth is an *InvalidInput and changes nothing.
func (c *Ctx) recordDues(m *storage.Member, d *storage.Dues) (bool, error) {
	if err := c.checkDuesMonth(m, d.Month); err != nil {
		return false, err
	}
	old, err := duesOf(c.Tx, d.MemberID, d.Month)
	if err != nil {
		return false, err
	}
	if old != nil && old.State == d.State && old.Reason == d.Reason && old.PaidTo == d.PaidTo {
		return false, nil
	}
	if d.CellID == 0 {
		d.CellID = m.HomeCellID
	}
	if err := c.Tx.PutDues(d); err != nil {
		return false, err
	}
	var before any
	if old != nil {
		before = old
	}
	return true, c.Audit("dues_set", d.CellID, d.MemberID, before, d)
}

// duesText says what a dues record says, "no information" for none.
func (c *Ctx) duesText(d *storage.Dues) string {
	switch {
	case d == nil:
		return c.T("dues.none")
	case d.State == storage.DuesPaid && d.PaidTo != "":
		return c.duesAnswer(d.PaidTo)
	case d.State == storage.DuesPaid:
		return c.T("dues.paid")
	case d.Reason != "":
		return c.T("dues.unpaid_reason", "Reason", d.Reason)
	}
	return c.T("dues.unpaid")
}

// duesRollMark is the dues note after a member's line on the roll.
func (c *Ctx) duesRollMark(d *storage.Dues) string {
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
func duesRecorder(c *Ctx, m *storage.Member) (storage.DuesSource, bool) {
	switch {
	case c.Me == nil:
		return "", false
	case c.Me.Leads(m.HomeCellID):
		return storage.DuesViaSecretary, true
	case ckGroupLeader(c.Tx, m) == c.Me.ID:
		return storage.DuesViaLeader, true
	}
	return "", false
}

// actionDues starts recording a member's dues: "du:<member>".
func actionDues(c *Ctx, args string) error {
	id, err := strconv.ParseUint(args, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	m, err := c.Tx.Member(id)
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
	return c.Start("dues", "month", map[string]string{"member": args})
}

// duesMember is the member of the dues flow, checked against the caller's
// role on every step (a role can be lost mid-conversation).
func duesMember(c *Ctx) (*storage.Member, storage.DuesSource, error) {
	id, _ := strconv.ParseUint(c.Data()["member"], 10, 64)
	m, err := c.Tx.Member(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, "", invalid("err.conv_expired")
	}
	if err != nil {
		return nil, "", err
	}
	via, ok := duesRecorder(c, m)
	if !ok {
		return nil, "", invalid("dues.not_allowed")
	}
	return m, via, nil
}

// duesStep loads the flow's member, or ends the flow with the reason.
func duesStep(c *Ctx) (*storage.Member, storage.DuesSource, bool, error) {
	m, via, err := duesMember(c)
	if err != nil {
		c.End()
		return nil, "", false, sayInvalid(c, err)
	}
	return m, via, true, nil
}

func askDuesMonth(c *Ctx) error {
	m, _, ok, err := duesStep(c)
	if !ok {
		return err
	}
	now := c.Now.In(c.Zone())
	cur := ckPeriod{now.Year(), now.Month()}
	var opts []Opt
	var lines []string
	for _, p := range []ckPeriod{cur.add(-2), cur.add(-1), cur} {
		if c.checkDuesMonth(m, p.String()) != nil {
			continue
		}
		d, err := duesOf(c.Tx, m.ID, p.String())
		if err != nil {
			return err
		}
		lines = append(lines, c.T("dues.month_line", "Month", p.label(), "State", c.duesText(d)))
		opts = append(opts, Opt{Label: p.label(), Value: p.String()})
	}
	c.Ask(c.T("dues.ask_month", "Name", m.Name, "Lines", strings.Join(lines, "\n"), "Example", c.exampleMonth()), 3, opts...)
	return nil
}

func answerDuesMonth(c *Ctx, in Input) (string, error) {
	m, _, err := duesMember(c)
	if err != nil {
		return "", err
	}
	month := in.Choice
	if month == "" {
		s := monthYear.FindStringSubmatch(strings.TrimSpace(in.Text))
		if s == nil {
			return "", invalid("dues.err_month", "Example", c.exampleMonth())
		}
		mo, _ := strconv.Atoi(s[1])
		y, _ := strconv.Atoi(s[2])
		if mo < 1 || mo > 12 {
			return "", invalid("dues.err_month", "Example", c.exampleMonth())
		}
		month = ckPeriod{y, time.Month(mo)}.String()
	}
	if err := c.checkDuesMonth(m, month); err != nil {
		return "", err
	}
	c.Data()["month"] = month
	return "state", nil
}

func askDuesState(c *Ctx) error {
	m, _, ok, err := duesStep(c)
	if !ok {
		return err
	}
	p, _ := parsePeriod(c.Data()["month"])
	d, err := duesOf(c.Tx, m.ID, p.String())
	if err != nil {
		return err
	}
	c.Ask(c.T("dues.ask_state", "Name", m.Name, "Month", p.label(), "State", c.duesText(d)), 1,
		Opt{Label: c.T("dues.btn_paid"), Value: "paid"},
		Opt{Label: c.T("dues.btn_unpaid"), Value: "unpaid"},
		Opt{Label: c.T("dues.btn_unpaid_reason"), Value: "reason"})
	return nil
}

func answerDuesState(c *Ctx, in Input) (string, error) {
	switch in.Choice {
	case "paid", "unpaid":
		return "", saveOfficerDues(c, storage.DuesState(in.Choice), "")
	case "reason":
		return "reason", nil
	}
	return "", invalid("err.choose_option")
}

func askDuesReason(c *Ctx) error {
	m, _, ok, err := duesStep(c)
	if !ok {
		return err
	}
	p, _ := parsePeriod(c.Data()["month"])
	c.Ask(c.T("dues.ask_reason", "Name", m.Name, "Month", p.label()), 1)
	return nil
}

func answerDuesReason(c *Ctx, in Input) (string, error) {
	if in.Choice != "" {
		return "", invalid("dues.err_reason")
	}
	reason, err := CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	return "", saveOfficerDues(c, storage.DuesUnpaid, reason)
}

// saveOfficerDues records what the secretary or group leader said of the
// flow's member and month, and ends the flow.
func saveOfficerDues(c *Ctx, st storage.DuesState, reason string) error {
	m, via, err := duesMember(c)
	if err != nil {
		return err
	}
	month := c.Data()["month"]
	p, _ := parsePeriod(month)
	d := &storage.Dues{MemberID: m.ID, CellID: m.HomeCellID, Month: month, State: st, Reason: reason, Via: via, By: c.Me.ID, At: c.Now}
	changed, err := c.recordDues(m, d)
	if err != nil {
		return err
	}
	if changed {
		c.Say("dues.saved", "Name", m.Name, "Month", p.label(), "State", c.duesText(d))
	} else {
		c.Say("dues.no_change", "Name", m.Name, "Month", p.label(), "State", c.duesText(d))
	}
	c.End()
	return nil
}

// duesButton is the button that opens the dues of member m.
func (c *Ctx) duesButton(m *storage.Member) Button {
	return ActionButton(c.T("dues.btn_record", "Name", m.Name), "du", fmt.Sprint(m.ID))
}

// myDues lists the member's dues records for /mydata, oldest first.
func (c *Ctx) myDues(m *storage.Member) ([]string, error) {
	ds, err := c.Tx.DuesOf(m.ID)
	if err != nil {
		return nil, err
	}
	lines := make([]string, 0, len(ds))
	for i := range ds {
		d := &ds[i]
		lines = append(lines, c.T("dues.mydata_line", "Month", c.monthLabel(d.Month), "State", c.duesText(d),
			"Via", c.duesViaName(d.Via), "By", c.personName(d.By), "Date", c.Date(d.At)))
	}
	return lines, nil
}

// duesViaName names where a dues record came from.
func (c *Ctx) duesViaName(v storage.DuesSource) string {
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
func forgetDues(c *Ctx, m *storage.Member) error {
	ds, err := c.Tx.DuesOf(m.ID)
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
		if err := c.Tx.PutDues(d); err != nil {
			return err
		}
	}
	return nil
}

// duesExportText is the dues column of a roll file: paid, not paid, or empty
// when nothing was recorded for the month.
func (c *Ctx) duesExportText(d *storage.Dues) string {
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
func (c *Ctx) duesAnswerText(v string) (string, bool) {
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
func (c *Ctx) duesAnswer(v string) string {
	if t, ok := c.duesAnswerText(v); ok {
		return t
	}
	if v == "" {
		return c.T("checkins.v_none")
	}
	return v
}
