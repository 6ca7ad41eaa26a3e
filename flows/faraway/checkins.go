package faraway

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Monthly check-ins of members working far from home (DOMAIN.md §3,
// "Far-away members"). A check-in period is named by the month whose
// check-in day opens it ("2026-11" opens on 25/11 by default) and closes
// when the next one opens. Answers are on time until the deadline and can be
// corrected until then; after it a first check-in is accepted as late.

// registerCheckins registers the checkins feature's commands, flows and reminders.
func registerCheckins(e *core.Engine) {
	e.OnCheckinPeriod(func(c *core.Ctx, cell *storage.Cell) (core.Period, error) {
		r, err := ckRulesOf(c, cell)
		if err != nil {
			return core.Period{}, err
		}
		return r.current(c.Now), nil
	})
	e.Exporter(core.ExportCheckins, exportCheckins)
	e.AuditWords(map[string]core.AuditFunc{
		"faraway_set":      auditFarAway,
		"checkin_form_set": core.AuditPlain("audit.w_checkin_form"),
		"location_exact":   auditLocationExact,
	})
	e.MyData(50, "privacy.sec_checkins", func(c *core.Ctx, m *storage.Member) ([]string, error) { return myCheckins(c, m) })
	e.Forget(forgetCheckins)
	e.Retain("cell", retainCheckins)
	e.Command(&core.Command{Name: "checkin", Need: core.NeedMember, PrivateOnly: true, HelpID: "checkins.help", MenuID: "checkins.menu", Run: runCheckin})
	e.Command(&core.Command{Name: "board", Need: core.NeedGroupLeader, PrivateOnly: true, HelpID: "board.help", MenuID: "board.menu", Run: runBoard})
	e.Command(&core.Command{Name: "faraway", Need: core.NeedLeader, PrivateOnly: true, HelpID: "faraway.help", MenuID: "faraway.menu", Run: runFarAway})
	e.Command(&core.Command{Name: "checkinsettings", Need: core.NeedLeader, PrivateOnly: true, HelpID: "ckset.help", MenuID: "ckset.menu", Run: runCheckinSettings})
	e.Register(&core.Flow{Name: "checkin", Need: core.NeedMember, First: ckField, State: func() any { return &ckForm{} },
		Steps: map[core.StepName]core.Step{
			ckField:  {Ask: askCheckinField, Answer: answerCheckinField, Next: []core.StepName{ckField, ckReview}},
			ckReview: {Ask: askCheckinReview, Answer: answerCheckinReview, Next: []core.StepName{ckField}},
		}})
	registerFarAway(e)
	registerFarAwayRequest(e)
	e.DueSource("checkins", dueCheckins)
}

// ckRules are a cell's check-in settings in its zone.
type ckRules struct {
	cell *storage.Cell
	s    storage.CheckinSettings
	zone *time.Location
}

func ckRulesOf(c *core.Ctx, cell *storage.Cell) (ckRules, error) {
	s, err := c.Tx.CheckinSettings(cell.ID)
	if err != nil {
		return ckRules{}, err
	}
	zone := c.Zone()
	if cell.TZ != "" {
		if z, err := time.LoadLocation(cell.TZ); err == nil {
			zone = z
		}
	}
	return ckRules{cell: cell, s: s, zone: zone}, nil
}

// open is when the period's check-in opens and its first reminder is due.
func (r ckRules) open(p core.Period) time.Time {
	return time.Date(p.Y, p.M, r.s.Day, r.s.Hour, 0, 0, 0, r.zone)
}

// remindAt is when reminder n (0: the first, then one per follow-up) is due.
func (r ckRules) remindAt(p core.Period, n int) time.Time {
	if n == 0 {
		return r.open(p)
	}
	return r.open(p).AddDate(0, 0, r.s.FollowUps[n-1])
}

// deadline is the first moment a check-in of p counts as late.
func (r ckRules) deadline(p core.Period) time.Time {
	return time.Date(p.Y, p.M, r.s.Day+r.s.DeadlineDays, 0, 0, 0, 0, r.zone)
}

// lastDay is the last on-time day, as shown to people.
func (r ckRules) lastDay(p core.Period) time.Time { return r.deadline(p).AddDate(0, 0, -1) }

// fixUntil is the last day a report for p may be corrected at now: the last
// day before the deadline, or, for a member who was not asked in time (a
// status recorded after the deadline) and reports later, the last day
// before the next month's check-in opens.
func (r ckRules) fixUntil(p core.Period, now time.Time) time.Time {
	if now.Before(r.deadline(p)) {
		return r.lastDay(p)
	}
	return r.open(p.Add(1)).AddDate(0, 0, -1)
}

// escalateAt is when the group leader and the secretary get the silent list.
func (r ckRules) escalateAt(p core.Period) time.Time {
	return r.deadline(p).Add(time.Duration(r.s.Hour) * time.Hour)
}

// close is when p stops taking answers: the next period opens.
func (r ckRules) close(p core.Period) time.Time { return r.open(p.Add(1)) }

// current is the period open at t.
func (r ckRules) current(t time.Time) core.Period {
	t = t.In(r.zone)
	p := core.Period{Y: t.Year(), M: t.Month()}
	if t.Before(r.open(p)) {
		return p.Add(-1)
	}
	return p
}

// quiet reports whether t is in the quiet hours (21:30–06:30), when no
// reminder is sent: it waits for the morning.
func (r ckRules) quiet(t time.Time) bool {
	t = t.In(r.zone)
	mins := t.Hour()*60 + t.Minute()
	return mins >= 21*60+30 || mins < 6*60+30
}

// knownAwayBefore reports whether a far-away status was recorded before t.
func knownAwayBefore(m *storage.Member, t time.Time) bool {
	for _, s := range append(append([]storage.Status{}, m.History...), m.Status) {
		if s.Kind == storage.StatusFarAway && s.SetAt.Before(t) {
			return true
		}
	}
	return false
}

// farAwayAt reports whether the member is working far away at t.
func farAwayAt(m *storage.Member, t time.Time) bool {
	return m.StatusOn(t).Kind == storage.StatusFarAway
}

// expected reports whether the member owes a check-in for p, judged at now:
// working far away on its check-in day and still at the deadline (or now,
// before it). A member who leaves after the check-in day starts next month;
// one who comes home before the deadline owes nothing.
//
// A period whose deadline passed before chibo knew the member was away is
// owed nothing: nobody asked (a status recorded today with a start date months
// ago must not make those months silent).
func (r ckRules) expected(m *storage.Member, p core.Period, now time.Time) bool {
	if now.Before(r.open(p)) || !farAwayAt(m, r.open(p)) || !knownAwayBefore(m, r.deadline(p)) {
		return false
	}
	t := r.deadline(p)
	if now.Before(t) {
		t = now
	}
	return farAwayAt(m, t)
}

// silentStreak counts the periods in a row up to p (included) for which the
// member owed a check-in and sent none, and returns the first of them.
// done reports whether the member checked in for a period ("yyyy-mm").
func (r ckRules) silentStreak(m *storage.Member, done func(period string) bool, p core.Period, now time.Time) (int, core.Period) {
	n, first := 0, p
	for q := p; n < 36; q = q.Add(-1) {
		if !r.expected(m, q, now) || done(q.String()) {
			break
		}
		n, first = n+1, q
	}
	return n, first
}

func checkinsByPeriod(tx *storage.Tx, memberID uint64) (map[string]*storage.Checkin, error) {
	list, err := tx.Checkins(memberID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*storage.Checkin, len(list))
	for i := range list {
		out[list[i].Period] = &list[i]
	}
	return out, nil
}

// previousCheckin is the member's latest check-in before p, or nil.
func previousCheckin(tx *storage.Tx, memberID uint64, p core.Period) (*storage.Checkin, error) {
	list, err := tx.Checkins(memberID)
	if err != nil {
		return nil, err
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Period < p.String() {
			return &list[i], nil
		}
	}
	return nil, nil
}

// The default check-in form (DOMAIN.md §3, "Check-in fields"). Each field's
// question and short label are literal message ids.
var ckDefaultForm = storage.CheckinTemplate{Fields: []storage.CheckinField{
	{Key: "place", Kind: "place"},
	{Key: "residence", Kind: "yesno"},
	{Key: "employer", Kind: "text"},
	{Key: "job", Kind: "text"},
	{Key: "phone", Kind: "phone"},
	{Key: "party_org", Kind: "yesno"},
	{Key: "return", Kind: "return"},
	{Key: "dues", Kind: "dues"},
	{Key: "thoughts", Kind: "note", Optional: true},
}}

var defaultQuestions = map[string]string{
	"place":     "checkins.q_place",
	"residence": "checkins.q_residence",
	"employer":  "checkins.q_employer",
	"job":       "checkins.q_job",
	"phone":     "checkins.q_phone",
	"party_org": "checkins.q_party_org",
	"return":    "checkins.q_return",
	"dues":      "checkins.q_dues",
	"thoughts":  "checkins.q_thoughts",
}

var defaultLabels = map[string]string{
	"place":     "checkins.f_place",
	"residence": "checkins.f_residence",
	"employer":  "checkins.f_employer",
	"job":       "checkins.f_job",
	"phone":     "checkins.f_phone",
	"party_org": "checkins.f_party_org",
	"return":    "checkins.f_return",
	"dues":      "checkins.f_dues",
	"thoughts":  "checkins.f_thoughts",
}

// ckFormOf is the check-in form of the cell's organization.
func ckFormOf(tx *storage.Tx, cell *storage.Cell) (*storage.CheckinTemplate, error) {
	t, err := tx.CheckinTemplate(cell.OrgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && len(t.Fields) == 0) {
		return &ckDefaultForm, nil
	}
	return t, err
}

// question is the text asking for field f.
func fieldQuestion(c *core.Ctx, f storage.CheckinField, p core.Period) string {
	if id, ok := defaultQuestions[f.Key]; ok && len(f.Label) == 0 {
		return c.T(id, "Month", p.Label(), "Example", p.Add(6).Label())
	}
	return strings.ReplaceAll(customLabel(c, f), monthMarker, p.Label())
}

// fieldLabel is the short name of field f in summaries of month p.
func fieldLabel(c *core.Ctx, f storage.CheckinField, p string) string {
	if id, ok := defaultLabels[f.Key]; ok && len(f.Label) == 0 {
		return c.T(id)
	}
	if q, ok := core.ParsePeriod(p); ok {
		return strings.ReplaceAll(customLabel(c, f), monthMarker, q.Label())
	}
	return customLabel(c, f)
}

func customLabel(c *core.Ctx, f storage.CheckinField) string {
	if l := f.Label[c.Lang]; l != "" {
		return l
	}
	if l := f.Label["vi"]; l != "" {
		return l
	}
	return f.Key
}

// answerText shows a stored answer to f in the reader's language.
func answerText(c *core.Ctx, f storage.CheckinField, v string) string {
	switch f.Kind {
	case "choice":
		for _, ch := range f.Choices {
			if ch.Value == v {
				return choiceLabel(c, ch)
			}
		}
	case "yesno":
		switch v {
		case "yes":
			return c.T("checkins.v_yes")
		case "no":
			return c.T("checkins.v_no")
		}
	case "return":
		if v == "unknown" {
			return c.T("checkins.v_unknown")
		}
		if p, ok := core.ParsePeriod(v); ok {
			return p.Label()
		}
	case "dues":
		if t, ok := members.DuesAnswerText(c, v); ok {
			return t
		}
	}
	if v == "" {
		return c.T("checkins.v_none")
	}
	return v
}

// choiceLabel is a choice's button in the reader's language.
func choiceLabel(c *core.Ctx, ch storage.CheckinChoice) string {
	if l := ch.Label[c.Lang]; l != "" {
		return l
	}
	if l := ch.Label["vi"]; l != "" {
		return l
	}
	return ch.Value
}

// ckSummary lists a check-in's answers for period (yyyy-mm), one "label: answer" per line.
func ckSummary(c *core.Ctx, form *storage.CheckinTemplate, period string, answers map[string]string) string {
	lines := make([]string, 0, len(form.Fields))
	for _, f := range form.Fields {
		lines = append(lines, c.T("checkins.summary_line", "Label", fieldLabel(c, f, period), "Value", answerText(c, f, answers[f.Key])))
	}
	return strings.Join(lines, "\n")
}

// NormalizePhone turns a Vietnamese phone number typed in any usual way
// (+84 90 123 4567, 84901234567, 090.123.4567) into 0xxxxxxxxx. Mobile
// numbers have 10 digits, landlines 11 (02x…); anything else is refused.
func NormalizePhone(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '(', ')':
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(s, "+84"):
		s = "0" + s[3:]
	case strings.HasPrefix(s, "0084"):
		s = "0" + s[4:]
	case strings.HasPrefix(s, "84") && (len(s) == 11 || len(s) == 12):
		s = "0" + s[2:]
	}
	if !phoneShape.MatchString(s) {
		return "", false
	}
	return s, true
}

var phoneShape = regexp.MustCompile(`^(0[35789][0-9]{8}|02[0-9]{9})$`)

// checkinState is where a period stands for a member.
type checkinState int

const (
	stateOpen       checkinState = iota // on time; corrections allowed
	stateLate                           // after the deadline: a first check-in is late
	stateClosed                         // the next period has opened
	stateNotFarAway                     // the member owes no check-in
	stateNotYetOpen                     // a period in the future
)

// ckMemberRules loads the member's home cell rules.
func ckMemberRules(c *core.Ctx, m *storage.Member) (ckRules, bool, error) {
	cell, err := c.Tx.Cell(m.HomeCellID)
	if errors.Is(err, storage.ErrNotFound) {
		return ckRules{}, false, nil
	}
	if err != nil {
		return ckRules{}, false, err
	}
	r, err := ckRulesOf(c, cell)
	return r, err == nil, err
}

func (r ckRules) state(m *storage.Member, p core.Period, now time.Time) checkinState {
	cur := r.current(now)
	switch {
	case p.Before(cur):
		return stateClosed
	case cur.Before(p):
		return stateNotYetOpen
	case !r.expected(m, p, now) && !farAwayAt(m, now):
		return stateNotFarAway
	case !r.expected(m, p, now):
		// Far away, but not asked in time (recorded after the deadline, or
		// left after the check-in day): the member may report, never late.
		return stateOpen
	case now.Before(r.deadline(p)):
		return stateOpen
	}
	return stateLate
}

// sayState explains why a period takes no answer from the member now.
func sayState(c *core.Ctx, r ckRules, st checkinState, p core.Period) {
	switch st {
	case stateClosed:
		c.Say("checkins.closed", "Month", p.Label(), "Current", r.current(c.Now).Label())
	case stateNotFarAway:
		c.Say("checkins.not_far_away")
	default:
		c.Say("err.stale_button")
	}
}

func runCheckin(c *core.Ctx, _ string) error {
	r, ok, err := ckMemberRules(c, c.Me)
	if err != nil || !ok {
		if err == nil {
			c.Say("checkins.not_far_away")
		}
		return err
	}
	p := r.current(c.Now)
	st := r.state(c.Me, p, c.Now)
	if st != stateOpen && st != stateLate {
		sayState(c, r, st, p)
		return nil
	}
	cur, err := c.Tx.Checkin(c.Me.ID, p.String())
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	form, err := ckFormOf(c.Tx, r.cell)
	if err != nil {
		return err
	}
	if cur != nil {
		text := c.T("checkins.current", "Month", p.Label(), "Date", c.Date(cur.Updated), "Summary", ckSummary(c, form, cur.Period, cur.Answers))
		rows := [][]chat.Button{{core.ActionButton(c.T("checkins.btn_history"), codeBoardHistory, fmt.Sprint(c.Me.ID))}}
		if st == stateOpen {
			text += "\n" + c.T("checkins.can_correct", "Date", c.Date(r.fixUntil(p, c.Now)))
			rows = append([][]chat.Button{{core.ActionButton(c.T("checkins.btn_correct"), codeCheckin, "e:"+p.String())}}, rows...)
		} else {
			text += "\n" + c.T("checkins.no_corrections")
		}
		c.Reply(text, rows...)
		return nil
	}
	prev, err := previousCheckin(c.Tx, c.Me.ID, p)
	if err != nil {
		return err
	}
	c.Reply(checkinPrompt(c, form, p, r, prev), checkinButtons(c, p, prev)...)
	return nil
}

// checkinPrompt invites the member to check in for p, showing last month's
// answers when there are some.
func checkinPrompt(c *core.Ctx, form *storage.CheckinTemplate, p core.Period, r ckRules, prev *storage.Checkin) string {
	text := c.T("checkins.prompt", "Name", nameOrEmpty(c), "Month", p.Label(), "Date", c.Date(r.fixUntil(p, c.Now)))
	if prev != nil {
		text += "\n\n" + c.T("checkins.prompt_last", "Month", c.MonthLabel(prev.Period), "Summary", ckSummary(c, form, prev.Period, prev.Answers))
	}
	return text
}

func nameOrEmpty(c *core.Ctx) string {
	if c.Me == nil {
		return ""
	}
	return c.Me.Name
}

func checkinButtons(c *core.Ctx, p core.Period, prev *storage.Checkin) [][]chat.Button {
	if prev == nil {
		return [][]chat.Button{{core.ActionButton(c.T("checkins.btn_start"), codeCheckin, "n:"+p.String())}}
	}
	return [][]chat.Button{
		{core.ActionButton(c.T("checkins.btn_same"), codeCheckin, "s:"+p.String())},
		{core.ActionButton(c.T("checkins.btn_changed"), codeCheckin, "n:"+p.String())},
	}
}

// actionCheckin handles the buttons of a check-in prompt: "s:<period>" same
// as last month, "n:<period>" answer the form, "e:<period>" correct.
func actionCheckin(c *core.Ctx, args string) error {
	op, ps, _ := strings.Cut(args, ":")
	p, ok := core.ParsePeriod(ps)
	if c.Me == nil || !ok {
		c.Say("err.stale_button")
		return nil
	}
	r, ok, err := ckMemberRules(c, c.Me)
	if err != nil || !ok {
		if err == nil {
			c.Say("checkins.not_far_away")
		}
		return err
	}
	st := r.state(c.Me, p, c.Now)
	if st != stateOpen && st != stateLate {
		sayState(c, r, st, p)
		return nil
	}
	form, err := ckFormOf(c.Tx, r.cell)
	if err != nil {
		return err
	}
	cur, err := c.Tx.Checkin(c.Me.ID, p.String())
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if cur != nil {
		if st != stateOpen || op == "s" {
			c.Say("checkins.already", "Month", p.Label(), "Date", c.Date(cur.Updated))
			return nil
		}
		return startCheckinForm(c, form, p, cur.Answers, true)
	}
	prev, err := previousCheckin(c.Tx, c.Me.ID, p)
	if err != nil {
		return err
	}
	// "Same as last month" cannot answer a question last month did not have
	// (the organization changed its form): the form is asked, with last
	// month's answers one tap away.
	if op != "s" || prev == nil || !answersCover(form, prev.Answers) {
		var answers map[string]string
		if prev != nil {
			answers = prev.Answers
		}
		return startCheckinForm(c, form, p, answers, false)
	}
	// Last month's situation carries over; this month's dues are asked,
	// never copied (a one-tap claim of dues nobody declared).
	if dues := duesFields(form); len(dues) > 0 {
		return startSameCheckin(c, form, p, prev, dues[0])
	}
	ck := &storage.Checkin{MemberID: c.Me.ID, CellID: r.cell.ID, Period: p.String(), At: c.Now, Updated: c.Now,
		Late: st == stateLate, Same: true, Answers: map[string]string{}}
	for _, f := range form.Fields {
		if v, ok := prev.Answers[f.Key]; ok {
			ck.Answers[f.Key] = v
		}
	}
	if r.s.PreciseLocation {
		ck.Lat, ck.Lon = prev.Lat, prev.Lon
	}
	if err := c.Tx.PutCheckin(ck); err != nil {
		return err
	}
	saidSaved(c, r, p, ck)
	return nil
}

// answersCover reports whether answers have every required field of form
// but the dues, which are asked every month.
func answersCover(form *storage.CheckinTemplate, answers map[string]string) bool {
	for _, f := range form.Fields {
		if _, ok := answers[f.Key]; !ok && !f.Optional && f.Kind != "dues" {
			return false
		}
	}
	return true
}

func saidSaved(c *core.Ctx, r ckRules, p core.Period, ck *storage.Checkin) {
	switch {
	case ck.Late:
		c.Say("checkins.saved_late", "Month", p.Label())
	default:
		c.Say("checkins.saved", "Month", p.Label(), "Date", c.Date(r.fixUntil(p, c.Now)))
	}
}

// startCheckinForm asks the whole form. Last month's answers are one tap
// away, but not its dues: a new month's dues are a new answer.
func startCheckinForm(c *core.Ctx, form *storage.CheckinTemplate, p core.Period, prev map[string]string, correcting bool) error {
	st := &ckForm{Period: p.String(), Prev: map[string]string{}, Fix: correcting}
	for k, v := range prev {
		st.Prev[k] = v
	}
	if !correcting {
		for _, i := range duesFields(form) {
			delete(st.Prev, form.Fields[i].Key)
		}
	}
	return c.StartWith("checkin", ckField, st)
}

// formContext loads what a form step needs, or reports (with a message,
// ending the flow) that the period no longer takes answers.
func formContext(c *core.Ctx) (ckRules, *storage.CheckinTemplate, core.Period, bool, error) {
	ck := core.StateOf[ckForm](c)
	p, ok := core.ParsePeriod(ck.Period)
	r, found, err := ckMemberRules(c, c.Me)
	if err != nil {
		return ckRules{}, nil, p, false, err
	}
	if !ok || !found {
		c.Say("err.conv_expired")
		c.End()
		return r, nil, p, false, nil
	}
	st := r.state(c.Me, p, c.Now)
	if st == stateLate && ck.Fix {
		c.Say("checkins.no_corrections")
		c.End()
		return r, nil, p, false, nil
	}
	if st != stateOpen && st != stateLate {
		sayState(c, r, st, p)
		c.End()
		return r, nil, p, false, nil
	}
	form, err := ckFormOf(c.Tx, r.cell)
	return r, form, p, err == nil, err
}

func fieldIndex(c *core.Ctx, form *storage.CheckinTemplate) int {
	i := core.StateOf[ckForm](c).Index
	if i < 0 || i >= len(form.Fields) {
		return 0
	}
	return i
}

func askCheckinField(c *core.Ctx) error {
	r, form, p, ok, err := formContext(c)
	if !ok {
		return err
	}
	i := fieldIndex(c, form)
	f := form.Fields[i]
	ck := core.StateOf[ckForm](c)
	if ck.Why == f.Key {
		c.Ask(c.T("dues.q_checkin_reason", "Month", p.Label()), 1)
		return nil
	}
	q := fieldQuestion(c, f, p)
	switch {
	case f.Kind == "place" && ck.Lat != nil:
		q = c.T("checkins.q_place_after_location")
	case f.Key == "place" && len(f.Label) == 0 && !r.s.PreciseLocation:
		// The cell keeps province and commune only (no district level since 1/7/2025): no point offering to
		// share a location that would not be kept.
		q = c.T("checkins.q_place_coarse")
	}
	text := c.T("checkins.progress", "N", i+1, "Total", len(form.Fields)) + "\n" + q
	if ck.Same {
		text = c.T("dues.same_kept", "Month", p.Label()) + "\n" + q
	}
	var opts []core.Opt
	if prev, ok := ck.Prev[f.Key]; ok && (prev != "" || f.Optional) {
		opts = append(opts, core.Opt{Label: c.T("checkins.btn_keep", "Value", core.CkShorten(answerText(c, f, prev), 32)), Value: "="})
	}
	switch f.Kind {
	case "yesno":
		opts = append(opts, core.Opt{Label: c.T("checkins.v_yes"), Value: "yes"}, core.Opt{Label: c.T("checkins.v_no"), Value: "no"})
	case "return":
		opts = append(opts, core.Opt{Label: c.T("checkins.v_unknown"), Value: "unknown"})
	case "choice":
		for _, ch := range f.Choices {
			opts = append(opts, core.Opt{Label: choiceLabel(c, ch), Value: "o:" + ch.Value})
		}
	case "dues":
		opts = append(opts,
			core.Opt{Label: c.T("checkins.v_paid_leader"), Value: "leader"},
			core.Opt{Label: c.T("checkins.v_paid_secretary"), Value: "secretary"},
			core.Opt{Label: c.T("checkins.v_not_paid"), Value: "no"},
			core.Opt{Label: c.T("dues.btn_checkin_reason"), Value: "why"})
	}
	if f.Optional {
		opts = append(opts, core.Opt{Label: c.T("checkins.btn_skip"), Value: "-"})
	}
	if f.Kind == "place" && r.s.PreciseLocation {
		c.AskLocation(text, c.T("checkins.btn_location"), opts...)
		return nil
	}
	c.Ask(text, 1, opts...)
	return nil
}

func answerCheckinField(c *core.Ctx, in core.Input) (core.StepName, error) {
	r, form, p, ok, err := formContext(c)
	if !ok {
		return "", err
	}
	i := fieldIndex(c, form)
	f := form.Fields[i]
	v, err := readField(c, r, f, p, in)
	if err != nil {
		return "", err
	}
	if v == nil { // a location was kept, or a reason is still to be typed
		return ckField, nil
	}
	ck := core.StateOf[ckForm](c)
	ck.answer(f.Key, *v)
	if ck.Same { // only the dues were asked: save at once
		return "", saveCheckin(c, r, form, p)
	}
	if i+1 < len(form.Fields) {
		ck.Index = i + 1
		return ckField, nil
	}
	return ckReview, nil
}

// readField reads the answer to field f. It returns nil (and no error) when
// the answer was a location that was kept and the field still needs text.
func readField(c *core.Ctx, r ckRules, f storage.CheckinField, p core.Period, in core.Input) (*string, error) {
	val := func(s string) (*string, error) { return &s, nil }
	ck := core.StateOf[ckForm](c)
	if in.Choice == "=" {
		if prev, ok := ck.Prev[f.Key]; ok {
			return val(prev)
		}
		return nil, core.Invalid("err.choose_option")
	}
	if in.Choice == "-" && f.Optional {
		return val("")
	}
	if in.Location != nil {
		if f.Kind != "place" {
			return nil, core.Invalid("checkins.err_location_here")
		}
		if c.Ev.SharedBy != "" && c.Ev.SharedBy != c.Ev.User {
			return nil, core.Invalid("checkins.err_location_not_yours")
		}
		if !r.s.PreciseLocation {
			return nil, core.Invalid("checkins.location_coarse_only")
		}
		ck.locate(in.Location.Lat, in.Location.Lon)
		return nil, nil
	}
	switch f.Kind {
	case "yesno":
		if in.Choice == "yes" || in.Choice == "no" {
			return val(in.Choice)
		}
		return nil, core.Invalid("err.choose_option")
	case "choice":
		v, ok := strings.CutPrefix(in.Choice, "o:")
		for _, ch := range f.Choices {
			if ok && ch.Value == v {
				return val(v)
			}
		}
		return nil, core.Invalid("err.choose_option")
	case "dues":
		if ck.Why == f.Key {
			if in.Choice != "" {
				return nil, core.Invalid("dues.err_reason")
			}
			reason, err := core.CleanReason(in.Text)
			if err != nil {
				return nil, err
			}
			ck.Why = ""
			return val("no:" + reason)
		}
		switch in.Choice {
		case "leader", "secretary", "no":
			return val(in.Choice)
		case "why":
			ck.Why = f.Key
			return nil, nil
		}
		if in.Text == "" {
			return nil, core.Invalid("err.choose_option")
		}
		name, err := core.CleanName(in.Text)
		if err != nil {
			return nil, core.Invalid("checkins.err_dues")
		}
		return val("to:" + name)
	case "return":
		if in.Choice == "unknown" {
			return val("unknown")
		}
		m := core.MonthYear.FindStringSubmatch(in.Text)
		if m == nil {
			return nil, core.Invalid("checkins.err_return", "Example", p.Add(6).Label())
		}
		mo, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			return nil, core.Invalid("checkins.err_return", "Example", p.Add(6).Label())
		}
		back := core.Period{Y: y, M: time.Month(mo)}
		if back.Before(p) {
			return nil, core.Invalid("checkins.err_return_past", "Month", p.Label())
		}
		return val(back.String())
	case "phone":
		s := in.Phone
		if s == "" {
			s = in.Text
		}
		if s == "" {
			return nil, core.Invalid("checkins.err_phone")
		}
		n, ok := NormalizePhone(s)
		if !ok {
			return nil, core.Invalid("checkins.err_phone")
		}
		return val(n)
	}
	if in.Choice != "" || in.Phone != "" {
		return nil, core.Invalid("checkins.err_type")
	}
	clean := core.CleanReason
	if f.Kind == "place" {
		clean = core.CleanPlace
	}
	s, err := clean(in.Text)
	if err != nil {
		var inv *core.InvalidInput
		if errors.As(err, &inv) && (inv.MsgID == "err.reason_empty" || inv.MsgID == "err.place_empty") {
			return nil, core.Invalid("checkins.err_type")
		}
		return nil, err
	}
	return val(s)
}

func formAnswers(c *core.Ctx, form *storage.CheckinTemplate) map[string]string {
	a := map[string]string{}
	for _, f := range form.Fields {
		a[f.Key] = core.StateOf[ckForm](c).Answers[f.Key]
	}
	return a
}

func askCheckinReview(c *core.Ctx) error {
	_, form, p, ok, err := formContext(c)
	if !ok {
		return err
	}
	c.Ask(c.T("checkins.review", "Month", p.Label(), "Summary", ckSummary(c, form, p.String(), formAnswers(c, form))), 2,
		core.Opt{Label: c.T("checkins.btn_send"), Value: "send"},
		core.Opt{Label: c.T("checkins.btn_redo"), Value: "redo"})
	return nil
}

func answerCheckinReview(c *core.Ctx, in core.Input) (core.StepName, error) {
	r, form, p, ok, err := formContext(c)
	if !ok {
		return "", err
	}
	switch in.Choice {
	case "redo":
		ck := core.StateOf[ckForm](c)
		if ck.Prev == nil {
			ck.Prev = map[string]string{}
		}
		for _, f := range form.Fields {
			ck.Prev[f.Key] = ck.Answers[f.Key]
		}
		ck.Index = 0
		return ckField, nil
	case "send":
	default:
		return "", core.Invalid("err.choose_option")
	}
	return "", saveCheckin(c, r, form, p)
}

// saveCheckin stores the answers of the form (or, after "same as last
// month", last month's answers with this month's dues), carries the dues
// answer to the dues record, and ends the flow.
func saveCheckin(c *core.Ctx, r ckRules, form *storage.CheckinTemplate, p core.Period) error {
	st := r.state(c.Me, p, c.Now)
	old, err := c.Tx.Checkin(c.Me.ID, p.String())
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	ck := &storage.Checkin{MemberID: c.Me.ID, CellID: r.cell.ID, Period: p.String(), At: c.Now, Updated: c.Now,
		Late: st == stateLate, Answers: formAnswers(c, form)}
	state := core.StateOf[ckForm](c)
	if old != nil && state.Same { // sent meanwhile from another chat
		c.Say("checkins.already", "Month", p.Label(), "Date", c.Date(old.Updated))
		c.End()
		return nil
	}
	if old != nil {
		if st != stateOpen {
			c.Say("checkins.no_corrections")
			c.End()
			return nil
		}
		ck.At, ck.Late, ck.Corrections = old.At, old.Late, old.Corrections+1
		ck.Lat, ck.Lon = old.Lat, old.Lon
	}
	if r.s.PreciseLocation && state.Lat != nil && state.Lon != nil {
		lat, lon := *state.Lat, *state.Lon
		ck.Lat, ck.Lon = &lat, &lon
	}
	ck.Same = state.Same
	if ck.Same && r.s.PreciseLocation {
		prev, err := previousCheckin(c.Tx, c.Me.ID, p)
		if err != nil {
			return err
		}
		if prev != nil {
			ck.Lat, ck.Lon = prev.Lat, prev.Lon
		}
	}
	if err := c.Tx.PutCheckin(ck); err != nil {
		return err
	}
	if err := recordCheckinDues(c, form, ck, old); err != nil {
		return err
	}
	if old != nil {
		c.Say("checkins.corrected", "Month", p.Label(), "Date", c.Date(r.fixUntil(p, c.Now)))
	} else {
		saidSaved(c, r, p, ck)
	}
	c.End()
	return nil
}

// startSameCheckin carries last month's answers but the dues, and asks the
// dues question of the form (index duesAt): one more tap saves the report.
func startSameCheckin(c *core.Ctx, form *storage.CheckinTemplate, p core.Period, prev *storage.Checkin, duesAt int) error {
	st := &ckForm{Period: p.String(), Index: duesAt, Same: true}
	for _, f := range form.Fields {
		if f.Kind != "dues" {
			st.answer(f.Key, prev.Answers[f.Key])
		}
	}
	return c.StartWith("checkin", ckField, st)
}

// forgetCheckins returns the longer answers m gave in check-ins, which
// /forget also scrubs from transient stores; the check-ins themselves go
// with the member's records.
func forgetCheckins(c *core.Ctx, m *storage.Member) ([][]byte, error) {
	cks, err := c.Tx.Checkins(m.ID)
	if err != nil {
		return nil, err
	}
	var needles [][]byte
	for _, ck := range cks {
		for _, v := range ck.Answers {
			if len(v) >= 4 { // short answers (yes/no codes) would match everywhere
				needles = append(needles, []byte(v))
			}
		}
	}
	return needles, nil
}

// Sizes of one retention batch: cells looked at, check-ins deleted.
const (
	HousekeepCells   = 100
	HousekeepDeletes = 2000
)

// retainCheckins deletes check-in details older than each cell's retention
// period (default 24 months; DOMAIN.md §5: keep the minimum), for the cells
// after the cell id after, within one batch's budget. It returns the last
// cell finished and whether every cell is.
func retainCheckins(c *core.Ctx, after uint64) (last uint64, done bool, err error) {
	ids := c.Tx.CellIDsAfter(after, HousekeepCells)
	budget := HousekeepDeletes
	for _, id := range ids {
		cell, err := c.Tx.Cell(id)
		if err != nil {
			return after, false, err
		}
		r, err := ckRulesOf(c, cell)
		if err != nil {
			return after, false, err
		}
		cutoff := r.current(c.Now).Add(-r.s.RetentionMonths)
		n, err := c.Tx.DeleteCheckinsBefore(id, cutoff.String(), budget)
		if err != nil {
			return after, false, err
		}
		if budget -= n; budget == 0 {
			return after, false, nil // this cell may have more: the next batch starts with it
		}
		after = id
	}
	return after, len(ids) < HousekeepCells, nil
}

// duesFields are the dues questions of a check-in form.
func duesFields(form *storage.CheckinTemplate) []int {
	var out []int
	for i, f := range form.Fields {
		if f.Kind == "dues" {
			out = append(out, i)
		}
	}
	return out
}

// recordCheckinDues carries a check-in's dues answer (the form's first dues
// question answered) to the dues record of its month. A correction that
// leaves the dues answer as it was (old is the report before it) does not
// write it again over what an officer may have recorded since.
func recordCheckinDues(c *core.Ctx, form *storage.CheckinTemplate, ck, old *storage.Checkin) error {
	for _, i := range duesFields(form) {
		key := form.Fields[i].Key
		d := storage.DuesFromAnswer(ck, ck.Answers[key])
		if d == nil {
			continue
		}
		if old != nil && old.Answers[key] == ck.Answers[key] {
			return nil
		}
		_, err := members.RecordDues(c, c.Me, d)
		var inv *core.InvalidInput
		if errors.As(err, &inv) {
			return nil // a month the member was not yet in the cell: the report stands, the dues record does not
		}
		return err
	}
	return nil
}
