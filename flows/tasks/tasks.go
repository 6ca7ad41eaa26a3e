package tasks

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
)

// maxListed is how many tasks a list shows in full; the rest are counted.
const maxListed = 20

// inCell reports whether m is on the cell's list now and can take a task:
// a member who left the cell or is transferred out cannot.
func inCell(c *core.Ctx, m *storage.Member, cellID uint64) bool {
	if m.HomeCellID != cellID || m.Forgotten() {
		return false
	}
	switch m.StatusOn(c.Now).Kind {
	case storage.StatusLeft, storage.StatusTransferredOut:
		return false
	}
	return true
}

// whoName names the person a task is assigned to: a member, or the cell
// committee.
func whoName(c *core.Ctx, t *storage.Task) string {
	if t.AssigneeID == 0 {
		return c.T("tasks.committee")
	}
	return c.PersonName(t.AssigneeID)
}

func stateName(c *core.Ctx, t *storage.Task) string {
	switch {
	case t.State == storage.TaskDone && t.DoneOnTime():
		return c.T("tasks.state_done", "Date", c.Date(t.DoneAt))
	case t.State == storage.TaskDone:
		return c.T("tasks.state_done_late", "Date", c.Date(t.DoneAt))
	case t.Overdue(c.Now):
		return c.T("tasks.state_overdue")
	case t.State == storage.TaskProgress:
		return c.T("tasks.state_progress")
	}
	return c.T("tasks.state_open")
}

// line is a task in one line: what, who, by when, where it stands.
func line(c *core.Ctx, t *storage.Task) string {
	return c.T("tasks.line", "What", t.What, "Who", whoName(c, t), "Due", c.Date(t.Due), "State", stateName(c, t))
}

// reportButtons are the person's one-tap reports on a task.
func reportButtons(c *core.Ctx, t *storage.Task) []chat.Button {
	arg := fmt.Sprintf("%d:%d", t.CellID, t.ID)
	short := core.CkShorten(t.What, 24)
	return []chat.Button{
		core.ActionButton(c.T("tasks.btn_progress", "What", short), codeReport, arg+":p"),
		core.ActionButton(c.T("tasks.btn_done", "What", short), codeReport, arg+":d"),
	}
}

// mayReport reports whether the caller may report on t: its assignee, or a
// leader of its cell (for the committee, or on a member's behalf).
func mayReport(c *core.Ctx, t *storage.Task) bool {
	return c.Me != nil && (t.AssigneeID == c.Me.ID || c.Me.Leads(t.CellID))
}

// runTasks lists the caller's own open tasks and, for a leader, the open
// and overdue tasks of each cell they lead.
func runTasks(c *core.Ctx, _ string) error {
	mine, err := db(c).MemberTasks(c.Me.ID)
	if err != nil {
		return err
	}
	var lines []string
	var rows [][]chat.Button
	for i := range mine {
		t := &mine[i]
		if !t.Open() {
			continue
		}
		if len(lines) < maxListed {
			lines = append(lines, line(c, t))
			rows = append(rows, reportButtons(c, t))
		}
	}
	if len(lines) == 0 {
		c.Say("tasks.mine_none")
	} else {
		c.Reply(c.N("tasks.mine_header", len(lines))+"\n"+strings.Join(lines, "\n"), rows...)
	}
	for _, id := range c.Me.LedCells() {
		cell, err := db(c).Cell(id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := cellTasks(c, cell); err != nil {
			return err
		}
	}
	return nil
}

// cellTasks shows a leader the cell's open tasks, overdue first, with a
// button to record a new one.
func cellTasks(c *core.Ctx, cell *storage.Cell) error {
	ts, err := db(c).CellTasks(cell.ID)
	if err != nil {
		return err
	}
	var overdue, open []string
	var rows [][]chat.Button
	for i := range ts {
		t := &ts[i]
		switch {
		case t.Overdue(c.Now):
			overdue = append(overdue, line(c, t))
		case t.Open():
			open = append(open, line(c, t))
		default:
			continue
		}
		if len(rows) < maxListed {
			rows = append(rows, reportButtons(c, t))
		}
	}
	text := c.T("tasks.cell_header", "Cell", cell.Name, "Open", len(open)+len(overdue), "Overdue", len(overdue))
	if len(overdue) > 0 {
		text += "\n" + c.T("tasks.overdue_header") + "\n" + strings.Join(clip(overdue), "\n")
	}
	if len(open) > 0 {
		text += "\n" + c.T("tasks.open_header") + "\n" + strings.Join(clip(open), "\n")
	}
	rows = append(rows, []chat.Button{core.ActionButton(c.T("tasks.btn_add"), codeCellTasks, fmt.Sprintf("%d:a", cell.ID))})
	c.Reply(text, rows...)
	return nil
}

func clip(lines []string) []string {
	if len(lines) > maxListed {
		return lines[:maxListed]
	}
	return lines
}

// actCellTasks is a leader's tool on a cell's tasks: "t.cell:<cell>:l" lists
// them, "t.cell:<cell>:a" records a new one not tied to a meeting.
func actCellTasks(c *core.Ctx, args string) error {
	idArg, op, _ := strings.Cut(args, ":")
	return members.WithLedCell(c, idArg, func(c *core.Ctx, cell *storage.Cell) error {
		switch op {
		case "l":
			return cellTasks(c, cell)
		case "a":
			return c.StartWith("task", stepWhat, &taskForm{Cell: cell.ID})
		}
		c.Say("err.stale_button")
		return nil
	})
}

// actMeetingTasks is a leader's tool on a meeting's tasks:
// "t.meeting:<meeting>:l" lists them, "t.meeting:<meeting>:a" records one.
func actMeetingTasks(c *core.Ctx, args string) error {
	idArg, op, _ := strings.Cut(args, ":")
	id, err := strconv.ParseUint(idArg, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	mt, err := db(c).Meeting(id)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	if !c.Me.Leads(mt.CellID) {
		c.Say("err.leaders_only")
		return nil
	}
	cell, err := db(c).Cell(mt.CellID)
	if err != nil {
		return err
	}
	switch op {
	case "l":
		return meetingTasks(c, mt, cell)
	case "a":
		if mt.State == storage.MeetingCancelled {
			c.Say("tasks.meeting_cancelled")
			return nil
		}
		return c.StartWith("task", stepWhat, &taskForm{Cell: cell.ID, Meeting: mt.ID})
	}
	c.Say("err.stale_button")
	return nil
}

// tasksOf lists the tasks a meeting decided.
func tasksOf(c *core.Ctx, mt *storage.Meeting) ([]storage.Task, error) {
	ts, err := db(c).CellTasks(mt.CellID)
	if err != nil {
		return nil, err
	}
	out := ts[:0]
	for _, t := range ts {
		if t.MeetingID == mt.ID {
			out = append(out, t)
		}
	}
	return out, nil
}

func meetingDate(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) string {
	return mt.At.In(c.CellZone(cell)).Format("02/01/2006")
}

// meetingTasks shows a meeting's tasks and their outcome.
func meetingTasks(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) error {
	ts, err := tasksOf(c, mt)
	if err != nil {
		return err
	}
	text := c.N("tasks.meeting_header", len(ts), "Date", meetingDate(c, mt, cell))
	var rows [][]chat.Button
	for i := range ts {
		text += "\n" + line(c, &ts[i])
		if ts[i].Open() && len(rows) < maxListed {
			rows = append(rows, reportButtons(c, &ts[i]))
		}
	}
	if mt.State != storage.MeetingCancelled {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("tasks.btn_add"), codeMeetingTasks, fmt.Sprintf("%d:a", mt.ID))})
	}
	c.Reply(text, rows...)
	return nil
}

// actTask is a report on one task: "t.report:<cell>:<task>:p" in progress,
// "t.report:<cell>:<task>:d" done.
func actTask(c *core.Ctx, args string) error {
	parts := strings.Split(args, ":")
	if len(parts) != 3 || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	cellID, err1 := strconv.ParseUint(parts[0], 10, 64)
	id, err2 := strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		c.Say("err.stale_button")
		return nil
	}
	t, err := db(c).Task(cellID, id)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	if !mayReport(c, t) {
		c.Say("tasks.not_yours")
		return nil
	}
	var want storage.TaskState
	switch parts[2] {
	case "p":
		want = storage.TaskProgress
	case "d":
		want = storage.TaskDone
	default:
		c.Say("err.stale_button")
		return nil
	}
	return report(c, t, want)
}

// report records a report on t, audited, and tells the cell's leaders.
func report(c *core.Ctx, t *storage.Task, want storage.TaskState) error {
	if t.State == storage.TaskDone {
		c.Say("tasks.already_done", "What", t.What, "Date", c.Date(t.DoneAt))
		return nil
	}
	before := *t
	t.State = want
	t.Updates = append(t.Updates, storage.TaskUpdate{At: c.Now, By: c.Me.ID, State: want})
	if want == storage.TaskDone {
		t.DoneAt = c.Now
	}
	if err := db(c).PutTask(t); err != nil {
		return err
	}
	if err := c.Audit("task_update", t.CellID, t.AssigneeID, auditRecord(&before), auditRecord(t)); err != nil {
		return err
	}
	if want == storage.TaskDone {
		c.Say("tasks.done_ok", "What", t.What)
	} else {
		c.Say("tasks.progress_ok", "What", t.What)
	}
	leaders, err := members.HomeLeaders(c.Tx, t.CellID, false)
	if err != nil {
		return err
	}
	for i := range leaders {
		l := &leaders[i]
		if l.ID == c.Me.ID {
			continue
		}
		r := c.ReaderOf(l)
		c.SendTo(l, "tasks.reported_to_leader", "Name", c.Me.Name, "Line", line(r, t))
	}
	if t.AssigneeID != 0 && t.AssigneeID != c.Me.ID {
		if m, err := db(c).Member(t.AssigneeID); err == nil {
			c.SendTo(m, "tasks.reported_to_leader", "Name", c.Me.Name, "Line", line(c.ReaderOf(m), t))
		}
	}
	return nil
}
