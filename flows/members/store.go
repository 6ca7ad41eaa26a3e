package members

import (
	"chibo/flows/core"
	"chibo/storage"
)

// store is what the members journey asks of storage: who is who:
// organizations, cells and members, contacts and refusals, invites and their
// codes, chat groups and their leaders, dues, and the audit entries it
// appends itself. What it asks of the core (c.Profile, c.Audit …) and of
// other journeys through hooks is theirs to declare.
//
// *storage.Tx implements it; a method is added here when this package starts
// to call it, so that this list says what members touches. Calls run inside
// the caller's transaction; errors are storage's (storage.ErrNotFound …),
// returned as they come.
type store interface {
	// The audit log (storage/audit.go).
	AppendAudit(e *storage.AuditEntry) error

	// Far-away members' check-ins and their settings (storage/checkins.go).
	CheckinSettings(cellID uint64) (storage.CheckinSettings, error)

	// Party dues (storage/dues.go).
	Dues(memberID uint64, month string) (*storage.Dues, error)
	DuesOf(memberID uint64) ([]storage.Dues, error)
	PutDues(d *storage.Dues) error

	// Far-away groups (storage/fargroups.go).
	FarGroupOf(memberID uint64) (*storage.FarGroup, error)

	// Leaders and role holders (storage/menus.go).
	CellLeaders(cellID uint64) ([]storage.Member, error)

	// Finding members by name (storage/names.go).
	MembersNamed(cellID uint64, query string, limit int) ([]storage.Member, int, error)

	// Regulation 213: residence links, forms and comments (storage/residence.go).
	ResidenceLinks(cellID uint64) ([]storage.ResidenceLink, error)

	// Organizations, cells, members, invites (storage/tx.go).
	Cell(id uint64) (*storage.Cell, error)
	Cells() ([]storage.Cell, error)
	Group(id uint64) (*storage.Group, error)
	Invite(token string) (*storage.Invite, error)
	InviteByCode(code string) (*storage.Invite, error)
	Member(id uint64) (*storage.Member, error)
	MemberByContact(transport string, user string) (*storage.Member, error)
	Members(cellID uint64) ([]storage.Member, error)
	Org(id uint64) (*storage.Organization, error)
	PutCell(c *storage.Cell) error
	PutInvite(inv *storage.Invite) error
	PutMember(m *storage.Member) error
	PutRefusal(transport string, user string, r *storage.Refusal) error
}

var _ store = (*storage.Tx)(nil)

// db is the event's transaction, seen as the members journey's store.
func db(c *core.Ctx) store { return c.Tx }
