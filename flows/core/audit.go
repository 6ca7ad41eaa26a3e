package core

import (
	"encoding/json"

	"chibo/storage"
)

// Audit records a change made by the person acting (a secretary, deputy or
// admin) in the same transaction as the change: action is a code such as
// "status_set"; before and after are the values, marshalled as JSON (nil
// for none).
func (c *Ctx) Audit(action string, cellID, subjectID uint64, before, after any) error {
	return c.auditEntry(&storage.AuditEntry{Action: action, CellID: cellID, SubjectID: subjectID}, before, after)
}

// auditMeeting is Audit for a change about one meeting, which the entry
// names so that the log can say which meeting it was.
func (c *Ctx) AuditMeeting(action string, mt *storage.Meeting, subjectID uint64, before, after any) error {
	return c.auditEntry(&storage.AuditEntry{Action: action, CellID: mt.CellID, SubjectID: subjectID, MeetingID: mt.ID}, before, after)
}

func (c *Ctx) auditEntry(e *storage.AuditEntry, before, after any) error {
	e.At, e.ActorID = c.Now, c.MeID()
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

// auditActions names the kinds of recorded actions for the export's
// column of kinds. A kind missing here is shown as "other change".
var AuditActions = map[string]string{
	"status_set":       "audit.status_set",
	"invite_create":    "audit.invite_create",
	"group_link":       "audit.group_link",
	"excuse_decide":    "audit.excuse_decide",
	"decision_change":  "audit.decision_change",
	"roll_set":         "audit.roll_set",
	"dues_set":         "dues.audit_set",
	"meeting_score":    "audit.meeting_score",
	"meeting_close":    "close.audit_close",
	"meeting_amend":    "close.audit_amend",
	"meeting_resched":  "close.audit_reschedule",
	"meeting_create":   "audit.kind_meeting_create",
	"meeting_cancel":   "audit.kind_meeting_cancel",
	"meeting_move":     "audit.kind_meeting_move",
	"notice_sent":      "audit.kind_notice_sent",
	"faraway_set":      "audit.faraway_set",
	"residence_link":   "audit.residence_link",
	"residence_note":   "audit.residence_note",
	"settings_change":  "audit.settings_change",
	"checkin_form_set": "audit.kind_checkin_form",
	"rules_file":       "audit.kind_rules_file",
	"member_received":  "audit.kind_member_received",
	"contact_link":     "audit.kind_contact_link",
	"link_code_create": "audit.kind_link_code",
	"cell_create":      "audit.cell_create",
	"member_join":      "audit.kind_member_join",
	"export_made":      "audit.kind_export",
	"location_exact":   "audit.kind_location_exact",
	"commune_role":     "commune.audit_kind_role",
	"commune_view":     "commune.audit_kind_view",
	"score_review":     "commune.audit_kind_review",
	"briefing":         "commune.audit_kind_briefing",
	"task_create":      "tasks.audit_kind_create",
	"task_update":      "tasks.audit_kind_update",
	"fargroup_create":  "fargroup.audit_kind_create",
	"fargroup_contact": "fgcontact.audit_kind",
	"online_pilot":     "fgpilot.audit_kind",
	"rating_recorded":  "rating.audit_kind_recorded",
	"rating_amended":   "rating.audit_kind_amended",
}

// auditKind is the kind of an entry's action in words.
func (c *Ctx) AuditKind(action string) string {
	if id, ok := AuditActions[action]; ok {
		return c.T(id)
	}
	return c.T("audit.kind_other")
}
