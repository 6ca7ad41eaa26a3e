package faraway

import (
	"chibo/flows/core"
	"chibo/storage"
)

func auditFarAway(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	v := core.AuditView{What: c.T("audit.w_status", "Name", c.AuditSubject(e))}
	var before, after struct {
		Status *storage.Status `json:"status"`
	}
	if core.DecodeAudit(e.Before, &before) && before.Status != nil {
		v.Before = c.StatusLine(*before.Status)
	}
	if core.DecodeAudit(e.After, &after) && after.Status != nil {
		v.After = c.StatusLine(*after.Status)
	}
	return v
}

func auditLocationExact(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var before, after bool
	core.DecodeAudit(e.Before, &before)
	core.DecodeAudit(e.After, &after)
	return core.AuditView{What: c.T("audit.w_location_exact"), Before: c.OnOff(before), After: c.OnOff(after)}
}
