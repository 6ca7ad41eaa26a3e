package tasks

import (
	"time"

	"chibo/flows/core"
	"chibo/storage"
)

// taskAudit is what the audit log keeps of a task: enough to say what
// changed, in the reader's language, after the task itself has changed.
type taskAudit struct {
	Task     uint64            `json:"task"`
	Meeting  uint64            `json:"meeting,omitempty"`
	What     string            `json:"what"`
	Assignee uint64            `json:"assignee,omitempty"`
	Due      time.Time         `json:"due"`
	State    storage.TaskState `json:"state"`
}

func auditRecord(t *storage.Task) taskAudit {
	return taskAudit{Task: t.ID, Meeting: t.MeetingID, What: t.What, Assignee: t.AssigneeID, Due: t.Due, State: t.State}
}

func auditStateName(c *core.Ctx, s storage.TaskState) string {
	switch s {
	case storage.TaskDone:
		return c.T("tasks.audit_state_done")
	case storage.TaskProgress:
		return c.T("tasks.state_progress")
	}
	return c.T("tasks.state_open")
}

func auditCreate(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var a taskAudit
	if !core.DecodeAudit(e.After, &a) {
		return core.AuditView{What: c.T("audit.w_other", "Name", c.AuditSubject(e))}
	}
	who := c.T("tasks.committee")
	if a.Assignee != 0 {
		who = c.PersonName(a.Assignee)
	}
	return core.AuditView{What: c.T("tasks.audit_w_create", "Who", who, "Meeting", c.AuditOfMeeting(a.Meeting)),
		After: c.T("tasks.audit_value", "What", a.What, "Due", c.Date(a.Due))}
}

func auditUpdate(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var before, after taskAudit
	core.DecodeAudit(e.Before, &before)
	if !core.DecodeAudit(e.After, &after) {
		return core.AuditView{What: c.T("audit.w_other", "Name", c.AuditSubject(e))}
	}
	return core.AuditView{What: c.T("tasks.audit_w_update", "What", after.What),
		Before: auditStateName(c, before.State), After: auditStateName(c, after.State)}
}

// myTasks lists, for /mydata, the tasks assigned to m.
func myTasks(c *core.Ctx, m *storage.Member) ([]string, error) {
	ts, err := db(c).MemberTasks(m.ID)
	if err != nil {
		return nil, err
	}
	lines := make([]string, 0, len(ts))
	for i := range ts {
		lines = append(lines, line(c, &ts[i]))
	}
	return lines, nil
}
