package flows

import (
	"chibo/flows/export"
	"chibo/storage"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

func exportAttendance(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	t := c.tr()
	a, err := c.attendanceYear(cell, req.Year)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("diem-danh-%d-%s", req.Year, export.Slug(cell.Name))
	if req.Format == FormatCSV {
		return []Document{{Name: base + ".csv", MIME: export.MIMECSV, Data: export.AttendanceCSV(t, a)}}, nil
	}
	data, err := export.AttendanceXLSX(t, a)
	if err != nil {
		return nil, err
	}
	return []Document{{Name: base + ".xlsx", MIME: export.MIMEXLSX, Data: data}}, nil
}

func exportRoll(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	r, err := c.rollOf(cell, req.Meeting)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("diem-danh-%s-%s", r.Meeting.At.Format("2006-01-02"), export.Slug(cell.Name))
	return TableFiles(c, req, base, export.RollTable(c.tr(), r))
}

func exportQuality(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	q, err := c.qualityYear(cell, req.Year)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("chat-luong-%d-%s", req.Year, export.Slug(cell.Name))
	return TableFiles(c, req, base, export.QualityTable(c.tr(), q))
}

// drawYearChart is the cell's attendance chart of a year.
func drawYearChart(c *Ctx, d *Drawing) ([]byte, error) {
	cell, err := c.Tx.Cell(d.CellID)
	if err != nil {
		return nil, fmt.Errorf("chart of cell %d: %w", d.CellID, err)
	}
	a, err := c.attendanceYear(cell, d.Year)
	if err != nil {
		return nil, err
	}
	return export.AttendanceChart(c.tr(), a)
}

// meetingMark is a member's mark at one closed meeting; none when they
// were not on the list. The books, the chart and /attendance all use it.
func meetingMark(m *storage.Member, mt *storage.Meeting) export.Mark {
	st, on := stateOf(m, mt)
	if !on {
		return export.MarkNone
	}
	switch st {
	case rsPresent:
		return export.MarkPresent
	case rsExcused:
		return export.MarkExcused
	case rsExempt:
		return export.MarkExempt
	case rsExemptPresent:
		return export.MarkExemptPresent
	}
	return export.MarkUnexcused
}

// exportMeeting is a closed meeting's column: its stored counts.
func (c *Ctx) exportMeeting(mt *storage.Meeting, cell *storage.Cell) (export.Meeting, error) {
	n, err := c.tallyOf(mt, cell)
	if err != nil {
		return export.Meeting{}, err
	}
	return export.Meeting{At: mt.At.In(c.cellZone(cell)), Kind: c.kindName(mt), Topic: c.topicOf(mt), Exempt: n.Exempt, ExemptPresent: n.ExemptPresent,
		Present: n.Present, Excused: n.Excused, Unexcused: n.Unexcused, Amended: len(mt.Amendments) > 0}, nil
}

// attendanceYear is the cell's year meeting by meeting, with the months
// whose regular meeting was cancelled and not held: the one tally that the
// chat's year, the workbook, the CSV and the chart all show.
func (c *Ctx) attendanceYear(cell *storage.Cell, year int) (*export.AttendanceYear, error) {
	y, err := c.yearRecord(cell, year)
	if err != nil {
		return nil, err
	}
	ms, err := c.yearMembers(cell, y)
	if err != nil {
		return nil, err
	}
	notHeld, err := c.monthsNotHeld(cell, y)
	if err != nil {
		return nil, err
	}
	a := &export.AttendanceYear{Cell: cell.Name, Year: year, Made: c.Now.In(y.zone)}
	var cols []*storage.Meeting // nil: a month not held
	i := 0
	for mo := 1; mo <= 12; mo++ {
		for ; i < len(y.meetings) && y.month(&y.meetings[i]) == mo; i++ {
			x, err := c.exportMeeting(&y.meetings[i], cell)
			if err != nil {
				return nil, err
			}
			a.Meetings, cols = append(a.Meetings, x), append(cols, &y.meetings[i])
		}
		if notHeld[mo] {
			a.Meetings = append(a.Meetings, export.Meeting{At: time.Date(year, time.Month(mo), 1, 0, 0, 0, 0, y.zone), Kind: c.T("close.not_held"), NotHeld: true})
			cols = append(cols, nil)
		}
	}
	for i := range ms {
		row := export.MemberYear{Name: c.memberName(&ms[i]), Marks: make([]export.Mark, len(cols))}
		listed := false
		for j, mt := range cols {
			if mt != nil {
				row.Marks[j] = meetingMark(&ms[i], mt)
			}
			listed = listed || row.Marks[j] != export.MarkNone
		}
		if listed {
			a.Members = append(a.Members, row)
		}
	}
	return a, nil
}

// yearMembers are the cell's members and those who were on the list at one
// of the year's meetings and have left since (an official transfer): the
// year keeps their record where it was made.
func (c *Ctx) yearMembers(cell *storage.Cell, y *yearRec) ([]storage.Member, error) {
	ms, err := c.Tx.Members(cell.ID)
	if err != nil {
		return nil, err
	}
	seen := map[uint64]bool{}
	for i := range ms {
		seen[ms[i].ID] = true
	}
	for i := range y.meetings {
		for _, id := range slices.Sorted(maps.Keys(y.meetings[i].Roll)) {
			a := y.meetings[i].Roll[id]
			if seen[id] || a.Outcome == "" || a.Outcome == storage.OutcomeNotExpected {
				continue
			}
			seen[id] = true
			m, err := c.Tx.Member(id)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			ms = append(ms, *m)
		}
	}
	return ms, nil
}

// rollOf is a closed meeting's roll; id 0 means the cell's last closed one.
func (c *Ctx) rollOf(cell *storage.Cell, id uint64) (*export.Roll, error) {
	ms, err := c.Tx.Meetings(cell.ID)
	if err != nil {
		return nil, err
	}
	var mt *storage.Meeting
	for i := range ms {
		if ms[i].State == storage.MeetingClosed && (id == 0 || ms[i].ID == id) {
			mt = &ms[i]
		}
	}
	if mt == nil {
		return nil, &ErrExport{MsgID: "exp.no_meeting"}
	}
	zone := c.cellZone(cell)
	members, err := c.Tx.Members(cell.ID)
	if err != nil {
		return nil, err
	}
	em, err := c.exportMeeting(mt, cell)
	if err != nil {
		return nil, err
	}
	r := &export.Roll{Cell: cell.Name, Made: c.Now.In(zone), Meeting: em}
	for i := range members {
		m := &members[i]
		a, ok := mt.Roll[m.ID]
		st, on := stateOf(m, mt)
		if !ok || !on {
			continue
		}
		d, err := duesOf(c.Tx, m.ID, c.meetingDuesMonth(mt, cell))
		if err != nil {
			return nil, err
		}
		l := export.RollLine{Name: c.memberName(m), State: c.rollStateName(st), Dues: c.duesExportText(d), Mark: meetingMark(m, mt)}
		switch a.RSVP {
		case storage.RSVPYes:
			l.Answer = c.T("exp.answer_yes")
		case storage.RSVPNo:
			l.Answer = c.T("exp.answer_no")
		}
		if a.Reason != "" {
			l.Reason = c.reasonText(a)
		}
		if a.Excuse != storage.ExcuseNone {
			l.Decision = c.excuseName(a.Excuse)
		}
		if a.Mark != storage.MarkNone && a.MarkVia != "close" {
			l.MarkedAt = a.MarkedAt.In(zone)
		}
		r.Lines = append(r.Lines, l)
	}
	return r, nil
}

func (c *Ctx) qualityYear(cell *storage.Cell, year int) (*export.QualityYear, error) {
	y, err := c.yearRecord(cell, year)
	if err != nil {
		return nil, err
	}
	secs, err := c.template(cell)
	if err != nil {
		return nil, err
	}
	q := &export.QualityYear{Cell: cell.Name, Year: year, Made: c.Now.In(y.zone)}
	for _, s := range secs {
		q.Sections = append(q.Sections, export.QualitySection{Name: c.sectionName(s), Max: s.Max})
	}
	for i := range y.meetings {
		mt := &y.meetings[i]
		l := export.QualityLine{At: mt.At.In(y.zone), Kind: c.kindName(mt)}
		if mt.Score != nil {
			for _, s := range secs {
				l.Points = append(l.Points, mt.Score.Points[s.ID])
			}
		}
		q.Lines = append(q.Lines, l)
	}
	q.Verdict = c.tallyVerdict(cell, y)
	return q, nil
}

// attachChart puts the year's attendance chart, in r's language, on the
// last message queued. It is drawn when the message is delivered.
func (c *Ctx) attachChart(mt *storage.Meeting, cell *storage.Cell, r *Ctx) {
	if len(c.out) == 0 {
		return
	}
	year := mt.At.In(c.cellZone(cell)).Year()
	c.out[len(c.out)-1].Document = &Document{
		Name: yearChartName(year, cell),
		MIME: export.MIMEPNG,
		Draw: &Drawing{Kind: DrawYearChart, CellID: cell.ID, Year: year, Lang: r.Lang},
	}
}

func yearChartName(year int, cell *storage.Cell) string {
	return fmt.Sprintf("ty-le-du-hop-%d-%s.png", year, export.Slug(cell.Name))
}
