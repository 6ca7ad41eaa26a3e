package flows

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"chibo/flows/export"
	"chibo/locales"
	"chibo/storage"
)

// Exports: the secretary's books as files (issue 7). /export asks what and
// in which format, then sends the file; `chibo export` makes the same files
// on the command line through Engine.Export.

// What can be exported.
const (
	ExportAttendance = "attendance" // the year's attendance: members × months
	ExportRoll       = "roll"       // one meeting's roll
	ExportCheckins   = "checkins"   // a month of far-away members' check-ins
	ExportComments   = "comments"   // the year's residence comments
	ExportQuality    = "quality"    // the year's meeting quality scores
	ExportAudit      = "audit"      // the cell's audit log: who changed what
)

// Formats of an export.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
	FormatPDF  = "pdf" // residence comments only: one PDF per member
)

// ExportRequest says which file to make.
type ExportRequest struct {
	What    string
	Format  string // empty means xlsx
	CellID  uint64
	Year    int    // zero means the current year
	Month   string // yyyy-mm, for check-ins; empty means the current period
	Meeting uint64 // for a roll; zero means the cell's last closed meeting
	// Leader, when not zero, limits check-ins to the members whose group
	// this member leads (a group leader's export).
	Leader uint64
}

// ErrExport is an export that cannot be made; MsgID says why, in words for
// the reader.
type ErrExport struct {
	MsgID string
	KV    []any
}

func (e *ErrExport) Error() string { return "export: " + e.MsgID }

// Export makes the files of req in lang, as the command line asks them: the
// operator may export any cell. Nothing stored changes.
func (e *Engine) Export(tx *storage.Tx, lang string, req ExportRequest) ([]Document, error) {
	c := &Ctx{e: e, Tx: tx, Now: e.cfg.Now(), Lang: lang}
	cell, err := tx.Cell(req.CellID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &ErrExport{MsgID: "exp.no_cell", KV: []any{"ID", req.CellID}}
	}
	if err != nil {
		return nil, err
	}
	return makeExport(c, cell, req)
}

// tr is the export package's translator in the reader's language.
func (c *Ctx) tr() export.T { return c.T }

func makeExport(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	zone := c.cellZone(cell)
	if req.Year == 0 {
		req.Year = c.Now.In(zone).Year()
	}
	if req.Format == "" {
		req.Format = FormatXLSX
	}
	if req.Format != FormatXLSX && req.Format != FormatCSV && !(req.Format == FormatPDF && req.What == ExportComments) {
		return nil, &ErrExport{MsgID: "exp.bad_format"}
	}
	f, ok := c.e.exportOf(req.What)
	if !ok {
		return nil, &ErrExport{MsgID: "exp.bad_what"}
	}
	return f(c, cell, req)
}

// TableFiles is one table (and more sheets) as the file req asks: CSV of
// the first, or an Excel workbook of all, named base.
func TableFiles(c *Ctx, req ExportRequest, base string, tb *export.Table, extra ...*export.Table) ([]Document, error) {
	t := c.tr()
	if req.Format == FormatCSV {
		return []Document{{Name: base + ".csv", MIME: export.MIMECSV, Data: export.TableCSV(t, tb)}}, nil
	}
	data, err := export.Workbook(t, append([]*export.Table{tb}, extra...)...)
	if err != nil {
		return nil, err
	}
	return []Document{{Name: base + ".xlsx", MIME: export.MIMEXLSX, Data: data}}, nil
}

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

func exportCheckins(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	m, err := c.checkinMonth(cell, req.Month, req.Leader)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("bao-cao-%s-%s", strings.ReplaceAll(m.Month, "/", "-"), export.Slug(cell.Name))
	return TableFiles(c, req, base, export.CheckinTable(c.tr(), m))
}

func exportCommentFiles(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	if req.Format == FormatPDF {
		return c.commentPDFs(cell, req.Year)
	}
	y, err := c.commentYear(cell, req.Year)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("phieu-nhan-xet-%d-%s", req.Year, export.Slug(cell.Name))
	return TableFiles(c, req, base, export.CommentTable(c.tr(), y))
}

func exportQuality(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	q, err := c.qualityYear(cell, req.Year)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("chat-luong-%d-%s", req.Year, export.Slug(cell.Name))
	return TableFiles(c, req, base, export.QualityTable(c.tr(), q))
}

func exportAudit(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	tb, err := c.auditTable(cell)
	if err != nil {
		return nil, err
	}
	return TableFiles(c, req, fmt.Sprintf("nhat-ky-%s", export.Slug(cell.Name)), tb)
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

// checkinMonth is a month of check-ins of the cell's far-away members; a
// leader other than 0 keeps the members of the groups they lead.
func (c *Ctx) checkinMonth(cell *storage.Cell, month string, leader uint64) (*export.CheckinMonth, error) {
	r, err := ckRulesOf(c, cell)
	if err != nil {
		return nil, err
	}
	p := r.current(c.Now)
	if month != "" {
		q, ok := parsePeriod(month)
		if !ok {
			return nil, &ErrExport{MsgID: "exp.bad_month"}
		}
		p = q
	}
	form, err := ckFormOf(c.Tx, cell)
	if err != nil {
		return nil, err
	}
	ms, err := c.Tx.Members(cell.ID)
	if err != nil {
		return nil, err
	}
	out := &export.CheckinMonth{Cell: cell.Name, Month: p.label(), Made: c.Now.In(r.zone)}
	for _, f := range form.Fields {
		out.Fields = append(out.Fields, c.fieldLabel(f, p.String()))
	}
	for i := range ms {
		m := &ms[i]
		if leader != 0 && ckGroupLeader(c.Tx, m) != leader {
			continue
		}
		ck, err := c.Tx.Checkin(m.ID, p.String())
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		if ck == nil && !r.expected(m, p, c.Now) {
			continue
		}
		l := export.CheckinLine{Name: c.memberName(m), State: c.T("exp.ck_missing")}
		if g, err := c.Tx.Group(m.GroupID); err == nil {
			l.Group = g.Name
		}
		if ck != nil {
			l.Done, l.At, l.State = true, ck.At.In(r.zone), c.T("exp.ck_done")
			if ck.Late {
				l.State = c.T("exp.ck_late")
			}
			for _, f := range form.Fields {
				l.Answers = append(l.Answers, c.answerText(f, ck.Answers[f.Key]))
			}
		}
		out.Lines = append(out.Lines, l)
	}
	return out, nil
}

// yearComments are the comments the residence cell gave for the year.
func (c *Ctx) yearComments(cell *storage.Cell, year int) ([]*storage.ResidenceComment, []storage.Member, error) {
	links, err := linkedMembers(c.Tx, cell.ID, "")
	if err != nil {
		return nil, nil, err
	}
	var cms []*storage.ResidenceComment
	var ms []storage.Member
	for _, lm := range links {
		cm, err := c.Tx.ResidenceComment(lm.m.ID, year)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && cm.CellID != cell.ID) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		cms, ms = append(cms, cm), append(ms, lm.m)
	}
	return cms, ms, nil
}

func (c *Ctx) commentYear(cell *storage.Cell, year int) (*export.CommentYear, error) {
	cms, ms, err := c.yearComments(cell, year)
	if err != nil {
		return nil, err
	}
	y := &export.CommentYear{Cell: cell.Name, Year: year, Made: c.Now.In(c.cellZone(cell))}
	// The columns are the fields of every form used, in the order met.
	var keys []string
	for _, cm := range cms {
		for _, f := range cm.Form.Fields {
			if !slices.Contains(keys, f.Key) {
				keys = append(keys, f.Key)
				y.Fields = append(y.Fields, c.resFieldLabel(f))
			}
		}
	}
	for i, cm := range cms {
		l := export.CommentLine{Name: ms[i].Name, At: cm.At.In(c.cellZone(cell))}
		if lk, err := c.Tx.ResidenceLink(ms[i].ID); err == nil {
			l.Workplace, l.WorkplaceOrg, l.Home = lk.Workplace, lk.WorkplaceOrg, c.homeLabel(&ms[i], lk)
		}
		if b, err := c.Tx.Member(cm.By); err == nil {
			l.By = b.Name
		}
		for _, k := range keys {
			v := ""
			for _, f := range cm.Form.Fields {
				if f.Key == k {
					v = c.resAnswerText(&cm.Form, f, cm.Answers[k])
				}
			}
			l.Answers = append(l.Answers, v)
		}
		y.Lines = append(y.Lines, l)
	}
	return y, nil
}

// commentDoc is a comment as the printable form: the PDF.
func (c *Ctx) commentDoc(cm *storage.ResidenceComment, m *storage.Member) (*Document, error) {
	data, err := export.CommentPDF(c.tr(), c.commentForm(cm, m))
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("phieu-nhan-xet-%d-%s.pdf", cm.Year, export.Slug(m.Name))
	return &Document{Name: name, MIME: export.MIMEPDF, Data: data}, nil
}

// commentForm is what the printed form says: the official form's heading,
// the member, the cells by name and the fields, nothing of chibo's own.
func (c *Ctx) commentForm(cm *storage.ResidenceComment, m *storage.Member) *export.Comment {
	d := &export.Comment{Year: cm.Year, Member: m.Name, At: cm.At.In(c.Zone()), Role: c.T("role.secretary")}
	if rc, err := c.Tx.Cell(cm.CellID); err == nil {
		d.Cell, d.At = rc.Name, cm.At.In(c.cellZone(rc))
		if o, err := c.Tx.Org(rc.OrgID); err == nil {
			d.Org = o.Name
		}
	}
	if l, err := c.Tx.ResidenceLink(m.ID); err == nil {
		d.Workplace, d.WorkplaceOrg, d.Home = l.Workplace, l.WorkplaceOrg, c.homeLabel(m, l)
	}
	if b, err := c.Tx.Member(cm.By); err == nil {
		d.By = b.Name
		if !b.HasRole(cm.CellID, storage.RoleSecretary) {
			d.Role = c.T("role.deputy")
		}
	}
	// The official form carries the fields only: chibo's figures are in it
	// when the secretary took them as the free comment.
	for _, f := range cm.Form.Fields {
		v := c.resAnswerText(&cm.Form, f, cm.Answers[f.Key])
		d.Fields = append(d.Fields, export.Field{Label: c.resFieldLabel(f), Value: v})
	}
	return d
}

func (c *Ctx) commentPDFs(cell *storage.Cell, year int) ([]Document, error) {
	cms, ms, err := c.yearComments(cell, year)
	if err != nil {
		return nil, err
	}
	if len(cms) == 0 {
		return nil, &ErrExport{MsgID: "exp.no_comments", KV: []any{"Year", year}}
	}
	var out []Document
	for i := range cms {
		d, err := c.commentDoc(cms[i], &ms[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
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

// ---- the chart after a meeting closes ----

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

// Draw draws d.Draw into d.Data from the records in tx.
func (e *Engine) Draw(tx *storage.Tx, d *Document) error {
	if d.Draw == nil {
		return nil
	}
	lang := d.Draw.Lang
	if !locales.Supported(lang) {
		lang = e.cfg.DefaultLang
	}
	c := &Ctx{e: e, Tx: tx, Now: e.cfg.Now(), Lang: lang}
	png, err := e.draw(c, d.Draw)
	if err != nil {
		return err
	}
	d.Data, d.Draw = png, nil
	return nil
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

// ---- /export ----

func (e *Engine) registerExport() {
	e.command(&Command{Name: "export", Need: NeedGroupLeader, PrivateOnly: true, HelpID: "exp.help", MenuID: "exp.menu", Run: runExport})
	e.register(&Flow{Name: "export", Need: NeedGroupLeader, Steps: map[string]Step{
		"what":    {Ask: askExportWhat, Answer: answerExportWhat},
		"meeting": {Ask: askExportMeeting, Answer: answerExportMeeting},
		"month":   {Ask: askExportMonth, Answer: answerExportMonth},
		"format":  {Ask: askExportFormat, Answer: answerExportFormat},
	}})
}

// exportCell is the cell an export is of: the first cell the caller leads,
// else (a group leader) their home cell.
func exportCell(c *Ctx) (*storage.Cell, bool, error) {
	if led := c.Me.LedCells(); len(led) > 0 {
		id := led[0]
		if c.Me.Leads(c.Me.HomeCellID) {
			id = c.Me.HomeCellID
		}
		cell, err := c.Tx.Cell(id)
		return cell, true, err
	}
	cell, err := c.Tx.Cell(c.Me.HomeCellID)
	return cell, false, err
}

func runExport(c *Ctx, args string) error {
	cell, _, err := exportCell(c)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.leaders_only")
		return nil
	}
	if err != nil {
		return err
	}
	return c.Start("export", "what", map[string]string{"cell": fmt.Sprint(cell.ID), "year": fmt.Sprint(yearArg(c, args))})
}

// exportCtx reads the conversation's cell and year and whether the caller
// still leads the cell (a group leader exports their members' check-ins).
func exportCtx(c *Ctx) (*storage.Cell, int, bool, error) {
	id, _ := strconv.ParseUint(c.Data()["cell"], 10, 64)
	year, _ := strconv.Atoi(c.Data()["year"])
	cell, err := c.Tx.Cell(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, 0, false, invalid("err.stale_button")
	}
	if err != nil {
		return nil, 0, false, err
	}
	if c.Me.Leads(cell.ID) {
		return cell, year, true, nil
	}
	if c.Me.HomeCellID == cell.ID && leadsGroup(c.Tx, c.Me) {
		return cell, year, false, nil
	}
	return nil, 0, false, invalid("err.leaders_only")
}

func askExportWhat(c *Ctx) error {
	cell, year, leads, err := exportCtx(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	opts := []Opt{{Label: c.T("exp.what_checkins"), Value: ExportCheckins}}
	if leads {
		opts = []Opt{{Label: c.T("exp.what_attendance", "Year", year), Value: ExportAttendance}, {Label: c.T("exp.what_roll"), Value: ExportRoll},
			opts[0], {Label: c.T("exp.what_comments", "Year", year), Value: ExportComments}, {Label: c.T("exp.what_quality", "Year", year), Value: ExportQuality},
			{Label: c.T("exp.what_audit"), Value: ExportAudit}}
	}
	c.Ask(c.T("exp.ask_what", "Cell", cell.Name), 1, opts...)
	return nil
}

func answerExportWhat(c *Ctx, in Input) (string, error) {
	_, _, leads, err := exportCtx(c)
	if err != nil {
		return "", err
	}
	switch in.Choice {
	case ExportCheckins:
		c.Data()["what"] = in.Choice
		return "month", nil
	case ExportAttendance, ExportComments, ExportQuality, ExportRoll, ExportAudit:
		if !leads {
			return "", invalid("err.choose_option")
		}
		c.Data()["what"] = in.Choice
		if in.Choice == ExportRoll {
			return "meeting", nil
		}
		return "format", nil
	}
	return "", invalid("err.choose_option")
}

// maxExportMeetings is how many recent meetings the roll export offers.
const maxExportMeetings = 6

func askExportMeeting(c *Ctx) error {
	cell, _, _, err := exportCtx(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	ms, err := c.Tx.Meetings(cell.ID)
	if err != nil {
		return err
	}
	var opts []Opt
	for i := len(ms) - 1; i >= 0 && len(opts) < maxExportMeetings; i-- {
		if ms[i].State == storage.MeetingClosed {
			opts = append(opts, Opt{Label: c.T("exp.meeting_label", "Date", ms[i].At.In(c.cellZone(cell)).Format("02/01/2006"), "Kind", c.kindName(&ms[i])), Value: fmt.Sprint(ms[i].ID)})
		}
	}
	if len(opts) == 0 {
		c.Say("exp.no_meeting")
		c.End()
		return nil
	}
	c.Ask(c.T("exp.ask_meeting"), 1, opts...)
	return nil
}

func answerExportMeeting(c *Ctx, in Input) (string, error) {
	cell, _, _, err := exportCtx(c)
	if err != nil {
		return "", err
	}
	id, err := strconv.ParseUint(in.Choice, 10, 64)
	if err != nil {
		return "", invalid("err.choose_option")
	}
	if mt, err := c.Tx.Meeting(id); err != nil || mt.CellID != cell.ID {
		return "", invalid("err.choose_option")
	}
	c.Data()["meeting"] = in.Choice
	return "format", nil
}

func askExportMonth(c *Ctx) error {
	cell, _, _, err := exportCtx(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	r, err := ckRulesOf(c, cell)
	if err != nil {
		return err
	}
	p := r.current(c.Now)
	c.Ask(c.T("exp.ask_month"), 2, Opt{Label: p.label(), Value: p.String()}, Opt{Label: p.add(-1).label(), Value: p.add(-1).String()})
	return nil
}

func answerExportMonth(c *Ctx, in Input) (string, error) {
	v := in.Choice
	if v == "" { // typed as on the button, mm/yyyy
		if mo, y, ok := strings.Cut(in.Text, "/"); ok {
			v = y + "-" + mo
		}
	}
	if _, ok := parsePeriod(v); !ok {
		return "", invalid("err.choose_option")
	}
	c.Data()["month"] = v
	return "format", nil
}

func askExportFormat(c *Ctx) error {
	opts := []Opt{{Label: c.T("exp.format_xlsx"), Value: FormatXLSX}, {Label: c.T("exp.format_csv"), Value: FormatCSV}}
	if c.Data()["what"] == ExportComments {
		opts = append(opts, Opt{Label: c.T("exp.format_pdf"), Value: FormatPDF})
	}
	c.Ask(c.T("exp.ask_format"), 2, opts...)
	return nil
}

func answerExportFormat(c *Ctx, in Input) (string, error) {
	cell, year, leads, err := exportCtx(c)
	if err != nil {
		return "", err
	}
	f := in.Choice
	if f == "" {
		f = FoldForSearch(in.Text)
	}
	switch f {
	case FormatXLSX, "excel":
		f = FormatXLSX
	case FormatCSV:
	case FormatPDF:
		if c.Data()["what"] != ExportComments {
			return "", invalid("err.choose_option")
		}
	default:
		return "", invalid("err.choose_option")
	}
	req := ExportRequest{What: c.Data()["what"], Format: f, CellID: cell.ID, Year: year, Month: c.Data()["month"]}
	req.Meeting, _ = strconv.ParseUint(c.Data()["meeting"], 10, 64)
	if !leads {
		req.Leader = c.Me.ID
	}
	docs, err := makeExport(c, cell, req)
	var ee *ErrExport
	if errors.As(err, &ee) {
		c.Say(ee.MsgID, ee.KV...)
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if err := c.Audit("export_made", cell.ID, 0, nil, map[string]any{"what": req.What, "format": req.Format, "year": req.Year,
		"month": req.Month, "meeting": req.Meeting, "files": len(docs)}); err != nil {
		return "", err
	}
	for i := range docs {
		c.Emit(Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.meID(),
			Text: c.T("exp.caption", "Name", docs[i].Name, "Cell", cell.Name), Document: &docs[i]})
	}
	return "", nil
}

// attachCommentPDF puts the comment's PDF, in r's language, on the last
// message queued in c (the member's copy, or the secretary's note that it
// was sent).
func (r *Ctx) attachCommentPDF(c *Ctx, cm *storage.ResidenceComment, m *storage.Member) error {
	if len(c.out) == 0 {
		return nil
	}
	d, err := r.commentDoc(cm, m)
	if err != nil {
		return err
	}
	c.out[len(c.out)-1].Document = d
	return nil
}
