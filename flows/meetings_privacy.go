package flows

import "chibo/storage"

func (c *Ctx) myMeetings(m *storage.Member) ([]string, error) {
	var lines []string
	if m.HomeCellID != 0 {
		cell, err := c.Tx.Cell(m.HomeCellID)
		if err != nil {
			return nil, err
		}
		mts, err := c.Tx.Meetings(m.HomeCellID)
		if err != nil {
			return nil, err
		}
		for i := range mts {
			mt := &mts[i]
			a, ok := mt.Roll[m.ID]
			if !ok {
				continue
			}
			st, _ := stateOf(m, mt)
			line := c.T("privacy.meeting_line", "When", c.when(mt.At, cell), "Kind", c.kindName(mt), "State", c.rollStateName(st))
			if a.Reason != "" {
				line += " " + c.T("privacy.meeting_reason", "Reason", c.reasonName(a.Reason), "Text", a.ReasonText, "Excuse", c.excuseName(a.Excuse))
			}
			lines = append(lines, line)
		}
	}
	recs, err := c.Tx.AllResidenceAttendance(m.ID)
	if err != nil {
		return nil, err
	}
	for i := range recs {
		cell, err := c.Tx.Cell(recs[i].CellID)
		if err != nil {
			continue
		}
		lines = append(lines, c.T("privacy.residence_meeting_line", "When", c.when(recs[i].At, cell), "Cell", cell.Name, "State", c.residenceState(&recs[i])))
	}
	return lines, nil
}

// forgetMeetings keeps m's marks and excuse decisions but drops
// their reasons for absence (health and family reasons are sensitive).
func forgetMeetings(c *Ctx, m *storage.Member) error {
	if m.HomeCellID == 0 {
		return nil
	}
	mts, err := c.Tx.Meetings(m.HomeCellID)
	if err != nil {
		return err
	}
	for i := range mts {
		a, ok := mts[i].Roll[m.ID]
		if !ok || (a.Reason == "" && a.ReasonText == "") {
			continue
		}
		a.Reason, a.ReasonText = "", ""
		if err := c.Tx.PutMeeting(&mts[i]); err != nil {
			return err
		}
	}
	return nil
}
