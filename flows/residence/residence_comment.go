package residence

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
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

// resFacts are a member's year in chibo's records.
type resFacts struct {
	noticed, present int
	reports          []storage.ResidenceReport
}

func factsOf(c *core.Ctx, memberID uint64, year int, zone *time.Location) (resFacts, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, zone)
	att, err := db(c).MemberResidenceAttendance(memberID, from, from.AddDate(1, 0, 0))
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
	f.reports, err = db(c).ResidenceReports(memberID, year)
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
	cell, err := db(c).Cell(cellID)
	if err != nil {
		return nil, core.Invalid("err.conv_expired")
	}
	m, err := db(c).Member(memberID)
	if err != nil {
		return nil, core.Invalid("err.conv_expired")
	}
	l, err := db(c).ResidenceLink(memberID)
	if err != nil || l.CellID != cellID || l.Pending {
		return nil, core.Invalid("res.err_not_linked_here", "Name", m.Name)
	}
	form, err := resFormOf(db(c), cell)
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
	switch err := db(c).AddResidenceComment(cm); {
	case errors.Is(err, storage.ErrDuplicate):
		old, err := db(c).ResidenceComment(cc.m.ID, cc.year)
		if err != nil {
			return "", err
		}
		by := ""
		if b, err := db(c).Member(old.By); err == nil {
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
	if rc, err := db(c).Cell(cm.CellID); err == nil {
		cellTitle = cellName(c, rc)
	}
	if l, err := db(c).ResidenceLink(m.ID); err == nil {
		workplace, org, home = l.Workplace, l.WorkplaceOrg, homeLabel(c, m, l)
	}
	if b, err := db(c).Member(cm.By); err == nil {
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
	m, err := db(c).Member(memberID)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	cm, err := db(c).ResidenceComment(memberID, year)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, nil, false, err
	}
	residence := uint64(0)
	if cm != nil {
		residence = cm.CellID
	} else if l, err := db(c).ResidenceLink(memberID); err == nil {
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
			cm, err := db(c).ResidenceComment(lm.M.ID, y)
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
	comments, err := db(c).ResidenceComments(m.ID)
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
		if err := db(c).ReplaceResidenceComment(&rc); err != nil {
			return nil, err
		}
	}
	return nil, nil
}
