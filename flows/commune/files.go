package commune

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"chibo/flows/core"
	"chibo/flows/export"
	"chibo/storage"
)

// The overview as files for the briefing: a chart of the cells side by side
// (drawn at delivery) and an Excel workbook of the same figures as the
// screen. Only the commune's standing committee and its admin get them.

// Export kinds of a commune (`chibo export --org N --what ...`).
const (
	ExportOverview = "overview"
)

// actFiles sends the chart ("g") or the workbook ("x") of the commune's
// month: cf:<org>:<yyyy-mm>:g|x.
func actFiles(c *core.Ctx, args string) error {
	parts := strings.Split(args, ":")
	if len(parts) != 3 {
		c.Say("err.stale_button")
		return nil
	}
	id, _ := strconv.ParseUint(parts[0], 10, 64)
	month, ok := core.ParsePeriod(parts[1])
	if !ok {
		c.Say("err.stale_button")
		return nil
	}
	scopes, err := scopesOf(c)
	if err != nil {
		return err
	}
	var s *scope
	for i := range scopes {
		if scopes[i].org.ID == id && scopes[i].all {
			s = &scopes[i]
		}
	}
	if s == nil {
		c.Say("commune.not_standing")
		return nil
	}
	if parts[2] == "g" {
		name := fmt.Sprintf("tong-quan-%s-%s.png", export.Slug(s.org.Name), month)
		c.Emit(core.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.MeID(), Text: c.T("commune.chart_caption", "Org", s.org.Name, "Month", month.Label()),
			Document: &core.Document{Name: name, MIME: export.MIMEPNG, Draw: &core.Drawing{Kind: core.DrawCommuneChart, OrgID: s.org.ID, Month: month.String(), Lang: c.Lang}}})
		return nil
	}
	docs, err := Files(c, &s.org, ExportOverview, month)
	if err != nil {
		return err
	}
	for i := range docs {
		c.Emit(core.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.MeID(),
			Text: c.T("commune.workbook_caption", "Org", s.org.Name, "Month", month.Label()), Document: &docs[i]})
	}
	return nil
}

// drawChart draws a commune's chart at delivery.
func drawChart(c *core.Ctx, d *core.Drawing) ([]byte, error) {
	org, err := c.Tx.Org(d.OrgID)
	if err != nil {
		return nil, err
	}
	month, ok := core.ParsePeriod(d.Month)
	if !ok {
		return nil, fmt.Errorf("commune chart: bad month %q", d.Month)
	}
	o, err := OrgOverview(c, org, month)
	if err != nil {
		return nil, err
	}
	return chartOf(c, o)
}

func chartOf(c *core.Ctx, o *Overview) ([]byte, error) {
	cells := make([]export.CellRates, len(o.Rows))
	for i, r := range o.Rows {
		cells[i] = export.CellRates{Name: r.Cell.Name, Month: r.F.MonthRate / 100, MonthOK: r.F.MonthRated}
		if r.F.YearExpected > 0 {
			cells[i].Year, cells[i].YearOK = float64(r.F.YearPresent)/float64(r.F.YearExpected), true
		}
	}
	return export.CommuneChart(c.Tr(), c.T("commune.chart_title", "Org", o.Org.Name, "Month", o.Month.Label()), cells)
}

// ErrBadWhat is an export kind a commune does not have.
var ErrBadWhat = errors.New("commune: unknown export")

// Files makes a commune's export of what for month: the overview workbook.
// Nothing stored changes; the caller audits.
func Files(c *core.Ctx, org *storage.Organization, what string, month core.Period) ([]core.Document, error) {
	if what != ExportOverview {
		return nil, ErrBadWhat
	}
	o, err := OrgOverview(c, org, month)
	if err != nil {
		return nil, err
	}
	data, err := export.Workbook(c.Tr(), overviewTable(c, o))
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("tong-quan-%s-%s.xlsx", export.Slug(org.Name), month)
	return []core.Document{{Name: name, MIME: export.MIMEXLSX, Data: data}}, nil
}

// overviewTable is the overview as one sheet: a row per cell, the columns
// of the screen.
func overviewTable(c *core.Ctx, o *Overview) *export.Table {
	col := func(id string, w float64) export.Column { return export.Column{Header: c.T(id), Width: w} }
	pct := func(id string) export.Column { return export.Column{Header: c.T(id), Width: 11, Pct: true} }
	tb := &export.Table{
		Sheet:    c.T("commune.sheet"),
		Title:    c.T("commune.ov_header", "Org", o.Org.Name, "Month", o.Month.Label()),
		Subtitle: c.T("commune.sheet_sub"),
		Columns: []export.Column{col("commune.col_cell", 28), col("commune.col_followers", 24), col("commune.col_secretary", 10),
			col("commune.col_meeting", 16), col("commune.col_present", 9), col("commune.col_expected", 9), pct("commune.col_rate"),
			col("commune.col_score", 8), col("commune.col_band", 12), col("commune.col_year_held", 11), pct("commune.col_year_rate"),
			col("commune.col_year_good", 10), col("commune.col_art8", 9), col("commune.col_far", 8), col("commune.col_reported", 9),
			col("commune.col_late", 8), col("commune.col_silent", 9), col("commune.col_comments_got", 10), col("commune.col_comments_owed", 10)},
		Notes: []string{c.T("commune.page_note")},
	}
	for _, x := range o.Extra {
		tb.Columns = append(tb.Columns, col(x.colID, 10))
	}
	yesNo := func(b bool) string {
		if b {
			return c.T("commune.yes")
		}
		return c.T("commune.no")
	}
	for _, r := range o.Rows {
		f := r.F
		meeting := monthLine(c, f)
		var rate, yearRate any
		if f.MonthRated {
			rate = f.MonthRate / 100
		}
		if f.YearExpected > 0 {
			yearRate = float64(f.YearPresent) / float64(f.YearExpected)
		}
		var score, band any
		if f.MonthBandID != "" {
			score, band = f.MonthScore, c.T(f.MonthBandID)
		}
		row := []export.Cell{{V: r.Cell.Name}, {V: strings.Join(r.Followers, ", ")}, {V: yesNo(f.Secretary)},
			{V: meeting}, {V: f.MonthPresent}, {V: f.MonthExpected}, {V: rate}, {V: score}, {V: band},
			{V: fmt.Sprintf("%d/%d", f.YearHeld, f.YearMonths)}, {V: yearRate}, {V: f.YearGood}, {V: len(f.Flagged)},
			{V: f.FarAway}, {V: f.Reported}, {V: f.Late}, {V: f.Silent}, {V: f.CommentsReceived}, {V: f.CommentsOwed}}
		for _, x := range o.Extra {
			row = append(row, export.Cell{V: f.Extra[x.key]})
		}
		if len(r.Followers) == 0 {
			row[1] = export.Cell{V: c.T("commune.page_no_follower"), Fill: "FCE4D6"}
		}
		tb.Rows = append(tb.Rows, row)
	}
	return tb
}
