package tasks

import (
	"fmt"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/storage"
)

// meetingTool is the button to a meeting's tasks on a leader's page of it.
func meetingTool(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) ([]chat.Button, error) {
	if mt.State == storage.MeetingCancelled {
		return nil, nil
	}
	ts, err := tasksOf(c, mt)
	if err != nil {
		return nil, err
	}
	return []chat.Button{core.ActionButton(c.T("tasks.btn_meeting", "Count", len(ts)), codeMeetingTasks, fmt.Sprintf("%d:l", mt.ID))}, nil
}

// meetingNotes are the tasks of a meeting in its summary (the basis of the
// minutes' conclusions) and the cell's overdue tasks in the secretary's
// reminders before a meeting.
func meetingNotes(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, where core.MeetingNoteWhere) ([]string, error) {
	switch where {
	case core.NoteSummary:
		ts, err := tasksOf(c, mt)
		if err != nil || len(ts) == 0 {
			return nil, err
		}
		lines := []string{c.N("tasks.sum_header", len(ts))}
		for i := range ts {
			lines = append(lines, line(c, &ts[i]))
		}
		return lines, nil
	case core.NoteSecretary:
		ts, err := db(c).CellTasks(cell.ID)
		if err != nil {
			return nil, err
		}
		var lines []string
		for i := range ts {
			if ts[i].Overdue(c.Now) {
				lines = append(lines, line(c, &ts[i]))
			}
		}
		if len(lines) == 0 {
			return nil, nil
		}
		return append([]string{c.N("tasks.sec_overdue_header", len(lines))}, clip(lines)...), nil
	}
	return nil, nil
}
