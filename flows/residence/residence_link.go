package residence

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

func linkCell(c *core.Ctx) (*storage.Cell, error) {
	st := core.StateOf[linkState](c)
	cell, err := db(c).Cell(st.Cell)
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
	m, err := db(c).Member(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, core.Invalid("res.err_no_member")
	}
	return m, err
}

func askLinkCell(c *core.Ctx) error {
	var opts []core.Opt
	for _, id := range db(c).CellIDsAfter(0, maxCellChoices+1) { // the first cells, not every one
		if id == c.Me.HomeCellID || len(opts) == maxCellChoices {
			continue
		}
		cell, err := db(c).Cell(id)
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
		cell, err := db(c).Cell(id)
		if errors.Is(err, storage.ErrNotFound) {
			return "", core.Invalid("res.err_no_cell", "Query", query)
		}
		if err != nil {
			return "", err
		}
		found = cell
	} else {
		matches, n, err := db(c).CellsNamed(query, 1) // the index of names, not every cell
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
	found, _, err := membersMatching(db(c), q)
	if err != nil {
		return err
	}
	found = found[:min(len(found), maxMemberMatches)]
	opts := make([]core.Opt, 0, len(found))
	for i := range found {
		home := ""
		if hc, err := db(c).Cell(found[i].HomeCellID); err == nil {
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
		m, err := db(c).Member(id)
		if err != nil {
			return "", core.Invalid("res.err_no_member")
		}
		return pickLinkMember(c, cell, m)
	}
	key := core.FoldForSearch(in.Text)
	if core.Utf8Len(key) < 2 {
		return "", core.Invalid("res.err_name_short")
	}
	found, total, err := membersMatching(db(c), key)
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
func membersMatching(tx store, key string) ([]storage.Member, int, error) {
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
	if l, err := db(c).ResidenceLink(m.ID); err == nil && l.Active() && l.CellID != cell.ID {
		return "", core.Invalid("res.err_linked_elsewhere", "Name", m.Name, "Link", linkText(c, l))
	}
	st := core.StateOf[linkState](c)
	st.Member = m.ID
	if l, err := db(c).ResidenceLink(m.ID); err == nil && l.CellID == cell.ID {
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
	m, _ := db(c).Member(l.MemberID)
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
	m, err := db(c).Member(l.MemberID)
	if err != nil {
		return "", err
	}
	old, err := db(c).ResidenceLink(m.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return "", err
	}
	if old != nil && old.Active() && (core.StateOf[linkState](c).Mode == "req" || old.CellID != l.CellID) {
		c.Say("res.already_linked", "Link", linkText(c, old))
		c.End()
		return "", nil
	}
	cell, err := db(c).Cell(l.CellID)
	if err != nil {
		return "", err
	}
	if !l.Pending {
		l.ConfirmedBy, l.ConfirmedAt = c.Me.ID, c.Now
	}
	if err := db(c).PutResidenceLink(l); err != nil {
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
