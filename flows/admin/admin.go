package admin

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"fmt"
	"strconv"
	"strings"

	"chibo/flows/chat"
	"chibo/storage"
)

// Organization admins (the commune committee) create cells and invite their
// secretaries in chat, as the operator can with `chibo admin`.

func registerAdmin(e *core.Engine) {
	e.Exporter(core.ExportAudit, exportAudit)
	e.AuditWords(map[string]core.AuditFunc{
		"rules_file":  auditRulesFile,
		"cell_create": auditCellCreate,
		"export_made": auditExport,
	})
	e.Command(&core.Command{Name: "newcell", Need: core.NeedAdmin, PrivateOnly: true, HelpID: "help.newcell", MenuID: "menu.newcell", Run: runNewCell})
	e.Command(&core.Command{Name: "secinvite", Need: core.NeedAdmin, PrivateOnly: true, HelpID: "help.secinvite", MenuID: "menu.secinvite", Run: runSecInvite})
	e.Register(&core.Flow{Name: "newcell", Need: core.NeedAdmin, First: newCellOrg, Starts: []core.StepName{newCellName}, State: func() any { return &newCellState{} },
		Steps: map[core.StepName]core.Step{
			newCellOrg:  {Ask: askAdminOrg, Answer: answerAdminOrg(newCellName), Next: []core.StepName{newCellName}},
			newCellName: {Ask: askNewCellName, Answer: answerNewCellName, Next: []core.StepName{}},
		}})
	e.Register(&core.Flow{Name: "secinvite", Need: core.NeedAdmin, First: secInviteCell, State: func() any { return &secInviteState{} },
		Steps: map[core.StepName]core.Step{
			secInviteCell: {Ask: askAdminCell, Answer: answerAdminCell, Next: []core.StepName{}},
		}})
}

// The steps of /newcell and /secinvite.
const (
	newCellOrg    core.StepName = "org"  // the organization, for an admin of several
	newCellName   core.StepName = "name" // the new cell's name
	secInviteCell core.StepName = "cell" // the cell whose secretary is invited
)

// newCellState is what /newcell carries. Its JSON key is that of the map
// kept before typed state.
type newCellState struct {
	Org uint64 `json:"org,string,omitempty"`
}

// secInviteState is what /secinvite carries: nothing but the question asked.
type secInviteState struct{}

func runNewCell(c *core.Ctx, _ string) error {
	if len(c.Me.AdminOf) == 1 {
		return c.StartWith("newcell", newCellName, &newCellState{Org: c.Me.AdminOf[0]})
	}
	return c.StartWith("newcell", newCellOrg, nil)
}

func askAdminOrg(c *core.Ctx) error {
	var opts []core.Opt
	for _, id := range c.Me.AdminOf {
		if o, err := db(c).Org(id); err == nil {
			opts = append(opts, core.Opt{Label: o.Name, Value: fmt.Sprint(id)})
		}
	}
	c.Ask(c.T("admin.ask_org"), 1, opts...)
	return nil
}

func answerAdminOrg(next core.StepName) func(c *core.Ctx, in core.Input) (core.StepName, error) {
	return func(c *core.Ctx, in core.Input) (core.StepName, error) {
		id, err := strconv.ParseUint(in.Choice, 10, 64)
		if err != nil || !c.Me.Administers(id) {
			return "", core.Invalid("err.choose_option")
		}
		core.StateOf[newCellState](c).Org = id
		return next, nil
	}
}

// adminOrg is the organization of the flow, checked against the caller's
// rights on every step.
func adminOrg(c *core.Ctx) (*storage.Organization, error) {
	id := core.StateOf[newCellState](c).Org
	if !c.Me.Administers(id) {
		return nil, core.Invalid("err.admins_only")
	}
	return db(c).Org(id)
}

func askNewCellName(c *core.Ctx) error {
	org, err := adminOrg(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	c.Reply(c.T("admin.ask_cell_name", "Org", org.Name))
	return nil
}

func answerNewCellName(c *core.Ctx, in core.Input) (core.StepName, error) {
	org, err := adminOrg(c)
	if err != nil {
		return "", err
	}
	name, err := core.CleanReason(in.Text)
	if err != nil || len([]rune(name)) < 3 || len([]rune(name)) > core.MaxNameLen {
		return "", core.Invalid("admin.cell_name_invalid", "Max", core.MaxNameLen)
	}
	cells, err := db(c).Cells()
	if err != nil {
		return "", err
	}
	for _, cell := range cells {
		if cell.OrgID == org.ID && core.FoldForSearch(cell.Name) == core.FoldForSearch(name) {
			return "", core.Invalid("admin.cell_exists", "Cell", cell.Name)
		}
	}
	cell := &storage.Cell{OrgID: org.ID, Name: name, TZ: c.Zone().String(), Created: c.Now}
	if err := db(c).PutCell(cell); err != nil {
		return "", err
	}
	if err := c.Audit("cell_create", cell.ID, 0, nil, cell); err != nil {
		return "", err
	}
	id := fmt.Sprint(cell.ID)
	c.Reply(c.T("admin.cell_created", "Cell", cell.Name, "Org", org.Name), []chat.Button{
		core.ActionButton(c.T("admin.btn_invite_secretary"), codeSecInvite, id+":s"),
		core.ActionButton(c.T("admin.btn_invite_deputy"), codeSecInvite, id+":d"),
	})
	c.End()
	return "", nil
}

func runSecInvite(c *core.Ctx, _ string) error { return c.StartWith("secinvite", secInviteCell, nil) }

// adminCells are the cells of the organizations the caller administers.
func adminCells(c *core.Ctx) ([]storage.Cell, error) {
	cells, err := db(c).Cells()
	var out []storage.Cell
	for _, cell := range cells {
		if c.Me.Administers(cell.OrgID) {
			out = append(out, cell)
		}
	}
	return out, err
}

func askAdminCell(c *core.Ctx) error {
	cells, err := adminCells(c)
	if err != nil {
		return err
	}
	if len(cells) == 0 {
		c.Say("admin.no_cells")
		c.End()
		return nil
	}
	opts := make([]core.Opt, 0, len(cells))
	for _, cell := range cells {
		opts = append(opts, core.Opt{Label: cell.Name, Value: fmt.Sprint(cell.ID)})
	}
	c.Ask(c.T("admin.ask_cell"), 1, opts...)
	return nil
}

func answerAdminCell(c *core.Ctx, in core.Input) (core.StepName, error) {
	cells, err := adminCells(c)
	if err != nil {
		return "", err
	}
	var found []storage.Cell
	q := core.FoldForSearch(in.Text)
	for _, cell := range cells {
		if in.Choice == fmt.Sprint(cell.ID) || (q != "" && strings.Contains(core.FoldForSearch(cell.Name), q)) {
			found = append(found, cell)
		}
	}
	if len(found) != 1 {
		return "", core.Invalid("admin.cell_not_found")
	}
	id := fmt.Sprint(found[0].ID)
	c.Reply(c.T("admin.ask_role", "Cell", found[0].Name), []chat.Button{
		core.ActionButton(c.T("admin.btn_invite_secretary"), codeSecInvite, id+":s"),
		core.ActionButton(c.T("admin.btn_invite_deputy"), codeSecInvite, id+":d"),
	})
	c.End()
	return "", nil
}

// actSecInvite makes a secretary ("s") or deputy ("d") invite for a cell of
// the caller's organizations: "si:<cell>:<s|d>".
func actSecInvite(c *core.Ctx, args string) error {
	idText, r, _ := strings.Cut(args, ":")
	role := map[string]storage.Role{"s": storage.RoleSecretary, "d": storage.RoleDeputy}[r]
	if role == "" {
		c.Say("err.stale_button")
		return nil
	}
	cell, ok, err := members.ButtonCell(c, idText)
	if !ok {
		return err
	}
	if !c.Me.Administers(cell.OrgID) {
		c.Say("err.admins_only")
		return nil
	}
	inv, err := members.MakeInvite(c.Tx, members.InviteFor{CellID: cell.ID, Role: role, TTL: c.E.Cfg.InviteTTL}, c.Now, c.Me.ID)
	if err != nil {
		return err
	}
	if link := c.E.Cfg.InviteLink(inv.Token); link != "" {
		c.Say("admin.invite_made", "Role", c.RoleName(role), "Cell", cell.Name, "Link", link, "Until", c.Date(inv.Expires))
	} else { // no Telegram bot: the code alone
		c.Say("zalo.admin_invite_made", "Role", c.RoleName(role), "Cell", cell.Name, "Code", members.FormatInviteCode(inv.Code), "Until", c.Date(inv.Expires))
		return nil
	}
	members.SayInviteCode(c, inv)
	return nil
}
