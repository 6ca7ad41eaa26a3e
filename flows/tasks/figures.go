package tasks

import (
	"time"

	"chibo/flows/core"
	"chibo/storage"
)

// figuresKey is the tasks' figure in the commune's overview
// (core.CellFigures.Extra): the cell's tasks overdue.
const figuresKey = "tasks_overdue"

// The year's tasks for the commune's year rating (issue 17): tasks whose
// last day fell in the year shown and had passed by the end of the month
// shown, and those of them done by their last day.
const (
	figuresDueKey    = "tasks_due"
	figuresOnTimeKey = "tasks_on_time"
)

// taskFigures counts the cell's tasks overdue at the end of the month shown
// (now, for the month in course): open after their last day, or done only
// later. A task recorded after that day is not counted.
func taskFigures(c *core.Ctx, cell *storage.Cell, f *core.CellFigures) error {
	at := time.Date(f.Month.Y, f.Month.M+1, 1, 0, 0, 0, 0, c.CellZone(cell))
	if c.Now.Before(at) {
		at = c.Now
	}
	ts, err := db(c).CellTasks(cell.ID)
	if err != nil {
		return err
	}
	n, due, onTime := 0, 0, 0
	for i := range ts {
		t := &ts[i]
		if overdueAt(t, at) {
			n++
		}
		end := t.Due.AddDate(0, 0, 1)
		if t.Due.Year() != f.Month.Y || t.Created.After(at) || at.Before(end) {
			continue
		}
		due++
		if !t.Open() && t.DoneAt.Before(end) {
			onTime++
		}
	}
	f.Extra[figuresKey] = n
	f.Extra[figuresDueKey], f.Extra[figuresOnTimeKey] = due, onTime
	return nil
}

// overdueAt reports whether the task was overdue at t, as it stood then.
func overdueAt(t *storage.Task, at time.Time) bool {
	if t.Created.After(at) || at.Before(t.Due.AddDate(0, 0, 1)) {
		return false
	}
	return t.Open() || t.DoneAt.After(at)
}
