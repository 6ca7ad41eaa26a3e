package tasks

import "chibo/flows/core"

// The tasks journey's buttons, prefix "t". The values are wire codes
// stored in buttons already sent (see core.ActionSet): never change one; a
// new code is "t.<name>".
const (
	// codeReport reports on one task: "t.report:<cell>:<task>:p|d" (in
	// progress, done).
	codeReport core.ActionCode = "t.report"
	// codeMeetingTasks is a leader's tool on a meeting's tasks:
	// "t.meeting:<meeting>:l|a" (list, record one).
	codeMeetingTasks core.ActionCode = "t.meeting"
	// codeCellTasks is a leader's tool on a cell's tasks:
	// "t.cell:<cell>:l|a" (list, record one not tied to a meeting).
	codeCellTasks core.ActionCode = "t.cell"
)

func registerActions(e *core.Engine) {
	e.Actions(core.ActionSet{Journey: "tasks", Prefix: "t", Actions: map[core.ActionCode]core.Action{
		codeReport:       actTask,
		codeMeetingTasks: actMeetingTasks,
		codeCellTasks:    actCellTasks,
	}})
}
