package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// TaskState is where a task decided by a cell stands.
type TaskState string

// Task states.
const (
	TaskOpen     TaskState = "open"     // recorded, nothing reported yet
	TaskProgress TaskState = "progress" // the person reported progress
	TaskDone     TaskState = "done"     // reported done
)

// Task is one task a cell decided, "rõ người, rõ việc" (DOMAIN.md, the
// commune's side): what, who (a member, or the cell committee when
// AssigneeID is 0), by when, and what became of it. It is stored under its
// cell, so that the commune reads a cell's tasks without reading others'.
type Task struct {
	ID         uint64       `json:"id"`
	CellID     uint64       `json:"cell_id"`
	MeetingID  uint64       `json:"meeting_id,omitempty"` // the meeting that decided it
	What       string       `json:"what"`
	AssigneeID uint64       `json:"assignee_id,omitempty"` // 0: the cell committee (chi ủy)
	Due        time.Time    `json:"due"`                   // the last day, at midnight in the cell's zone
	State      TaskState    `json:"state"`
	CreatedBy  uint64       `json:"created_by"`
	Created    time.Time    `json:"created"`
	DoneAt     time.Time    `json:"done_at,omitzero"`
	Updates    []TaskUpdate `json:"updates,omitempty"` // reports, oldest first
}

// TaskUpdate is one report on a task: who, when, the state it moved to.
type TaskUpdate struct {
	At    time.Time `json:"at"`
	By    uint64    `json:"by"`
	State TaskState `json:"state"`
}

// Open reports whether the task is not done yet.
func (t *Task) Open() bool { return t.State != TaskDone }

// Overdue reports whether the task is open after its last day, in the zone
// its Due was set in.
func (t *Task) Overdue(now time.Time) bool {
	return t.Open() && !now.Before(t.Due.AddDate(0, 0, 1))
}

// DoneOnTime reports whether the task was done by the end of its last day.
func (t *Task) DoneOnTime() bool {
	return t.State == TaskDone && t.DoneAt.Before(t.Due.AddDate(0, 0, 1))
}

func taskKey(cellID, taskID uint64) []byte { return pairKey(cellID, taskID) }

func taskDueKey(t *Task) []byte {
	return append(itob(uint64(t.Due.Unix())), taskKey(t.CellID, t.ID)...)
}

func checkTask(t *Task) error {
	switch {
	case t.CellID == 0 || t.What == "" || !utf8.ValidString(t.What):
		return fmt.Errorf("task without cell or text")
	case t.Due.IsZero() || t.Due.Unix() < 0:
		return fmt.Errorf("task %d without a deadline", t.ID)
	case t.State != TaskOpen && t.State != TaskProgress && t.State != TaskDone:
		return fmt.Errorf("task state %q", t.State)
	}
	return nil
}

// Task returns the cell's task with the id.
func (tx *Tx) Task(cellID, id uint64) (*Task, error) {
	return getJSON[Task](tx.tx.Bucket(bucketTasks), taskKey(cellID, id))
}

// PutTask stores t, assigning an id when t.ID is 0, and keeps the indexes
// by assignee and of open tasks by deadline in step. A task never moves to
// another cell.
func (tx *Tx) PutTask(t *Task) error {
	if err := checkTask(t); err != nil {
		return err
	}
	b := tx.tx.Bucket(bucketTasks)
	if t.ID != 0 {
		old, err := tx.Task(t.CellID, t.ID)
		if err != nil {
			return fmt.Errorf("task %d of cell %d: %w", t.ID, t.CellID, err)
		}
		if err := tx.unindexTask(old); err != nil {
			return err
		}
	}
	if err := nextID(b, &t.ID); err != nil {
		return err
	}
	if err := tx.indexTask(t); err != nil {
		return err
	}
	if err := tx.TouchCell(t.CellID); err != nil { // its reminders (due.go)
		return err
	}
	return putJSON(b, taskKey(t.CellID, t.ID), t)
}

func (tx *Tx) indexTask(t *Task) error {
	if t.AssigneeID != 0 {
		if err := tx.tx.Bucket(bucketTaskAssignees).Put(pairKey(t.AssigneeID, t.ID), itob(t.CellID)); err != nil {
			return err
		}
	}
	if !t.Open() {
		return nil
	}
	return tx.tx.Bucket(bucketTaskDue).Put(taskDueKey(t), nil)
}

func (tx *Tx) unindexTask(t *Task) error {
	if t.AssigneeID != 0 {
		if err := tx.tx.Bucket(bucketTaskAssignees).Delete(pairKey(t.AssigneeID, t.ID)); err != nil {
			return err
		}
	}
	return tx.tx.Bucket(bucketTaskDue).Delete(taskDueKey(t))
}

// CellTasks lists the cell's tasks in the order they were recorded. It reads
// the cell's tasks only.
func (tx *Tx) CellTasks(cellID uint64) ([]Task, error) {
	var out []Task
	prefix := itob(cellID)
	c := tx.tx.Bucket(bucketTasks).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var t Task
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, fmt.Errorf("task %x: %w", k, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// MemberTasks lists the tasks assigned to the member, through the index of
// assignees, in the order they were recorded.
func (tx *Tx) MemberTasks(memberID uint64) ([]Task, error) {
	var out []Task
	prefix := itob(memberID)
	c := tx.tx.Bucket(bucketTaskAssignees).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		t, err := tx.Task(btoi(v), btoi(k[8:]))
		if err != nil {
			return nil, fmt.Errorf("task %d of member %d: %w", btoi(k[8:]), memberID, err)
		}
		out = append(out, *t)
	}
	return out, nil
}

// OpenTasksDue lists the open tasks whose deadline is in [from, to), by
// deadline, through the index of open tasks: the reminder tick reads only
// what can fall due.
func (tx *Tx) OpenTasksDue(from, to time.Time) ([]Task, error) {
	var out []Task
	lo, hi := itob(uint64(max(from.Unix(), 0))), itob(uint64(max(to.Unix(), 0)))
	c := tx.tx.Bucket(bucketTaskDue).Cursor()
	for k, _ := c.Seek(lo); k != nil && bytes.Compare(k[:8], hi) < 0; k, _ = c.Next() {
		t, err := tx.Task(btoi(k[8:16]), btoi(k[16:24]))
		if err != nil {
			return nil, fmt.Errorf("open task %x: %w", k, err)
		}
		out = append(out, *t)
	}
	return out, nil
}
