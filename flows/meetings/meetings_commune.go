package meetings

import (
	"errors"

	"chibo/flows/core"
	"chibo/storage"
)

// What the commune's view (issue 17) reads of a cell's meetings: the same
// tallies, rates and bands the cell's own views show, computed here.

func registerCommuneHooks(e *core.Engine) {
	e.CellFigures("meetings", meetingFigures)
	e.OnMeetingSummary(SummaryText)
}

// meetingFigures fills the meetings part of a cell's figures: the month's
// regular meeting and the year's closed meetings, from their stored tallies.
func meetingFigures(c *core.Ctx, cell *storage.Cell, f *core.CellFigures) error {
	mt, err := db(c).RegularMeeting(cell.ID, f.Month.String())
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return err
	default:
		f.MeetingID, f.MonthState, f.MonthAt = mt.ID, mt.State, mt.At
		if !mt.HeldFrom.IsZero() {
			f.MonthAt = mt.HeldFrom
		}
		if mt.State == storage.MeetingClosed {
			n, err := tallyOf(c, mt, cell)
			if err != nil {
				return err
			}
			f.MonthPresent, f.MonthExpected, f.MonthRateOK = n.Present, n.Expected(), n.RateOK
			f.MonthRate, f.MonthRated = rateOf(n)
			if mt.Score != nil {
				f.MonthScore = mt.Score.Total()
				f.MonthBandID = gradeID(f.MonthScore)
			}
		}
	}
	y, err := briefYear(c, cell, f.Month.Y)
	if err != nil {
		return err
	}
	if f.YearContacts, err = yearContacts(c, cell, f.Month, y.zone); err != nil {
		return err
	}
	held := map[int]bool{}
	for i := range y.meetings {
		mt := &y.meetings[i]
		if y.month(mt) > int(f.Month.M) {
			continue // the overview of a past month shows the year up to it
		}
		n, err := tallyOf(c, mt, cell)
		if err != nil {
			return err
		}
		f.YearClosed++
		f.YearPresent += n.Present
		f.YearExpected += n.Expected()
		if n.RateOK {
			f.YearRateOK++
		}
		if mt.Score != nil {
			f.YearScored++
			if mt.Score.Total() >= 90 {
				f.YearGood++
			}
		}
		if mt.Kind == storage.MeetingRegular {
			held[y.month(mt)] = true
		}
		f.LastClosedID, f.LastBandID = mt.ID, ""
		if mt.Score != nil {
			f.LastBandID = gradeID(mt.Score.Total())
		}
	}
	// The months owed a meeting: from the cell's first month on chibo.
	first := 1
	if created := cell.Created.In(y.zone); created.Year() == f.Month.Y {
		first = int(created.Month())
	}
	f.YearHeld, f.YearMonths = len(held), max(int(f.Month.M)-first+1, 0)
	flagged, err := art8Flagged(c, cell, y)
	f.Flagged = flagged
	return err
}

// art8Flagged are the members the year's flags ask the cell to consider
// (three months or more of unexcused absence or of dues unpaid without a
// reason, Charter art. 8.1): the "flag_consider" lines of the secretary's
// year view.
func art8Flagged(c *core.Ctx, cell *storage.Cell, y *yearRec) ([]uint64, error) {
	ms, err := yearMembers(c, cell, y)
	if err != nil {
		return nil, err
	}
	dues, tracked, err := yearDues(c, y, ms)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for i := range ms {
		m := &ms[i]
		unpaid, _, _ := y.unpaidMonths(m, dues[m.ID], tracked)
		if len(y.unexcusedMonths(m.ID)) >= 3 || len(unpaid) >= 3 {
			out = append(out, m.ID)
		}
	}
	return out, nil
}

// noticeGuests sends the notice to the cell's guests (the committee members
// who follow it) not notified yet, and reports how many got it.
func noticeGuests(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) (int, error) {
	gs, err := c.NoticeGuests(cell, mt.At)
	if err != nil {
		return 0, err
	}
	sent := 0
	for i := range gs {
		g := &gs[i]
		if g.HomeCellID == cell.ID {
			continue // on the list: notified as a member
		}
		rec := mt.Guest(g.ID)
		if !rec.Notified.IsZero() {
			continue
		}
		r := c.ReaderOf(g)
		if c.SendTo(g, "commune.notice_to_guest", "Notice", noticeText(r, mt, cell), "Cell", cell.Name) {
			rec.Notified = c.Now
			sent++
		}
	}
	mt.Guests = notifiedGuests(mt.Guests)
	return sent, nil
}

// notifiedGuests drops guest records made for someone who could not be
// reached and has not checked in.
func notifiedGuests(gs []storage.Guest) []storage.Guest {
	out := gs[:0]
	for _, g := range gs {
		if !g.Notified.IsZero() || !g.CheckedIn.IsZero() {
			out = append(out, g)
		}
	}
	return out
}

// guestsOf lists the meeting's notified guests, for a change or a
// cancellation.
func guestsOf(c *core.Ctx, mt *storage.Meeting) []*storage.Member {
	var out []*storage.Member
	for _, g := range mt.Guests {
		if g.Notified.IsZero() {
			continue
		}
		if m, err := db(c).Member(g.MemberID); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// guestCheckin records a guest of the cell's meeting as attending: shown to
// the cell, never on its roll nor in its rate. ok is false when the caller
// is no guest of the meeting's cell.
func guestCheckin(c *core.Ctx, mt *storage.Meeting) (bool, error) {
	cell, err := db(c).Cell(mt.CellID)
	if err != nil {
		return false, err
	}
	ok, err := c.IsNoticeGuest(cell, c.Me, mt.At)
	if !ok || err != nil {
		return false, err
	}
	g := mt.Guest(c.Me.ID)
	if !g.CheckedIn.IsZero() {
		c.Say("mt.code_already", "When", when(c, mt.At, cell))
		return true, nil
	}
	g.CheckedIn = c.Now
	if err := db(c).PutMeeting(mt); err != nil {
		return false, err
	}
	c.Say("commune.guest_checked_in", "Cell", cell.Name, "When", when(c, mt.At, cell))
	return true, nil
}

// guestLine says which guests checked in, for the summary.
func guestLine(c *core.Ctx, mt *storage.Meeting) string {
	var names []string
	for _, g := range mt.Guests {
		if g.CheckedIn.IsZero() {
			continue
		}
		names = append(names, c.PersonName(g.MemberID))
	}
	if len(names) == 0 {
		return ""
	}
	return c.N("commune.summary_guests", len(names), "Names", joinNames(names))
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// briefYear is the cell's year as the figures read it: the closed
// meetings' headers through the index by time, each with its compact roll
// (storage's marks, schema 7: the roll's times no longer cost a read).
func briefYear(c *core.Ctx, cell *storage.Cell, year int) (*yearRec, error) {
	return YearRecord(c, cell, year)
}
