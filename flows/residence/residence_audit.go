package residence

import (
	"chibo/flows/core"
	"chibo/storage"
)

func auditLink(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var before, after storage.ResidenceLink
	v := core.AuditView{What: c.T("audit.w_link", "Name", c.AuditSubject(e)), Before: c.T("audit.link_none"), After: c.T("audit.link_none")}
	if core.DecodeAudit(e.Before, &before) {
		v.Before = auditLinkState(c, &before)
	}
	if core.DecodeAudit(e.After, &after) {
		v.After = auditLinkState(c, &after)
	}
	return v
}

// auditLinkState is a residence link in a few words: its cell and whether
// it was confirmed.
func auditLinkState(c *core.Ctx, l *storage.ResidenceLink) string {
	name := ""
	if cell, err := db(c).Cell(l.CellID); err == nil {
		name = cell.Name
	}
	if l.Pending {
		return c.T("audit.link_pending", "Cell", name)
	}
	return c.T("audit.link_active", "Cell", name, "Status", resStatusName(c, l.Status))
}

func auditNote(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	return core.AuditView{What: c.T("audit.w_note", "Name", c.AuditSubject(e)), After: c.T("audit.note_saved")}
}
