package flows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"chibo/storage"
)

func (e *Engine) registerSecretary() {
	e.CellTool("invite", makeInvite)
	e.CellTool("members", listMembers)
	e.CellTool("status", func(c *Ctx, cell *storage.Cell) error {
		return c.Start("status", "member", map[string]string{"cell": fmt.Sprint(cell.ID)})
	})
	e.command(&Command{Name: "invite", Need: NeedLeader, PrivateOnly: true, HelpID: "help.invite", MenuID: "menu.invite", Run: runInvite})
	e.command(&Command{Name: "members", Need: NeedLeader, PrivateOnly: true, HelpID: "help.members", MenuID: "menu.members", Run: runMembers})
	e.command(&Command{Name: "status", Need: NeedLeader, PrivateOnly: true, HelpID: "help.status", MenuID: "menu.status", Run: runStatus})
	e.action("inv", func(c *Ctx, args string) error { return withLedCell(c, args, makeInvite) })
	e.action("st", func(c *Ctx, args string) error {
		return withLedCell(c, args, func(c *Ctx, cell *storage.Cell) error {
			return c.Start("status", "member", map[string]string{"cell": fmt.Sprint(cell.ID)})
		})
	})
	e.register(&Flow{Name: "pickcell", Need: NeedLeader, Steps: map[string]Step{
		"cell": {Ask: askPickCell, Answer: answerPickCell},
	}})
	e.register(&Flow{Name: "status", Need: NeedLeader, Steps: map[string]Step{
		"member":  {Ask: askStatusMember, Answer: answerStatusMember},
		"kind":    {Ask: askStatusKind, Answer: answerStatusKind},
		"from":    {Ask: askStatusFrom, Answer: answerStatusFrom},
		"to":      {Ask: askStatusTo, Answer: answerStatusTo},
		"exempt":  {Ask: askFarExempt, Answer: answerStatusExempt},
		"reason":  {Ask: askStatusReason, Answer: answerStatusReason},
		"confirm": {Ask: askStatusConfirm, Answer: answerStatusConfirm},
	}})
}

// forLedCell runs tool on the cell the caller leads, asking which one first
// when they lead several.
func forLedCell(c *Ctx, tool string) error {
	cells := c.Me.LedCells()
	if len(cells) == 1 {
		cell, err := c.Tx.Cell(cells[0])
		if err != nil {
			return err
		}
		return c.CellTool(tool)(c, cell)
	}
	return c.Start("pickcell", "cell", map[string]string{"tool": tool})
}

// withLedCell runs fn on the cell whose id is in args, if the caller leads it.
func withLedCell(c *Ctx, args string, fn func(c *Ctx, cell *storage.Cell) error) error {
	if id, err := strconv.ParseUint(args, 10, 64); err != nil || c.Me == nil || !c.Me.Leads(id) {
		c.Say("err.leaders_only")
		return nil
	}
	cell, ok, err := buttonCell(c, args)
	if !ok {
		return err
	}
	return fn(c, cell)
}

// buttonCell loads the cell whose id a button carries. A bad or vanished id
// is answered as a stale button (ok false, err nil).
func buttonCell(c *Ctx, idText string) (*storage.Cell, bool, error) {
	id, err := strconv.ParseUint(idText, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil, false, nil
	}
	cell, err := c.Tx.Cell(id)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil, false, nil
	}
	return cell, err == nil, err
}

func askPickCell(c *Ctx) error {
	var opts []Opt
	for _, id := range c.Me.LedCells() {
		cell, err := c.Tx.Cell(id)
		if err != nil {
			continue
		}
		opts = append(opts, Opt{Label: cell.Name, Value: fmt.Sprint(id)})
	}
	c.Ask(c.T("pick.cell"), 1, opts...)
	return nil
}

func answerPickCell(c *Ctx, in Input) (string, error) {
	id, err := strconv.ParseUint(in.Choice, 10, 64)
	if err != nil || !c.Me.Leads(id) {
		return "", invalid("err.choose_option")
	}
	cell, err := c.Tx.Cell(id)
	if err != nil {
		return "", err
	}
	tool := c.CellTool(c.Data()["tool"])
	if tool == nil {
		return "", fmt.Errorf("pickcell: unknown tool %q", c.Data()["tool"])
	}
	c.End()
	return "", tool(c, cell)
}

func runInvite(c *Ctx, _ string) error  { return forLedCell(c, "invite") }
func runMembers(c *Ctx, _ string) error { return forLedCell(c, "members") }
func runStatus(c *Ctx, _ string) error  { return forLedCell(c, "status") }

// makeInvite creates a single-use member invite for the cell and shows its
// link: one tap for the secretary.
func makeInvite(c *Ctx, cell *storage.Cell) error {
	inv := &storage.Invite{
		Token:     NewToken(),
		CellID:    cell.ID,
		Role:      storage.RoleMember,
		CreatedBy: c.Me.ID,
		Created:   c.Now,
		Expires:   c.Now.Add(c.e.cfg.InviteTTL),
	}
	if err := AddInviteCode(c.Tx, inv); err != nil {
		return err
	}
	if err := c.Tx.PutInvite(inv); err != nil {
		return err
	}
	// The token stays out of the log: it is the invite's secret.
	if err := c.Audit("invite_create", cell.ID, 0, nil, map[string]any{"role": inv.Role, "expires": inv.Expires}); err != nil {
		return err
	}
	if link := c.e.cfg.InviteLink(inv.Token); link != "" {
		c.Say("invite.made", "Cell", cell.Name, "Link", link, "Until", c.Date(inv.Expires))
	} else { // no Telegram bot: the code alone
		c.Say("zalo.invite_made", "Cell", cell.Name, "Code", FormatInviteCode(inv.Code), "Until", c.Date(inv.Expires))
		return nil
	}
	sayInviteCode(c, inv)
	return nil
}

func listMembers(c *Ctx, cell *storage.Cell) error {
	ms, err := c.Tx.Members(cell.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(c.N("members.header", len(ms), "Cell", cell.Name))
	for i, m := range ms {
		b.WriteString("\n")
		b.WriteString(c.T("members.line", "N", i+1, "Name", c.memberName(&m), "Status", c.statusLine(m.StatusOn(c.Now)), "Roles", c.leaderRoles(&m, cell.ID)))
		b.WriteString(c.T("zalo.members_via", "Via", messengersOf(&m)))
		if !m.Unreachable.IsZero() {
			b.WriteString(c.T("members.unreachable", "Date", c.Date(m.Unreachable)))
		}
	}
	id := fmt.Sprint(cell.ID)
	c.Reply(b.String(), []Button{
		ActionButton(c.T("members.btn_status"), "st", id),
		ActionButton(c.T("members.btn_invite"), "inv", id),
	})
	return nil
}

// leaderRoles names a member's roles beyond plain membership, for lists.
func (c *Ctx) leaderRoles(m *storage.Member, cellID uint64) string {
	var names []string
	for _, r := range m.Roles {
		if r.CellID == cellID && r.Role != storage.RoleMember {
			names = append(names, c.roleName(r.Role))
		}
	}
	return strings.Join(names, ", ")
}

// statusCell is the cell of the status flow, checked against the caller's
// role on every step (a role can be lost mid-conversation).
func statusCell(c *Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Data()["cell"], 10, 64)
	if err != nil || !c.Me.Leads(id) {
		return 0, invalid("err.leaders_only")
	}
	return id, nil
}

func statusMember(c *Ctx) (*storage.Member, error) {
	cellID, err := statusCell(c)
	if err != nil {
		return nil, err
	}
	id, _ := strconv.ParseUint(c.Data()["member"], 10, 64)
	m, err := c.Tx.Member(id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && m.HomeCellID != cellID) {
		return nil, invalid("status.no_match")
	}
	return m, err
}

func askStatusMember(c *Ctx) error {
	cellID, err := statusCell(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	ms, err := c.Tx.Members(cellID)
	if err != nil {
		return err
	}
	opts := make([]Opt, 0, len(ms))
	for _, m := range ms {
		opts = append(opts, Opt{Label: c.memberName(&m), Value: fmt.Sprint(m.ID)})
	}
	c.Ask(c.T("status.ask_member"), 2, opts...)
	return nil
}

func answerStatusMember(c *Ctx, in Input) (string, error) {
	cellID, err := statusCell(c)
	if err != nil {
		return "", err
	}
	ms, err := c.Tx.Members(cellID)
	if err != nil {
		return "", err
	}
	var found []storage.Member
	query := FoldForSearch(in.Text)
	for _, m := range ms {
		if (in.Choice != "" && in.Choice == fmt.Sprint(m.ID)) || (query != "" && strings.Contains(FoldForSearch(m.Name), query)) {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 0:
		return "", invalid("status.no_match")
	case 1:
		c.Data()["member"] = fmt.Sprint(found[0].ID)
		return "kind", nil
	}
	return "", invalid("status.many_matches", "Count", len(found))
}

func askStatusKind(c *Ctx) error {
	m, err := statusMember(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	opts := make([]Opt, 0, len(storage.StatusKinds))
	for _, k := range storage.StatusKinds {
		opts = append(opts, Opt{Label: c.statusName(k), Value: string(k)})
	}
	c.Ask(c.T("status.ask_kind", "Name", c.memberName(m), "Current", c.statusLine(m.StatusOn(c.Now))), 2, opts...)
	return nil
}

func answerStatusKind(c *Ctx, in Input) (string, error) {
	for _, k := range storage.StatusKinds {
		if in.Choice == string(k) {
			c.Data()["kind"] = string(k)
			return "from", nil
		}
	}
	return "", invalid("err.choose_option")
}

func askStatusFrom(c *Ctx) error {
	c.Ask(c.T("status.ask_from", "Example", c.Date(c.Now)), 1, Opt{Label: c.T("status.btn_today"), Value: "today"})
	return nil
}

// answerStatusFrom takes the date a status takes effect (the /status,
// /faraway and /away flows). It may not be before the member joined, nor more
// than a year ahead.
func answerStatusFrom(c *Ctx, in Input) (string, error) {
	day := c.Now.In(c.Zone())
	from := dayStart(day)
	if in.Choice != "today" {
		t, err := ParseDateFrom(in.Text, c.Now, c.Zone())
		if err != nil {
			return "", err
		}
		from = t
	}
	m := c.Me
	if c.Data()["member"] != "" {
		var err error
		if m, err = statusMember(c); err != nil {
			return "", err
		}
	}
	if joined := dayStart(m.ListedSince().In(c.Zone())); !m.ListedSince().IsZero() && from.Before(joined) {
		return "", invalid("status.err_before_joined", "Date", c.Date(joined))
	}
	if latest := from.AddDate(-1, 0, 0); latest.After(day) {
		return "", invalid("status.err_too_late", "Date", c.Date(day.AddDate(1, 0, 0)))
	}
	c.Data()["from"] = from.Format("2006-01-02")
	if k := storage.StatusKind(c.Data()["kind"]); k != "" && !k.HasPeriod() {
		return "reason", nil
	}
	return "to", nil
}

func askStatusTo(c *Ctx) error {
	c.Reply(c.T("status.ask_to"))
	return nil
}

func answerStatusTo(c *Ctx, in Input) (string, error) {
	to, err := ParseDateFrom(in.Text, c.Now, c.Zone())
	if err != nil {
		return "", err
	}
	from, _ := c.storedDate("from")
	if !to.After(from) {
		return "", invalid("err.date_before", "From", c.Date(from))
	}
	switch k := storage.StatusKind(c.Data()["kind"]); k {
	case storage.StatusTransferredOut, storage.StatusTransferredIn:
		// A temporary transfer lasts 3 months to under a year; for study
		// up to 2 years (DOMAIN.md §3, Guide 01-HD/TW item 10.3).
		if to.Before(from.AddDate(0, 3, -1)) || to.After(from.AddDate(2, 0, 0)) {
			return "", invalid("status.err_transfer_length", "From", c.Date(from))
		}
	case storage.StatusFarAway:
		c.Data()["to"] = to.Format("2006-01-02")
		return "exempt", nil
	}
	c.Data()["to"] = to.Format("2006-01-02")
	return "reason", nil
}

// answerStatusExempt takes whether the cell granted a far-away member a
// temporary exemption from meetings for the period.
func answerStatusExempt(c *Ctx, in Input) (string, error) {
	switch in.Choice {
	case "yes", "no":
		c.Data()["exempt"] = in.Choice
		return "reason", nil
	}
	return "", invalid("err.choose_option")
}

func askStatusReason(c *Ctx) error {
	c.Reply(c.T("status.ask_reason"))
	return nil
}

func answerStatusReason(c *Ctx, in Input) (string, error) {
	r, err := CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	c.Data()["reason"] = r
	return "confirm", nil
}

func (c *Ctx) pendingStatus() storage.Status {
	s := storage.Status{Kind: storage.StatusKind(c.Data()["kind"]), Reason: c.Data()["reason"], SetAt: c.Now}
	if c.Me != nil {
		s.SetBy = c.Me.ID
	}
	s.From, _ = c.storedDate("from")
	if s.Kind.HasPeriod() {
		s.To, _ = c.storedDate("to")
	}
	s.Exempt = s.Kind == storage.StatusFarAway && c.Data()["exempt"] == "yes"
	return s
}

func askStatusConfirm(c *Ctx) error {
	m, err := statusMember(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	s := c.pendingStatus()
	c.AskConfirm(c.T("status.confirm", "Name", c.memberName(m), "Status", c.statusLine(s), "Reason", s.Reason), "")
	return nil
}

func answerStatusConfirm(c *Ctx, in Input) (string, error) {
	if ok, err := confirmed(c, in); !ok || err != nil {
		return "", err
	}
	m, err := statusMember(c)
	if err != nil {
		return "", err
	}
	s := c.pendingStatus()
	before := m.Status
	m.SetStatus(s)
	if err := c.Tx.PutMember(m); err != nil {
		return "", err
	}
	if err := c.Audit("status_set", m.HomeCellID, m.ID, before, s); err != nil {
		return "", err
	}
	c.Say("status.done", "Name", c.memberName(m), "Status", c.statusLine(s))
	if m.ID != c.Me.ID {
		c.SendTo(m, "status.changed_you", "By", c.Me.Name, "Status", c.readerOf(m).statusLine(s), "Reason", s.Reason)
	}
	c.End()
	return "", nil
}

// leadersOf lists the secretaries and deputies of a cell; secretaryOnly
// keeps the secretaries when there are any.
func (c *Ctx) leadersOf(cellID uint64, secretaryOnly bool) ([]storage.Member, error) {
	ms, err := c.Tx.Members(cellID)
	if err != nil {
		return nil, err
	}
	return leadersIn(ms, cellID, secretaryOnly), nil
}

// homeLeaders is leadersIn of the cell's members, read through the index of
// each cell's leaders rather than from every member of the cell.
func homeLeaders(tx *storage.Tx, cellID uint64, secretaryOnly bool) ([]storage.Member, error) {
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
	return leadersIn(home, cellID, secretaryOnly), nil
}

// linkedMembers lists the confirmed links of a residence cell with their
// members; status, when not empty, keeps that status only.
func linkedMembers(tx *storage.Tx, cellID uint64, status storage.ResidenceStatus) ([]linkedMember, error) {
	links, err := tx.ResidenceLinks(cellID)
	if err != nil {
		return nil, err
	}
	var out []linkedMember
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
		out = append(out, linkedMember{m: *m, l: l})
	}
	return out, nil
}

type linkedMember struct {
	m storage.Member
	l storage.ResidenceLink
}

func leadersIn(ms []storage.Member, cellID uint64, secretaryOnly bool) []storage.Member {
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
