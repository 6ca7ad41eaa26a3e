package flows

import "chibo/storage"

func auditFarAway(c *Ctx, e *storage.AuditEntry) AuditView {
	v := AuditView{What: c.T("audit.w_status", "Name", c.auditSubject(e))}
	var before, after struct {
		Status *storage.Status `json:"status"`
	}
	if decodeAudit(e.Before, &before) && before.Status != nil {
		v.Before = c.statusLine(*before.Status)
	}
	if decodeAudit(e.After, &after) && after.Status != nil {
		v.After = c.statusLine(*after.Status)
	}
	return v
}

func auditLocationExact(c *Ctx, e *storage.AuditEntry) AuditView {
	var before, after bool
	decodeAudit(e.Before, &before)
	decodeAudit(e.After, &after)
	return AuditView{What: c.T("audit.w_location_exact"), Before: c.onOff(before), After: c.onOff(after)}
}
