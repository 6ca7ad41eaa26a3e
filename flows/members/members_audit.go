package members

import (
	"chibo/flows/core"
	"chibo/storage"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

func auditStatus(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	v := core.AuditView{What: c.T("audit.w_status", "Name", c.AuditSubject(e))}
	var before, after storage.Status
	if core.DecodeAudit(e.Before, &before) {
		v.Before = c.StatusLine(before)
	}
	if core.DecodeAudit(e.After, &after) {
		v.After = c.StatusLine(after)
	}
	return v
}

// auditReceived is a member received by the cell whose invite they tapped.
func auditReceived(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after struct {
		Cell     uint64 `json:"cell"`
		FromCell uint64 `json:"from_cell"`
	}
	core.DecodeAudit(e.After, &after)
	cellName := func(id uint64) string {
		if cell, err := db(c).Cell(id); err == nil {
			return cell.Name
		}
		return c.T("audit.unknown_cell")
	}
	return core.AuditView{What: c.T("audit.w_received", "Name", c.AuditSubject(e)), Before: cellName(after.FromCell), After: cellName(after.Cell)}
}

// auditContactLink is a messenger linked to a member's record: the
// messengers before and after.
func auditContactLink(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	side := func(raw json.RawMessage) string {
		var v struct {
			Transports []string `json:"transports"`
		}
		core.DecodeAudit(raw, &v)
		names := make([]string, 0, len(v.Transports))
		for _, t := range v.Transports {
			names = append(names, messengerName(t))
		}
		slices.Sort(names)
		return strings.Join(names, ", ")
	}
	return core.AuditView{What: c.T("audit.w_contact_link", "Name", c.AuditSubject(e)), Before: side(e.Before), After: side(e.After)}
}

// auditLinkCode is a one-time code made to link another messenger.
func auditLinkCode(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after struct {
		Expires time.Time `json:"expires"`
	}
	core.DecodeAudit(e.After, &after)
	v := core.AuditView{What: c.T("audit.w_link_code", "Name", c.AuditSubject(e))}
	if !after.Expires.IsZero() {
		v.After = c.T("audit.invite_expires", "Date", c.Date(after.Expires))
	}
	return v
}

func auditInvite(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after struct {
		Role    storage.Role `json:"role"`
		Expires time.Time    `json:"expires"`
	}
	core.DecodeAudit(e.After, &after)
	v := core.AuditView{What: c.T("audit.w_invite", "Role", c.RoleName(after.Role))}
	if !after.Expires.IsZero() {
		v.After = c.T("audit.invite_expires", "Date", c.Date(after.Expires))
	}
	return v
}

func auditJoin(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after struct {
		Role storage.Role `json:"role"`
	}
	core.DecodeAudit(e.After, &after)
	return core.AuditView{What: c.T("audit.w_join", "Name", c.AuditSubject(e)), After: c.RoleName(after.Role)}
}

func auditDues(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var before, after storage.Dues
	core.DecodeAudit(e.After, &after)
	v := core.AuditView{What: c.T("audit.w_dues", "Name", c.AuditSubject(e), "Month", c.MonthLabel(after.Month)), After: DuesText(c, &after)}
	if core.DecodeAudit(e.Before, &before) {
		v.Before = DuesText(c, &before)
	}
	return v
}
