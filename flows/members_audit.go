package flows

import (
	"chibo/storage"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

func auditStatus(c *Ctx, e *storage.AuditEntry) AuditView {
	v := AuditView{What: c.T("audit.w_status", "Name", c.auditSubject(e))}
	var before, after storage.Status
	if decodeAudit(e.Before, &before) {
		v.Before = c.statusLine(before)
	}
	if decodeAudit(e.After, &after) {
		v.After = c.statusLine(after)
	}
	return v
}

// auditReceived is a member received by the cell whose invite they tapped.
func auditReceived(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Cell     uint64 `json:"cell"`
		FromCell uint64 `json:"from_cell"`
	}
	decodeAudit(e.After, &after)
	cellName := func(id uint64) string {
		if cell, err := c.Tx.Cell(id); err == nil {
			return cell.Name
		}
		return c.T("audit.unknown_cell")
	}
	return AuditView{What: c.T("audit.w_received", "Name", c.auditSubject(e)), Before: cellName(after.FromCell), After: cellName(after.Cell)}
}

// auditContactLink is a messenger linked to a member's record: the
// messengers before and after.
func auditContactLink(c *Ctx, e *storage.AuditEntry) AuditView {
	side := func(raw json.RawMessage) string {
		var v struct {
			Transports []string `json:"transports"`
		}
		decodeAudit(raw, &v)
		names := make([]string, 0, len(v.Transports))
		for _, t := range v.Transports {
			names = append(names, messengerName(t))
		}
		slices.Sort(names)
		return strings.Join(names, ", ")
	}
	return AuditView{What: c.T("audit.w_contact_link", "Name", c.auditSubject(e)), Before: side(e.Before), After: side(e.After)}
}

// auditLinkCode is a one-time code made to link another messenger.
func auditLinkCode(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Expires time.Time `json:"expires"`
	}
	decodeAudit(e.After, &after)
	v := AuditView{What: c.T("audit.w_link_code", "Name", c.auditSubject(e))}
	if !after.Expires.IsZero() {
		v.After = c.T("audit.invite_expires", "Date", c.Date(after.Expires))
	}
	return v
}

func auditInvite(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Role    storage.Role `json:"role"`
		Expires time.Time    `json:"expires"`
	}
	decodeAudit(e.After, &after)
	v := AuditView{What: c.T("audit.w_invite", "Role", c.roleName(after.Role))}
	if !after.Expires.IsZero() {
		v.After = c.T("audit.invite_expires", "Date", c.Date(after.Expires))
	}
	return v
}

func auditJoin(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Role storage.Role `json:"role"`
	}
	decodeAudit(e.After, &after)
	return AuditView{What: c.T("audit.w_join", "Name", c.auditSubject(e)), After: c.roleName(after.Role)}
}

func auditDues(c *Ctx, e *storage.AuditEntry) AuditView {
	var before, after storage.Dues
	decodeAudit(e.After, &after)
	v := AuditView{What: c.T("audit.w_dues", "Name", c.auditSubject(e), "Month", c.monthLabel(after.Month)), After: c.duesText(&after)}
	if decodeAudit(e.Before, &before) {
		v.Before = c.duesText(&before)
	}
	return v
}
