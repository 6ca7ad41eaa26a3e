package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/flows/export"
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
		if err := db(c).LoadRoll(&y.meetings[i]); err != nil {
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
	ms, err := db(c).MeetingsIn(cell.ID, from, from.AddDate(1, 0, 0))
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
		if err := db(c).LoadAttendance(&y.meetings[i], memberID); err != nil {
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
		ds, err := db(c).DuesStatesOfYear(ms[i].ID, y.year)
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
		cell, err := db(c).Cell(cells[0])
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
	cell, err := db(c).Cell(m.HomeCellID)
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
	groups, err := orgGroupsOf(c, m.HomeCellID)
	if err != nil {
		return err
	}
	for _, l := range contactLines(c, m, groups, year, y.zone, false) {
		b.WriteString("\n")
		b.WriteString(l)
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
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	line := func(s string) {
		b.WriteString("\n")
		b.WriteString(s)
	}
	groups, err := orgGroupsOf(c, cell.ID)
	if err != nil {
		return err
	}
	var contacts []string
	for i := range ms {
		contacts = append(contacts, contactLines(c, &ms[i], groups, year, y.zone, true)...)
	}
	b.WriteString(c.T("mt.att_cell_header", "Cell", cell.Name, "Year", year))
	if len(a.Meetings) == 0 {
		line(c.T("mt.att_none"))
		for _, l := range contacts {
			line(l)
		}
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
	for _, l := range contacts {
		line(l)
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
		mt, err := db(c).RegularMeeting(cell.ID, fmt.Sprintf("%04d-%02d", y.year, mo))
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
