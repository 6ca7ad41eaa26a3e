package faraway

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
)

// Far-away party groups across cells (issue 17): the commune forms a tổ
// đảng of its members working far away in one area, led by a tổ trưởng,
// from several of its cells. They live here, with the check-ins and the
// board they are for: the group's leader follows its members' check-ins
// (members.CkGroupLeader) on the same board as a cell's group leader, across
// cells; the home cells' secretaries keep seeing their own members.

// The steps of forming a far group.
const (
	fgName    core.StepName = "name"
	fgMembers core.StepName = "members"
	fgLeader  core.StepName = "leader"
	fgConfirm core.StepName = "confirm"
)

// farGroupForm is what forming a far group carries.
type farGroupForm struct {
	Org     uint64   `json:"org"`
	Name    string   `json:"name,omitempty"`
	Members []uint64 `json:"members,omitempty"` // in the order named
	Leader  uint64   `json:"leader,omitempty"`
}

func groupForm(c *core.Ctx) *farGroupForm { return core.StateOf[farGroupForm](c) }

func registerFarGroups(e *core.Engine) {
	e.Command(&core.Command{Name: "fargroup", Need: core.NeedAdmin, PrivateOnly: true, HelpID: "fargroup.help", MenuID: "fargroup.menu", Run: runFarGroups})
	e.Register(&core.Flow{Name: "fargroup", Need: core.NeedAdmin, First: fgName, State: func() any { return &farGroupForm{} },
		Steps: map[core.StepName]core.Step{
			fgName:    {Ask: askGroupName, Answer: answerGroupName, Next: []core.StepName{fgMembers}},
			fgMembers: {Ask: askGroupMembers, Answer: answerGroupMembers, Next: []core.StepName{fgLeader}},
			fgLeader:  {Ask: askGroupLeader, Answer: answerGroupLeader, Next: []core.StepName{fgConfirm}},
			fgConfirm: {Ask: askGroupConfirm, Answer: answerGroupConfirm, Next: []core.StepName{fgMembers}},
		}})
	e.AuditWords(map[string]core.AuditFunc{"fargroup_create": auditFarGroup})
	registerGroupContacts(e)
	e.OrgExporter("groups", exportFarGroups)
}

// runFarGroups lists the far groups of each organization the admin runs,
// with a button to form one.
func runFarGroups(c *core.Ctx, _ string) error {
	for _, id := range c.Me.AdminOf {
		org, err := db(c).Org(id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		gs, err := db(c).OrgFarGroups(id)
		if err != nil {
			return err
		}
		text := c.N("fargroup.list_header", len(gs), "Org", org.Name)
		var rows [][]chat.Button
		for i := range gs {
			text += "\n" + groupLine(c, &gs[i])
			rows = append(rows, []chat.Button{core.ActionButton(c.T("fargroup.btn_board", "Name", gs[i].Name), codeFarGroup, fmt.Sprintf("%d:b", gs[i].ID))})
		}
		rows = append(rows, []chat.Button{core.ActionButton(c.T("fargroup.btn_new"), codeFarGroup, fmt.Sprintf("%d:n", id)),
			core.ActionButton(c.T("fgpilot.btn_open"), codeFarGroup, fmt.Sprintf("%d:p", id))})
		c.Reply(text, rows...)
	}
	return nil
}

func groupLine(c *core.Ctx, g *storage.FarGroup) string {
	return c.N("fargroup.line", len(g.MemberIDs), "Name", g.Name, "Leader", c.PersonName(g.LeaderID))
}

// actFarGroup is "f.group:<org>:n" (form a group), "f.group:<org>:p" (the online
// pilot), "f.group:<group>:b" (its board) or "f.group:<group>:c" (record a
// contact meeting).
func actFarGroup(c *core.Ctx, args string) error {
	idArg, op, _ := strings.Cut(args, ":")
	id, err := strconv.ParseUint(idArg, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	switch op {
	case "n":
		if !c.Me.Administers(id) {
			c.Say("err.admins_only")
			return nil
		}
		return c.StartWith("fargroup", fgName, &farGroupForm{Org: id})
	case "p":
		if !c.Me.Administers(id) {
			c.Say("err.admins_only")
			return nil
		}
		return showOnlinePilot(c, id)
	case "c":
		return c.StartWith("fgcontact", fcWhen, &contactForm{Group: id})
	case "b":
		g, err := db(c).FarGroup(id)
		if errors.Is(err, storage.ErrNotFound) {
			c.Say("err.stale_button")
			return nil
		}
		if err != nil {
			return err
		}
		return showFarGroupBoard(c, g)
	}
	c.Say("err.stale_button")
	return nil
}

// flowOrg is the organization of the flow, checked on every step.
func flowOrg(c *core.Ctx) (*storage.Organization, error) {
	id := groupForm(c).Org
	if id == 0 || !c.Me.Administers(id) {
		return nil, core.Invalid("err.admins_only")
	}
	return db(c).Org(id)
}

func askGroupName(c *core.Ctx) error {
	org, err := flowOrg(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	c.Ask(c.T("fargroup.ask_name", "Org", org.Name), 1)
	return nil
}

func answerGroupName(c *core.Ctx, in core.Input) (core.StepName, error) {
	name, err := core.CleanPlace(in.Text)
	if err != nil {
		return core.Done, err
	}
	groupForm(c).Name = name
	return fgMembers, nil
}

func askGroupMembers(c *core.Ctx) error {
	c.Ask(c.T("fargroup.ask_members", "Name", groupForm(c).Name), 1)
	return nil
}

// orgMembers are the members of the organization's cells now on their
// cell's list.
func orgMembers(c *core.Ctx, orgID uint64) ([]storage.Member, error) {
	cells, err := db(c).Cells()
	if err != nil {
		return nil, err
	}
	var out []storage.Member
	for _, cell := range cells {
		if cell.OrgID != orgID {
			continue
		}
		ms, err := db(c).Members(cell.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if k := m.StatusOn(c.Now).Kind; k != storage.StatusLeft && !m.Forgotten() {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// answerGroupMembers reads names separated by commas or lines; each must
// match one member of the organization who is in no other far group.
func answerGroupMembers(c *core.Ctx, in core.Input) (core.StepName, error) {
	org, err := flowOrg(c)
	if err != nil {
		return core.Done, err
	}
	all, err := orgMembers(c, org.ID)
	if err != nil {
		return core.Done, err
	}
	var ids []uint64
	for _, name := range strings.FieldsFunc(in.Text, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		q := core.FoldForSearch(name)
		var found []storage.Member
		for _, m := range all {
			if strings.Contains(core.FoldForSearch(m.Name), q) {
				found = append(found, m)
			}
		}
		switch len(found) {
		case 0:
			return core.Done, core.Invalid("fargroup.err_no_match", "Name", name)
		case 1:
		default:
			return core.Done, core.Invalid("fargroup.err_many", "Name", name, "Count", len(found))
		}
		m := &found[0]
		if err := checkNotInOtherGroup(c, m, 0); err != nil {
			return core.Done, err
		}
		if !slices.Contains(ids, m.ID) {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) < 2 {
		return core.Done, core.Invalid("fargroup.err_too_few")
	}
	groupForm(c).Members = ids
	return fgLeader, nil
}

// checkNotInOtherGroup refuses a member already in a far group other than
// groupID, naming it.
func checkNotInOtherGroup(c *core.Ctx, m *storage.Member, groupID uint64) error {
	g, err := db(c).FarGroupOf(m.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && g.ID == groupID) {
		return nil
	}
	if err != nil {
		return err
	}
	return core.Invalid("fargroup.err_other_group", "Name", m.Name, "Group", g.Name)
}

// flowMembers are the members the flow has chosen, with their cells.
func flowMembers(c *core.Ctx) ([]storage.Member, error) {
	var out []storage.Member
	for _, id := range groupForm(c).Members {
		m, err := db(c).Member(id)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, nil
}

func askGroupLeader(c *core.Ctx) error {
	ms, err := flowMembers(c)
	if err != nil {
		return err
	}
	opts := make([]core.Opt, 0, len(ms))
	for i := range ms {
		opts = append(opts, core.Opt{Label: ms[i].Name, Value: fmt.Sprint(ms[i].ID)})
	}
	c.Ask(c.T("fargroup.ask_leader"), 2, opts...)
	return nil
}

// answerGroupLeader takes a member of the group as its leader; anyone else
// is refused: the tổ trưởng is one of the group.
func answerGroupLeader(c *core.Ctx, in core.Input) (core.StepName, error) {
	ms, err := flowMembers(c)
	if err != nil {
		return core.Done, err
	}
	q := core.FoldForSearch(in.Text)
	for _, m := range ms {
		if in.Choice == fmt.Sprint(m.ID) || (in.Choice == "" && q != "" && core.FoldForSearch(m.Name) == q) {
			groupForm(c).Leader = m.ID
			return fgConfirm, nil
		}
	}
	return core.Done, core.Invalid("fargroup.err_leader_not_member", "Name", in.Text)
}

func cellName(c *core.Ctx, id uint64) string {
	if cell, err := db(c).Cell(id); err == nil {
		return cell.Name
	}
	return "?"
}

func askGroupConfirm(c *core.Ctx) error {
	ms, err := flowMembers(c)
	if err != nil {
		return err
	}
	lines := make([]string, 0, len(ms))
	for i := range ms {
		lines = append(lines, c.T("fargroup.member_line", "Name", ms[i].Name, "Cell", cellName(c, ms[i].HomeCellID)))
	}
	leader := groupForm(c).Leader
	c.AskConfirm(c.T("fargroup.confirm", "Name", groupForm(c).Name, "Leader", c.PersonName(leader), "Members", strings.Join(lines, "\n")), c.T("fargroup.btn_form"))
	return nil
}

func answerGroupConfirm(c *core.Ctx, in core.Input) (core.StepName, error) {
	if ok, err := core.Confirmed(c, in); !ok || err != nil {
		return core.Done, err
	}
	org, err := flowOrg(c)
	if err != nil {
		return core.Done, err
	}
	ms, err := flowMembers(c)
	if err != nil {
		return core.Done, err
	}
	leader := groupForm(c).Leader
	g := &storage.FarGroup{OrgID: org.ID, Name: groupForm(c).Name, LeaderID: leader, Created: c.Now, CreatedBy: c.Me.ID}
	for i := range ms {
		// Checked again: another admin may have put them in a group since.
		if err := checkNotInOtherGroup(c, &ms[i], 0); err != nil {
			return fgMembers, sayInvalid(c, err)
		}
		g.MemberIDs = append(g.MemberIDs, ms[i].ID)
	}
	if err := db(c).PutFarGroup(g); err != nil {
		return core.Done, err
	}
	if err := c.Audit("fargroup_create", 0, leader, nil, g); err != nil {
		return core.Done, err
	}
	c.Say("fargroup.formed", "Line", groupLine(c, g))
	for i := range ms {
		m := &ms[i]
		if m.ID == c.Me.ID {
			continue
		}
		r := c.ReaderOf(m)
		if m.ID == leader {
			c.SendTo(m, "fargroup.you_lead", "Name", g.Name, "Count", len(g.MemberIDs))
		} else {
			c.SendTo(m, "fargroup.you_member", "Name", g.Name, "Leader", r.PersonName(leader))
		}
	}
	return core.Done, nil
}

// sayInvalid tells the person what was wrong, for a step that goes back.
func sayInvalid(c *core.Ctx, err error) error {
	var inv *core.InvalidInput
	if errors.As(err, &inv) {
		c.Say(inv.MsgID, inv.KV...)
		return nil
	}
	return err
}

// showFarGroupBoard is the check-in board of a far group: its members from
// every cell, each by their own cell's check-in rules. Its leader and the
// organization's admins see it; a home secretary sees their own members on
// their cell's board, as before.
func showFarGroupBoard(c *core.Ctx, g *storage.FarGroup) error {
	if c.Me.ID != g.LeaderID && !c.Me.Administers(g.OrgID) {
		c.Say("board.not_allowed")
		return nil
	}
	var done, missing []string
	var rows [][]chat.Button
	for _, id := range g.MemberIDs {
		m, err := db(c).Member(id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		r, ok, err := ckMemberRules(c, m)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		p := r.current(c.Now)
		name := c.T("fargroup.board_name", "Name", m.Name, "Cell", r.cell.Name)
		ck, err := db(c).Checkin(m.ID, p.String())
		switch {
		case err == nil:
			done = append(done, c.T("board.done_line", "Name", name, "Date", c.Date(ck.At)))
		case !errors.Is(err, storage.ErrNotFound):
			return err
		case !r.expected(m, p, c.Now):
			missing = append(missing, c.T("board.not_asked_line", "Name", name))
		default:
			n, since := r.silentStreak(m, func(q string) bool { return db(c).HasCheckin(m.ID, q) }, p, c.Now)
			if n <= 1 && c.Now.Before(r.deadline(p)) {
				missing = append(missing, c.T("board.pending_line", "Name", name))
			} else {
				missing = append(missing, silentText(c, name, n, since))
			}
		}
		if canSeeCheckins(c, m) {
			rows = append(rows, []chat.Button{core.ActionButton(c.T("board.btn_history", "Name", m.Name), codeBoardHistory, fmt.Sprint(m.ID))})
		}
	}
	parts := []string{c.T("fargroup.board_header", "Name", g.Name, "Leader", c.PersonName(g.LeaderID))}
	if n := len(g.Contacts); n > 0 {
		k := g.Contacts[n-1]
		parts = append(parts, c.N("fgcontact.board_line", n, "Date", c.Date(k.At), "Present", len(k.Present), "Total", len(g.MemberIDs)))
	}
	if c.Me.ID == g.LeaderID {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("fgcontact.btn_record"), codeFarGroup, fmt.Sprintf("%d:c", g.ID))})
	}
	if len(done) > 0 {
		parts = append(parts, c.N("board.section_done", len(done))+"\n"+strings.Join(done, "\n"))
	}
	if len(missing) > 0 {
		parts = append(parts, c.N("board.section_missing", len(missing))+"\n"+strings.Join(missing, "\n"))
	}
	c.Reply(strings.Join(parts, "\n\n"), rows...)
	return nil
}

func auditFarGroup(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var g storage.FarGroup
	if !core.DecodeAudit(e.After, &g) {
		return core.AuditView{What: c.T("audit.w_other", "Name", c.AuditSubject(e))}
	}
	return core.AuditView{What: c.T("fargroup.audit_w_create", "Name", g.Name), After: groupLine(c, &g)}
}
