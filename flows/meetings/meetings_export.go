package meetings

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/export"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

func exportAttendance(c *core.Ctx, cell *storage.Cell, req core.ExportRequest) ([]chat.Document, error) {
	t := c.Tr()
	a, err := AttendanceYear(c, cell, req.Year)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("diem-danh-%d-%s", req.Year, export.Slug(cell.Name))
	if req.Format == core.FormatCSV {
		return []chat.Document{{Name: base + ".csv", MIME: export.MIMECSV, Data: export.AttendanceCSV(t, a)}}, nil
	}
	data, err := export.AttendanceXLSX(t, a)
	if err != nil {
		return nil, err
	}
	return []chat.Document{{Name: base + ".xlsx", MIME: export.MIMEXLSX, Data: data}}, nil
}

func exportRoll(c *core.Ctx, cell *storage.Cell, req core.ExportRequest) ([]chat.Document, error) {
	r, err := rollOf(c, cell, req.Meeting)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("diem-danh-%s-%s", r.Meeting.At.Format("2006-01-02"), export.Slug(cell.Name))
	return core.TableFiles(c, req, base, export.RollTable(c.Tr(), r))
}

func exportQuality(c *core.Ctx, cell *storage.Cell, req core.ExportRequest) ([]chat.Document, error) {
	q, err := qualityYear(c, cell, req.Year)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("chat-luong-%d-%s", req.Year, export.Slug(cell.Name))
	return core.TableFiles(c, req, base, export.QualityTable(c.Tr(), q))
}

// drawYearChart is the cell's attendance chart of a year.
func drawYearChart(c *core.Ctx, d *chat.Drawing) ([]byte, error) {
	cell, err := db(c).Cell(d.CellID)
	if err != nil {
		return nil, fmt.Errorf("chart of cell %d: %w", d.CellID, err)
	}
	a, err := AttendanceYear(c, cell, d.Year)
	if err != nil {
		return nil, err
	}
	return export.AttendanceChart(c.Tr(), a)
}

// meetingMark is a member's mark at one closed meeting; none when they
// were not on the list. The books, the chart and /attendance all use it.
func MeetingMark(m *storage.Member, mt *storage.Meeting) export.Mark {
	st, on := StateOf(m, mt)
	if !on {
		return export.MarkNone
	}
	switch st {
	case RsPresent:
		return export.MarkPresent
	case RsExcused:
		return export.MarkExcused
	case RsExempt:
		return export.MarkExempt
	case RsExemptPresent:
		return export.MarkExemptPresent
	}
	return export.MarkUnexcused
}

// exportMeeting is a closed meeting's column: its stored counts.
func exportMeeting(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) (export.Meeting, error) {
	n, err := tallyOf(c, mt, cell)
	if err != nil {
		return export.Meeting{}, err
	}
	return export.Meeting{At: mt.At.In(c.CellZone(cell)), Kind: c.KindName(mt), Topic: topicOf(c, mt), Exempt: n.Exempt, ExemptPresent: n.ExemptPresent,
		Present: n.Present, Excused: n.Excused, Unexcused: n.Unexcused, Amended: len(mt.Amendments) > 0}, nil
}

// attendanceYear is the cell's year meeting by meeting, with the months
// whose regular meeting was cancelled and not held: the one tally that the
// chat's year, the workbook, the CSV and the chart all show.
func AttendanceYear(c *core.Ctx, cell *storage.Cell, year int) (*export.AttendanceYear, error) {
	y, err := YearRecord(c, cell, year)
	if err != nil {
		return nil, err
	}
	return attendanceOf(c, cell, y)
}

// attendanceOf is AttendanceYear of a year already read with its rolls.
func attendanceOf(c *core.Ctx, cell *storage.Cell, y *yearRec) (*export.AttendanceYear, error) {
	year := y.year
	ms, err := yearMembers(c, cell, y)
	if err != nil {
		return nil, err
	}
	notHeld, err := monthsNotHeld(c, cell, y)
	if err != nil {
		return nil, err
	}
	a := &export.AttendanceYear{Cell: cell.Name, Year: year, Made: c.Now.In(y.zone)}
	var cols []*storage.Meeting // nil: a month not held
	i := 0
	for mo := 1; mo <= 12; mo++ {
		for ; i < len(y.meetings) && y.month(&y.meetings[i]) == mo; i++ {
			x, err := exportMeeting(c, &y.meetings[i], cell)
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
		row := export.MemberYear{Name: c.MemberName(&ms[i]), Marks: make([]export.Mark, len(cols))}
		listed := false
		for j, mt := range cols {
			if mt != nil {
				row.Marks[j] = MeetingMark(&ms[i], mt)
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
func yearMembers(c *core.Ctx, cell *storage.Cell, y *yearRec) ([]storage.Member, error) {
	ms, err := db(c).Members(cell.ID)
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
			m, err := db(c).Member(id)
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
func rollOf(c *core.Ctx, cell *storage.Cell, id uint64) (*export.Roll, error) {
	ms, err := db(c).Meetings(cell.ID)
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
		return nil, &core.ErrExport{MsgID: "exp.no_meeting"}
	}
	if err := db(c).LoadRoll(mt); err != nil {
		return nil, err
	}
	zone := c.CellZone(cell)
	cellMembers, err := db(c).Members(cell.ID)
	if err != nil {
		return nil, err
	}
	em, err := exportMeeting(c, mt, cell)
	if err != nil {
		return nil, err
	}
	r := &export.Roll{Cell: cell.Name, Made: c.Now.In(zone), Meeting: em}
	for i := range cellMembers {
		m := &cellMembers[i]
		a, ok := mt.Roll[m.ID]
		st, on := StateOf(m, mt)
		if !ok || !on {
			continue
		}
		d, err := members.DuesOf(c.Tx, m.ID, meetingDuesMonth(c, mt, cell))
		if err != nil {
			return nil, err
		}
		l := export.RollLine{Name: c.MemberName(m), State: rollStateName(c, st), Dues: members.DuesExportText(c, d), Mark: MeetingMark(m, mt)}
		switch a.RSVP {
		case storage.RSVPYes:
			l.Answer = c.T("exp.answer_yes")
		case storage.RSVPNo:
			l.Answer = c.T("exp.answer_no")
		}
		if a.Reason != "" {
			l.Reason = ReasonText(c, a)
		}
		if a.Excuse != storage.ExcuseNone {
			l.Decision = c.ExcuseName(a.Excuse)
		}
		if a.Mark != storage.MarkNone && a.MarkVia != "close" {
			l.MarkedAt = a.MarkedAt.In(zone)
		}
		r.Lines = append(r.Lines, l)
	}
	return r, nil
}

func qualityYear(c *core.Ctx, cell *storage.Cell, year int) (*export.QualityYear, error) {
	y, err := yearHeaders(c, cell, year)
	if err != nil {
		return nil, err
	}
	secs, err := template(c, cell)
	if err != nil {
		return nil, err
	}
	q := &export.QualityYear{Cell: cell.Name, Year: year, Made: c.Now.In(y.zone)}
	for _, s := range secs {
		q.Sections = append(q.Sections, export.QualitySection{Name: SectionName(c, s), Max: s.Max})
	}
	for i := range y.meetings {
		mt := &y.meetings[i]
		l := export.QualityLine{At: mt.At.In(y.zone), Kind: c.KindName(mt)}
		if mt.Score != nil {
			for _, s := range secs {
				l.Points = append(l.Points, mt.Score.Points[s.ID])
			}
		}
		q.Lines = append(q.Lines, l)
	}
	q.Verdict = TallyVerdict(c, cell, y)
	return q, nil
}

// attachChart puts the year's attendance chart, in r's language, on the
// last message queued. It is drawn when the message is delivered.
func attachChart(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, r *core.Ctx) {
	if len(c.Out) == 0 {
		return
	}
	year := mt.At.In(c.CellZone(cell)).Year()
	c.Out[len(c.Out)-1].Document = &chat.Document{
		Name: yearChartName(year, cell),
		MIME: export.MIMEPNG,
		Draw: &chat.Drawing{Kind: chat.DrawYearChart, CellID: cell.ID, Year: year, Lang: r.Lang},
	}
}

func yearChartName(year int, cell *storage.Cell) string {
	return fmt.Sprintf("ty-le-du-hop-%d-%s.png", year, export.Slug(cell.Name))
}
