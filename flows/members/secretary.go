package members

import (
	"chibo/flows/core"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"chibo/flows/chat"
	"chibo/storage"
)

func registerSecretary(e *core.Engine) {
	e.CellTool("invite", makeInvite)
	e.CellTool("members", listMembers)
	e.CellTool("status", func(c *core.Ctx, cell *storage.Cell) error {
		return c.StartWith("status", StepMember, &statusState{StatusForm{Cell: cell.ID}})
	})
	e.Command(&core.Command{Name: "invite", Need: core.NeedLeader, PrivateOnly: true, HelpID: "help.invite", MenuID: "menu.invite", Run: runInvite})
	e.Command(&core.Command{Name: "members", Need: core.NeedLeader, PrivateOnly: true, HelpID: "help.members", MenuID: "menu.members", Run: runMembers})
	e.Command(&core.Command{Name: "status", Need: core.NeedLeader, PrivateOnly: true, HelpID: "help.status", MenuID: "menu.status", Run: runStatus})
	e.Register(&core.Flow{Name: "pickcell", Need: core.NeedLeader, First: "cell", State: func() any { return &pickCellState{} },
		Steps: map[core.StepName]core.Step{
			"cell": {Ask: askPickCell, Answer: answerPickCell, Next: []core.StepName{}},
		}})
	e.Register(&core.Flow{Name: "status", Need: core.NeedLeader, First: StepMember, State: func() any { return &statusState{} },
		Steps: map[core.StepName]core.Step{
			StepMember:  {Ask: AskStatusMember, Answer: AnswerStatusMember, Next: []core.StepName{StepKind}},
			StepKind:    {Ask: askStatusKind, Answer: answerStatusKind, Next: []core.StepName{StepFrom}},
			StepFrom:    {Ask: AskStatusFrom, Answer: AnswerStatusFrom, Next: []core.StepName{StepTo, StepReason}},
			StepTo:      {Ask: AskStatusTo, Answer: AnswerStatusTo, Next: []core.StepName{StepExempt, StepReason}},
			StepExempt:  {Ask: AskFarExempt, Answer: answerStatusExempt, Next: []core.StepName{StepReason}},
			StepReason:  {Ask: askStatusReason, Answer: answerStatusReason, Next: []core.StepName{stepConfirm}},
			stepConfirm: {Ask: askStatusConfirm, Answer: answerStatusConfirm, Next: []core.StepName{}},
		}})
}

// The steps of setting a status, shared with the far-away journey's
// /faraway and /away (their steps keep these names).
const (
	StepMember  core.StepName = "member"
	StepKind    core.StepName = "kind"
	StepFrom    core.StepName = "from"
	StepTo      core.StepName = "to"
	StepExempt  core.StepName = "exempt"
	StepReason  core.StepName = "reason"
	stepConfirm core.StepName = "confirm"
)

// StatusForm is what the steps that set a status carry: the /status flow's
// state, embedded in the states of /faraway and /away, whose steps share
// it. Its JSON keys are those of the map kept before typed state.
type StatusForm struct {
	Cell   uint64             `json:"cell,string,omitempty"`   // the cell of the leader setting it
	Member uint64             `json:"member,string,omitempty"` // whose status; 0 is the person asking (/away)
	Kind   storage.StatusKind `json:"kind,omitempty"`
	From   core.Day           `json:"from,omitempty"`
	To     core.Day           `json:"to,omitempty"`
	Exempt string             `json:"exempt,omitempty"` // "yes" or "no" once asked
	Reason string             `json:"reason,omitempty"`
}

// Status gives the shared steps the form of any flow that embeds it.
func (f *StatusForm) Status() *StatusForm { return f }

// statusState is the /status flow's state.
type statusState struct{ StatusForm }

// statusForm is the status part of the state of the flow in progress.
func statusForm(c *core.Ctx) *StatusForm {
	s, ok := c.State().(interface{ Status() *StatusForm })
	if !ok {
		panic(fmt.Sprintf("members: flow state %T has no StatusForm", c.State()))
	}
	return s.Status()
}

// pickCellState is what the choice of a cell carries: the tool to run on it.
type pickCellState struct {
	Tool string `json:"tool"`
}

// forLedCell runs tool on the cell the caller leads, asking which one first
// when they lead several.
func ForLedCell(c *core.Ctx, tool string) error {
	cells := c.Me.LedCells()
	if len(cells) == 1 {
		cell, err := db(c).Cell(cells[0])
		if err != nil {
			return err
		}
		return c.CellTool(tool)(c, cell)
	}
	return c.StartWith("pickcell", "cell", &pickCellState{Tool: tool})
}

// withLedCell runs fn on the cell whose id is in args, if the caller leads it.
func WithLedCell(c *core.Ctx, args string, fn func(c *core.Ctx, cell *storage.Cell) error) error {
	if id, err := strconv.ParseUint(args, 10, 64); err != nil || c.Me == nil || !c.Me.Leads(id) {
		c.Say("err.leaders_only")
		return nil
	}
	cell, ok, err := ButtonCell(c, args)
	if !ok {
		return err
	}
	return fn(c, cell)
}

// buttonCell loads the cell whose id a button carries. A bad or vanished id
// is answered as a stale button (ok false, err nil).
func ButtonCell(c *core.Ctx, idText string) (*storage.Cell, bool, error) {
	id, err := strconv.ParseUint(idText, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil, false, nil
	}
	cell, err := db(c).Cell(id)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil, false, nil
	}
	return cell, err == nil, err
}

func askPickCell(c *core.Ctx) error {
	var opts []core.Opt
	for _, id := range c.Me.LedCells() {
		cell, err := db(c).Cell(id)
		if err != nil {
			continue
		}
		opts = append(opts, core.Opt{Label: cell.Name, Value: fmt.Sprint(id)})
	}
	c.Ask(c.T("pick.cell"), 1, opts...)
	return nil
}

func answerPickCell(c *core.Ctx, in core.Input) (core.StepName, error) {
	id, err := strconv.ParseUint(in.Choice, 10, 64)
	if err != nil || !c.Me.Leads(id) {
		return "", core.Invalid("err.choose_option")
	}
	cell, err := db(c).Cell(id)
	if err != nil {
		return "", err
	}
	name := core.StateOf[pickCellState](c).Tool
	tool := c.CellTool(name)
	if tool == nil {
		return "", fmt.Errorf("pickcell: unknown tool %q", name)
	}
	c.End()
	return "", tool(c, cell)
}

func runInvite(c *core.Ctx, _ string) error  { return ForLedCell(c, "invite") }
func runMembers(c *core.Ctx, _ string) error { return ForLedCell(c, "members") }
func runStatus(c *core.Ctx, _ string) error  { return ForLedCell(c, "status") }

// makeInvite creates a single-use member invite for the cell and shows its
// link: one tap for the secretary.
func makeInvite(c *core.Ctx, cell *storage.Cell) error {
	inv, err := MakeInvite(db(c), InviteFor{CellID: cell.ID, Role: storage.RoleMember, TTL: c.E.Cfg.InviteTTL}, c.Now, c.Me.ID)
	if err != nil {
		return err
	}
	if link := c.E.Cfg.InviteLink(inv.Token); link != "" {
		c.Say("invite.made", "Cell", cell.Name, "Link", link, "Until", c.Date(inv.Expires))
	} else { // no Telegram bot: the code alone
		c.Say("zalo.invite_made", "Cell", cell.Name, "Code", FormatInviteCode(inv.Code), "Until", c.Date(inv.Expires))
		return nil
	}
	SayInviteCode(c, inv)
	return nil
}

func listMembers(c *core.Ctx, cell *storage.Cell) error {
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(c.N("members.header", len(ms), "Cell", cell.Name))
	for i, m := range ms {
		b.WriteString("\n")
		b.WriteString(c.T("members.line", "N", i+1, "Name", c.MemberName(&m), "Status", c.StatusLine(m.StatusOn(c.Now)), "Roles", leaderRoles(c, &m, cell.ID)))
		b.WriteString(c.T("zalo.members_via", "Via", messengersOf(&m)))
		if !m.Unreachable.IsZero() {
			b.WriteString(c.T("members.unreachable", "Date", c.Date(m.Unreachable)))
		}
	}
	id := fmt.Sprint(cell.ID)
	c.Reply(b.String(), []chat.Button{
		core.ActionButton(c.T("members.btn_status"), codeStatus, id),
		core.ActionButton(c.T("members.btn_invite"), codeInvite, id),
	})
	return nil
}

// leaderRoles names a member's roles beyond plain membership, for lists.
func leaderRoles(c *core.Ctx, m *storage.Member, cellID uint64) string {
	var names []string
	for _, r := range m.Roles {
		if r.CellID == cellID && r.Role != storage.RoleMember {
			names = append(names, c.RoleName(r.Role))
		}
	}
	return strings.Join(names, ", ")
}

// statusCell is the cell of the status flow, checked against the caller's
// role on every step (a role can be lost mid-conversation).
func StatusCell(c *core.Ctx) (uint64, error) {
	id := statusForm(c).Cell
	if id == 0 || !c.Me.Leads(id) {
		return 0, core.Invalid("err.leaders_only")
	}
	return id, nil
}

func StatusMember(c *core.Ctx) (*storage.Member, error) {
	cellID, err := StatusCell(c)
	if err != nil {
		return nil, err
	}
	m, err := db(c).Member(statusForm(c).Member)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && m.HomeCellID != cellID) {
		return nil, core.Invalid("status.no_match")
	}
	return m, err
}

func AskStatusMember(c *core.Ctx) error {
	cellID, err := StatusCell(c)
	if err != nil {
		c.End()
		return SayInvalid(c, err)
	}
	ms, err := db(c).Members(cellID)
	if err != nil {
		return err
	}
	opts := make([]core.Opt, 0, len(ms))
	for _, m := range ms {
		opts = append(opts, core.Opt{Label: c.MemberName(&m), Value: fmt.Sprint(m.ID)})
	}
	c.Ask(c.T("status.ask_member"), 2, opts...)
	return nil
}

func AnswerStatusMember(c *core.Ctx, in core.Input) (core.StepName, error) {
	cellID, err := StatusCell(c)
	if err != nil {
		return "", err
	}
	var found []storage.Member
	n := 0
	if in.Choice != "" { // a tapped name
		id, _ := strconv.ParseUint(in.Choice, 10, 64)
		if m, err := db(c).Member(id); err == nil && m.HomeCellID == cellID {
			found, n = []storage.Member{*m}, 1
		}
	} else if query := core.FoldForSearch(in.Text); query != "" { // a typed name, through the cell's index of names
		var err error
		if found, n, err = db(c).MembersNamed(cellID, query, 1); err != nil {
			return "", err
		}
	}
	switch n {
	case 0:
		return "", core.Invalid("status.no_match")
	case 1:
		statusForm(c).Member = found[0].ID
		return StepKind, nil
	}
	return "", core.Invalid("status.many_matches", "Count", n)
}

func askStatusKind(c *core.Ctx) error {
	m, err := StatusMember(c)
	if err != nil {
		c.End()
		return SayInvalid(c, err)
	}
	opts := make([]core.Opt, 0, len(storage.StatusKinds))
	for _, k := range storage.StatusKinds {
		opts = append(opts, core.Opt{Label: c.StatusName(k), Value: string(k)})
	}
	c.Ask(c.T("status.ask_kind", "Name", c.MemberName(m), "Current", c.StatusLine(m.StatusOn(c.Now))), 2, opts...)
	return nil
}

func answerStatusKind(c *core.Ctx, in core.Input) (core.StepName, error) {
	for _, k := range storage.StatusKinds {
		if in.Choice == string(k) {
			statusForm(c).Kind = k
			return StepFrom, nil
		}
	}
	return "", core.Invalid("err.choose_option")
}

func AskStatusFrom(c *core.Ctx) error {
	c.Ask(c.T("status.ask_from", "Example", c.Date(c.Now)), 1, core.Opt{Label: c.T("status.btn_today"), Value: "today"})
	return nil
}

// answerStatusFrom takes the date a status takes effect (the /status,
// /faraway and /away flows). It may not be before the member joined, nor more
// than a year ahead.
func AnswerStatusFrom(c *core.Ctx, in core.Input) (core.StepName, error) {
	day := c.Now.In(c.Zone())
	from := core.DayStart(day)
	if in.Choice != "today" {
		t, err := core.ParseDateFrom(in.Text, c.Now, c.Zone())
		if err != nil {
			return "", err
		}
		from = t
	}
	m, f := c.Me, statusForm(c)
	if f.Member != 0 {
		var err error
		if m, err = StatusMember(c); err != nil {
			return "", err
		}
	}
	if joined := core.DayStart(m.ListedSince().In(c.Zone())); !m.ListedSince().IsZero() && from.Before(joined) {
		return "", core.Invalid("status.err_before_joined", "Date", c.Date(joined))
	}
	if latest := from.AddDate(-1, 0, 0); latest.After(day) {
		return "", core.Invalid("status.err_too_late", "Date", c.Date(day.AddDate(1, 0, 0)))
	}
	f.From = core.DayOf(from)
	if k := f.Kind; k != "" && !k.HasPeriod() {
		return StepReason, nil
	}
	return StepTo, nil
}

func AskStatusTo(c *core.Ctx) error {
	c.Reply(c.T("status.ask_to"))
	return nil
}

func AnswerStatusTo(c *core.Ctx, in core.Input) (core.StepName, error) {
	to, err := core.ParseDateFrom(in.Text, c.Now, c.Zone())
	if err != nil {
		return "", err
	}
	f := statusForm(c)
	from := c.Time(f.From)
	if !to.After(from) {
		return "", core.Invalid("err.date_before", "From", c.Date(from))
	}
	switch k := f.Kind; k {
	case storage.StatusTransferredOut, storage.StatusTransferredIn:
		// A temporary transfer lasts 3 months to under a year; for study
		// up to 2 years (DOMAIN.md §3, Guide 01-HD/TW item 10.3).
		if to.Before(from.AddDate(0, 3, -1)) || to.After(from.AddDate(2, 0, 0)) {
			return "", core.Invalid("status.err_transfer_length", "From", c.Date(from))
		}
	case storage.StatusFarAway:
		f.To = core.DayOf(to)
		return StepExempt, nil
	}
	f.To = core.DayOf(to)
	return StepReason, nil
}

// answerStatusExempt takes whether the cell granted a far-away member a
// temporary exemption from meetings for the period.
func answerStatusExempt(c *core.Ctx, in core.Input) (core.StepName, error) {
	switch in.Choice {
	case "yes", "no":
		statusForm(c).Exempt = in.Choice
		return StepReason, nil
	}
	return "", core.Invalid("err.choose_option")
}

func askStatusReason(c *core.Ctx) error {
	c.Reply(c.T("status.ask_reason"))
	return nil
}

func answerStatusReason(c *core.Ctx, in core.Input) (core.StepName, error) {
	r, err := core.CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	statusForm(c).Reason = r
	return stepConfirm, nil
}

func pendingStatus(c *core.Ctx) storage.Status {
	f := statusForm(c)
	s := storage.Status{Kind: f.Kind, Reason: f.Reason, SetAt: c.Now}
	if c.Me != nil {
		s.SetBy = c.Me.ID
	}
	s.From = c.Time(f.From)
	if s.Kind.HasPeriod() {
		s.To = c.Time(f.To)
	}
	s.Exempt = s.Kind == storage.StatusFarAway && f.Exempt == "yes"
	return s
}

func askStatusConfirm(c *core.Ctx) error {
	m, err := StatusMember(c)
	if err != nil {
		c.End()
		return SayInvalid(c, err)
	}
	s := pendingStatus(c)
	c.AskConfirm(c.T("status.confirm", "Name", c.MemberName(m), "Status", c.StatusLine(s), "Reason", s.Reason), "")
	return nil
}

func answerStatusConfirm(c *core.Ctx, in core.Input) (core.StepName, error) {
	if ok, err := core.Confirmed(c, in); !ok || err != nil {
		return "", err
	}
	m, err := StatusMember(c)
	if err != nil {
		return "", err
	}
	s := pendingStatus(c)
	before := m.Status
	m.SetStatus(s)
	if err := db(c).PutMember(m); err != nil {
		return "", err
	}
	if err := c.Audit("status_set", m.HomeCellID, m.ID, before, s); err != nil {
		return "", err
	}
	c.Say("status.done", "Name", c.MemberName(m), "Status", c.StatusLine(s))
	if m.ID != c.Me.ID {
		c.SendTo(m, "status.changed_you", "By", c.Me.Name, "Status", c.ReaderOf(m).StatusLine(s), "Reason", s.Reason)
	}
	c.End()
	return "", nil
}

// leadersOf lists the secretaries and deputies of a cell; secretaryOnly
// keeps the secretaries when there are any.
func LeadersOf(c *core.Ctx, cellID uint64, secretaryOnly bool) ([]storage.Member, error) {
	ms, err := db(c).Members(cellID)
	if err != nil {
		return nil, err
	}
	return LeadersIn(ms, cellID, secretaryOnly), nil
}

// homeLeaders is leadersIn of the cell's members, read through the index of
// each cell's leaders rather than from every member of the cell.
func HomeLeaders(tx store, cellID uint64, secretaryOnly bool) ([]storage.Member, error) {
	ls, err := tx.CellLeaders(cellID)
	if err != nil {
		return nil, err
	}
	home := ls[:0]
	for _, l := range ls {
		if l.HomeCellID == cellID {
			home = append(home, l)
		}
	}
	return LeadersIn(home, cellID, secretaryOnly), nil
}

// linkedMembers lists the confirmed links of a residence cell with their
// members; status, when not empty, keeps that status only.
func LinkedMembers(tx store, cellID uint64, status storage.ResidenceStatus) ([]LinkedMember, error) {
	links, err := tx.ResidenceLinks(cellID)
	if err != nil {
		return nil, err
	}
	var out []LinkedMember
	for _, l := range links {
		if l.Pending || (status != "" && l.Status != status) {
			continue
		}
		m, err := tx.Member(l.MemberID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.Status.Kind == storage.StatusLeft {
			continue
		}
		out = append(out, LinkedMember{M: *m, L: l})
	}
	return out, nil
}

type LinkedMember struct {
	M storage.Member
	L storage.ResidenceLink
}

func LeadersIn(ms []storage.Member, cellID uint64, secretaryOnly bool) []storage.Member {
	var secs, all []storage.Member
	for _, m := range ms {
		if m.HasRole(cellID, storage.RoleSecretary) {
			secs = append(secs, m)
		}
		if m.Leads(cellID) {
			all = append(all, m)
		}
	}
	if secretaryOnly && len(secs) > 0 {
		return secs
	}
	return all
}
