package meetings

import (
	"chibo/flows/core"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// A member linked to a residence cell (Regulation 213) sees its meetings in
// /meeting and /attendance beside their home cell's, each apart: the
// residence record never counts in the home cell's attendance.

// residenceNext shows the member's next meeting at their residence cell,
// with their answer and the buttons to answer; false when there is none.
func residenceNext(c *core.Ctx) (bool, error) {
	recs, err := db(c).MemberResidenceAttendance(c.Me.ID, c.Now.Add(-6*time.Hour), c.Now.AddDate(1, 0, 0))
	if err != nil {
		return false, err
	}
	slices.SortFunc(recs, func(a, b storage.ResidenceAttendance) int { return a.At.Compare(b.At) })
	for i := range recs {
		a := &recs[i]
		mt, err := db(c).MeetingHeader(a.MeetingID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if !mt.Active() || mt.At.Before(c.Now.Add(-6*time.Hour)) {
			continue
		}
		cell, err := db(c).Cell(mt.CellID)
		if err != nil {
			return false, err
		}
		var buttons [][]chat.Button
		if c.Now.Before(mt.At) {
			buttons = [][]chat.Button{{core.ActionButton(c.T("res.btn_attend"), codeResidenceRSVP, fmt.Sprintf("%d:y", mt.ID)), core.ActionButton(c.T("res.btn_cannot"), codeResidenceRSVP, fmt.Sprintf("%d:n", mt.ID))}}
		}
		c.Reply(c.T("res.meeting_view", "Cell", cell.Name, "Notice", noticeText(c, mt, cell), "State", residenceState(c, a)), buttons...)
		return true, nil
	}
	return false, nil
}

// residenceYear is the member's year at their residence cell: each meeting
// they were told of, with their answer or mark; empty when there is none.
func residenceYear(c *core.Ctx, m *storage.Member, year int) (string, error) {
	zone := c.Zone()
	from := time.Date(year, 1, 1, 0, 0, 0, 0, zone)
	recs, err := db(c).MemberResidenceAttendance(m.ID, from, from.AddDate(1, 0, 0))
	if err != nil || len(recs) == 0 {
		return "", err
	}
	slices.SortFunc(recs, func(a, b storage.ResidenceAttendance) int { return a.At.Compare(b.At) })
	var b strings.Builder
	cellID, present, held := uint64(0), 0, 0
	for i := range recs {
		a := &recs[i]
		mt, err := db(c).MeetingHeader(a.MeetingID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		cell, err := db(c).Cell(mt.CellID)
		if err != nil {
			return "", err
		}
		if cell.ID != cellID { // a header for each residence cell (a member may move)
			cellID = cell.ID
			b.WriteString("\n\n")
			b.WriteString(c.T("res.att_header", "Cell", cell.Name, "Year", year))
		}
		state := residenceState(c, a)
		if mt.State == storage.MeetingCancelled {
			state = stateName(c, mt.State)
		} else if mt.State == storage.MeetingClosed || a.Mark != storage.MarkNone {
			held++
			if a.Mark == storage.MarkPresent {
				present++
			}
		}
		b.WriteString("\n")
		b.WriteString(c.T("res.att_line", "Date", mt.At.In(c.CellZone(cell)).Format("02/01/2006"), "Kind", c.KindName(mt), "State", state))
	}
	if cellID == 0 {
		return "", nil
	}
	b.WriteString("\n")
	b.WriteString(c.T("res.att_total", "Present", present, "Held", held))
	return b.String(), nil
}
