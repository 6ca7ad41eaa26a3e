package meetings

import (
	"chibo/flows/core"
	"chibo/storage"
	"time"
)

// store is what the meetings journey asks of storage: meetings, their
// settings and codes, rolls and attendance (of the cell and of residence
// meetings), the quality template, the year's dues states, and the cell's
// members. What it asks of the core (c.Profile, c.Audit …) and of other
// journeys through hooks is theirs to declare.
//
// *storage.Tx implements it; a method is added here when this package starts
// to call it, so that this list says what meetings touches. Calls run inside
// the caller's transaction; errors are storage's (storage.ErrNotFound …),
// returned as they come.
type store interface {
	// Party dues (storage/dues.go).
	DuesStatesOfYear(memberID uint64, year int) ([]storage.Dues, error)

	// Rolls and attendance marks (storage/marks.go).
	Attendance(meetingID uint64, memberID uint64) (*storage.Attendance, error)
	LoadAttendance(m *storage.Meeting, memberID uint64) error
	LoadRoll(m *storage.Meeting) error
	PutAttendance(meetingID uint64, memberID uint64, a *storage.Attendance) error

	// Meetings and their records (storage/meetings.go).
	HasThematic(cellID uint64, from time.Time, to time.Time) bool
	Meeting(id uint64) (*storage.Meeting, error)
	MeetingByCode(code string) (*storage.Meeting, error)
	MeetingHeader(id uint64) (*storage.Meeting, error)
	MeetingSettings(cellID uint64) (*storage.MeetingSettings, error)
	Meetings(cellID uint64) ([]storage.Meeting, error)
	MeetingsFrom(cellID uint64, from time.Time) ([]storage.Meeting, error)
	MeetingsIn(cellID uint64, from time.Time, to time.Time) ([]storage.Meeting, error)
	PutMeeting(m *storage.Meeting) error
	PutMeetingSettings(s *storage.MeetingSettings) error
	QualityTemplate(orgID uint64) (*storage.QualityTemplate, error)
	RegularMeeting(cellID uint64, month string) (*storage.Meeting, error)

	// Far-away party groups and their contact meetings (storage/fargroups.go).
	OrgFarGroups(orgID uint64) ([]storage.FarGroup, error)

	// Erasure and scrubbing (storage/privacy.go).
	AllResidenceAttendance(memberID uint64) ([]storage.ResidenceAttendance, error)

	// Regulation 213: residence links, forms and comments (storage/residence.go).
	IsResidenceCell(cellID uint64) bool
	MemberResidenceAttendance(memberID uint64, from time.Time, to time.Time) ([]storage.ResidenceAttendance, error)
	PutResidenceAttendance(a *storage.ResidenceAttendance) error
	ResidenceAttendance(meetingID uint64, memberID uint64) (*storage.ResidenceAttendance, error)
	ResidenceAttendanceOf(meetingID uint64) ([]storage.ResidenceAttendance, error)
	ResidenceLink(memberID uint64) (*storage.ResidenceLink, error)

	// Organizations, cells, members, invites (storage/tx.go).
	Cell(id uint64) (*storage.Cell, error)
	Member(id uint64) (*storage.Member, error)
	Members(cellID uint64) ([]storage.Member, error)
}

var _ store = (*storage.Tx)(nil)

// db is the event's transaction, seen as the meetings journey's store.
func db(c *core.Ctx) store { return c.Tx }
