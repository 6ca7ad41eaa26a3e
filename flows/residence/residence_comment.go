package residence

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/locales"
	"chibo/storage"
)

// The annual comment (phiếu nhận xét) of the residence cell on a working
// member (Regulation 213-QĐ/TW; Guide 33-HD/BTCTW 2020). From the cell's
// opening date (default 1 November) its secretary is reminded, until every
// comment is given or the deadline (default 15 December) passes, and goes
// member by member through the organization's form, prefilled with the
// year's facts from chibo. The finished comment goes to the member; it can be
// read by the member, the residence cell's leaders and the home cell's
// leaders, and exported as text for the workplace party organisation.

// resDefaultForm is the default form (DOMAIN.md §3: fields from practice,
// unverified; organizations can store their own).
var resDefaultForm = storage.ResidenceTemplate{Fields: []storage.ResidenceField{
	{Key: "contact", Kind: "level"},
	{Key: "citizen", Kind: "level"},
	{Key: "activities", Kind: "level"},
	{Key: "example", Kind: "level"},
	{Key: "note", Kind: "text", Optional: true},
	{Key: "overall", Kind: "level"},
}}

var resDefaultLabels = map[string]string{
	"contact":    "res.f_contact",
	"citizen":    "res.f_citizen",
	"activities": "res.f_activities",
	"example":    "res.f_example",
	"note":       "res.f_note",
	"overall":    "res.f_overall",
}

// resDefaultLevels are the choices of a level field when the form names none.
var resDefaultLevels = []storage.ResidenceLevel{{Key: "good"}, {Key: "pass"}, {Key: "fail"}}

var resLevelLabels = map[string]string{
	"good": "res.level_good",
	"pass": "res.level_pass",
	"fail": "res.level_fail",
}

// resFactFields are the default fields chibo's records say something about:
// the facts suggest a level for them.
var resFactFields = map[string]bool{"contact": true, "activities": true}

// resFormOf is the comment form of the cell's organization.
func resFormOf(tx *storage.Tx, cell *storage.Cell) (*storage.ResidenceTemplate, error) {
	t, err := tx.ResidenceTemplate(cell.OrgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && len(t.Fields) == 0) {
		f := resDefaultForm
		return &f, nil
	}
	return t, err
}

func levelsOf(form *storage.ResidenceTemplate) []storage.ResidenceLevel {
	if len(form.Levels) == 0 {
		return resDefaultLevels
	}
	return form.Levels
}

// resFieldLabel is the name of a form field in the reader's language.
func resFieldLabel(c *core.Ctx, f storage.ResidenceField) string {
	if id, ok := resDefaultLabels[f.Key]; ok && len(f.Label) == 0 {
		return c.T(id)
	}
	return c.PickLabel(f.Label, f.Key)
}

// resLevelLabel is the name of a level in the reader's language.
func resLevelLabel(c *core.Ctx, l storage.ResidenceLevel) string {
	if id, ok := resLevelLabels[l.Key]; ok && len(l.Label) == 0 {
		return c.T(id)
	}
	return c.PickLabel(l.Label, l.Key)
}

// resAnswerText shows an answer of a comment in the reader's language.
func resAnswerText(c *core.Ctx, form *storage.ResidenceTemplate, f storage.ResidenceField, v string) string {
	if v == "" {
		return c.T("res.v_none")
	}
	if f.Kind == "level" {
		for _, l := range levelsOf(form) {
			if l.Key == v {
				return resLevelLabel(c, l)
			}
		}
	}
	return v
}

// resRound is a residence cell's comment round for one year, in its zone.
type resRound struct {
	cell     *storage.Cell
	s        storage.ResidenceSettings
	zone     *time.Location
	year     int       // the year commented on
	open     time.Time // the first reminder
	lastDay  time.Time // the deadline day, at the reminder hour
	end      time.Time // midnight after the deadline day
	quietTo  int       // minutes after midnight
	quietFro int
}

// roundAt is the cell's round in force at now: the one whose opening is the
// latest at or before now (a late comment is still taken until the next one
// opens).
func roundAt(c *core.Ctx, cell *storage.Cell, now time.Time) (*resRound, error) {
	s, err := c.Tx.ResidenceSettings(cell.ID)
	if err != nil {
		return nil, err
	}
	ms, err := c.Tx.MeetingSettings(cell.ID)
	if err != nil {
		return nil, err
	}
	r := &resRound{cell: cell, s: s, zone: c.CellZone(cell), quietFro: ms.QuietFrom, quietTo: ms.QuietTo}
	if r.quietFro == 0 && r.quietTo == 0 {
		r.quietFro, r.quietTo = core.DefaultQuietFrom, core.DefaultQuietTo
	}
	y := now.In(r.zone).Year()
	r.setYear(y)
	if now.Before(r.open) {
		r.setYear(y - 1)
	}
	return r, nil
}

func (r *resRound) setYear(y int) {
	r.year = y
	h := time.Duration(r.s.Hour) * time.Hour
	r.open = time.Date(y, time.Month(r.s.OpenMonth), r.s.OpenDay, 0, 0, 0, 0, r.zone).Add(h)
	last := time.Date(y, time.Month(r.s.DeadlineMonth), r.s.DeadlineDay, 0, 0, 0, 0, r.zone)
	if last.Before(r.open) { // a deadline early in the next year
		last = last.AddDate(1, 0, 0)
	}
	r.lastDay = last.Add(h)
	r.end = last.AddDate(0, 0, 1)
}

// quiet reports whether t falls in the cell's quiet hours (the meeting
// settings' ones, by default 21:30–06:30): reminders wait for the morning.
func (r *resRound) quiet(t time.Time) bool {
	t = t.In(r.zone)
	m := t.Hour()*60 + t.Minute()
	if r.quietFro <= r.quietTo {
		return m >= r.quietFro && m < r.quietTo
	}
	return m >= r.quietFro || m < r.quietTo
}

// points are the secretary's reminders: at the opening, every EveryDays
// days after it, on the deadline day, and once the day after it.
func (r *resRound) points() []core.Reminder {
	var ps []core.Reminder
	for k := 0; ; k++ {
		at := r.open.AddDate(0, 0, k*r.s.EveryDays)
		if !at.Before(r.lastDay) {
			break
		}
		ps = append(ps, core.Reminder{Kind: strconv.Itoa(k), At: at})
	}
	return append(ps, core.Reminder{Kind: "last", At: r.lastDay}, core.Reminder{Kind: "late", At: r.end.Add(time.Duration(r.s.Hour) * time.Hour)})
}

// lateWindow is how long after the deadline the overdue reminder may still
// go out (after a long stop, a reminder weeks late helps nobody).
const lateWindow = 30 * 24 * time.Hour

// owedComments lists the members the round still owes a comment: linked
// and confirmed before the deadline, with the status "introduced with
// annual comment", and no comment for the year yet.
func owedComments(c *core.Ctx, r *resRound) ([]members.LinkedMember, error) {
	links, err := members.LinkedMembers(c.Tx, r.cell.ID, storage.ResidenceWithComment)
	if err != nil {
		return nil, err
	}
	var out []members.LinkedMember
	for _, lm := range links {
		confirmed := lm.L.ConfirmedAt
		if confirmed.IsZero() {
			confirmed = lm.L.RequestedAt
		}
		if !confirmed.Before(r.end) || !lm.L.Introduced.Before(r.end) {
			continue
		}
		if _, err := c.Tx.ResidenceComment(lm.M.ID, r.year); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		out = append(out, lm)
	}
	return out, nil
}

// dueResidenceComments reminds each residence cell's secretary of the
// comments still owed. Keys: reminder/residence-comment/<year>/<cell>/<secretary>/<point>,
// point being 0, 1, … (weekly), "last" (the deadline day) or "late".
//
// It looks again at the round's next point, or when next year's round opens.
func dueResidenceComments(c *core.Ctx, cell *storage.Cell) (time.Time, error) {
	if !c.Tx.IsResidenceCell(cell.ID) {
		return time.Time{}, nil
	}
	r, err := roundAt(c, cell, c.Now)
	if err != nil {
		return time.Time{}, err
	}
	next := core.Soonest{After: c.Now}
	for _, p := range r.points() {
		next.Add(p.At)
	}
	following := *r
	following.setYear(r.year + 1)
	next.Add(following.open)
	p, ok := core.LatestDue(r.points(), c.Now)
	if !ok || (p.Kind == "late" && c.Now.After(p.At.Add(lateWindow))) {
		return next.At, nil
	}
	if r.quiet(c.Now) {
		next.Add(core.QuietEnd(c.Now, r.zone, r.quietTo))
		return next.At, nil
	}
	leaders, err := members.HomeLeaders(c.Tx, cell.ID, true)
	if err != nil {
		return time.Time{}, err
	}
	key := func(secID uint64) string {
		return fmt.Sprintf("reminder/residence-comment/%d/%d/%d/%s", r.year, cell.ID, secID, p.Kind)
	}
	if !slices.ContainsFunc(leaders, func(l storage.Member) bool { return !c.Tx.OutboxKeyUsed(key(l.ID)) }) {
		return next.At, nil // this point's reminders went out: the owed list need not be read
	}
	owed, err := owedComments(c, r)
	if err != nil || len(owed) == 0 {
		return next.At, err
	}
	names := make([]string, 0, len(owed))
	for _, lm := range owed {
		names = append(names, "• "+lm.M.Name)
	}
	for _, sec := range leaders {
		rd := c.ReaderOf(&sec)
		id := "res.remind_comment"
		switch p.Kind {
		case "last":
			id = "res.remind_comment_last"
		case "late":
			id = "res.remind_comment_late"
		}
		buttons := [][]chat.Button{{core.ActionButton(rd.T("res.btn_comment_now"), codeResidence, fmt.Sprintf("cm:%d", cell.ID))}}
		if _, err := c.Remind(key(sec.ID), &sec, buttons, id, "Header", rd.N("res.remind_header", len(owed), "Year", r.year, "Cell", cell.Name),
			"List", strings.Join(names, "\n"), "Deadline", rd.Date(r.lastDay)); err != nil {
			return time.Time{}, err
		}
	}
	return next.At, nil
}

// startCommentRound starts the comment of the first member still owed one,
// or says there is none. first tells the secretary's own tap from the
// continuation after a comment was sent.
func startCommentRound(c *core.Ctx, cell *storage.Cell, first bool) error {
	r, err := roundAt(c, cell, c.Now)
	if err != nil {
		return err
	}
	if c.Now.Before(r.open) {
		c.Say("res.round_not_open", "Date", c.Date(r.open))
		return nil
	}
	owed, err := owedComments(c, r)
	if err != nil {
		return err
	}
	for i, lm := range owed {
		if lm.M.ID == c.Me.ID { // nobody comments on themself
			owed = append(owed[:i], owed[i+1:]...)
			break
		}
	}
	if len(owed) == 0 && r.year < c.Now.In(r.zone).Year() { // last year's round is over: say when the next opens
		next := *r
		next.setYear(r.year + 1)
		c.Say("res.round_not_open", "Date", c.Date(next.open))
		c.End()
		return nil
	}
	if len(owed) == 0 {
		if first {
			c.Say("res.round_nothing", "Year", r.year, "Cell", cell.Name)
		} else {
			c.Say("res.round_done", "Year", r.year, "Cell", cell.Name)
		}
		c.End()
		return nil
	}
	m := owed[0].M
	if !first {
		c.Say("res.round_next", "Name", m.Name, "Left", len(owed))
	}
	return c.StartWith("rcomment", stepField, &commentState{Cell: cell.ID, Member: m.ID, Year: r.year})
}

// resFacts are a member's year in chibo's records.
type resFacts struct {
	noticed, present int
	reports          []storage.ResidenceReport
}

func factsOf(c *core.Ctx, memberID uint64, year int, zone *time.Location) (resFacts, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, zone)
	att, err := c.Tx.MemberResidenceAttendance(memberID, from, from.AddDate(1, 0, 0))
	if err != nil {
		return resFacts{}, err
	}
	var f resFacts
	for _, a := range att {
		f.noticed++
		if a.Mark == storage.MarkPresent {
			f.present++
		}
	}
	f.reports, err = c.Tx.ResidenceReports(memberID, year)
	return f, err
}

// text is the facts in a sentence.
func factsText(c *core.Ctx, f resFacts, year int) string {
	var kinds []string
	for _, k := range storage.ResidenceKinds {
		n := 0
		for _, r := range f.reports {
			if r.Kind == k {
				n++
			}
		}
		if n > 0 {
			kinds = append(kinds, c.T("res.facts_kind", "Kind", resKindName(c, k), "N", n))
		}
	}
	detail := ""
	if len(kinds) > 0 {
		detail = c.T("res.facts_detail", "List", strings.Join(kinds, ", "))
	}
	return c.T("res.facts", "Year", year, "Present", f.present, "Noticed", f.noticed, "Reports", len(f.reports), "Detail", detail)
}

// suggested is the level the facts point to for a field about contact and
// taking part, or "": the best level with two or more things done, the
// second with one. chibo never suggests the lowest: that is for the cell to
// judge (DOMAIN.md §4).
func (f resFacts) suggested(form *storage.ResidenceTemplate, key string) string {
	levels := levelsOf(form)
	if !resFactFields[key] || len(levels) < 2 {
		return ""
	}
	switch n := f.present + len(f.reports); {
	case n >= 2:
		return levels[0].Key
	case n == 1:
		return levels[1].Key
	}
	return ""
}

// commentCtx is what every step of the comment flow needs, checked again
// each time: the caller leads the cell, the member is still linked to it.
type commentCtx struct {
	cell *storage.Cell
	m    *storage.Member
	l    *storage.ResidenceLink
	year int
	form *storage.ResidenceTemplate
}

func commentContext(c *core.Ctx) (*commentCtx, error) {
	st := core.StateOf[commentState](c)
	cellID, memberID, year := st.Cell, st.Member, st.Year
	if !c.Me.Leads(cellID) {
		return nil, core.Invalid("res.err_comment_not_allowed")
	}
	if memberID == c.Me.ID {
		return nil, core.Invalid("res.err_self")
	}
	cell, err := c.Tx.Cell(cellID)
	if err != nil {
		return nil, core.Invalid("err.conv_expired")
	}
	m, err := c.Tx.Member(memberID)
	if err != nil {
		return nil, core.Invalid("err.conv_expired")
	}
	l, err := c.Tx.ResidenceLink(memberID)
	if err != nil || l.CellID != cellID || l.Pending {
		return nil, core.Invalid("res.err_not_linked_here", "Name", m.Name)
	}
	form, err := resFormOf(c.Tx, cell)
	if err != nil {
		return nil, err
	}
	return &commentCtx{cell: cell, m: m, l: l, year: year, form: form}, nil
}

func commentIndex(c *core.Ctx, form *storage.ResidenceTemplate) int {
	i := core.StateOf[commentState](c).Index
	if i < 0 || i >= len(form.Fields) {
		return 0
	}
	return i
}

func askCommentField(c *core.Ctx) error {
	cc, err := commentContext(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	facts, err := factsOf(c, cc.m.ID, cc.year, c.CellZone(cc.cell))
	if err != nil {
		return err
	}
	i := commentIndex(c, cc.form)
	f := cc.form.Fields[i]
	text := c.T("res.comment_progress", "Name", cc.m.Name, "Year", cc.year, "N", i+1, "Total", len(cc.form.Fields))
	if i == 0 {
		text += "\n" + linkText(c, cc.l) + "\n" + factsText(c, facts, cc.year)
	}
	text += "\n\n" + resFieldLabel(c, f)
	var opts []core.Opt
	if f.Kind == "level" {
		sug := facts.suggested(cc.form, f.Key)
		for _, l := range levelsOf(cc.form) {
			label := resLevelLabel(c, l)
			if l.Key == sug {
				label = c.T("res.btn_suggested", "Level", label)
			}
			opts = append(opts, core.Opt{Label: label, Value: "l:" + l.Key})
		}
		c.Ask(text, 3, opts...)
		return nil
	}
	text += "\n" + c.T("res.comment_type_or", "Facts", factsText(c, facts, cc.year))
	opts = append(opts, core.Opt{Label: c.T("res.btn_use_facts"), Value: "="})
	if f.Optional {
		opts = append(opts, core.Opt{Label: c.T("res.btn_skip"), Value: "-"})
	}
	c.Ask(text, 1, opts...)
	return nil
}

func answerCommentField(c *core.Ctx, in core.Input) (core.StepName, error) {
	cc, err := commentContext(c)
	if err != nil {
		return "", err
	}
	i := commentIndex(c, cc.form)
	f := cc.form.Fields[i]
	var v string
	switch {
	case f.Kind == "level":
		key, ok := strings.CutPrefix(in.Choice, "l:")
		found := false
		for _, l := range levelsOf(cc.form) {
			found = found || (ok && l.Key == key)
		}
		if !found {
			return "", core.Invalid("err.choose_option")
		}
		v = key
	case in.Choice == "=":
		facts, err := factsOf(c, cc.m.ID, cc.year, c.CellZone(cc.cell))
		if err != nil {
			return "", err
		}
		v = factsText(c.ReaderOf(nil), facts, cc.year) // stored in the default language, like the form
	case in.Choice == "-" && f.Optional:
	case in.Choice != "":
		return "", core.Invalid("err.choose_option")
	default:
		if v, err = core.CleanReason(in.Text); err != nil {
			return "", err
		}
	}
	st := core.StateOf[commentState](c)
	st.answer(f.Key, v)
	if i+1 < len(cc.form.Fields) {
		st.Index = i + 1
		return stepField, nil
	}
	return stepReview, nil
}

func commentAnswers(c *core.Ctx, form *storage.ResidenceTemplate) map[string]string {
	a := map[string]string{}
	for _, f := range form.Fields {
		a[f.Key] = core.StateOf[commentState](c).Answers[f.Key]
	}
	return a
}

// commentLines lists a comment's answers, one numbered line per field.
func commentLines(c *core.Ctx, form *storage.ResidenceTemplate, answers map[string]string) string {
	lines := make([]string, 0, len(form.Fields))
	for i, f := range form.Fields {
		lines = append(lines, c.T("res.form_line", "N", i+1, "Label", resFieldLabel(c, f), "Value", resAnswerText(c, form, f, answers[f.Key])))
	}
	return strings.Join(lines, "\n")
}

func askCommentReview(c *core.Ctx) error {
	cc, err := commentContext(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	c.Ask(c.T("res.comment_review", "Name", cc.m.Name, "Year", cc.year, "Lines", commentLines(c, cc.form, commentAnswers(c, cc.form))), 2,
		core.Opt{Label: c.T("res.btn_send_comment"), Value: "send"},
		core.Opt{Label: c.T("res.btn_redo"), Value: "redo"})
	return nil
}

func answerCommentReview(c *core.Ctx, in core.Input) (core.StepName, error) {
	cc, err := commentContext(c)
	if err != nil {
		return "", err
	}
	switch in.Choice {
	case "redo":
		core.StateOf[commentState](c).Index = 0
		return stepField, nil
	case "send":
	default:
		return "", core.Invalid("err.choose_option")
	}
	facts, err := factsOf(c, cc.m.ID, cc.year, c.CellZone(cc.cell))
	if err != nil {
		return "", err
	}
	cm := &storage.ResidenceComment{MemberID: cc.m.ID, CellID: cc.cell.ID, Year: cc.year, Form: *cc.form,
		Answers: commentAnswers(c, cc.form), Facts: factsText(c.ReaderOf(nil), facts, cc.year), By: c.Me.ID, At: c.Now}
	switch err := c.Tx.AddResidenceComment(cm); {
	case errors.Is(err, storage.ErrDuplicate):
		old, err := c.Tx.ResidenceComment(cc.m.ID, cc.year)
		if err != nil {
			return "", err
		}
		by := ""
		if b, err := c.Tx.Member(old.By); err == nil {
			by = b.Name
		}
		c.Say("res.comment_already", "Name", cc.m.Name, "Year", cc.year, "By", by, "Date", c.Date(old.At))
		c.End()
		return "", nil
	case err != nil:
		return "", err
	}
	if err := c.Audit("residence_note", cc.cell.ID, cc.m.ID, nil, cm.Answers); err != nil {
		return "", err
	}
	r := c.ReaderOf(cc.m)
	if c.SendTo(cc.m, "res.comment_to_member", "Form", CommentText(r, cm, cc.m)) {
		if err := attachCommentPDF(r, c, cm, cc.m); err != nil {
			return "", err
		}
		c.Say("res.comment_sent", "Name", cc.m.Name)
	} else {
		c.Say("res.comment_saved_unreachable", "Name", cc.m.Name)
	}
	if err := attachCommentPDF(c, c, cm, cc.m); err != nil {
		return "", err
	}
	return "", startCommentRound(c, cc.cell, false)
}

// commentText is the comment as a text form, for the member and for the
// workplace party organisation.
func CommentText(c *core.Ctx, cm *storage.ResidenceComment, m *storage.Member) string {
	home, cellTitle, workplace, org, by, role := "", "", "", "", "", c.T("role.secretary")
	if rc, err := c.Tx.Cell(cm.CellID); err == nil {
		cellTitle = cellName(c, rc)
	}
	if l, err := c.Tx.ResidenceLink(m.ID); err == nil {
		workplace, org, home = l.Workplace, l.WorkplaceOrg, homeLabel(c, m, l)
	}
	if b, err := c.Tx.Member(cm.By); err == nil {
		by = b.Name
		if !b.HasRole(cm.CellID, storage.RoleSecretary) {
			role = c.T("role.deputy")
		}
	}
	facts := "\n\n" + c.T("res.facts_note", "Facts", cm.Facts)
	for _, v := range cm.Answers {
		if v == cm.Facts { // the secretary used the facts as the free comment
			facts = ""
		}
	}
	return c.T("res.form", "Year", cm.Year, "Name", m.Name, "Home", home, "Workplace", workplace, "WorkplaceOrg", org, "Cell", cellTitle,
		"Lines", commentLines(c, &cm.Form, cm.Answers), "Facts", facts, "By", by, "Role", role, "Date", c.Date(cm.At))
}

// readableComment loads a comment for the caller if they may read it: the
// member themself, a leader of the residence cell that wrote it, or a
// leader of the member's home cell. Anyone else is told so.
func readableComment(c *core.Ctx, args string) (*storage.ResidenceComment, *storage.Member, bool, error) {
	mArg, yArg, _ := strings.Cut(args, ":")
	memberID, err1 := strconv.ParseUint(mArg, 10, 64)
	year, err2 := strconv.Atoi(yArg)
	if err1 != nil || err2 != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil, nil, false, nil
	}
	m, err := c.Tx.Member(memberID)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	cm, err := c.Tx.ResidenceComment(memberID, year)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, nil, false, err
	}
	residence := uint64(0)
	if cm != nil {
		residence = cm.CellID
	} else if l, err := c.Tx.ResidenceLink(memberID); err == nil {
		residence = l.CellID
	}
	if c.Me.ID != m.ID && !c.Me.Leads(m.HomeCellID) && (residence == 0 || !c.Me.Leads(residence)) {
		c.Say("res.comment_not_yours")
		return nil, nil, false, nil
	}
	if cm == nil {
		c.Say("res.comment_none", "Name", m.Name, "Year", year)
		return nil, nil, false, nil
	}
	return cm, m, true, nil
}

// actCommentView shows a comment: "rsv:<member>:<year>".
func actCommentView(c *core.Ctx, args string) error {
	cm, m, ok, err := readableComment(c, args)
	if !ok {
		return err
	}
	c.Reply(CommentText(c, cm, m), []chat.Button{core.ActionButton(c.T("res.btn_export_one"), codeCommentExport, fmt.Sprintf("%d:%d", m.ID, cm.Year))})
	return nil
}

// actCommentExport sends a comment as a text file to pass on to the
// workplace party organisation: "rsx:<member>:<year>".
func actCommentExport(c *core.Ctx, args string) error {
	cm, m, ok, err := readableComment(c, args)
	if !ok {
		return err
	}
	sendCommentFile(c, cm, m)
	return nil
}

func sendCommentFile(c *core.Ctx, cm *storage.ResidenceComment, m *storage.Member) {
	name := fmt.Sprintf("phieu-nhan-xet-%d-%s.txt", cm.Year, strings.ReplaceAll(core.FoldForSearch(m.Name), " ", "-"))
	text := CommentText(c, cm, m)
	c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, Text: c.T("res.export_caption", "Name", m.Name, "Year", cm.Year), RecipientID: c.MeID(),
		Document: &chat.Document{Name: name, MIME: "text/plain; charset=utf-8", Data: []byte(text + "\n")}})
}

// exportComments sends every comment the cell gave for the round's year,
// one file per member, for the workplace party organisations.
func exportComments(c *core.Ctx, cell *storage.Cell) error {
	r, err := roundAt(c, cell, c.Now)
	if err != nil {
		return err
	}
	links, err := members.LinkedMembers(c.Tx, cell.ID, "")
	if err != nil {
		return err
	}
	n := 0
	for _, lm := range links {
		for _, y := range []int{c.Now.In(r.zone).Year(), r.year} {
			cm, err := c.Tx.ResidenceComment(lm.M.ID, y)
			if errors.Is(err, storage.ErrNotFound) || (err == nil && cm.CellID != cell.ID) {
				continue
			}
			if err != nil {
				return err
			}
			sendCommentFile(c, cm, &lm.M)
			n++
			break
		}
	}
	c.Reply(c.N("res.export_done", n, "Cell", cell.Name))
	return nil
}

// forgetResidenceComments keeps the levels of the comments on m (the
// cell's record) and drops their free text and facts.
func forgetResidenceComments(c *core.Ctx, m *storage.Member) ([][]byte, error) {
	comments, err := c.Tx.ResidenceComments(m.ID)
	if err != nil {
		return nil, err
	}
	for _, rc := range comments {
		for _, f := range rc.Form.Fields {
			if f.Kind != "level" {
				delete(rc.Answers, f.Key)
			}
		}
		rc.Facts = ""
		if err := c.Tx.ReplaceResidenceComment(&rc); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// ResidenceFormOf is the organization's annual comment form with every
// field and level named, the default one when it has none of its own.
func ResidenceFormOf(tx *storage.Tx, cat *locales.Catalog, orgID uint64) (*storage.ResidenceTemplate, error) {
	t, err := tx.ResidenceTemplate(orgID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if t == nil || len(t.Fields) == 0 {
		t = &storage.ResidenceTemplate{Fields: slices.Clone(resDefaultForm.Fields)}
	}
	out := &storage.ResidenceTemplate{}
	for _, f := range t.Fields {
		if len(f.Label) == 0 {
			f.Label = core.LabelsIn(cat, resDefaultLabels[f.Key])
		}
		out.Fields = append(out.Fields, f)
	}
	for _, l := range levelsOf(t) {
		if len(l.Label) == 0 {
			l.Label = core.LabelsIn(cat, resLevelLabels[l.Key])
		}
		out.Levels = append(out.Levels, l)
	}
	return out, nil
}

// ParseResidenceForm reads and checks an annual comment form file: named
// fields of kind "level" or "text", and two to six named levels, best first.
func ParseResidenceForm(data []byte) (*storage.ResidenceTemplate, error) {
	var t storage.ResidenceTemplate
	if err := core.DecodeStrict(data, &t); err != nil {
		return nil, err
	}
	if len(t.Fields) == 0 || len(t.Fields) > 12 {
		return nil, core.FormErr("settings.err_sections", "Max", 12)
	}
	seen := map[string]bool{}
	for i, f := range t.Fields {
		if err := core.CheckNamed(i+1, f.Key, f.Label); err != nil {
			return nil, err
		}
		if seen[f.Key] {
			return nil, core.FormErr("settings.err_dup_key", "N", i+1, "Key", f.Key)
		}
		seen[f.Key] = true
		if f.Kind != "level" && f.Kind != "text" {
			return nil, core.FormErr("settings.err_field_kind", "N", i+1, "Key", f.Key)
		}
	}
	if len(t.Levels) < 2 || len(t.Levels) > 6 {
		return nil, core.FormErr("settings.err_levels")
	}
	seen = map[string]bool{}
	for i, l := range t.Levels {
		if err := core.CheckNamed(i+1, l.Key, l.Label); err != nil {
			return nil, err
		}
		if seen[l.Key] {
			return nil, core.FormErr("settings.err_dup_key", "N", i+1, "Key", l.Key)
		}
		seen[l.Key] = true
	}
	return &t, nil
}

// ParseResidenceSettings reads and checks a residence cell's comment round
// file: real calendar days, a deadline after the opening in the same year,
// reminders in daytime hours and at most every 31 days.
func ParseResidenceSettings(data []byte) (storage.ResidenceSettings, error) {
	var s storage.ResidenceSettings
	if err := core.DecodeStrict(data, &s); err != nil {
		return s, err
	}
	day := func(m, d int) bool { // a day every year has (no 29 February)
		t := time.Date(2025, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		return m >= 1 && m <= 12 && d >= 1 && t.Day() == d
	}
	switch {
	case !day(s.OpenMonth, s.OpenDay) || !day(s.DeadlineMonth, s.DeadlineDay):
		return s, core.FormErr("settings.err_day")
	case s.DeadlineMonth*100+s.DeadlineDay <= s.OpenMonth*100+s.OpenDay:
		return s, core.FormErr("settings.err_order")
	case s.Hour < 6 || s.Hour > 20:
		return s, core.FormErr("settings.err_hour")
	case s.EveryDays < 1 || s.EveryDays > 31:
		return s, core.FormErr("settings.err_every")
	}
	return s, nil
}
