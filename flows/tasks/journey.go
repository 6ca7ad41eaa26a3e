// Package tasks owns the tasks a cell decides at its meetings, followed up
// "rõ người, rõ việc" (DOMAIN.md, the commune's side): the secretary
// records what, who (a member or the cell committee) and by when; the
// person gets the task and reports progress or done in one tap; reminders
// go before the deadline; overdue tasks reach the secretary before the next
// meeting; each meeting's summary lists its tasks and their outcome.
//
// Tasks are stored under their cell (storage.Tx.CellTasks), so that the
// commune's views read them per cell without importing this journey.
//
// It imports only the core and members.
package tasks

import "chibo/flows/core"

// Journey registers the journey's commands, flows, actions, due work and
// hooks with the engine.
type Journey struct{}

// Register implements core.Journey.
func (Journey) Register(e *core.Engine) {
	e.Command(&core.Command{Name: "tasks", Need: core.NeedMember, PrivateOnly: true, HelpID: "tasks.help", MenuID: "tasks.menu", Run: runTasks})
	registerActions(e)
	e.Register(&core.Flow{Name: "task", Need: core.NeedLeader, First: stepWhat, State: func() any { return &taskForm{} },
		Steps: map[core.StepName]core.Step{
			stepWhat:    {Ask: askWhat, Answer: answerWhat, Next: []core.StepName{stepWho}},
			stepWho:     {Ask: askWho, Answer: answerWho, Next: []core.StepName{stepDue}},
			stepDue:     {Ask: askDue, Answer: answerDue, Next: []core.StepName{stepConfirm}},
			stepConfirm: {Ask: askConfirm, Answer: answerConfirm, Next: []core.StepName{stepWho, stepDue}},
		}})
	e.MeetingTool(meetingTool)
	e.MeetingNotes(meetingNotes)
	e.DueSource("tasks", dueTasks)
	e.AuditWords(map[string]core.AuditFunc{"task_create": auditCreate, "task_update": auditUpdate})
	e.MyData(60, "tasks.mydata_title", myTasks)
	e.OrgExporter("tasks", exportTasks)
	e.CellFigures("tasks", taskFigures)
}
