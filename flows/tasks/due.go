package tasks

import (
	"errors"
	"fmt"
	"time"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
)

// The reminder points of a task, from its last day (at midnight in the
// cell's zone): two days before, on the day, and the morning after when it
// is still open. Each goes once per person (its outbox key), outside the
// cell's quiet hours; a point missed is not sent once a later one is due.
const (
	remindHour = 8 * time.Hour       // reminders go from 08:00
	lateWindow = 7 * 24 * time.Hour  // the overdue notice is sent within a week
	lookAhead  = 3 * 24 * time.Hour  // the earliest point is 2 days before the day
	lookBack   = 10 * 24 * time.Hour // beyond a deadline, overdue notices are no longer due
)

func taskPoints(t *storage.Task) []core.Reminder {
	return []core.Reminder{
		{Kind: "task-soon", At: t.Due.AddDate(0, 0, -2).Add(remindHour)},
		{Kind: "task-day", At: t.Due.Add(remindHour)},
		{Kind: "task-late", At: t.Due.AddDate(0, 0, 1).Add(remindHour)},
	}
}

func taskKey(kind string, t *storage.Task, m *storage.Member) string {
	return fmt.Sprintf("reminder/%s/%d/%d", kind, t.ID, m.ID)
}

// dueTasks sends the reminders of the cell's open tasks that are due now
// and says when the next point of an open task falls (the due-work index
// looks at the cell again then, or when a task of it changes).
func dueTasks(c *core.Ctx, cell *storage.Cell) (time.Time, error) {
	ts, err := db(c).CellTasks(cell.ID)
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	later := func(t time.Time) {
		if t.After(c.Now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for i := range ts {
		t := &ts[i]
		if !t.Open() {
			continue
		}
		for _, p := range taskPoints(t) {
			later(p.At)
		}
		p, ok := core.LatestDue(taskPoints(t), c.Now)
		if !ok || (p.Kind == "task-late" && c.Now.After(p.At.Add(lateWindow))) {
			continue
		}
		end, quiet, err := c.QuietUntil(cell, c.Now)
		if err != nil {
			return time.Time{}, err
		}
		if quiet {
			later(end)
			continue
		}
		if err := remindTask(c, t, cell, p.Kind); err != nil {
			return time.Time{}, err
		}
	}
	return next, nil
}

// remindTask reminds the task's person (the cell's leaders for the
// committee) and, once it is overdue, the cell's secretaries.
func remindTask(c *core.Ctx, t *storage.Task, cell *storage.Cell, kind string) error {
	until := t.Due.AddDate(0, 0, 1).Add(remindHour + lateWindow + 24*time.Hour)
	var people []storage.Member
	if t.AssigneeID != 0 {
		m, err := db(c).Member(t.AssigneeID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if m != nil && inCell(c, m, cell.ID) {
			people = append(people, *m)
		}
	} else {
		ls, err := members.HomeLeaders(c.Tx, cell.ID, false)
		if err != nil {
			return err
		}
		people = ls
	}
	msgID := map[string]string{"task-soon": "tasks.remind_soon", "task-day": "tasks.remind_day", "task-late": "tasks.remind_late"}[kind]
	for i := range people {
		m := &people[i]
		r := c.ReaderOf(m)
		if _, err := c.RemindUntil(until, taskKey(kind, t, m), m, [][]chat.Button{reportButtons(r, t)}, msgID,
			"Cell", cell.Name, "What", t.What, "Due", r.Date(t.Due)); err != nil {
			return err
		}
	}
	if kind != "task-late" {
		return nil
	}
	secs, err := members.HomeLeaders(c.Tx, cell.ID, true)
	if err != nil {
		return err
	}
	for i := range secs {
		s := &secs[i]
		if t.AssigneeID == 0 {
			continue // the committee's leaders were reminded above
		}
		r := c.ReaderOf(s)
		if _, err := c.RemindUntil(until, taskKey("task-late-sec", t, s), s,
			[][]chat.Button{{core.ActionButton(r.T("tasks.btn_cell_tasks"), codeCellTasks, fmt.Sprintf("%d:l", cell.ID))}},
			"tasks.remind_late_secretary", "Line", line(r, t)); err != nil {
			return err
		}
	}
	return nil
}
