package core

import (
	"encoding/json"

	"chibo/storage"
)

// The audit log for people (issue 12). Stored entries keep their JSON, with
// codes and UTC times, so that nothing stored changes meaning; every reader
// sees them translated here: who did what to whom, and the change in words,
// in the reader's language and the cell's local time.

// AuditView is one audit entry in words: what was done (to whom, about which
// meeting) and the values before and after ("" for none).
type AuditView struct {
	What, Before, After string
}

// auditText is the entry as one line for /audit: "dd/mm/yyyy hh:mm –
// Đồng chí X: what – before → after".
func (c *Ctx) AuditText(e *storage.AuditEntry) string {
	return c.T("audit.text", "When", c.AuditWhen(e), "Who", c.AuditActor(e.ActorID), "Change", c.AuditChange(e))
}

// auditChange is what the entry changed, in words: "what – before → after".
func (c *Ctx) AuditChange(e *storage.AuditEntry) string {
	v := c.AuditView(e)
	return c.T("audit.change", "What", v.What, "Before", v.Before, "After", v.After)
}

// auditWhen is the entry's time in its cell's zone.
func (c *Ctx) AuditWhen(e *storage.AuditEntry) string {
	var cell *storage.Cell
	if e.CellID != 0 {
		cell, _ = c.Tx.Cell(e.CellID)
	}
	return e.At.In(c.CellZone(cell)).Format("02/01/2006 15:04")
}

// auditActor names the person who acted: "Đồng chí X", or the server's
// operator for changes made on the command line.
func (c *Ctx) AuditActor(id uint64) string {
	if id == 0 {
		return c.T("audit.operator")
	}
	if m, err := c.Tx.Member(id); err == nil {
		return c.T("audit.comrade", "Name", m.Name)
	}
	return c.T("audit.unknown_member")
}

// AuditView renders the entry; an entry whose values cannot be read still
// says who acted and on whom.
func (c *Ctx) AuditView(e *storage.AuditEntry) AuditView {
	if r, ok := c.E.Hooks.audit[e.Action]; ok {
		return r(c, e)
	}
	return AuditView{What: c.T("audit.w_other", "Name", c.AuditSubject(e))}
}

// auditSubject is the name of the member the entry is about, "" for none.
func (c *Ctx) AuditSubject(e *storage.AuditEntry) string {
	if e.SubjectID == 0 {
		return ""
	}
	return c.PersonName(e.SubjectID)
}

// auditOfMeeting is " (họp dd/mm/yyyy)" for the entry's meeting, "" when the
// entry names none or the meeting is gone.
func (c *Ctx) AuditOfMeeting(id uint64) string {
	if id == 0 {
		return ""
	}
	mt, err := c.Tx.MeetingHeader(id)
	if err != nil {
		return ""
	}
	cell, _ := c.Tx.Cell(mt.CellID)
	return c.T("audit.of_meeting", "Date", mt.At.In(c.CellZone(cell)).Format("02/01/2006"))
}

// decodeAudit reads one side of an entry; false when it is empty or does not
// decode as v.
func DecodeAudit(raw json.RawMessage, v any) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

func AuditPlain(id string) func(c *Ctx, e *storage.AuditEntry) AuditView {
	return func(c *Ctx, e *storage.AuditEntry) AuditView {
		return AuditView{What: c.T(id, "Name", c.AuditSubject(e))}
	}
}

func auditDecision(c *Ctx, e *storage.AuditEntry) AuditView {
	var before, after DecisionRecord
	DecodeAudit(e.Before, &before)
	DecodeAudit(e.After, &after)
	name := c.AuditSubject(e)
	switch after.Kind {
	case "excuse":
		return AuditView{What: c.T("audit.w_excuse", "Name", name, "Meeting", c.AuditOfMeeting(after.Meeting)),
			Before: c.ExcuseName(storage.ExcuseState(before.Decision)), After: c.ExcuseName(storage.ExcuseState(after.Decision))}
	case "residence":
		return AuditView{What: c.T("audit.w_link_request", "Name", name), Before: c.LinkDecisionName(before.Decision), After: c.LinkDecisionName(after.Decision)}
	case "away":
		return AuditView{What: c.T("audit.w_away_request", "Name", name), Before: c.AwayDecisionName(before.Decision), After: c.AwayDecisionName(after.Decision)}
	}
	return AuditView{What: c.T("audit.w_other", "Name", name)}
}

func (c *Ctx) OnOff(on bool) string {
	if on {
		return c.T("audit.on")
	}
	return c.T("audit.off")
}
