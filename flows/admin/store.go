package admin

import (
	"chibo/flows/core"
	"chibo/storage"
)

// store is what the admin journey asks of storage: cells and organizations
// for /newcell and the settings files, meetings for /export, and the audit
// log for /audit. What it asks of the core (c.Profile, c.Audit …) and of
// other journeys through hooks is theirs to declare.
//
// *storage.Tx implements it; a method is added here when this package starts
// to call it, so that this list says what admin touches. Calls run inside
// the caller's transaction; errors are storage's (storage.ErrNotFound …),
// returned as they come.
type store interface {
	// The audit log (storage/audit.go).
	AuditLog(limit int, keep func(*storage.AuditEntry) bool) ([]storage.AuditEntry, error)

	// Meetings and their records (storage/meetings.go).
	Meeting(id uint64) (*storage.Meeting, error)
	Meetings(cellID uint64) ([]storage.Meeting, error)

	// Organizations, cells, members, invites (storage/tx.go).
	Cell(id uint64) (*storage.Cell, error)
	Cells() ([]storage.Cell, error)
	Org(id uint64) (*storage.Organization, error)
	PutCell(c *storage.Cell) error
}

var _ store = (*storage.Tx)(nil)

// db is the event's transaction, seen as the admin journey's store.
func db(c *core.Ctx) store { return c.Tx }
