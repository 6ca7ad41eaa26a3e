package meetings

import (
	"chibo/flows/core"
	"chibo/storage"
	"errors"
)

func myMeetings(c *core.Ctx, m *storage.Member) ([]string, error) {
	var lines []string
	if m.HomeCellID != 0 {
		cell, err := db(c).Cell(m.HomeCellID)
		if err != nil {
			return nil, err
		}
		mts, err := db(c).Meetings(m.HomeCellID)
		if err != nil {
			return nil, err
		}
		for i := range mts {
			mt := &mts[i]
			if err := db(c).LoadAttendance(mt, m.ID); err != nil {
				return nil, err
			}
			a, ok := mt.Roll[m.ID]
			if !ok {
				continue
			}
			st, _ := StateOf(m, mt)
			line := c.T("privacy.meeting_line", "When", when(c, mt.At, cell), "Kind", c.KindName(mt), "State", rollStateName(c, st))
			if a.Reason != "" {
				line += " " + c.T("privacy.meeting_reason", "Reason", reasonName(c, a.Reason), "Text", a.ReasonText, "Excuse", c.ExcuseName(a.Excuse))
			}
			lines = append(lines, line)
		}
	}
	recs, err := db(c).AllResidenceAttendance(m.ID)
	if err != nil {
		return nil, err
	}
	for i := range recs {
		cell, err := db(c).Cell(recs[i].CellID)
		if err != nil {
			continue
		}
		lines = append(lines, c.T("privacy.residence_meeting_line", "When", when(c, recs[i].At, cell), "Cell", cell.Name, "State", residenceState(c, &recs[i])))
	}
	return lines, nil
}

// forgetMeetings keeps m's marks and excuse decisions but drops
// their reasons for absence (health and family reasons are sensitive).
func forgetMeetings(c *core.Ctx, m *storage.Member) error {
	if m.HomeCellID == 0 {
		return nil
	}
	mts, err := db(c).Meetings(m.HomeCellID)
	if err != nil {
		return err
	}
	for i := range mts {
		a, err := db(c).Attendance(mts[i].ID, m.ID)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && a.Reason == "" && a.ReasonText == "") {
			continue
		}
		if err != nil {
			return err
		}
		a.Reason, a.ReasonText = "", ""
		if err := db(c).PutAttendance(mts[i].ID, m.ID, a); err != nil {
			return err
		}
	}
	return nil
}
