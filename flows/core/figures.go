package core

import (
	"time"

	"chibo/storage"
)

// The commune's view (issue 17) reads what each journey keeps of a cell
// through these hooks, so that the overview shows the very figures the
// cell's own views show, computed once by the journey that owns them.

// CellFigures are the figures of one cell that the commune's overview shows
// for a month and its year. Each part is filled by the journey that owns the
// records (Engine.CellFigures); chibo gathers figures and never rates.
type CellFigures struct {
	Month Period // the month shown; its year is the year shown

	// Meetings (the meetings journey): the month's regular meeting.
	MonthState    storage.MeetingState // "" when none was planned
	MonthAt       time.Time            // when it was (or is to be) held
	MonthPresent  int                  // from its closed tally
	MonthExpected int
	MonthRate     float64 // percent; MonthRated false when nobody was expected or not closed
	MonthRated    bool
	MonthRateOK   bool   // above 85 % as judged at closing
	MonthBandID   string // the quality band's message id; "" when not scored
	MonthScore    int
	// The year: regular meetings held out of the months gone, the closed
	// meetings' counts, and their quality bands.
	YearHeld     int
	YearMonths   int
	YearPresent  int
	YearExpected int
	YearRateOK   int // closed meetings above 85 %
	YearClosed   int
	YearGood     int // meetings scored Tốt
	YearScored   int
	Flagged      []uint64 // members whom the cell should consider under Charter art. 8 this year
	MeetingID    uint64   // the month's regular meeting, 0 when none
	LastClosedID uint64   // the latest closed meeting of the year, 0 when none
	LastBandID   string   // its quality band's message id; "" when not scored
	// YearContacts counts the members' far-group contact meetings of the
	// year (up to the month shown) that count under the online pilot; they
	// are shown beside the meetings' tallies, never in them.
	YearContacts int

	// Far-away members (the check-in journey), for the month shown (this
	// month: the current check-in period).
	FarAway, Reported, Late, Silent int
	// The monthly reports the cell's far-away members owed over the year,
	// up to the month shown, and those they gave.
	YearCheckinsOwed, YearCheckinsGiven int

	// Residence comments (the residence journey), for the year.
	CommentsOwed, CommentsReceived int

	// Secretary says whether the cell has a secretary on chibo.
	Secretary bool

	// Extra are figures of sources registered later (e.g. "tasks_overdue"),
	// by source name; the overview shows a column only for a registered
	// source.
	Extra map[string]int
}

// FigureFunc fills its journey's part of f for cell.
type FigureFunc func(c *Ctx, cell *storage.Cell, f *CellFigures) error

type figureSource struct {
	name string
	f    FigureFunc
}

// CellFigures registers a journey's part of a cell's figures.
func (e *Engine) CellFigures(name string, f FigureFunc) {
	for _, s := range e.Hooks.figures {
		if s.name == name {
			panic("flows: duplicate figures " + name)
		}
	}
	e.Hooks.figures = append(e.Hooks.figures, figureSource{name, f})
}

// HasFigures reports whether a source of figures is registered.
func (e *Engine) HasFigures(name string) bool {
	for _, s := range e.Hooks.figures {
		if s.name == name {
			return true
		}
	}
	return false
}

// FiguresOf gathers cell's figures for month from every journey.
func (c *Ctx) FiguresOf(cell *storage.Cell, month Period) (*CellFigures, error) {
	f := &CellFigures{Month: month, Extra: map[string]int{}}
	for _, s := range c.E.Hooks.figures {
		if err := s.f(c, cell, f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// GuestsFunc lists members who are not on a cell's list but get its meeting
// notices as guests at t (the committee member who follows the cell).
type GuestsFunc func(c *Ctx, cell *storage.Cell, t time.Time) ([]storage.Member, error)

// OnNoticeGuests registers who gets a cell's notices as guests.
func (e *Engine) OnNoticeGuests(f GuestsFunc) { e.Hooks.guests = append(e.Hooks.guests, f) }

// NoticeGuests lists the cell's guests at t, each once.
func (c *Ctx) NoticeGuests(cell *storage.Cell, t time.Time) ([]storage.Member, error) {
	var out []storage.Member
	seen := map[uint64]bool{}
	for _, f := range c.E.Hooks.guests {
		ms, err := f(c, cell, t)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if !seen[m.ID] {
				seen[m.ID] = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// IsNoticeGuest reports whether m is a guest of the cell's meetings at t.
func (c *Ctx) IsNoticeGuest(cell *storage.Cell, m *storage.Member, t time.Time) (bool, error) {
	gs, err := c.NoticeGuests(cell, t)
	if err != nil {
		return false, err
	}
	for _, g := range gs {
		if g.ID == m.ID {
			return true, nil
		}
	}
	return false, nil
}

// SummaryFunc is a closed meeting's summary in words.
type SummaryFunc func(c *Ctx, mt *storage.Meeting, cell *storage.Cell) (string, error)

// OnMeetingSummary registers how a meeting's summary is put in words.
func (e *Engine) OnMeetingSummary(f SummaryFunc) { e.Hooks.summary = f }

// MeetingSummary is the meeting's summary, "" when no journey writes one.
func (c *Ctx) MeetingSummary(mt *storage.Meeting, cell *storage.Cell) (string, error) {
	if c.E.Hooks.summary == nil {
		return "", nil
	}
	return c.E.Hooks.summary(c, mt, cell)
}

// GroupFigures are one far-away party group's figures on the commune's
// overview (issue 17): its members' check-ins of the current period,
// classed as the cells' boards class them, and over the year the members
// flagged for a silent streak and those kept in contact.
type GroupFigures struct {
	Name, Leader string
	Members      int
	// The current period: reported, reported late, silent.
	Reported, Late, Silent int
	// The year: members whose silent streak reached their cell's flag
	// threshold, and members who checked in or met with the group.
	YearFlagged, YearInContact int
}

// GroupFiguresFunc lists an organization's far groups with their figures
// for the month shown (this month: the current check-in period) and its
// year up to that month.
type GroupFiguresFunc func(c *Ctx, orgID uint64, month Period) ([]GroupFigures, error)

// OnGroupFigures registers who lists the far groups' figures.
func (e *Engine) OnGroupFigures(f GroupFiguresFunc) { e.Hooks.groupFigures = f }

// GroupFiguresOf lists the organization's far groups with their figures,
// none when no journey keeps far groups.
func (c *Ctx) GroupFiguresOf(orgID uint64, month Period) ([]GroupFigures, error) {
	if c.E.Hooks.groupFigures == nil {
		return nil, nil
	}
	return c.E.Hooks.groupFigures(c, orgID, month)
}
