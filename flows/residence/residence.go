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
	if o, err := c.Tx.Org(cell.OrgID); err == nil {
		org = o.Name
	}
	return c.T("res.cell_name", "Cell", cell.Name, "Org", org)
}

// cellLabel names a cell with its organization and the code a person may
// type to choose it, for the list of cells to choose from.
func cellLabel(c *core.Ctx, cell *storage.Cell) string {
	org := ""
	if o, err := c.Tx.Org(cell.OrgID); err == nil {
		org = o.Name
	}
	return c.T("res.cell_label", "Cell", cell.Name, "Org", org, "Code", cell.ID)
}

// dateKey is a day as stored: yyyy-mm-dd.
func dateKey(t time.Time) string { return t.Format("2006-01-02") }

// linkText describes a link: cell, workplace, organisation, date, status.
func linkText(c *core.Ctx, l *storage.ResidenceLink) string {
	cellTitle := ""
	if cell, err := c.Tx.Cell(l.CellID); err == nil {
		cellTitle = cellName(c, cell)
	}
	return c.T("res.link_text", "Cell", cellTitle, "Workplace", l.Workplace, "WorkplaceOrg", l.WorkplaceOrg,
		"Date", c.Date(l.Introduced), "Status", resStatusName(c, l.Status))
}

// runResidence is /residence: the member's own link, reports and comment,
// and for secretaries and deputies the tools of the cells they lead.
func runResidence(c *core.Ctx, _ string) error {
	year := c.Now.In(c.Zone()).Year()
	l, err := c.Tx.ResidenceLink(c.Me.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	switch {
	case l == nil && len(c.Me.LedCells()) > 0:
		// A secretary or deputy sees their cells' tools below; a leader who
		// also works at an agency finds the request button there.
	case l == nil:
		c.Reply(c.T("res.not_linked"), []chat.Button{core.ActionButton(c.T("res.btn_request"), codeResidence, "req")})
	case l.Pending:
		c.Reply(c.T("res.pending_view", "Link", linkText(c, l), "Date", c.Date(l.RequestedAt)),
			[]chat.Button{core.ActionButton(c.T("res.btn_request_again"), codeResidence, "req")})
	default:
		if err := memberResidenceView(c, c.Me, l, year); err != nil {
			return err
		}
	}
	for _, id := range c.Me.LedCells() {
		cell, err := c.Tx.Cell(id)
		if err != nil {
			continue
		}
		if err := leaderResidenceView(c, cell, year); err != nil {
			return err
		}
	}
	return nil
}

// memberResidenceView shows a linked member their link, the year's reports
// and the comment once given.
func memberResidenceView(c *core.Ctx, m *storage.Member, l *storage.ResidenceLink, year int) error {
	var b strings.Builder
	b.WriteString(c.T("res.view_header", "Name", m.Name))
	b.WriteString("\n")
	b.WriteString(linkText(c, l))
	reports, err := c.Tx.ResidenceReports(m.ID, year)
	if err != nil {
		return err
	}
	b.WriteString("\n\n")
	b.WriteString(c.N("res.view_reports", len(reports), "Year", year))
	for _, r := range reports {
		b.WriteString("\n")
		b.WriteString(reportLine(c, &r))
	}
	rows := [][]chat.Button{{core.ActionButton(c.T("res.btn_report"), codeResidence, "rep")}}
	cm, cyear, err := latestComment(c.Tx, m.ID, year)
	if err != nil {
		return err
	}
	b.WriteString("\n\n")
	switch {
	case cm != nil:
		b.WriteString(c.T("res.view_comment_given", "Year", cyear, "Date", c.Date(cm.At)))
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_view_comment", "Year", cyear), codeCommentView, fmt.Sprintf("%d:%d", m.ID, cyear))})
	case l.Status == storage.ResidenceWithComment:
		b.WriteString(c.T("res.view_comment_none", "Year", year))
	default:
		b.WriteString(c.T("res.view_no_comment_needed"))
	}
	c.Reply(b.String(), rows...)
	return nil
}

// latestComment is the member's comment of year, or else of the year before.
func latestComment(tx *storage.Tx, memberID uint64, year int) (*storage.ResidenceComment, int, error) {
	for _, y := range []int{year, year - 1} {
		cm, err := tx.ResidenceComment(memberID, y)
		if err == nil {
			return cm, y, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return nil, 0, err
		}
	}
	return nil, 0, nil
}

func reportLine(c *core.Ctx, r *storage.ResidenceReport) string {
	d, _ := time.ParseInLocation("2006-01-02", r.Date, c.Zone())
	if r.Text != "" {
		return c.T("res.report_line_text", "Date", c.Date(d), "Kind", resKindName(c, r.Kind), "Text", r.Text)
	}
	return c.T("res.report_line", "Date", c.Date(d), "Kind", resKindName(c, r.Kind))
}

// leaderResidenceView shows a secretary or deputy the working members linked
// to their cell, the requests waiting, the comment round, and the cell's own
// members linked to residence cells elsewhere.
func leaderResidenceView(c *core.Ctx, cell *storage.Cell, year int) error {
	links, err := c.Tx.ResidenceLinks(cell.ID)
	if err != nil {
		return err
	}
	active, pending, owed, given := 0, 0, 0, 0
	for _, l := range links {
		if l.Pending {
			pending++
			continue
		}
		active++
		if l.Status == storage.ResidenceWithComment {
			owed++
			if _, err := c.Tx.ResidenceComment(l.MemberID, year); err == nil {
				given++
			}
		}
	}
	away, err := homeMembersLinked(c.Tx, cell.ID)
	if err != nil {
		return err
	}
	id := fmt.Sprint(cell.ID)
	rows := [][]chat.Button{
		{core.ActionButton(c.T("res.btn_list"), codeResidence, "list:"+id), core.ActionButton(c.T("res.btn_add"), codeResidence, "add:"+id)},
	}
	if owed > given {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_comment_round"), codeResidence, "cm:"+id)})
	}
	if given > 0 {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_export"), codeResidence, "x:"+id)})
	}
	if len(away) > 0 {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_home"), codeResidence, "home:"+id)})
	}
	if _, err := c.Tx.ResidenceLink(c.Me.ID); errors.Is(err, storage.ErrNotFound) {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_request"), codeResidence, "req")})
	}
	c.Reply(c.T("res.leader_view", "Cell", cell.Name, "Active", active, "Pending", pending, "Year", year, "Given", given, "Owed", owed, "Away", len(away)), rows...)
	return nil
}

// homeMembersLinked lists the members of a home cell who are linked to a
// residence cell (confirmed), with their links.
func homeMembersLinked(tx *storage.Tx, cellID uint64) ([]members.LinkedMember, error) {
	ms, err := tx.Members(cellID)
	if err != nil {
		return nil, err
	}
	var out []members.LinkedMember
	for i := range ms {
		l, err := tx.ResidenceLink(ms[i].ID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if l.Active() {
			out = append(out, members.LinkedMember{M: ms[i], L: *l})
		}
	}
	return out, nil
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
		if l, err := c.Tx.ResidenceLink(c.Me.ID); err == nil && l.Active() {
			c.Say("res.already_linked", "Link", linkText(c, l))
			return nil
		}
		return c.StartWith("rlink", stepCell, &linkState{Mode: "req", Member: c.Me.ID})
	case "rep":
		l, err := c.Tx.ResidenceLink(c.Me.ID)
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

// listLinked shows the residence cell's linked members and the requests
// waiting for a decision, with their buttons.
func listLinked(c *core.Ctx, cell *storage.Cell) error {
	links, err := c.Tx.ResidenceLinks(cell.ID)
	if err != nil {
		return err
	}
	if len(links) == 0 {
		c.Say("res.list_empty", "Cell", cell.Name)
		return nil
	}
	year := c.Now.In(c.Zone()).Year()
	var b strings.Builder
	b.WriteString(c.N("res.list_header", len(links), "Cell", cell.Name))
	var rows [][]chat.Button
	for i, l := range links {
		m, err := c.Tx.Member(l.MemberID)
		if err != nil {
			continue
		}
		home := homeLabel(c, m, &l)
		b.WriteString("\n")
		if l.Pending {
			b.WriteString(c.T("res.list_line_pending", "N", i+1, "Name", m.Name, "Home", home, "Workplace", l.Workplace))
			rows = append(rows, []chat.Button{
				core.ActionButton(c.T("res.btn_confirm_name", "Name", core.CkShorten(m.Name, 24)), codeLinkRequest, linkRequestArgs(&l, "a")),
				core.ActionButton(c.T("res.btn_refuse"), codeLinkRequest, linkRequestArgs(&l, "r")),
			})
			continue
		}
		state := resStatusName(c, l.Status)
		if l.Status == storage.ResidenceWithComment {
			if _, err := c.Tx.ResidenceComment(m.ID, year); err == nil {
				state = c.T("res.list_commented", "Year", year)
				rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_view_name", "Name", core.CkShorten(m.Name, 40)), codeCommentView, fmt.Sprintf("%d:%d", m.ID, year))})
			}
		}
		b.WriteString(c.T("res.list_line", "N", i+1, "Name", m.Name, "Home", home, "Workplace", l.Workplace, "State", state))
	}
	c.Reply(b.String(), rows...)
	return nil
}

// homeLabel names the member's own cell, or, when it does not use chibo,
// the workplace party organisation they gave.
func homeLabel(c *core.Ctx, m *storage.Member, l *storage.ResidenceLink) string {
	if hc, err := c.Tx.Cell(m.HomeCellID); err == nil {
		return cellName(c, hc)
	}
	return l.WorkplaceOrg
}

// listHomeLinked shows a home cell's leader their members linked to
// residence cells and whether the year's comment came.
func listHomeLinked(c *core.Ctx, cell *storage.Cell) error {
	away, err := homeMembersLinked(c.Tx, cell.ID)
	if err != nil {
		return err
	}
	year := c.Now.In(c.Zone()).Year()
	var b strings.Builder
	b.WriteString(c.N("res.home_header", len(away), "Cell", cell.Name))
	var rows [][]chat.Button
	for _, lm := range away {
		rc := ""
		if rcell, err := c.Tx.Cell(lm.L.CellID); err == nil {
			rc = cellName(c, rcell)
		}
		b.WriteString("\n")
		cm, cyear, err := latestComment(c.Tx, lm.M.ID, year)
		if err != nil {
			return err
		}
		if cm != nil {
			b.WriteString(c.T("res.home_line_given", "Name", lm.M.Name, "Cell", rc, "Year", cyear))
			rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_view_name", "Name", core.CkShorten(lm.M.Name, 40)), codeCommentView, fmt.Sprintf("%d:%d", lm.M.ID, cyear))})
			continue
		}
		b.WriteString(c.T("res.home_line", "Name", lm.M.Name, "Cell", rc, "Status", resStatusName(c, lm.L.Status)))
	}
	c.Reply(b.String(), rows...)
	return nil
}

// The link flow: "req" mode for a member asking, "add" mode for a residence
// secretary registering a member. Every step checks the mode's authority
// again, since a role can be lost mid-conversation.

func linkCell(c *core.Ctx) (*storage.Cell, error) {
	st := core.StateOf[linkState](c)
	cell, err := c.Tx.Cell(st.Cell)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, core.Invalid("res.err_no_cell", "Query", fmt.Sprint(st.Cell))
	}
	if err != nil {
		return nil, err
	}
	if st.Mode == "add" && !c.Me.Leads(cell.ID) {
		return nil, core.Invalid("err.leaders_only")
	}
	return cell, nil
}

func linkMember(c *core.Ctx) (*storage.Member, error) {
	st := core.StateOf[linkState](c)
	id := st.Member
	if st.Mode == "req" && id != c.Me.ID {
		return nil, core.Invalid("err.stale_button")
	}
	m, err := c.Tx.Member(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, core.Invalid("res.err_no_member")
	}
	return m, err
}

func askLinkCell(c *core.Ctx) error {
	var opts []core.Opt
	for _, id := range c.Tx.CellIDsAfter(0, maxCellChoices+1) { // the first cells, not every one
		if id == c.Me.HomeCellID || len(opts) == maxCellChoices {
			continue
		}
		cell, err := c.Tx.Cell(id)
		if err != nil {
			return err
		}
		opts = append(opts, core.Opt{Label: core.CkShorten(cellLabel(c, cell), 60), Value: fmt.Sprint(cell.ID)})
	}
	c.Ask(c.T("res.ask_cell"), 1, opts...)
	return nil
}

// answerLinkCell takes a tapped cell, a typed code (the number shown with
// the cell), or its name from one of its words on ("thu", "ap dong").
func answerLinkCell(c *core.Ctx, in core.Input) (core.StepName, error) {
	query := in.Choice
	if query == "" {
		query = strings.TrimPrefix(strings.TrimSpace(in.Text), "#")
	}
	if query == "" {
		return "", core.Invalid("err.choose_option")
	}
	var found *storage.Cell
	if id, err := strconv.ParseUint(query, 10, 64); err == nil {
		cell, err := c.Tx.Cell(id)
		if errors.Is(err, storage.ErrNotFound) {
			return "", core.Invalid("res.err_no_cell", "Query", query)
		}
		if err != nil {
			return "", err
		}
		found = cell
	} else {
		matches, n, err := c.Tx.CellsNamed(query, 1) // the index of names, not every cell
		if err != nil {
			return "", err
		}
		switch n {
		case 0:
			return "", core.Invalid("res.err_no_cell", "Query", query)
		case 1:
			found = &matches[0]
		default:
			return "", core.Invalid("res.err_many_cells", "Count", n)
		}
	}
	if found.ID == c.Me.HomeCellID {
		return "", core.Invalid("res.err_own_cell")
	}
	core.StateOf[linkState](c).Cell = found.ID
	return stepWorkplace, nil
}

func askLinkMember(c *core.Ctx) error {
	if _, err := linkCell(c); err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	q := core.StateOf[linkState](c).Query
	if q == "" {
		c.Reply(c.T("res.ask_member"))
		return nil
	}
	found, _, err := membersMatching(c.Tx, q)
	if err != nil {
		return err
	}
	found = found[:min(len(found), maxMemberMatches)]
	opts := make([]core.Opt, 0, len(found))
	for i := range found {
		home := ""
		if hc, err := c.Tx.Cell(found[i].HomeCellID); err == nil {
			home = hc.Name
		}
		opts = append(opts, core.Opt{Label: core.CkShorten(c.T("res.member_choice", "Name", found[i].Name, "Home", home), 60), Value: fmt.Sprint(found[i].ID)})
	}
	c.Ask(c.T("res.ask_member_pick", "Count", len(found)), 1, opts...)
	return nil
}

// maxMemberMatches is how many members a name search shows.
const maxMemberMatches = 8

// answerLinkMember finds the member by name in every organization (their
// home cell may be in another one), through the index of names; a tap picks
// one of the matches shown.
func answerLinkMember(c *core.Ctx, in core.Input) (core.StepName, error) {
	cell, err := linkCell(c)
	if err != nil {
		return "", err
	}
	if in.Choice != "" {
		id, _ := strconv.ParseUint(in.Choice, 10, 64)
		m, err := c.Tx.Member(id)
		if err != nil {
			return "", core.Invalid("res.err_no_member")
		}
		return pickLinkMember(c, cell, m)
	}
	key := core.FoldForSearch(in.Text)
	if core.Utf8Len(key) < 2 {
		return "", core.Invalid("res.err_name_short")
	}
	found, total, err := membersMatching(c.Tx, key)
	if err != nil {
		return "", err
	}
	switch {
	case len(found) == 0:
		return "", core.Invalid("res.err_no_member")
	case len(found) == 1:
		return pickLinkMember(c, cell, &found[0])
	case len(found) > maxMemberMatches:
		return "", core.Invalid("res.err_many_members", "Count", total)
	}
	core.StateOf[linkState](c).Query = key // the next ask shows the matches as buttons
	return stepMember, nil
}

// membersMatching lists the members (not transferred out) whose folded name
// reads key from one of its words on ("tran", "van minh"), up to
// maxMemberMatches+1, and how many match in all. Their home cell may be in
// another organization: it asks the index of names of each organization,
// never reading every member.
func membersMatching(tx *storage.Tx, key string) ([]storage.Member, int, error) {
	orgs, err := tx.Orgs()
	if err != nil {
		return nil, 0, err
	}
	var found []storage.Member
	total := 0
	for _, o := range orgs {
		ms, n, err := tx.OrgMembersNamed(o.ID, key, maxMemberMatches+1)
		if err != nil {
			return nil, 0, err
		}
		total += n
		for _, m := range ms {
			if m.Status.Kind == storage.StatusLeft {
				total--
				continue
			}
			if len(found) <= maxMemberMatches {
				found = append(found, m)
			}
		}
	}
	return found, total, nil
}

func pickLinkMember(c *core.Ctx, cell *storage.Cell, m *storage.Member) (core.StepName, error) {
	if m.HomeCellID == cell.ID {
		return "", core.Invalid("res.err_home_member", "Name", m.Name)
	}
	if l, err := c.Tx.ResidenceLink(m.ID); err == nil && l.Active() && l.CellID != cell.ID {
		return "", core.Invalid("res.err_linked_elsewhere", "Name", m.Name, "Link", linkText(c, l))
	}
	st := core.StateOf[linkState](c)
	st.Member = m.ID
	if l, err := c.Tx.ResidenceLink(m.ID); err == nil && l.CellID == cell.ID {
		// Known already (a request, or a correction): offer what was given.
		st.PrevWorkplace, st.PrevOrg = l.Workplace, l.WorkplaceOrg
	}
	return stepWorkplace, nil
}

func askLinkWorkplace(c *core.Ctx) error {
	var opts []core.Opt
	if p := core.StateOf[linkState](c).PrevWorkplace; p != "" {
		opts = append(opts, core.Opt{Label: c.T("res.btn_keep", "Value", core.CkShorten(p, 32)), Value: "="})
	}
	c.Ask(c.T("res.ask_workplace"), 1, opts...)
	return nil
}

// cleanPlace reads a place typed, or prev kept with "=".
func cleanPlace(in core.Input, prev string) (string, error) {
	if in.Choice == "=" && prev != "" {
		return prev, nil
	}
	s, err := core.CleanPlace(in.Text)
	var inv *core.InvalidInput
	if errors.As(err, &inv) && inv.MsgID == "err.place_empty" {
		return "", core.Invalid("res.err_place_empty")
	}
	return s, err
}

func answerLinkWorkplace(c *core.Ctx, in core.Input) (core.StepName, error) {
	st := core.StateOf[linkState](c)
	s, err := cleanPlace(in, st.PrevWorkplace)
	if err != nil {
		return "", err
	}
	st.Workplace = s
	return stepOrg, nil
}

func askLinkOrg(c *core.Ctx) error {
	var opts []core.Opt
	if p := core.StateOf[linkState](c).PrevOrg; p != "" {
		opts = append(opts, core.Opt{Label: c.T("res.btn_keep", "Value", core.CkShorten(p, 32)), Value: "="})
	}
	c.Ask(c.T("res.ask_org"), 1, opts...)
	return nil
}

func answerLinkOrg(c *core.Ctx, in core.Input) (core.StepName, error) {
	st := core.StateOf[linkState](c)
	s, err := cleanPlace(in, st.PrevOrg)
	if err != nil {
		return "", err
	}
	st.Org = s
	return stepDate, nil
}

func askLinkDate(c *core.Ctx) error {
	c.Ask(c.T("res.ask_intro_date"), 1, core.Opt{Label: c.T("res.btn_today"), Value: "today"})
	return nil
}

// pastDate reads a day that is today or earlier: "today", "yesterday" or
// a typed date.
func pastDate(c *core.Ctx, in core.Input) (time.Time, error) {
	today := core.DayStart(c.Now.In(c.Zone()))
	switch in.Choice {
	case "today":
		return today, nil
	case "yesterday":
		return today.AddDate(0, 0, -1), nil
	}
	if in.Choice != "" {
		return time.Time{}, core.Invalid("err.choose_option")
	}
	t, err := core.ParseDatePast(in.Text, c.Now, c.Zone())
	if err != nil {
		return time.Time{}, err
	}
	if t.After(today) {
		return time.Time{}, core.Invalid("res.err_future", "Today", c.Date(today))
	}
	return t, nil
}

func answerLinkDate(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := pastDate(c, in)
	if err != nil {
		return "", err
	}
	core.StateOf[linkState](c).Date = core.Day(dateKey(t))
	return stepStatus, nil
}

func askLinkStatus(c *core.Ctx) error {
	opts := make([]core.Opt, 0, len(storage.ResidenceStatuses))
	for _, s := range storage.ResidenceStatuses {
		opts = append(opts, core.Opt{Label: resStatusName(c, s), Value: string(s)})
	}
	c.Ask(c.T("res.ask_status"), 1, opts...)
	return nil
}

func answerLinkStatus(c *core.Ctx, in core.Input) (core.StepName, error) {
	if !slices.Contains(storage.ResidenceStatuses, storage.ResidenceStatus(in.Choice)) {
		return "", core.Invalid("err.choose_option")
	}
	core.StateOf[linkState](c).Status = storage.ResidenceStatus(in.Choice)
	return stepConfirm, nil
}

func pendingLink(c *core.Ctx) (*storage.ResidenceLink, error) {
	cell, err := linkCell(c)
	if err != nil {
		return nil, err
	}
	m, err := linkMember(c)
	if err != nil {
		return nil, err
	}
	st := core.StateOf[linkState](c)
	d := c.Time(st.Date)
	if d.IsZero() {
		return nil, core.Invalid("err.conv_expired")
	}
	return &storage.ResidenceLink{MemberID: m.ID, CellID: cell.ID, Workplace: st.Workplace, WorkplaceOrg: st.Org,
		Introduced: d, Status: st.Status, Pending: st.Mode == "req",
		RequestedBy: c.Me.ID, RequestedAt: c.Now}, nil
}

func askLinkConfirm(c *core.Ctx) error {
	l, err := pendingLink(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	m, _ := c.Tx.Member(l.MemberID)
	id := "res.confirm_request"
	if core.StateOf[linkState](c).Mode == "add" {
		id = "res.confirm_add"
	}
	c.AskConfirm(c.T(id, "Name", m.Name, "Link", linkText(c, l)), "")
	return nil
}

func answerLinkConfirm(c *core.Ctx, in core.Input) (core.StepName, error) {
	if ok, err := core.Confirmed(c, in); !ok || err != nil {
		return "", err
	}
	l, err := pendingLink(c)
	if err != nil {
		return "", err
	}
	m, err := c.Tx.Member(l.MemberID)
	if err != nil {
		return "", err
	}
	old, err := c.Tx.ResidenceLink(m.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return "", err
	}
	if old != nil && old.Active() && (core.StateOf[linkState](c).Mode == "req" || old.CellID != l.CellID) {
		c.Say("res.already_linked", "Link", linkText(c, old))
		c.End()
		return "", nil
	}
	cell, err := c.Tx.Cell(l.CellID)
	if err != nil {
		return "", err
	}
	if !l.Pending {
		l.ConfirmedBy, l.ConfirmedAt = c.Me.ID, c.Now
	}
	if err := c.Tx.PutResidenceLink(l); err != nil {
		return "", err
	}
	if !l.Pending { // a secretary's registration, not a member's request
		if err := c.Audit("residence_link", cell.ID, m.ID, old, l); err != nil {
			return "", err
		}
	}
	c.End()
	if !l.Pending {
		c.Say("res.added", "Name", m.Name, "Cell", cell.Name)
		if m.ID != c.Me.ID {
			c.SendTo(m, "res.linked_you", "Link", linkText(c.ReaderOf(m), l), "By", c.Me.Name)
		}
		return "", nil
	}
	leaders, err := members.LeadersOf(c, cell.ID, false)
	if err != nil {
		return "", err
	}
	sent := 0
	for i := range leaders {
		ld := &leaders[i]
		r := c.ReaderOf(ld)
		if c.SendButtonsTo(ld, [][]chat.Button{{core.ActionButton(r.T("btn.confirm"), codeLinkRequest, linkRequestArgs(l, "a")), core.ActionButton(r.T("res.btn_refuse"), codeLinkRequest, linkRequestArgs(l, "r"))}},
			"res.request_to_leader", "Name", m.Name, "Link", linkText(r, l)) {
			sent++
		}
	}
	if sent == 0 {
		c.Say("res.request_no_leader", "Cell", cell.Name)
		return "", nil
	}
	c.Say("res.request_sent", "Cell", cell.Name)
	return "", nil
}

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
	l, err := c.Tx.ResidenceLink(c.Me.ID)
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
	switch err := c.Tx.AddResidenceReport(r); {
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
