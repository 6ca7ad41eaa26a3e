package faraway

import (
	"chibo/flows/core"
	"chibo/storage"
)

// store is what the faraway journey asks of storage: far-away members'
// requests and records, check-ins with their templates, settings and
// periods, far-away groups and the groups leaders lead, and the outbox keys
// that say a reminder already went. What it asks of the core (c.Profile,
// c.Audit …) and of other journeys through hooks is theirs to declare.
//
// *storage.Tx implements it; a method is added here when this package starts
// to call it, so that this list says what faraway touches. Calls run inside
// the caller's transaction; errors are storage's (storage.ErrNotFound …),
// returned as they come.
type store interface {
	// Far-away members' check-ins and their settings (storage/checkins.go).
	Checkin(memberID uint64, period string) (*storage.Checkin, error)
	CheckinSettings(cellID uint64) (storage.CheckinSettings, error)
	CheckinTemplate(orgID uint64) (*storage.CheckinTemplate, error)
	Checkins(memberID uint64) ([]storage.Checkin, error)
	DeleteCheckinsBefore(cellID uint64, period string, limit int) (int, error)
	DeleteFarAway(memberID uint64) error
	FarAway(memberID uint64) (*storage.FarAway, error)
	FarAwayRequest(memberID uint64) (*storage.FarAwayRequest, error)
	PutCheckin(c *storage.Checkin) error
	PutCheckinSettings(cellID uint64, s storage.CheckinSettings) error
	PutFarAway(f *storage.FarAway) error
	PutFarAwayRequest(r *storage.FarAwayRequest) error

	// Far-away groups (storage/fargroups.go).
	FarGroup(id uint64) (*storage.FarGroup, error)
	FarGroupOf(memberID uint64) (*storage.FarGroup, error)
	LedFarGroups(memberID uint64) ([]storage.FarGroup, error)
	OrgFarGroups(orgID uint64) ([]storage.FarGroup, error)
	PutFarGroup(g *storage.FarGroup) error

	// Chat groups (storage/groups.go).
	LedGroups(memberID uint64) ([]storage.Group, error)

	// The outbox (storage/outbox.go).
	OutboxKeyUsed(key string) bool

	// Check-in periods (storage/periods.go).
	HasCheckin(memberID uint64, period string) bool
	HasPeriodMembers(cellID uint64) bool
	PeriodMembers(cellID uint64) ([]storage.Member, error)

	// Organizations, cells, members, invites (storage/tx.go).
	Cell(id uint64) (*storage.Cell, error)
	CellIDsAfter(after uint64, limit int) []uint64
	Cells() ([]storage.Cell, error)
	Group(id uint64) (*storage.Group, error)
	Groups(cellID uint64) ([]storage.Group, error)
	Member(id uint64) (*storage.Member, error)
	Members(cellID uint64) ([]storage.Member, error)
	Org(id uint64) (*storage.Organization, error)
	PutMember(m *storage.Member) error
}

var _ store = (*storage.Tx)(nil)

// db is the event's transaction, seen as the faraway journey's store.
func db(c *core.Ctx) store { return c.Tx }
