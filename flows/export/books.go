package export

import (
	"fmt"
	"time"
)

// Roll is one meeting's roll.
type Roll struct {
	Cell    string
	Made    time.Time
	Meeting Meeting
	Lines   []RollLine
}

// RollLine is a member's line of the roll; texts come localized.
type RollLine struct {
	Name     string
	Mark     Mark      // the outcome's code
	State    string    // the outcome in words
	Answer   string    // the answer to the notice
	Reason   string    // the reason given for not attending
	Decision string    // the cell's decision on the excuse
	Dues     string    // the month's dues record in words; empty when none was recorded
	MarkedAt time.Time // zero when not marked
}

// RollTable is the meeting's roll as a table, with counts by code.
func RollTable(t T, r *Roll) *Table {
	mt := r.Meeting
	tb := &Table{Sheet: t("export.sheet_roll"), Title: t("export.roll_title", "Kind", mt.Kind, "Date", Date(mt.At), "Time", mt.At.Format("15:04")),
		Subtitle: t("export.roll_subtitle", "Cell", r.Cell, "Topic", mt.Topic, "Date", Date(r.Made)),
		Columns: []Column{{Header: t("export.col_no"), Width: 5, Center: true}, {Header: t("export.col_name"), Width: 30},
			{Header: t("export.col_code"), Width: 6, Center: true}, {Header: t("export.col_state"), Width: 20},
			{Header: t("export.col_answer"), Width: 16}, {Header: t("export.col_reason"), Width: 30},
			{Header: t("export.col_decision"), Width: 14}, {Header: t("export.col_dues"), Width: 10, Center: true},
			{Header: t("export.col_marked_at"), Width: 17, Center: true}}}
	counts := map[Mark]int{}
	for i, l := range r.Lines {
		at := ""
		if !l.MarkedAt.IsZero() {
			at = l.MarkedAt.Format("15:04 02/01/2006")
		}
		counts[l.Mark]++
		tb.Rows = append(tb.Rows, []Cell{{V: i + 1}, {V: l.Name}, {V: l.Mark.code(t), Fill: markFill[l.Mark]}, {V: l.State},
			{V: l.Answer}, {V: l.Reason}, {V: l.Decision}, {V: l.Dues}, {V: at}})
	}
	for _, k := range legendMarks {
		tb.Foot = append(tb.Foot, []Cell{{}, {V: k.name(t), Bold: true}, {V: counts[k], F: fmt.Sprintf(`COUNTIF(C{r0}:C{r1},"%s")`, k.code(t)), Bold: true}})
	}
	exp := counts[MarkPresent] + counts[MarkExcused] + counts[MarkUnexcused]
	var rate any = ""
	if exp > 0 {
		rate = float64(counts[MarkPresent]) / float64(exp)
	}
	n := len(tb.Rows) + firstRow // the row of the present count
	tb.Foot = append(tb.Foot, []Cell{{}, {V: t("export.foot_rate"), Bold: true},
		{V: rate, F: fmt.Sprintf(`IF(SUM(C%d:C%d)=0,"",C%d/SUM(C%d:C%d))`, n, n+2, n, n, n+2), Bold: true}})
	tb.Notes = []string{legend(t)}
	return tb
}

// CheckinMonth is a month of far-away members' check-ins.
type CheckinMonth struct {
	Cell   string
	Month  string // "03/2026"
	Made   time.Time
	Fields []string // the form's field labels, in order
	Lines  []CheckinLine
}

// CheckinLine is a member's check-in of the month; texts come localized.
type CheckinLine struct {
	Name    string
	Group   string
	State   string    // done, late, missing, in words
	Done    bool      // a check-in was made
	At      time.Time // when, if done
	Answers []string  // one per field
}

// CheckinTable is the month's check-ins as a table.
func CheckinTable(t T, m *CheckinMonth) *Table {
	cols := []Column{{Header: t("export.col_no"), Width: 5, Center: true}, {Header: t("export.col_name"), Width: 28},
		{Header: t("export.col_group"), Width: 18}, {Header: t("export.col_state"), Width: 16}, {Header: t("export.col_date"), Width: 12, Date: true}}
	for _, f := range m.Fields {
		cols = append(cols, Column{Header: f, Width: 24})
	}
	tb := &Table{Sheet: t("export.sheet_checkins"), Title: t("export.checkins_title", "Month", m.Month),
		Subtitle: t("export.subtitle", "Cell", m.Cell, "Date", Date(m.Made)), Columns: cols}
	done := 0
	for i, l := range m.Lines {
		var at any
		if l.Done {
			at = l.At
			done++
		}
		row := []Cell{{V: i + 1}, {V: l.Name}, {V: l.Group}, {V: l.State}, {V: at}}
		for j := range m.Fields {
			v := ""
			if j < len(l.Answers) {
				v = l.Answers[j]
			}
			row = append(row, Cell{V: v})
		}
		tb.Rows = append(tb.Rows, row)
	}
	tb.Foot = [][]Cell{{{}, {V: t("export.foot_checked_in"), Bold: true}, {}, {}, {V: done, F: "COUNT(E{r0}:E{r1})", Bold: true}}}
	if len(m.Lines) == 0 {
		tb.Notes = append(tb.Notes, t("export.checkins_empty", "Month", m.Month))
	}
	return tb
}

// CommentYear is a residence cell's annual comments.
type CommentYear struct {
	Cell   string
	Year   int
	Made   time.Time
	Fields []string // field labels, in order
	Lines  []CommentLine
}

// CommentLine is one member's comment; texts come localized.
type CommentLine struct {
	Name, Home, Workplace, WorkplaceOrg string
	Answers                             []string // one per field
	By                                  string
	At                                  time.Time
}

// CommentTable is the year's comments as a table.
func CommentTable(t T, y *CommentYear) *Table {
	cols := []Column{{Header: t("export.col_no"), Width: 5, Center: true}, {Header: t("export.col_name"), Width: 28},
		{Header: t("export.col_home"), Width: 24}, {Header: t("export.col_workplace"), Width: 24}, {Header: t("export.col_workplace_org"), Width: 24}}
	for _, f := range y.Fields {
		cols = append(cols, Column{Header: f, Width: 18})
	}
	cols = append(cols, Column{Header: t("export.col_by"), Width: 22}, Column{Header: t("export.col_date"), Width: 12, Date: true})
	tb := &Table{Sheet: t("export.sheet_comments"), Title: t("export.comments_title", "Year", y.Year),
		Subtitle: t("export.subtitle", "Cell", y.Cell, "Date", Date(y.Made)), Columns: cols}
	for i, l := range y.Lines {
		row := []Cell{{V: i + 1}, {V: l.Name}, {V: l.Home}, {V: l.Workplace}, {V: l.WorkplaceOrg}}
		for j := range y.Fields {
			v := ""
			if j < len(l.Answers) {
				v = l.Answers[j]
			}
			row = append(row, Cell{V: v})
		}
		row = append(row, Cell{V: l.By}, Cell{V: l.At})
		tb.Rows = append(tb.Rows, row)
	}
	if len(y.Lines) == 0 {
		tb.Notes = append(tb.Notes, t("export.comments_empty", "Year", y.Year))
	}
	return tb
}

// QualityYear is the year's meeting quality scores.
type QualityYear struct {
	Cell     string
	Year     int
	Made     time.Time
	Sections []QualitySection
	Lines    []QualityLine
	Verdict  string // the year's tally in words
}

// QualitySection is a part of the template: its name and its maximum.
type QualitySection struct {
	Name string
	Max  int
}

// QualityLine is a closed meeting and its score; Points is nil when unscored.
type QualityLine struct {
	At     time.Time
	Kind   string
	Points []int // one per section
}

// grade names a total: Tốt ≥ 90, Khá ≥ 70, Trung bình ≥ 50, Kém below.
func grade(t T, total int) string {
	switch {
	case total >= 90:
		return t("export.grade_good")
	case total >= 70:
		return t("export.grade_fair")
	case total >= 50:
		return t("export.grade_average")
	}
	return t("export.grade_poor")
}

// QualityTable is the year's scores, with totals and grades as formulas.
func QualityTable(t T, q *QualityYear) *Table {
	cols := []Column{{Header: t("export.col_no"), Width: 5, Center: true}, {Header: t("export.col_date"), Width: 12, Date: true},
		{Header: t("export.col_kind"), Width: 26}}
	for _, s := range q.Sections {
		cols = append(cols, Column{Header: t("export.col_section", "Section", s.Name, "Max", s.Max), Width: 13, Center: true})
	}
	first, last := colName(4), colName(3+len(q.Sections))
	total := colName(4 + len(q.Sections))
	cols = append(cols, Column{Header: t("export.col_total"), Width: 10, Center: true}, Column{Header: t("export.col_grade"), Width: 14, Center: true})
	tb := &Table{Sheet: t("export.sheet_quality"), Title: t("export.quality_title", "Year", q.Year),
		Subtitle: t("export.subtitle", "Cell", q.Cell, "Date", Date(q.Made)), Columns: cols}
	gradeF := fmt.Sprintf(`IF(%s{r}="","",IF(%s{r}>=90,"%s",IF(%s{r}>=70,"%s",IF(%s{r}>=50,"%s","%s"))))`, total, total, t("export.grade_good"),
		total, t("export.grade_fair"), total, t("export.grade_average"), t("export.grade_poor"))
	good := 0
	for i, l := range q.Lines {
		row := []Cell{{V: i + 1}, {V: l.At}, {V: l.Kind}}
		if l.Points == nil {
			for range q.Sections {
				row = append(row, Cell{})
			}
			row = append(row, Cell{V: ""}, Cell{V: t("export.unscored")})
			tb.Rows = append(tb.Rows, row)
			continue
		}
		sum := 0
		for j := range q.Sections {
			p := 0
			if j < len(l.Points) {
				p = l.Points[j]
			}
			sum += p
			row = append(row, Cell{V: p})
		}
		g := grade(t, sum)
		if sum >= 90 {
			good++
		}
		row = append(row, Cell{V: sum, F: fmt.Sprintf("SUM(%s{r}:%s{r})", first, last), Bold: true}, Cell{V: g, F: gradeF})
		tb.Rows = append(tb.Rows, row)
	}
	gradeCol := colName(5 + len(q.Sections))
	foot := []Cell{{}, {}, {V: t("export.foot_good"), Bold: true}}
	for range q.Sections {
		foot = append(foot, Cell{})
	}
	foot = append(foot, Cell{}, Cell{V: good, F: fmt.Sprintf(`COUNTIF(%s{r0}:%s{r1},"%s")`, gradeCol, gradeCol, t("export.grade_good")), Bold: true})
	tb.Foot = [][]Cell{foot}
	if q.Verdict != "" {
		tb.Notes = append(tb.Notes, q.Verdict)
	}
	tb.Notes = append(tb.Notes, t("export.quality_note"))
	if len(q.Lines) == 0 {
		tb.Notes = append(tb.Notes, t("export.att_empty", "Year", q.Year))
	}
	return tb
}
