package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/flows/export"
	"chibo/locales"
	"chibo/storage"
)

// yearRec is a cell's closed meetings of one calendar year, in time order.
// Removal risk counts per calendar year (DOMAIN.md §3: "three months in a
// year" does not say consecutive).
type yearRec struct {
	year     int
	zone     *time.Location
	meetings []storage.Meeting
}

// YearRecord is the cell's closed meetings of the year with their rolls.
func YearRecord(c *core.Ctx, cell *storage.Cell, year int) (*yearRec, error) {
	y, err := yearHeaders(c, cell, year)
	if err != nil {
		return nil, err
	}
	for i := range y.meetings {
		if err := c.Tx.LoadRoll(&y.meetings[i]); err != nil {
			return nil, err
		}
	}
	return y, nil
}

// yearHeaders is the cell's closed meetings of the year without their
// rolls (read through the index of the cell's meetings by time): for the
// views that show scores, or one member's marks (yearRec.loadMember).
func yearHeaders(c *core.Ctx, cell *storage.Cell, year int) (*yearRec, error) {
	zone := c.CellZone(cell)
	from := time.Date(year, 1, 1, 0, 0, 0, 0, zone)
	ms, err := c.Tx.MeetingsIn(cell.ID, from, from.AddDate(1, 0, 0))
	if err != nil {
		return nil, err
	}
	y := &yearRec{year: year, zone: zone}
	for _, mt := range ms {
		if mt.State == storage.MeetingClosed && mt.At.In(zone).Year() == year {
			y.meetings = append(y.meetings, mt)
		}
	}
	return y, nil
}

// loadMember reads the member's entries on the year's rolls.
func (y *yearRec) loadMember(c *core.Ctx, memberID uint64) error {
	for i := range y.meetings {
		if err := c.Tx.LoadAttendance(&y.meetings[i], memberID); err != nil {
			return err
		}
	}
	return nil
}

func (y *yearRec) month(mt *storage.Meeting) int { return int(mt.At.In(y.zone).Month()) }

// streaks returns, for members excused more than 3 times in a row this
// year, their longest run (Guide 12-HD/BTCTW criterion 1). Meetings they
// were not expected at neither extend nor break a run.
func (y *yearRec) streaks(ms []storage.Member) map[uint64]int {
	out := map[uint64]int{}
	for _, m := range ms {
		run, best := 0, 0
		for i := range y.meetings {
			a, ok := y.meetings[i].Roll[m.ID]
			if !ok {
				continue
			}
			switch a.Outcome {
			case storage.OutcomeExcused:
				run++
				best = max(best, run)
			case storage.OutcomePresent, storage.OutcomeUnexcused:
				run = 0
			}
		}
		if best > 3 {
			out[m.ID] = best
		}
	}
	return out
}

// unexcusedMonths are the months with an unexcused absence of the member.
func (y *yearRec) unexcusedMonths(id uint64) []int {
	var months []int
	for i := range y.meetings {
		mt := &y.meetings[i]
		if a, ok := mt.Roll[id]; ok && a.Outcome == storage.OutcomeUnexcused {
			if mo := y.month(mt); !slices.Contains(months, mo) {
				months = append(months, mo)
			}
		}
	}
	return months
}

// unpaidMonths reads the member's dues records of the year (never the
// roll's presence): unpaid are the months recorded "not paid" without a
// reason, which count towards Charter art. 8.1 ("không đóng đảng phí ba
// tháng trong năm mà không có lý do chính đáng", khoản 1 Điều 8 Điều lệ
// Đảng); reasoned are the months recorded "not paid" with a reason, shown
// for the cell to judge; unknown are the months in which the cell recorded
// dues for someone and the member owed dues (on the list at a meeting of
// the month, not transferred out) but nothing was recorded for them. A month
// with no answer is neither paid nor unpaid.
func (y *yearRec) unpaidMonths(m *storage.Member, dues []storage.Dues, tracked map[int]bool) (unpaid, reasoned, unknown []int) {
	recorded := map[int]bool{}
	for _, d := range dues {
		p, ok := core.ParsePeriod(d.Month)
		if !ok || p.Y != y.year {
			continue
		}
		mo := int(p.M)
		recorded[mo] = true
		switch {
		case d.State != storage.DuesUnpaid:
		case d.Reason != "":
			reasoned = append(reasoned, mo)
		default:
			unpaid = append(unpaid, mo)
		}
	}
	owed := map[int]bool{}
	for i := range y.meetings {
		mt := &y.meetings[i]
		a, ok := mt.Roll[m.ID]
		if !ok || a.Outcome == storage.OutcomeNotExpected || a.Outcome == "" {
			continue
		}
		if statusOn(m, mt.At) != storage.StatusTransferredOut {
			owed[y.month(mt)] = true
		}
	}
	for mo := 1; mo <= 12; mo++ {
		if tracked[mo] && owed[mo] && !recorded[mo] {
			unknown = append(unknown, mo)
		}
	}
	return unpaid, reasoned, unknown
}

// yearDues loads the dues records of the members for the year's flags, and
// the months in which the cell recorded dues for anyone.
func yearDues(c *core.Ctx, y *yearRec, ms []storage.Member) (map[uint64][]storage.Dues, map[int]bool, error) {
	all := map[uint64][]storage.Dues{}
	tracked := map[int]bool{}
	for i := range ms {
		ds, err := c.Tx.DuesStatesOfYear(ms[i].ID, y.year)
		if err != nil {
			return nil, nil, err
		}
		all[ms[i].ID] = ds
		for _, d := range ds {
			if p, ok := core.ParsePeriod(d.Month); ok && p.Y == y.year {
				tracked[int(p.M)] = true
			}
		}
	}
	return all, tracked, nil
}

func monthList(months []int) string {
	s := make([]string, len(months))
	for i, m := range months {
		s[i] = strconv.Itoa(m)
	}
	return strings.Join(s, ", ")
}

// yearFlags are the private notes for the secretary: long excused runs,
// unexcused absences and unpaid dues with their months. At two months chibo
// says to watch, at three that the cell considers the case (Charter art.
// 8.1); it never decides, and never tells the member.
func yearFlags(c *core.Ctx, y *yearRec, ms []storage.Member) ([]string, error) {
	var out []string
	streaks := y.streaks(ms)
	dues, tracked, err := yearDues(c, y, ms)
	if err != nil {
		return nil, err
	}
	level := func(n int) string {
		switch {
		case n >= 3:
			return " " + c.T("mt.flag_consider")
		case n == 2:
			return " " + c.T("mt.flag_watch")
		}
		return ""
	}
	for i := range ms {
		m := &ms[i]
		if run, ok := streaks[m.ID]; ok {
			out = append(out, c.T("mt.flag_streak", "Name", c.MemberName(m), "Count", run))
		}
		if months := y.unexcusedMonths(m.ID); len(months) > 0 {
			out = append(out, c.N("mt.flag_unexcused", len(months), "Name", c.MemberName(m), "Months", monthList(months))+level(len(months)))
		}
		unpaid, reasoned, unknown := y.unpaidMonths(m, dues[m.ID], tracked)
		if len(unpaid) > 0 {
			out = append(out, c.N("mt.flag_unpaid", len(unpaid), "Name", c.MemberName(m), "Months", monthList(unpaid))+level(len(unpaid)))
		}
		if len(reasoned) > 0 {
			out = append(out, c.N("dues.flag_reasoned", len(reasoned), "Name", c.MemberName(m), "Months", monthList(reasoned)))
		}
		if len(unknown) > 0 {
			out = append(out, c.N("dues.flag_unknown", len(unknown), "Name", c.MemberName(m), "Months", monthList(unknown)))
		}
	}
	return out, nil
}

// ---- /attendance ----

func runAttendance(c *core.Ctx, args string) error {
	cells := c.Me.LedCells()
	switch len(cells) {
	case 0:
		return memberYear(c, c.Me, core.YearArg(c, args))
	case 1:
		cell, err := c.Tx.Cell(cells[0])
		if err != nil {
			return err
		}
		return cellYear(c, cell, core.YearArg(c, args))
	}
	return members.ForLedCell(c, "attendance") // several cells: ask which, this year
}

// actAttendance: "att:me:<year>" shows the caller's own year;
// "att:<cell>:<year>" a led cell's.
func actAttendance(c *core.Ctx, args string) error {
	who, yearS, _ := strings.Cut(args, ":")
	year, err := strconv.Atoi(yearS)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	if who == "me" {
		return memberYear(c, c.Me, year)
	}
	return members.WithLedCell(c, who, func(c *core.Ctx, cell *storage.Cell) error { return cellYear(c, cell, year) })
}

// memberYear is a member's own year: each meeting, their state and dues.
func memberYear(c *core.Ctx, m *storage.Member, year int) error {
	res, err := residenceYear(c, m, year)
	if err != nil {
		return err
	}
	cell, err := c.Tx.Cell(m.HomeCellID)
	if errors.Is(err, storage.ErrNotFound) && res != "" {
		c.Reply(c.T("mt.att_me_header", "Name", m.Name, "Year", year) + res)
		return nil
	}
	if err != nil {
		c.Say("mt.none")
		return nil
	}
	y, err := yearHeaders(c, cell, year)
	if err != nil {
		return err
	}
	if err := y.loadMember(c, m.ID); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(c.T("mt.att_me_header", "Name", m.Name, "Year", year))
	present, expectedN := 0, 0
	for i := range y.meetings {
		mt := &y.meetings[i]
		st, on := StateOf(m, mt)
		if !on {
			continue
		}
		if st != RsExempt && st != RsExemptPresent {
			expectedN++
		}
		if st == RsPresent {
			present++
		}
		d, err := members.DuesOf(c.Tx, m.ID, meetingDuesMonth(c, mt, cell))
		if err != nil {
			return err
		}
		dues := members.DuesRollMark(c, d)
		b.WriteString("\n")
		b.WriteString(c.T("mt.att_me_line", "Date", mt.At.In(y.zone).Format("02/01"), "Kind", c.KindName(mt), "State", rollStateName(c, st), "Dues", dues))
	}
	if expectedN == 0 && len(y.meetings) == 0 {
		b.WriteString("\n")
		b.WriteString(c.T("mt.att_none"))
	} else {
		b.WriteString("\n")
		b.WriteString(c.T("mt.att_me_total", "Present", present, "Expected", expectedN))
	}
	b.WriteString(res)
	c.Reply(b.String())
	return nil
}

// cellYear is the secretary's view of the cell's year: meeting by meeting
// (a month not held shown as such), then each member's marks in the same
// codes as the books, then the private flags. It reads attendanceYear, the
// same tally as the files and the chart.
func cellYear(c *core.Ctx, cell *storage.Cell, year int) error {
	y, err := YearRecord(c, cell, year)
	if err != nil {
		return err
	}
	a, err := attendanceOf(c, cell, y)
	if err != nil {
		return err
	}
	ms, err := c.Tx.Members(cell.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	line := func(s string) {
		b.WriteString("\n")
		b.WriteString(s)
	}
	b.WriteString(c.T("mt.att_cell_header", "Cell", cell.Name, "Year", year))
	if len(a.Meetings) == 0 {
		line(c.T("mt.att_none"))
		c.Reply(b.String(), []chat.Button{core.ActionButton(c.T("mt.btn_my_attendance"), codeAttendance, fmt.Sprintf("me:%d", year))})
		return nil
	}
	for _, x := range a.Meetings {
		line(yearMeetingLine(c, x))
	}
	t := c.Tr()
	line(c.T("close.att_legend", "Present", export.MarkPresent.Code(t), "Excused", export.MarkExcused.Code(t),
		"Unexcused", export.MarkUnexcused.Code(t), "Exempt", export.MarkExempt.Code(t), "ExemptPresent", export.MarkExemptPresent.Code(t),
		"None", c.T("mt.sym_none")))
	for _, row := range a.Members {
		cells := make([]string, len(row.Marks))
		for i, k := range row.Marks {
			cells[i] = k.Code(t)
			if k == export.MarkNone {
				cells[i] = c.T("mt.sym_none")
			}
		}
		line(c.T("mt.att_cell_member", "Name", row.Name, "Months", strings.Join(cells, " ")))
	}
	flags, err := yearFlags(c, y, ms)
	if err != nil {
		return err
	}
	if len(flags) > 0 {
		line(c.T("mt.sum_flags_header", "Year", year))
		for _, f := range flags {
			line(f)
		}
	}
	c.Reply(b.String(), []chat.Button{core.ActionButton(c.T("mt.btn_my_attendance"), codeAttendance, fmt.Sprintf("me:%d", year))})
	return nil
}

// yearMeetingLine is one meeting of the year in chat.
func yearMeetingLine(c *core.Ctx, x export.Meeting) string {
	if x.NotHeld {
		return c.T("close.att_not_held", "Month", int(x.At.Month()))
	}
	var s string
	if r, ok := x.Rate(); ok {
		s = c.T("mt.att_cell_meeting", "Date", x.At.Format("02/01"), "Kind", x.Kind, "Present", x.Present, "Expected", x.Expected(), "Rate", percent(c, r*100))
	} else {
		s = c.T("close.att_meeting_none_expected", "Date", x.At.Format("02/01"), "Kind", x.Kind)
	}
	if x.Amended {
		s += " " + c.T("close.att_amended")
	}
	return s
}

// monthsNotHeld are the months of the year whose regular meeting was
// cancelled and no other regular meeting was held.
func monthsNotHeld(c *core.Ctx, cell *storage.Cell, y *yearRec) (map[int]bool, error) {
	out := map[int]bool{}
	for mo := 1; mo <= 12; mo++ {
		mt, err := c.Tx.RegularMeeting(cell.ID, fmt.Sprintf("%04d-%02d", y.year, mo))
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if mt.State == storage.MeetingCancelled && !y.heldRegular(mo) {
			out[mo] = true
		}
	}
	return out, nil
}

// heldRegular reports whether a regular meeting of the month was held.
func (y *yearRec) heldRegular(mo int) bool {
	for i := range y.meetings {
		if y.meetings[i].Kind == storage.MeetingRegular && y.month(&y.meetings[i]) == mo {
			return true
		}
	}
	return false
}

// monthsWithoutRegular are the months of the year, already over and after
// the cell was created, without a regular meeting held (Charter art. 24.2:
// the cell meets once a month).
func monthsWithoutRegular(c *core.Ctx, cell *storage.Cell, y *yearRec) []int {
	var out []int
	for mo := 1; mo <= 12; mo++ {
		start := time.Date(y.year, time.Month(mo), 1, 0, 0, 0, 0, y.zone)
		end := start.AddDate(0, 1, 0)
		if end.After(c.Now) || !end.After(cell.Created) {
			continue
		}
		if !y.heldRegular(mo) {
			out = append(out, mo)
		}
	}
	return out
}

// ---- meeting quality ----

// defaultTemplate is the 100-point template of an organization without its
// own (DOMAIN.md §3: preparation 15, attendance 20, conduct 45, closing 20;
// the duration part of conduct and the attendance part are scored from
// chibo's records).
var DefaultTemplate = []storage.QualitySection{
	{ID: "prep", Max: 15},
	{ID: "attendance", Max: 20, Auto: "attendance"},
	{ID: "duration", Max: 10, Auto: "duration"},
	{ID: "conduct", Max: 35},
	{ID: "closing", Max: 20},
}

func template(c *core.Ctx, cell *storage.Cell) ([]storage.QualitySection, error) {
	t, err := c.Tx.QualityTemplate(cell.OrgID)
	if err != nil || t == nil {
		return DefaultTemplate, err
	}
	return t.Sections, nil
}

func SectionName(c *core.Ctx, s storage.QualitySection) string {
	if len(s.Label) > 0 {
		return c.PickLabel(s.Label, s.ID)
	}
	switch s.ID {
	case "prep":
		return c.T("mt.sec_prep")
	case "attendance":
		return c.T("mt.sec_attendance")
	case "duration":
		return c.T("mt.sec_duration")
	case "conduct":
		return c.T("mt.sec_conduct")
	case "closing":
		return c.T("mt.sec_closing")
	}
	return c.T("mt.sec_custom", "ID", s.ID)
}

// autoPoints scores a section from the records: attendance by the 85 %
// standard and unexcused absences, duration by the 90/120-minute minimum.
func AutoPoints(s storage.QualitySection, n storage.MeetingTally) int {
	var frac float64
	switch s.Auto {
	case "attendance":
		r, has := rateOf(n)
		switch {
		case !has: // nobody expected: no rate, no points
		case r > 85 && n.Unexcused == 0:
			frac = 1
		case r > 85:
			frac = 0.75
		case r >= 70:
			frac = 0.5
		case r >= 50:
			frac = 0.25
		}
	case "duration":
		switch mins, need := n.Minutes, n.Need; {
		case mins >= need:
			frac = 1
		case mins*3 >= need*2:
			frac = 0.5
		}
	}
	return int(math.Round(frac * float64(s.Max)))
}

// grade names a score: Tốt ≥ 90, Khá ≥ 70, Trung bình ≥ 50, Kém below.
func grade(c *core.Ctx, total int) string { return c.T(gradeID(total)) }

// gradeID is the message id of a score's band.
func gradeID(total int) string {
	switch {
	case total >= 90:
		return "mt.grade_good"
	case total >= 70:
		return "mt.grade_fair"
	case total >= 50:
		return "mt.grade_average"
	}
	return "mt.grade_poor"
}

func manualSections(all []storage.QualitySection) []storage.QualitySection {
	var out []storage.QualitySection
	for _, s := range all {
		if s.Auto == "" {
			out = append(out, s)
		}
	}
	return out
}

// scoreMeeting is the closed meeting of the scoring flow, checked on every step.
func scoreMeeting(c *core.Ctx) (*storage.Meeting, *storage.Cell, []storage.QualitySection, error) {
	id := core.StateOf[scoreState](c).Meeting
	mt, err := c.Tx.Meeting(id)
	if err != nil {
		return nil, nil, nil, core.Invalid("err.stale_button")
	}
	if !c.Me.Leads(mt.CellID) {
		return nil, nil, nil, core.Invalid("err.leaders_only")
	}
	if mt.State != storage.MeetingClosed {
		return nil, nil, nil, core.Invalid("mt.not_closed")
	}
	cell, err := c.Tx.Cell(mt.CellID)
	if err != nil {
		return nil, nil, nil, err
	}
	secs, err := template(c, cell)
	return mt, cell, secs, err
}

func askScoreSection(c *core.Ctx) error {
	_, _, secs, err := scoreMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	manual := manualSections(secs)
	i := core.StateOf[scoreState](c).Index
	if i >= len(manual) {
		c.End()
		return nil
	}
	s := manual[i]
	var opts []core.Opt
	for _, f := range []float64{1, 0.9, 0.8, 0.7, 0.5, 0} {
		p := int(math.Round(f * float64(s.Max)))
		if !slices.ContainsFunc(opts, func(o core.Opt) bool { return o.Value == strconv.Itoa(p) }) {
			opts = append(opts, core.Opt{Label: strconv.Itoa(p), Value: strconv.Itoa(p)})
		}
	}
	c.Ask(c.T("mt.score_ask", "N", i+1, "Of", len(manual), "Section", SectionName(c, s), "Max", s.Max), 3, opts...)
	return nil
}

func answerScoreSection(c *core.Ctx, in core.Input) (core.StepName, error) {
	mt, cell, secs, err := scoreMeeting(c)
	if err != nil {
		return "", err
	}
	manual := manualSections(secs)
	i := core.StateOf[scoreState](c).Index
	if i >= len(manual) {
		return "", nil
	}
	v := in.Choice
	if v == "" {
		v = strings.TrimSpace(in.Text)
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > manual[i].Max {
		return "", core.Invalid("mt.score_bad", "Max", manual[i].Max)
	}
	st := core.StateOf[scoreState](c)
	st.give(manual[i].ID, p)
	if i+1 < len(manual) {
		st.Index = i + 1
		return stepSection, nil
	}
	tally, err := tallyOf(c, mt, cell)
	if err != nil {
		return "", err
	}
	score := &storage.QualityScore{Points: map[string]int{}, By: c.Me.ID, At: c.Now}
	var b strings.Builder
	for _, s := range secs {
		var pts int
		if s.Auto != "" {
			pts = AutoPoints(s, tally)
		} else {
			pts = st.Points[s.ID]
		}
		score.Points[s.ID] = pts
		b.WriteString("\n")
		b.WriteString(c.T("mt.score_line", "Section", SectionName(c, s), "Points", pts, "Max", s.Max))
	}
	prev := mt.Score
	mt.Score = score
	if err := c.Tx.PutMeeting(mt); err != nil {
		return "", err
	}
	if err := c.AuditMeeting("meeting_score", mt, 0, prev, score); err != nil {
		return "", err
	}
	total := score.Total()
	c.Reply(c.T("mt.score_done", "When", when(c, mt.At, cell), "Total", total, "Grade", grade(c, total)) + b.String())
	return "", nil
}

// tallyVerdict is the year's meeting quality in words: Tốt when every
// regular meeting is at least Khá and at least 7 are Tốt (Phú Thọ
// framework); "" without a regular meeting.
func TallyVerdict(c *core.Ctx, cell *storage.Cell, y *yearRec) string {
	good, belowFair, unscored, regular := 0, 0, 0, 0
	for i := range y.meetings {
		mt := &y.meetings[i]
		if mt.Kind != storage.MeetingRegular {
			continue
		}
		regular++
		switch {
		case mt.Score == nil:
			unscored++
		case mt.Score.Total() >= 90:
			good++
		case mt.Score.Total() < 70:
			belowFair++
		}
	}
	missing := monthsWithoutRegular(c, cell, y)
	switch {
	case regular == 0:
		return ""
	case belowFair == 0 && unscored == 0 && good >= 7 && len(missing) == 0:
		return c.T("mt.tally_good", "Good", good, "Count", regular)
	}
	v := c.T("mt.tally_not_good", "Good", good, "Count", regular, "Below", belowFair, "Unscored", unscored)
	if len(missing) > 0 {
		v += "\n" + c.N("close.tally_missing", len(missing), "Months", monthList(missing))
	}
	return v
}

// yearTally shows the year's meeting quality, meeting by meeting.
func yearTally(c *core.Ctx, cell *storage.Cell, year int) error {
	y, err := yearHeaders(c, cell, year)
	if err != nil {
		return err
	}
	notHeld, err := monthsNotHeld(c, cell, y)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(c.T("mt.tally_header", "Cell", cell.Name, "Year", year))
	shown := map[int]bool{}
	for i := range y.meetings {
		mt := &y.meetings[i]
		for mo := 1; mo < y.month(mt); mo++ {
			if notHeld[mo] && !shown[mo] {
				shown[mo] = true
				b.WriteString("\n")
				b.WriteString(c.T("close.att_not_held", "Month", mo))
			}
		}
		b.WriteString("\n")
		if mt.Score == nil {
			b.WriteString(c.T("mt.tally_line_unscored", "Date", mt.At.In(y.zone).Format("02/01"), "Kind", c.KindName(mt)))
		} else {
			t := mt.Score.Total()
			b.WriteString(c.T("mt.tally_line", "Date", mt.At.In(y.zone).Format("02/01"), "Kind", c.KindName(mt), "Total", t, "Grade", grade(c, t)))
		}
	}
	for mo := 1; mo <= 12; mo++ {
		if notHeld[mo] && !shown[mo] {
			b.WriteString("\n")
			b.WriteString(c.T("close.att_not_held", "Month", mo))
		}
	}
	b.WriteString("\n")
	if v := TallyVerdict(c, cell, y); v != "" {
		b.WriteString(v)
	} else {
		b.WriteString(c.T("mt.att_none"))
	}
	c.Reply(b.String())
	return nil
}

// QualityTemplateOf is the organization's meeting quality template with
// every section named, the default one when it has none of its own.
func QualityTemplateOf(tx *storage.Tx, cat *locales.Catalog, orgID uint64) (*storage.QualityTemplate, error) {
	t, err := tx.QualityTemplate(orgID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if t != nil && len(t.Sections) > 0 {
		if t.Length == nil { // shown with the defaults, ready to edit
			t.Length = &storage.MeetingLength{Regular: 90, Combined: 120}
		}
		return t, nil
	}
	out := &storage.QualityTemplate{OrgID: orgID, Length: &storage.MeetingLength{Regular: 90, Combined: 120}}
	for _, s := range DefaultTemplate {
		s.Label = core.LabelsIn(cat, defaultSectionNames[s.ID])
		out.Sections = append(out.Sections, s)
	}
	return out, nil
}

var defaultSectionNames = map[string]string{
	"prep":       "mt.sec_prep",
	"attendance": "mt.sec_attendance",
	"duration":   "mt.sec_duration",
	"conduct":    "mt.sec_conduct",
	"closing":    "mt.sec_closing",
}

// ParseQualityTemplate reads and checks a quality template file: named
// sections with unique keys whose maxima add up to 100 (DOMAIN.md §3), at
// most one scored from attendance and one from duration.
func ParseQualityTemplate(data []byte) (*storage.QualityTemplate, error) {
	var t storage.QualityTemplate
	if err := core.DecodeStrict(data, &t); err != nil {
		return nil, err
	}
	if len(t.Sections) == 0 || len(t.Sections) > 12 {
		return nil, core.FormErr("settings.err_sections", "Max", 12)
	}
	seen, auto, sum := map[string]bool{}, map[string]bool{}, 0
	for i, s := range t.Sections {
		if err := core.CheckNamed(i+1, s.ID, s.Label); err != nil {
			return nil, err
		}
		if seen[s.ID] {
			return nil, core.FormErr("settings.err_dup_key", "N", i+1, "Key", s.ID)
		}
		seen[s.ID] = true
		if s.Max <= 0 || s.Max > 100 {
			return nil, core.FormErr("settings.err_max", "N", i+1, "Key", s.ID)
		}
		if (s.Auto != "" && s.Auto != "attendance" && s.Auto != "duration") || (s.Auto != "" && auto[s.Auto]) {
			return nil, core.FormErr("settings.err_auto", "N", i+1, "Key", s.ID)
		}
		auto[s.Auto] = s.Auto != ""
		sum += s.Max
	}
	if sum != 100 {
		return nil, core.FormErr("settings.err_sum", "Sum", sum)
	}
	if l := t.Length; l != nil {
		for _, v := range []int{l.Regular, l.Combined, l.SmallRegular, l.SmallCombined} {
			if v != 0 && (v < 15 || v > 480) {
				return nil, core.FormErr("close.err_length", "Min", 15, "Max", 480)
			}
		}
		if l.SmallBelow < 0 || (l.SmallBelow > 0 && l.SmallRegular == 0 && l.SmallCombined == 0) {
			return nil, core.FormErr("close.err_length_small")
		}
	}
	return &t, nil
}
