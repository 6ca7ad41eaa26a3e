package export

import (
	"fmt"
	"time"
)

// Meeting is one column of the year: a closed meeting with the counts
// stored when it closed (or last amended), or a month whose regular meeting
// was cancelled and not held ("không sinh hoạt").
type Meeting struct {
	At            time.Time // in the cell's zone; for a month not held, its first day
	Kind          string    // localized: "sinh hoạt thường kỳ", …
	Topic         string
	Exempt        int // not expected, whether they came or not
	ExemptPresent int // exempt members who came anyway
	Present       int
	Excused       int
	Unexcused     int
	// NotHeld marks a month without its regular meeting.
	NotHeld bool
	// Amended marks a meeting changed after it closed.
	Amended bool
}

// Expected is how many members the meeting counted (exempt ones are not).
func (m Meeting) Expected() int { return m.Present + m.Excused + m.Unexcused }

// Rate is present over expected, and false when nobody was expected: a
// meeting without anyone expected has no rate.
func (m Meeting) Rate() (float64, bool) {
	if m.NotHeld || m.Expected() == 0 {
		return 0, false
	}
	return float64(m.Present) / float64(m.Expected()), true
}

// label is the meeting's column header: its date, or the month not held.
func (m Meeting) label(t T) string {
	if m.NotHeld {
		return t("export.col_month", "Month", int(m.At.Month()))
	}
	return m.At.Format("02/01")
}

// MemberYear is a member's row in the year's matrix: one mark per column
// of AttendanceYear.Meetings, so a month with two meetings shows both.
type MemberYear struct {
	Name  string
	Marks []Mark
}

// AttendanceYear is a cell's attendance for a calendar year, meeting by
// meeting: every view of the year (chat, workbook, CSV, chart) reads it.
type AttendanceYear struct {
	Cell     string
	Year     int
	Made     time.Time // when the file is made, for the subtitle
	Meetings []Meeting
	Members  []MemberYear // members on the list for at least one meeting
}

func memberTotals(m MemberYear) (n [markCount]int) {
	for _, k := range m.Marks {
		n[k]++
	}
	return n
}

// markFill colours a mark's cell: green, yellow, red, grey.
var markFill = map[Mark]string{MarkPresent: "C6EFCE", MarkExcused: "FFEB9C", MarkUnexcused: "FFC7CE", MarkExempt: "E7E6E6", MarkExemptPresent: "DDEBF7"}

// Matrix columns: No., name, one per meeting, then the totals.
const colMonth1 = 3 // C

// attendanceTables are the year's sheets: the members × months matrix with
// totals, the 85 % line and a legend; and the meetings with their counts.
func attendanceTables(t T, a *AttendanceYear) (*Table, *Table) {
	m := attendanceMatrix(t, a)
	return m, meetingsTable(t, a, m.Subtitle)
}

// attendanceMatrix is the members × months sheet: a row per member with
// their marks and totals, the months' foot, and the notes.
func attendanceMatrix(t T, a *AttendanceYear) *Table {
	cols := []Column{{Header: t("export.col_no"), Width: 5, Center: true}, {Header: t("export.col_name"), Width: 30}}
	for _, x := range a.Meetings {
		cols = append(cols, Column{Header: x.label(t), Width: 6.5, Center: true})
	}
	colTotals := colMonth1 + len(a.Meetings)
	cols = append(cols,
		Column{Header: t("export.col_present"), Width: 9, Center: true},
		Column{Header: t("export.col_excused"), Width: 9, Center: true},
		Column{Header: t("export.col_unexcused"), Width: 9, Center: true},
		Column{Header: t("export.col_exempt"), Width: 9, Center: true},
		Column{Header: t("export.col_expected"), Width: 9, Center: true},
		Column{Header: t("export.col_rate"), Width: 10, Pct: true})
	m := &Table{Sheet: t("export.sheet_attendance"), Title: t("export.att_title", "Year", a.Year),
		Subtitle: t("export.subtitle", "Cell", a.Cell, "Date", Date(a.Made)), Columns: cols}
	for i, mem := range a.Members {
		m.Rows = append(m.Rows, memberRow(t, i, mem, colTotals))
	}
	m.Foot = attendanceFoot(t, a, m.lastRow(), colTotals)
	m.Notes = append(m.Notes, legend(t))
	m.Notes = append(m.Notes, t("export.att_note_standard"), t("export.att_note_months"))
	if len(a.Members) == 0 {
		m.Notes = append(m.Notes, t("export.att_empty", "Year", a.Year))
	}
	return m
}

// memberRow is the i-th member's row: their marks month by month, then
// their totals (with the formulas that count them) and their rate.
func memberRow(t T, i int, mem MemberYear, colTotals int) []Cell {
	// Column letters of the totals, for the formulas.
	months := colName(colMonth1) + "{r}:" + colName(max(colMonth1, colTotals-1)) + "{r}"
	count := func(k Mark) string { return fmt.Sprintf(`COUNTIF(%s,"%s")`, months, k.code(t)) }
	p, e, u, exp := colName(colTotals), colName(colTotals+1), colName(colTotals+2), colName(colTotals+4)
	row := []Cell{{V: i + 1}, {V: mem.Name}}
	for _, k := range mem.Marks {
		row = append(row, Cell{V: k.code(t), Fill: markFill[k]})
	}
	n := memberTotals(mem)
	expected := n[MarkPresent] + n[MarkExcused] + n[MarkUnexcused]
	var rate any = ""
	if expected > 0 {
		rate = float64(n[MarkPresent]) / float64(expected)
	}
	return append(row,
		Cell{V: n[MarkPresent], F: count(MarkPresent)},
		Cell{V: n[MarkExcused], F: count(MarkExcused)},
		Cell{V: n[MarkUnexcused], F: count(MarkUnexcused)},
		Cell{V: n[MarkExempt], F: count(MarkExempt)},
		Cell{V: expected, F: p + "{r}+" + e + "{r}+" + u + "{r}"},
		Cell{V: rate, F: fmt.Sprintf(`IF(%s{r}=0,"",%s{r}/%s{r})`, exp, p, exp)})
}

// attendanceFoot is the matrix's foot under the members' rows (the last
// of them at lastRow): per month the present and expected counts, the rate
// and whether it is above the 85 % line; the year's totals under the
// members' totals.
func attendanceFoot(t T, a *AttendanceYear, lastRow, colTotals int) [][]Cell {
	rng := "{c}{r0}:{c}{r1}"
	rPresent, rExpected := lastRow+1, lastRow+2
	if len(a.Members) == 0 {
		rng = "{c}{r0}:{c}{r0}"
	}
	present := []Cell{{}, {V: t("export.foot_present"), Bold: true}}
	expected := []Cell{{}, {V: t("export.foot_expected"), Bold: true}}
	rates := []Cell{{}, {V: t("export.foot_rate"), Bold: true}}
	verdict := []Cell{{}, {V: t("export.foot_standard"), Bold: true}}
	for _, x := range a.Meetings {
		present = append(present, Cell{V: x.Present, F: fmt.Sprintf(`COUNTIF(%s,"%s")`, rng, MarkPresent.code(t))})
		expected = append(expected, Cell{V: x.Expected(), F: fmt.Sprintf(`COUNTIF(%s,"%s")+COUNTIF(%s,"%s")+COUNTIF(%s,"%s")`,
			rng, MarkPresent.code(t), rng, MarkExcused.code(t), rng, MarkUnexcused.code(t))})
		var rate, ok any = "", ""
		if r, has := x.Rate(); has {
			rate, ok = r, t("export.fails")
			if r > Standard {
				ok = t("export.meets")
			}
		} else if x.NotHeld {
			ok = t("export.not_held")
		} else {
			ok = t("export.none_expected")
		}
		rates = append(rates, Cell{V: rate, F: fmt.Sprintf(`IF({c}%d=0,"",{c}%d/{c}%d)`, rExpected, rPresent, rExpected)})
		verdict = append(verdict, Cell{V: ok})
	}
	// The year's totals under the members' totals.
	var tot [markCount]int
	for _, mem := range a.Members {
		n := memberTotals(mem)
		for k := range n {
			tot[k] += n[k]
		}
	}
	yexp := tot[MarkPresent] + tot[MarkExcused] + tot[MarkUnexcused]
	sum := "SUM(" + rng + ")"
	present = append(present, Cell{V: tot[MarkPresent], F: sum, Bold: true}, Cell{V: tot[MarkExcused], F: sum, Bold: true},
		Cell{V: tot[MarkUnexcused], F: sum, Bold: true}, Cell{V: tot[MarkExempt], F: sum, Bold: true}, Cell{V: yexp, F: sum, Bold: true})
	var yrate any = ""
	if yexp > 0 {
		yrate = float64(tot[MarkPresent]) / float64(yexp)
	}
	p, exp := colName(colTotals), colName(colTotals+4)
	present = append(present, Cell{V: yrate, F: fmt.Sprintf(`IF(%s%d=0,"",%s%d/%s%d)`, exp, rPresent, p, rPresent, exp, rPresent), Bold: true})
	return [][]Cell{present, expected, rates, verdict}
}

// meetingsTable is the sheet of the year's meetings with their counts,
// rate and verdict.
func meetingsTable(t T, a *AttendanceYear, subtitle string) *Table {
	mt := &Table{Sheet: t("export.sheet_meetings"), Title: t("export.meetings_title", "Year", a.Year), Subtitle: subtitle,
		Columns: []Column{{Header: t("export.col_no"), Width: 5, Center: true}, {Header: t("export.col_date"), Width: 12, Date: true},
			{Header: t("export.col_time"), Width: 7, Center: true}, {Header: t("export.col_kind"), Width: 24}, {Header: t("export.col_topic"), Width: 36},
			{Header: t("export.col_exempt"), Width: 9, Center: true}, {Header: t("export.col_present"), Width: 9, Center: true},
			{Header: t("export.col_excused"), Width: 9, Center: true}, {Header: t("export.col_unexcused"), Width: 9, Center: true},
			{Header: t("export.col_expected"), Width: 9, Center: true}, {Header: t("export.col_rate"), Width: 10, Pct: true},
			{Header: t("export.col_standard"), Width: 12, Center: true}}}
	for i, x := range a.Meetings {
		var rate, ok any = "", ""
		if r, has := x.Rate(); has {
			rate, ok = r, t("export.fails")
			if r > Standard {
				ok = t("export.meets")
			}
		} else if !x.NotHeld {
			ok = t("export.none_expected")
		}
		if x.Amended && ok != "" {
			ok = t("export.amended", "Verdict", ok)
		}
		at := x.At.Format("15:04")
		if x.NotHeld {
			at = ""
		}
		mt.Rows = append(mt.Rows, []Cell{{V: i + 1}, {V: x.At}, {V: at}, {V: x.Kind}, {V: x.Topic},
			{V: x.Exempt}, {V: x.Present}, {V: x.Excused}, {V: x.Unexcused},
			{V: x.Expected(), F: "G{r}+H{r}+I{r}"},
			{V: rate, F: `IF(J{r}=0,"",G{r}/J{r})`},
			{V: ok}})
	}
	if len(a.Meetings) == 0 {
		mt.Notes = append(mt.Notes, t("export.att_empty", "Year", a.Year))
	}
	return mt
}

func colName(col int) string {
	s := ""
	for col > 0 {
		col--
		s = string(rune('A'+col%26)) + s
		col /= 26
	}
	return s
}

// AttendanceXLSX is the year's attendance as a workbook: the matrix sheet
// and the meetings sheet.
func AttendanceXLSX(t T, a *AttendanceYear) ([]byte, error) {
	m, mt := attendanceTables(t, a)
	return Workbook(t, m, mt)
}

// AttendanceCSV is the year's matrix as CSV (the meetings are in the workbook).
func AttendanceCSV(t T, a *AttendanceYear) []byte {
	m, _ := attendanceTables(t, a)
	return TableCSV(t, m)
}
