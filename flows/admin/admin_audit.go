package admin

import (
	"chibo/flows/core"
	"chibo/flows/export"
	"chibo/storage"
	"strings"
)

func registerAudit(e *core.Engine) {
	e.Command(&core.Command{Name: "audit", Need: core.NeedLeaderOrAdmin, PrivateOnly: true, HelpID: "help.audit", MenuID: "menu.audit", Run: runAudit})
}

// runAudit shows the latest changes in the cells the caller leads, or (for
// an organization admin) in every cell of their organizations.
func runAudit(c *core.Ctx, _ string) error {
	visible := map[uint64]bool{}
	for _, id := range c.Me.LedCells() {
		visible[id] = true
	}
	if len(c.Me.AdminOf) > 0 {
		cells, err := adminCells(c)
		if err != nil {
			return err
		}
		for _, cell := range cells {
			visible[cell.ID] = true
		}
	}
	entries, err := db(c).AuditLog(30, func(e *storage.AuditEntry) bool { return visible[e.CellID] })
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		c.Say("audit.empty")
		return nil
	}
	lines := []string{c.N("audit.header", len(entries))}
	for i := range entries {
		lines = append(lines, c.AuditText(&entries[i]))
	}
	c.Reply(strings.Join(lines, "\n"))
	return nil
}

// auditTable is the cell's audit log as a table for /export: every entry
// kept, oldest first, in the reader's language and the cell's local time,
// with the values before and after in words.
func auditTable(c *core.Ctx, cell *storage.Cell) (*export.Table, error) {
	entries, err := db(c).AuditLog(1<<30, func(e *storage.AuditEntry) bool { return e.CellID == cell.ID })
	if err != nil {
		return nil, err
	}
	tb := &export.Table{
		Sheet:    c.T("audit.sheet"),
		Title:    c.T("audit.export_title", "Cell", cell.Name),
		Subtitle: c.T("audit.export_made", "Date", c.Date(c.Now)),
		Columns: []export.Column{
			{Header: c.T("audit.col_when"), Width: 17}, {Header: c.T("audit.col_who"), Width: 28},
			{Header: c.T("audit.col_what"), Width: 30}, {Header: c.T("audit.col_change"), Width: 50},
			{Header: c.T("audit.col_before"), Width: 30}, {Header: c.T("audit.col_after"), Width: 30},
		},
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := &entries[i]
		v := c.AuditView(e)
		tb.Rows = append(tb.Rows, []export.Cell{
			{V: c.AuditWhen(e)}, {V: c.AuditActor(e.ActorID)}, {V: c.AuditKind(e.Action)}, {V: v.What},
			{V: v.Before}, {V: v.After},
		})
	}
	if len(entries) == 0 {
		tb.Notes = append(tb.Notes, c.T("audit.empty"))
	}
	return tb, nil
}

// auditRulesFile names the rules file an operator stored.
func auditRulesFile(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after struct {
		File string `json:"file"`
	}
	core.DecodeAudit(e.After, &after)
	id := "audit.rules_other"
	switch after.File {
	case "quality-template":
		id = "audit.rules_quality"
	case "residence-form":
		id = "audit.rules_residence_form"
	case "residence-settings":
		id = "audit.rules_residence_settings"
	case "rating-rules":
		id = "rating.audit_rules"
	}
	return core.AuditView{What: c.T("audit.w_rules_file", "File", c.T(id))}
}

func auditCellCreate(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var cell storage.Cell
	core.DecodeAudit(e.After, &cell)
	return core.AuditView{What: c.T("audit.w_cell_create", "Cell", cell.Name)}
}

func auditExport(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after struct {
		What   string `json:"what"`
		Format string `json:"format"`
		Year   int    `json:"year"`
	}
	core.DecodeAudit(e.After, &after)
	return core.AuditView{What: c.T("audit.w_export", "What", exportKindName(c, after.What, after.Year)), After: strings.ToUpper(after.Format)}
}

// exportKindName is what an export holds, as the /export menu names it.
func exportKindName(c *core.Ctx, what string, year int) string {
	switch what {
	case core.ExportAttendance:
		return c.T("exp.what_attendance", "Year", year)
	case core.ExportRoll:
		return c.T("exp.what_roll")
	case core.ExportCheckins:
		return c.T("exp.what_checkins")
	case core.ExportComments:
		return c.T("exp.what_comments", "Year", year)
	case core.ExportQuality:
		return c.T("exp.what_quality", "Year", year)
	case core.ExportAudit:
		return c.T("exp.what_audit")
	}
	return c.T("audit.export_other")
}
