package storage

import (
	"testing"
	"time"
)

// The indexes of tasks follow each change: by assignee (reassigned tasks
// move), open by deadline (a done task leaves it), and per cell.
func TestPutTask_indexesInStep(t *testing.T) {
	db := MustOpenDB(t)
	zone := time.FixedZone("ICT", 7*3600)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, zone) }
	err := db.Update(func(tx *Tx) error {
		a := &Task{CellID: 1, What: "Việc A", AssigneeID: 7, Due: day(10), State: TaskOpen}
		b := &Task{CellID: 2, What: "Việc B", AssigneeID: 7, Due: day(12), State: TaskOpen}
		c := &Task{CellID: 1, What: "Việc C", Due: day(20), State: TaskOpen} // the cell committee
		for _, task := range []*Task{a, b, c} {
			if err := tx.PutTask(task); err != nil {
				return err
			}
		}
		if err := tx.PutTask(&Task{CellID: 1, What: "", Due: day(1), State: TaskOpen}); err == nil {
			t.Error("a task without text was stored")
		}
		a.AssigneeID, a.State = 8, TaskDone
		if err := tx.PutTask(a); err != nil {
			return err
		}
		if ts, _ := tx.MemberTasks(7); len(ts) != 1 || ts[0].ID != b.ID {
			t.Errorf("member 7's tasks: %+v", ts)
		}
		if ts, _ := tx.MemberTasks(8); len(ts) != 1 || ts[0].ID != a.ID || ts[0].State != TaskDone {
			t.Errorf("member 8's tasks: %+v", ts)
		}
		if ts, _ := tx.OpenTasksDue(day(1), day(15)); len(ts) != 1 || ts[0].ID != b.ID {
			t.Errorf("open tasks due by the 15th: %+v", ts)
		}
		if ts, _ := tx.CellTasks(1); len(ts) != 2 || ts[0].ID != a.ID || ts[1].ID != c.ID {
			t.Errorf("cell 1's tasks: %+v", ts)
		}
		if !c.Overdue(day(21)) || c.Overdue(day(20).Add(23*time.Hour)) {
			t.Error("a task is overdue from the day after its last day")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
