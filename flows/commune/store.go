package commune

import (
	"chibo/flows/core"
	"chibo/storage"
)

// store is what the commune journey asks of storage: the commune's roles,
// briefings and their settings, the organization's cells and members, and
// the meetings it reviews. What it asks of the core (c.Profile, c.Audit …)
// and of other journeys through hooks is theirs to declare.
//
// *storage.Tx implements it; a method is added here when this package starts
// to call it, so that this list says what commune touches. Calls run inside
// the caller's transaction; errors are storage's (storage.ErrNotFound …),
// returned as they come.
type store interface {
	// The commune's roles, briefings and cells by organization (storage/commune.go).
	Briefing(orgID uint64, id uint64) (*storage.Briefing, error)
	BriefingSettingsOf(orgID uint64) (*storage.BriefingSettings, error)
	Briefings(orgID uint64) ([]storage.Briefing, error)
	CommuneOrgsOf(memberID uint64) []uint64
	CommuneRoles(orgID uint64) ([]storage.CommuneRole, error)
	OrgCellIDs(orgID uint64) []uint64
	FirstOrgCellID(orgID uint64) (uint64, bool)
	OrgCells(orgID uint64) ([]storage.Cell, error)
	PutBriefing(b *storage.Briefing) error
	PutBriefingSettings(s *storage.BriefingSettings) error
	PutCommuneRole(r *storage.CommuneRole) error

	// Meetings and their records (storage/meetings.go).
	Meeting(id uint64) (*storage.Meeting, error)
	PutMeeting(m *storage.Meeting) error

	// Leaders and role holders (storage/menus.go).
	CellLeaders(cellID uint64) ([]storage.Member, error)

	// Finding members by name (storage/names.go).
	OrgMembersNamed(orgID uint64, query string, limit int) ([]storage.Member, int, error)

	// Organizations, cells, members, invites (storage/tx.go).
	Cell(id uint64) (*storage.Cell, error)
	Member(id uint64) (*storage.Member, error)
	Members(cellID uint64) ([]storage.Member, error)
	Org(id uint64) (*storage.Organization, error)

	// The year's rating: its rules and the committee's decisions (storage/rating.go).
	RatingRulesOf(orgID uint64) (*storage.RatingRules, error)
	CellRatingOf(orgID uint64, year int, cellID uint64) (*storage.CellRating, error)
	PutCellRating(r *storage.CellRating) error
}

var _ store = (*storage.Tx)(nil)

// db is the event's transaction, seen as the commune journey's store.
func db(c *core.Ctx) store { return c.Tx }
