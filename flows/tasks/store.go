package tasks

import (
	"chibo/flows/core"
	"chibo/storage"
)

// store is what the tasks journey asks of storage: tasks by cell and by
// member, and the meetings, cells and members they belong to. What it asks
// of the core (c.Profile, c.Audit …) and of other journeys through hooks is
// theirs to declare.
//
// *storage.Tx implements it; a method is added here when this package starts
// to call it, so that this list says what tasks touches. Calls run inside
// the caller's transaction; errors are storage's (storage.ErrNotFound …),
// returned as they come.
type store interface {
	// Meetings and their records (storage/meetings.go).
	Meeting(id uint64) (*storage.Meeting, error)

	// Tasks (storage/tasks.go).
	CellTasks(cellID uint64) ([]storage.Task, error)
	MemberTasks(memberID uint64) ([]storage.Task, error)
	PutTask(t *storage.Task) error
	Task(cellID uint64, id uint64) (*storage.Task, error)

	// Organizations, cells, members, invites (storage/tx.go).
	Cell(id uint64) (*storage.Cell, error)
	Member(id uint64) (*storage.Member, error)
	Members(cellID uint64) ([]storage.Member, error)
}

var _ store = (*storage.Tx)(nil)

// db is the event's transaction, seen as the tasks journey's store.
func db(c *core.Ctx) store { return c.Tx }
