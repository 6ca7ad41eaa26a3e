package residence

import (
	"chibo/flows/core"
	"chibo/storage"
	"time"
)

// store is what the residence journey asks of storage: Regulation 213 links
// and refusals, comments and reports, the residence template and settings,
// residence cells and attendance, finding members and cells by name, and the
// outbox keys of its reminders. What it asks of the core (c.Profile, c.Audit
// …) and of other journeys through hooks is theirs to declare.
//
// *storage.Tx implements it; a method is added here when this package starts
// to call it, so that this list says what residence touches. Calls run
// inside the caller's transaction; errors are storage's (storage.ErrNotFound
// …), returned as they come.
type store interface {
	// Meetings and their records (storage/meetings.go).
	MeetingSettings(cellID uint64) (*storage.MeetingSettings, error)

	// Finding members by name (storage/names.go).
	CellsNamed(query string, limit int) ([]storage.Cell, int, error)
	OrgMembersNamed(orgID uint64, query string, limit int) ([]storage.Member, int, error)

	// The outbox (storage/outbox.go).
	OutboxKeyUsed(key string) bool

	// Erasure and scrubbing (storage/privacy.go).
	ReplaceResidenceComment(c *storage.ResidenceComment) error
	ResidenceComments(memberID uint64) ([]storage.ResidenceComment, error)

	// Regulation 213: residence links, forms and comments (storage/residence.go).
	AddResidenceComment(c *storage.ResidenceComment) error
	AddResidenceReport(r *storage.ResidenceReport) error
	DeleteResidenceRefusal(memberID uint64) error
	IsResidenceCell(cellID uint64) bool
	MemberResidenceAttendance(memberID uint64, from time.Time, to time.Time) ([]storage.ResidenceAttendance, error)
	PutResidenceLink(l *storage.ResidenceLink) error
	RefuseResidenceLink(memberID uint64, by uint64, at time.Time) error
	ResidenceComment(memberID uint64, year int) (*storage.ResidenceComment, error)
	ResidenceLink(memberID uint64) (*storage.ResidenceLink, error)
	ResidenceLinks(cellID uint64) ([]storage.ResidenceLink, error)
	ResidenceRefusal(memberID uint64) (*storage.ResidenceRefusal, error)
	ResidenceReports(memberID uint64, year int) ([]storage.ResidenceReport, error)
	ResidenceSettings(cellID uint64) (storage.ResidenceSettings, error)
	ResidenceTemplate(orgID uint64) (*storage.ResidenceTemplate, error)

	// Organizations, cells, members, invites (storage/tx.go).
	Cell(id uint64) (*storage.Cell, error)
	CellIDsAfter(after uint64, limit int) []uint64
	Member(id uint64) (*storage.Member, error)
	Members(cellID uint64) ([]storage.Member, error)
	Org(id uint64) (*storage.Organization, error)
	Orgs() ([]storage.Organization, error)
}

var _ store = (*storage.Tx)(nil)

// db is the event's transaction, seen as the residence journey's store.
func db(c *core.Ctx) store { return c.Tx }
