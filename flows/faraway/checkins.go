package faraway

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
	cur, err := db(c).Checkin(c.Me.ID, p.String())
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	form, err := ckFormOf(db(c), r.cell)
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
	prev, err := previousCheckin(db(c), c.Me.ID, p)
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
	form, err := ckFormOf(db(c), r.cell)
	if err != nil {
		return err
	}
	cur, err := db(c).Checkin(c.Me.ID, p.String())
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
	prev, err := previousCheckin(db(c), c.Me.ID, p)
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
	if err := db(c).PutCheckin(ck); err != nil {
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
	form, err := ckFormOf(db(c), r.cell)
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
	ck := core.StateOf[ckForm](c)
	if in.Choice == "=" {
		if prev, ok := ck.Prev[f.Key]; ok {
			return value(prev)
		}
		return nil, core.Invalid("err.choose_option")
	}
	if in.Choice == "-" && f.Optional {
		return value("")
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
			return value(in.Choice)
		}
		return nil, core.Invalid("err.choose_option")
	case "choice":
		v, ok := strings.CutPrefix(in.Choice, "o:")
		for _, ch := range f.Choices {
			if ok && ch.Value == v {
				return value(v)
			}
		}
		return nil, core.Invalid("err.choose_option")
	case "dues":
		return readDues(ck, f, in)
	case "return":
		return readReturn(in, p)
	case "phone":
		return readPhone(in)
	}
	return readText(f, in)
}

// value is a field's answer, read.
func value(s string) (*string, error) { return &s, nil }

// readDues reads the dues answer: a tap (to the group leader, to the
// secretary, not paid), "not paid" with its reason typed next, or the name
// of whoever received them.
func readDues(ck *ckForm, f storage.CheckinField, in core.Input) (*string, error) {
	if ck.Why == f.Key {
		if in.Choice != "" {
			return nil, core.Invalid("dues.err_reason")
		}
		reason, err := core.CleanReason(in.Text)
		if err != nil {
			return nil, err
		}
		ck.Why = ""
		return value("no:" + reason)
	}
	switch in.Choice {
	case "leader", "secretary", "no":
		return value(in.Choice)
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
	return value("to:" + name)
}

// readReturn reads the month of return ("mm/yyyy", not before p), or
// "unknown".
func readReturn(in core.Input, p core.Period) (*string, error) {
	if in.Choice == "unknown" {
		return value("unknown")
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
	return value(back.String())
}

// readPhone reads a shared contact's or a typed phone number.
func readPhone(in core.Input) (*string, error) {
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
	return value(n)
}

// readText reads a typed answer: a place or free text.
func readText(f storage.CheckinField, in core.Input) (*string, error) {
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
	return value(s)
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
	old, err := db(c).Checkin(c.Me.ID, p.String())
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
		prev, err := previousCheckin(db(c), c.Me.ID, p)
		if err != nil {
			return err
		}
		if prev != nil {
			ck.Lat, ck.Lon = prev.Lat, prev.Lon
		}
	}
	if err := db(c).PutCheckin(ck); err != nil {
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
