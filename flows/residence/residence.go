package residence

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"slices"
	"strings"
	"time"

	"chibo/storage"
)

// Residence activity of members working at agencies (Regulation 213-QĐ/TW,
// Guide 33-HD/BTCTW 2020; DOMAIN.md §3). A working member is linked to the
// cell where they live (by its secretary, or at their request confirmed by
// the secretary), reports what they do there, gets that cell's meeting
// notices, and once a year gets the cell's comment (phiếu nhận xét), which
// goes to their workplace party organisation.

// registerResidence registers the residence feature's commands, flows and reminders.
func registerResidence(e *core.Engine) {
	e.Exporter(core.ExportComments, exportCommentFiles)
	e.AuditWords(map[string]core.AuditFunc{
		"residence_link": auditLink,
		"residence_note": auditNote,
	})
	e.MyData(60, "privacy.sec_residence", func(c *core.Ctx, m *storage.Member) ([]string, error) { return myResidence(c, m) })
	e.Forget(forgetResidenceComments)
	e.Command(&core.Command{Name: "residence", Need: core.NeedMember, PrivateOnly: true, HelpID: "res.help", MenuID: "res.menu", Run: runResidence})
	// A member asks from stepCell, a residence secretary adds from stepMember.
	e.Register(&core.Flow{Name: "rlink", Need: core.NeedMember, First: stepCell, Starts: []core.StepName{stepMember}, State: func() any { return &linkState{} },
		Steps: map[core.StepName]core.Step{
			stepCell:      {Ask: askLinkCell, Answer: answerLinkCell, Next: []core.StepName{stepWorkplace}},
			stepMember:    {Ask: askLinkMember, Answer: answerLinkMember, Next: []core.StepName{stepMember, stepWorkplace}},
			stepWorkplace: {Ask: askLinkWorkplace, Answer: answerLinkWorkplace, Next: []core.StepName{stepOrg}},
			stepOrg:       {Ask: askLinkOrg, Answer: answerLinkOrg, Next: []core.StepName{stepDate}},
			stepDate:      {Ask: askLinkDate, Answer: answerLinkDate, Next: []core.StepName{stepStatus}},
			stepStatus:    {Ask: askLinkStatus, Answer: answerLinkStatus, Next: []core.StepName{stepConfirm}},
			stepConfirm:   {Ask: askLinkConfirm, Answer: answerLinkConfirm, Next: []core.StepName{}},
		}})
	e.Register(&core.Flow{Name: "rreport", Need: core.NeedMember, First: stepKind, State: func() any { return &reportState{} },
		Steps: map[core.StepName]core.Step{
			stepKind: {Ask: askReportKind, Answer: answerReportKind, Next: []core.StepName{stepText, stepDate}},
			stepText: {Ask: askReportText, Answer: answerReportText, Next: []core.StepName{stepDate}},
			stepDate: {Ask: askReportDate, Answer: answerReportDate, Next: []core.StepName{}},
		}})
	e.Register(&core.Flow{Name: "rcomment", Need: core.NeedLeader, First: stepField, State: func() any { return &commentState{} },
		Steps: map[core.StepName]core.Step{
			stepField:  {Ask: askCommentField, Answer: answerCommentField, Next: []core.StepName{stepField, stepReview}},
			stepReview: {Ask: askCommentReview, Answer: answerCommentReview, Next: []core.StepName{stepField}},
		}})
	e.DueSource("residence-comments", dueResidenceComments)
}

// maxCellChoices is how many cells a link request shows as buttons; more
// are found by typing a part of the name or the cell's code.
const maxCellChoices = 12

// statusName is the localized name of a residence status.
func resStatusName(c *core.Ctx, s storage.ResidenceStatus) string {
	switch s {
	case storage.ResidenceNoActivity:
		return c.T("res.status_no_activity")
	case storage.ResidenceNoIntro:
		return c.T("res.status_no_intro")
	}
	return c.T("res.status_comment")
}

// resKindName is the localized name of an activity kind.
func resKindName(c *core.Ctx, k storage.ResidenceKind) string {
	switch k {
	case storage.ActivityCellMeeting:
		return c.T("res.kind_cell_meeting")
	case storage.ActivityResidentMeeting:
		return c.T("res.kind_resident_meeting")
	case storage.ActivityCampaign:
		return c.T("res.kind_campaign")
	case storage.ActivityContribution:
		return c.T("res.kind_contribution")
	}
	return c.T("res.kind_other")
}

// cellName names a cell with its organization, as people read it in a
// text or on a form: "Chi bộ ấp 3 (Đảng bộ xã Tân Phú)", never its internal
// code.
func cellName(c *core.Ctx, cell *storage.Cell) string {
	org := ""
	if o, err := db(c).Org(cell.OrgID); err == nil {
		org = o.Name
	}
	return c.T("res.cell_name", "Cell", cell.Name, "Org", org)
}

// cellLabel names a cell with its organization and the code a person may
// type to choose it, for the list of cells to choose from.
func cellLabel(c *core.Ctx, cell *storage.Cell) string {
	org := ""
	if o, err := db(c).Org(cell.OrgID); err == nil {
		org = o.Name
	}
	return c.T("res.cell_label", "Cell", cell.Name, "Org", org, "Code", cell.ID)
}

// dateKey is a day as stored: yyyy-mm-dd.
func dateKey(t time.Time) string { return t.Format("2006-01-02") }

// linkText describes a link: cell, workplace, organisation, date, status.
func linkText(c *core.Ctx, l *storage.ResidenceLink) string {
	cellTitle := ""
	if cell, err := db(c).Cell(l.CellID); err == nil {
		cellTitle = cellName(c, cell)
	}
	return c.T("res.link_text", "Cell", cellTitle, "Workplace", l.Workplace, "WorkplaceOrg", l.WorkplaceOrg,
		"Date", c.Date(l.Introduced), "Status", resStatusName(c, l.Status))
}

// actResidence handles the buttons of /residence: "req", "rep", and for a
// cell the caller leads "list:<cell>", "add:<cell>", "cm:<cell>",
// "x:<cell>", "home:<cell>".
func actResidence(c *core.Ctx, args string) error {
	if c.Me == nil {
		c.Say("err.not_registered")
		return nil
	}
	op, arg, _ := strings.Cut(args, ":")
	switch op {
	case "req":
		if l, err := db(c).ResidenceLink(c.Me.ID); err == nil && l.Active() {
			c.Say("res.already_linked", "Link", linkText(c, l))
			return nil
		}
		return c.StartWith("rlink", stepCell, &linkState{Mode: "req", Member: c.Me.ID})
	case "rep":
		l, err := db(c).ResidenceLink(c.Me.ID)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && l.Pending) {
			c.Say("res.report_not_linked")
			return nil
		}
		if err != nil {
			return err
		}
		return c.StartWith("rreport", stepKind, nil)
	}
	return members.WithLedCell(c, arg, func(c *core.Ctx, cell *storage.Cell) error {
		switch op {
		case "list":
			return listLinked(c, cell)
		case "add":
			return c.StartWith("rlink", stepMember, &linkState{Mode: "add", Cell: cell.ID})
		case "cm":
			return startCommentRound(c, cell, true)
		case "x":
			return exportComments(c, cell)
		case "home":
			return listHomeLinked(c, cell)
		}
		c.Say("err.stale_button")
		return nil
	})
}

// The link flow: "req" mode for a member asking, "add" mode for a residence
// secretary registering a member. Every step checks the mode's authority
// again, since a role can be lost mid-conversation.

// The report flow: kind, (text for "other"), date.

func askReportKind(c *core.Ctx) error {
	opts := make([]core.Opt, 0, len(storage.ResidenceKinds))
	for _, k := range storage.ResidenceKinds {
		opts = append(opts, core.Opt{Label: resKindName(c, k), Value: string(k)})
	}
	c.Ask(c.T("res.ask_kind"), 1, opts...)
	return nil
}

func answerReportKind(c *core.Ctx, in core.Input) (core.StepName, error) {
	k := storage.ResidenceKind(in.Choice)
	if !slices.Contains(storage.ResidenceKinds, k) {
		if in.Text != "" { // a typed activity is "other" with its text
			t, err := core.CleanReason(in.Text)
			if err != nil {
				return "", err
			}
			st := core.StateOf[reportState](c)
			st.Kind, st.Text = storage.ActivityOther, t
			return stepDate, nil
		}
		return "", core.Invalid("err.choose_option")
	}
	core.StateOf[reportState](c).Kind = k
	if k == storage.ActivityOther {
		return stepText, nil
	}
	return stepDate, nil
}

func askReportText(c *core.Ctx) error {
	c.Reply(c.T("res.ask_text"))
	return nil
}

func answerReportText(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := core.CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	core.StateOf[reportState](c).Text = t
	return stepDate, nil
}

func askReportDate(c *core.Ctx) error {
	c.Ask(c.T("res.ask_date"), 2, core.Opt{Label: c.T("res.btn_today"), Value: "today"}, core.Opt{Label: c.T("res.btn_yesterday"), Value: "yesterday"})
	return nil
}

func answerReportDate(c *core.Ctx, in core.Input) (core.StepName, error) {
	d, err := pastDate(c, in)
	if err != nil {
		return "", err
	}
	l, err := db(c).ResidenceLink(c.Me.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && l.Pending) {
		c.Say("res.report_not_linked")
		c.End()
		return "", nil
	}
	if err != nil {
		return "", err
	}
	st := core.StateOf[reportState](c)
	k := st.Kind
	r := &storage.ResidenceReport{MemberID: c.Me.ID, CellID: l.CellID, Kind: k, Date: dateKey(d), Text: st.Text, At: c.Now}
	switch err := db(c).AddResidenceReport(r); {
	case errors.Is(err, storage.ErrDuplicate):
		c.Say("res.report_duplicate", "Kind", resKindName(c, k), "Date", c.Date(d))
		c.End()
		return "", nil
	case err != nil:
		return "", err
	}
	c.Say("res.report_saved", "Kind", resKindName(c, k), "Date", c.Date(d))
	c.End()
	return "", nil
}
