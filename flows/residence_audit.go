package flows

import "chibo/storage"

func auditLink(c *Ctx, e *storage.AuditEntry) AuditView {
	var before, after storage.ResidenceLink
	v := AuditView{What: c.T("audit.w_link", "Name", c.auditSubject(e)), Before: c.T("audit.link_none"), After: c.T("audit.link_none")}
	if decodeAudit(e.Before, &before) {
		v.Before = c.auditLinkState(&before)
	}
	if decodeAudit(e.After, &after) {
		v.After = c.auditLinkState(&after)
	}
	return v
}

// auditLinkState is a residence link in a few words: its cell and whether
// it was confirmed.
func (c *Ctx) auditLinkState(l *storage.ResidenceLink) string {
	name := ""
	if cell, err := c.Tx.Cell(l.CellID); err == nil {
		name = cell.Name
	}
	if l.Pending {
		return c.T("audit.link_pending", "Cell", name)
	}
	return c.T("audit.link_active", "Cell", name, "Status", c.resStatusName(l.Status))
}

func auditNote(c *Ctx, e *storage.AuditEntry) AuditView {
	return AuditView{What: c.T("audit.w_note", "Name", c.auditSubject(e)), After: c.T("audit.note_saved")}
}
