package flows

import (
	"encoding/json"
	"strings"

	"chibo/flows/export"
	"chibo/storage"
)

// Audit records a change made by the person acting (a secretary, deputy or
// admin) in the same transaction as the change: action is a code such as
// "status_set"; before and after are the values, marshalled as JSON (nil
// for none).
func (c *Ctx) Audit(action string, cellID, subjectID uint64, before, after any) error {
	e := &storage.AuditEntry{At: c.Now, ActorID: c.meID(), CellID: cellID, Action: action, SubjectID: subjectID}
	var err error
	if e.Before, err = auditJSON(before); err != nil {
		return err
	}
	if e.After, err = auditJSON(after); err != nil {
		return err
	}
	return c.Tx.AppendAudit(e)
}

func auditJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// auditActions names the recorded actions for people. An action missing here
// is shown by its code.
var auditActions = map[string]string{
	"status_set":      "audit.status_set",
	"invite_create":   "audit.invite_create",
	"group_link":      "audit.group_link",
	"excuse_decide":   "audit.excuse_decide",
	"decision_change": "audit.decision_change",
	"roll_set":        "audit.roll_set",
	"dues_set":        "dues.audit_set",
	"meeting_score":   "audit.meeting_score",
	"meeting_close":   "close.audit_close",
	"meeting_amend":   "close.audit_amend",
	"meeting_resched": "close.audit_reschedule",
	"faraway_set":     "audit.faraway_set",
	"residence_link":  "audit.residence_link",
	"residence_note":  "audit.residence_note",
	"settings_change": "audit.settings_change",
	"cell_create":     "audit.cell_create",
}

func (e *Engine) registerAudit() {
	e.command(&Command{Name: "audit", Need: NeedLeaderOrAdmin, PrivateOnly: true, HelpID: "help.audit", MenuID: "menu.audit", Run: runAudit})
}

// runAudit shows the latest changes in the cells the caller leads, or (for
// an organization admin) in every cell of their organizations.
func runAudit(c *Ctx, _ string) error {
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
	entries, err := c.Tx.AuditLog(30, func(e *storage.AuditEntry) bool { return visible[e.CellID] })
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		c.Say("audit.empty")
		return nil
	}
	names := map[uint64]string{}
	name := func(id uint64) string {
		if id == 0 {
			return c.T("audit.operator")
		}
		if n, ok := names[id]; ok {
			return n
		}
		n := c.T("audit.unknown_member")
		if m, err := c.Tx.Member(id); err == nil {
			n = m.Name
		}
		names[id] = n
		return n
	}
	lines := []string{c.N("audit.header", len(entries))}
	for _, e := range entries {
		what := e.Action
		if id, ok := auditActions[e.Action]; ok {
			what = c.T(id)
		}
		subject := ""
		if e.SubjectID != 0 {
			subject = name(e.SubjectID)
		}
		lines = append(lines, c.T("audit.line", "When", c.Date(e.At)+" "+e.At.In(c.Zone()).Format("15:04"), "Who", name(e.ActorID), "What", what, "Subject", subject))
	}
	c.Reply(strings.Join(lines, "\n"))
	return nil
}

// auditTable is the cell's audit log as a table for /export: every entry
// kept, oldest first, with the values before and after as recorded.
func (c *Ctx) auditTable(cell *storage.Cell) (*export.Table, error) {
	entries, err := c.Tx.AuditLog(1<<30, func(e *storage.AuditEntry) bool { return e.CellID == cell.ID })
	if err != nil {
		return nil, err
	}
	zone := c.cellZone(cell)
	tb := &export.Table{
		Sheet:    c.T("audit.sheet"),
		Title:    c.T("audit.export_title", "Cell", cell.Name),
		Subtitle: c.T("audit.export_made", "Date", c.Date(c.Now)),
		Columns: []export.Column{
			{Header: c.T("audit.col_when"), Width: 17}, {Header: c.T("audit.col_who"), Width: 24},
			{Header: c.T("audit.col_what"), Width: 30}, {Header: c.T("audit.col_subject"), Width: 24},
			{Header: c.T("audit.col_before"), Width: 40}, {Header: c.T("audit.col_after"), Width: 40},
		},
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		what := e.Action
		if id, ok := auditActions[e.Action]; ok {
			what = c.T(id)
		}
		subject := ""
		if e.SubjectID != 0 {
			subject = c.personName(e.SubjectID)
		}
		tb.Rows = append(tb.Rows, []export.Cell{
			{V: e.At.In(zone).Format("02/01/2006 15:04")}, {V: c.personName(e.ActorID)}, {V: what}, {V: subject},
			{V: string(e.Before)}, {V: string(e.After)},
		})
	}
	if len(entries) == 0 {
		tb.Notes = append(tb.Notes, c.T("audit.empty"))
	}
	return tb, nil
}
