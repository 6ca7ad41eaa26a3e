package export

import (
	"fmt"
	"time"
)

// Meeting is one closed meeting of the year, with its roll counts.
type Meeting struct {
	At        time.Time // in the cell's zone
	Kind      string    // localized: "sinh hoạt thường kỳ", …
	Topic     string
	Exempt    int
	Present   int
	Excused   int
	Unexcused int
}

// Expected is how many members the meeting counted (exempt ones are not).
func (m Meeting) Expected() int { return m.Present + m.Excused + m.Unexcused }

// MemberYear is a member's row in the year's matrix: one mark per month
// (January first). A month with several meetings shows the worst: unexcused
// beats excused beats present.
type MemberYear struct {
	Name   string
	Months [12]Mark
}

// AttendanceYear is a cell's attendance for a calendar year.
type AttendanceYear struct {
	Cell     string
	Year     int
	Made     time.Time // when the file is made, for the subtitle
	Meetings []Meeting
	Members  []MemberYear // members on the list for at least one month
}

// monthTotals counts the marks of month mo (0-based) over the members.
func (a *AttendanceYear) monthTotals(mo int) (n [5]int) {
	for _, m := range a.Members {
		n[m.Months[mo]]++
	}
	return n
}

// MonthRate is the month's attendance rate (present over expected) and
// whether the month had anyone expected.
func (a *AttendanceYear) MonthRate(mo int) (float64, bool) {
	n := a.monthTotals(mo)
	exp := n[MarkPresent] + n[MarkExcused] + n[MarkUnexcused]
	if exp == 0 {
		return 0, false
	}
	return float64(n[MarkPresent]) / float64(exp), true
}

func memberTotals(m MemberYear) (n [5]int) {
	for _, k := range m.Months {
		n[k]++
	}
	return n
}

// markFill colours a mark's cell: green, yellow, red, grey.
var markFill = map[Mark]string{MarkPresent: "C6EFCE", MarkExcused: "FFEB9C", MarkUnexcused: "FFC7CE", MarkExempt: "E7E6E6"}

// Matrix columns: No., name, 12 months, then the totals.
const (
	colMonth1 = 3 // C
	colTotals = colMonth1 + 12
)

// attendanceTables are the year's sheets: the members × months matrix with
// totals, the 85 % line and a legend; and the meetings with their counts.
func attendanceTables(t T, a *AttendanceYear) (*Table, *Table) {
	cols := []Column{{Header: t("export.col_no"), Width: 5, Center: true}, {Header: t("export.col_name"), Width: 30}}
	for mo := 1; mo <= 12; mo++ {
		cols = append(cols, Column{Header: t("export.col_month", "Month", mo), Width: 5.5, Center: true})
	}
	cols = append(cols,
		Column{Header: t("export.col_present"), Width: 9, Center: true},
		Column{Header: t("export.col_excused"), Width: 9, Center: true},
		Column{Header: t("export.col_unexcused"), Width: 9, Center: true},
		Column{Header: t("export.col_exempt"), Width: 9, Center: true},
		Column{Header: t("export.col_expected"), Width: 9, Center: true},
		Column{Header: t("export.col_rate"), Width: 10, Pct: true})
	m := &Table{Sheet: t("export.sheet_attendance"), Title: t("export.att_title", "Year", a.Year),
		Subtitle: t("export.subtitle", "Cell", a.Cell, "Date", Date(a.Made)), Columns: cols}
	// Column letters of the totals, for the formulas.
	letter := func(col int) string { return colName(col) }
	months := letter(colMonth1) + "{r}:" + letter(colMonth1+11) + "{r}"
	count := func(k Mark) string { return fmt.Sprintf(`COUNTIF(%s,"%s")`, months, k.code(t)) }
	p, e, u, exp := letter(colTotals), letter(colTotals+1), letter(colTotals+2), letter(colTotals+4)
	for i, mem := range a.Members {
		row := []Cell{{V: i + 1}, {V: mem.Name}}
		for _, k := range mem.Months {
			row = append(row, Cell{V: k.code(t), Fill: markFill[k]})
		}
		n := memberTotals(mem)
		expected := n[MarkPresent] + n[MarkExcused] + n[MarkUnexcused]
		var rate any = ""
		if expected > 0 {
			rate = float64(n[MarkPresent]) / float64(expected)
		}
		row = append(row,
			Cell{V: n[MarkPresent], F: count(MarkPresent)},
			Cell{V: n[MarkExcused], F: count(MarkExcused)},
			Cell{V: n[MarkUnexcused], F: count(MarkUnexcused)},
			Cell{V: n[MarkExempt], F: count(MarkExempt)},
			Cell{V: expected, F: p + "{r}+" + e + "{r}+" + u + "{r}"},
			Cell{V: rate, F: fmt.Sprintf(`IF(%s{r}=0,"",%s{r}/%s{r})`, exp, p, exp)})
		m.Rows = append(m.Rows, row)
	}
	// The foot: per month the present and expected counts, the rate and
	// whether it is above the 85 % line; the year's totals under the
	// members' totals.
	rng := "{c}{r0}:{c}{r1}"
	rPresent, rExpected, rRate := m.lastRow()+1, m.lastRow()+2, m.lastRow()+3
	if len(a.Members) == 0 {
		rng = "{c}{r0}:{c}{r0}"
	}
	present := []Cell{{}, {V: t("export.foot_present"), Bold: true}}
	expected := []Cell{{}, {V: t("export.foot_expected"), Bold: true}}
	rates := []Cell{{}, {V: t("export.foot_rate"), Bold: true}}
	verdict := []Cell{{}, {V: t("export.foot_standard"), Bold: true}}
	for mo := range 12 {
		n := a.monthTotals(mo)
		exp := n[MarkPresent] + n[MarkExcused] + n[MarkUnexcused]
		present = append(present, Cell{V: n[MarkPresent], F: fmt.Sprintf(`COUNTIF(%s,"%s")`, rng, MarkPresent.code(t))})
		expected = append(expected, Cell{V: exp, F: fmt.Sprintf(`COUNTIF(%s,"%s")+COUNTIF(%s,"%s")+COUNTIF(%s,"%s")`,
			rng, MarkPresent.code(t), rng, MarkExcused.code(t), rng, MarkUnexcused.code(t))})
		var rate, ok any = "", ""
		if r, has := a.MonthRate(mo); has {
			rate, ok = r, t("export.fails")
			if r > Standard {
				ok = t("export.meets")
			}
		}
		rates = append(rates, Cell{V: rate, F: fmt.Sprintf(`IF({c}%d=0,"",{c}%d/{c}%d)`, rExpected, rPresent, rExpected)})
		verdict = append(verdict, Cell{V: ok, F: fmt.Sprintf(`IF({c}%d="","",IF({c}%d>%g,"%s","%s"))`, rRate, rRate, Standard, t("export.meets"), t("export.fails"))})
	}
	// The year's totals under the members' totals.
	var tot [5]int
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
	present = append(present, Cell{V: yrate, F: fmt.Sprintf(`IF(%s%d=0,"",%s%d/%s%d)`, exp, rPresent, p, rPresent, exp, rPresent), Bold: true})
	m.Foot = [][]Cell{present, expected, rates, verdict}
	m.Notes = append(m.Notes, t("export.att_legend", "Present", MarkPresent.code(t), "Excused", MarkExcused.code(t),
		"Unexcused", MarkUnexcused.code(t), "Exempt", MarkExempt.code(t)))
	m.Notes = append(m.Notes, t("export.att_note_standard"), t("export.att_note_months"))
	if len(a.Members) == 0 {
		m.Notes = append(m.Notes, t("export.att_empty", "Year", a.Year))
	}

	mt := &Table{Sheet: t("export.sheet_meetings"), Title: t("export.meetings_title", "Year", a.Year), Subtitle: m.Subtitle,
		Columns: []Column{{Header: t("export.col_no"), Width: 5, Center: true}, {Header: t("export.col_date"), Width: 12, Date: true},
			{Header: t("export.col_time"), Width: 7, Center: true}, {Header: t("export.col_kind"), Width: 24}, {Header: t("export.col_topic"), Width: 36},
			{Header: t("export.col_exempt"), Width: 9, Center: true}, {Header: t("export.col_present"), Width: 9, Center: true},
			{Header: t("export.col_excused"), Width: 9, Center: true}, {Header: t("export.col_unexcused"), Width: 9, Center: true},
			{Header: t("export.col_expected"), Width: 9, Center: true}, {Header: t("export.col_rate"), Width: 10, Pct: true},
			{Header: t("export.col_standard"), Width: 12, Center: true}}}
	for i, x := range a.Meetings {
		var rate, ok any = "", ""
		if x.Expected() > 0 {
			r := float64(x.Present) / float64(x.Expected())
			rate, ok = r, t("export.fails")
			if r > Standard {
				ok = t("export.meets")
			}
		}
		mt.Rows = append(mt.Rows, []Cell{{V: i + 1}, {V: x.At}, {V: x.At.Format("15:04")}, {V: x.Kind}, {V: x.Topic},
			{V: x.Exempt}, {V: x.Present}, {V: x.Excused}, {V: x.Unexcused},
			{V: x.Expected(), F: "G{r}+H{r}+I{r}"},
			{V: rate, F: `IF(J{r}=0,"",G{r}/J{r})`},
			{V: ok, F: fmt.Sprintf(`IF(K{r}="","",IF(K{r}>%g,"%s","%s"))`, Standard, t("export.meets"), t("export.fails"))}})
	}
	if len(a.Meetings) == 0 {
		mt.Notes = append(mt.Notes, t("export.att_empty", "Year", a.Year))
	}
	return m, mt
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
