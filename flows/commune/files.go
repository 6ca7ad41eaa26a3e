package commune

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"chibo/flows/chat"
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
	ExportBriefing = "briefing" // the month's giao ban: reports, answers, conclusions, and the overview
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
	if parts[2] == "b" {
		docs, err := Files(c, &s.org, ExportBriefing, month)
		if errors.Is(err, ErrNoBriefing) {
			c.Say("commune.gb_none_month", "Month", month.Label())
			return nil
		}
		if err != nil {
			return err
		}
		for i := range docs {
			c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.MeID(),
				Text: c.T("commune.gb_workbook_caption", "Org", s.org.Name, "Month", month.Label()), Document: &docs[i]})
		}
		return nil
	}
	if parts[2] == "g" {
		name := fmt.Sprintf("tong-quan-%s-%s.png", export.Slug(s.org.Name), month)
		c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.MeID(), Text: c.T("commune.chart_caption", "Org", s.org.Name, "Month", month.Label()),
			Document: &chat.Document{Name: name, MIME: export.MIMEPNG, Draw: &chat.Drawing{Kind: chat.DrawCommuneChart, OrgID: s.org.ID, Month: month.String(), Lang: c.Lang}}})
		return nil
	}
	docs, err := Files(c, &s.org, ExportOverview, month)
	if err != nil {
		return err
	}
	for i := range docs {
		c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.MeID(),
			Text: c.T("commune.workbook_caption", "Org", s.org.Name, "Month", month.Label()), Document: &docs[i]})
	}
	return nil
}

// drawChart draws a commune's chart at delivery.
func drawChart(c *core.Ctx, d *chat.Drawing) ([]byte, error) {
	org, err := db(c).Org(d.OrgID)
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
func Files(c *core.Ctx, org *storage.Organization, what string, month core.Period) ([]chat.Document, error) {
	if what != ExportOverview && what != ExportBriefing {
		return nil, ErrBadWhat
	}
	o, err := OrgOverview(c, org, month)
	if err != nil {
		return nil, err
	}
	tables := []*export.Table{overviewTable(c, o)}
	groups, err := groupsTable(c, o)
	if err != nil {
		return nil, err
	}
	if groups != nil {
		tables = append(tables, groups)
	}
	base := "tong-quan"
	if what == ExportBriefing {
		b, err := briefingOfMonth(c, org.ID, month)
		if err != nil {
			return nil, err
		}
		tb, err := briefingTable(c, org, b)
		if err != nil {
			return nil, err
		}
		tables, base = append([]*export.Table{tb}, tables...), "giao-ban"
	}
	data, err := export.Workbook(c.Tr(), tables...)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-%s-%s.xlsx", base, export.Slug(org.Name), month)
	return []chat.Document{{Name: name, MIME: export.MIMEXLSX, Data: data}}, nil
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

// ErrNoBriefing is a month without a briefing.
var ErrNoBriefing = errors.New("commune: no briefing that month")

// briefingOfMonth is the organization's (last) briefing in month.
func briefingOfMonth(c *core.Ctx, orgID uint64, month core.Period) (*storage.Briefing, error) {
	if _, err := upcoming(c, orgID); err != nil { // the next one exists once scheduled
		return nil, err
	}
	all, err := db(c).Briefings(orgID)
	if err != nil {
		return nil, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		t := all[i].At.In(c.Zone())
		if !all[i].Cancelled && t.Year() == month.Y && t.Month() == month.M {
			return &all[i], nil
		}
	}
	return nil, ErrNoBriefing
}

// briefingTable is a briefing's sheet: a row per cell, its secretary's
// answer, report and the committee's conclusion.
func briefingTable(c *core.Ctx, org *storage.Organization, b *storage.Briefing) (*export.Table, error) {
	cells, secs, err := secretaries(c, org.ID)
	if err != nil {
		return nil, err
	}
	col := func(id string, w float64) export.Column { return export.Column{Header: c.T(id), Width: w} }
	tb := &export.Table{
		Sheet:    c.T("commune.gb_sheet"),
		Title:    c.T("commune.gb_sheet_title", "Org", org.Name, "When", briefingWhen(c, b)),
		Subtitle: placeText(c, b),
		Columns: []export.Column{col("commune.col_cell", 28), col("commune.gb_col_secretary", 22), col("commune.gb_col_rsvp", 12),
			col("commune.gb_col_figures", 50), col("commune.gb_col_done", 50), col("commune.gb_col_hard", 50), col("commune.gb_col_conclusion", 50)},
	}
	for _, cell := range cells {
		var names, answers []string
		for _, m := range secs[cell.ID] {
			names = append(names, m.Name)
			switch b.RSVP[m.ID] {
			case storage.RSVPYes:
				answers = append(answers, c.T("commune.gb_rsvp_word_yes"))
			case storage.RSVPNo:
				answers = append(answers, c.T("commune.gb_rsvp_word_no"))
			default:
				answers = append(answers, c.T("commune.gb_rsvp_word_none"))
			}
		}
		row := []export.Cell{{V: cell.Name}, {V: strings.Join(names, ", ")}, {V: strings.Join(answers, ", ")}, {}, {}, {}, {}}
		if len(names) == 0 {
			row[1] = export.Cell{V: c.T("commune.ov_no_secretary"), Fill: "FCE4D6"}
		}
		if r := b.Reports[cell.ID]; r != nil {
			row[3], row[4], row[5] = export.Cell{V: r.Figures}, export.Cell{V: r.Done}, export.Cell{V: r.Difficulties}
		} else {
			row[4] = export.Cell{V: c.T("commune.gb_no_report"), Fill: "FCE4D6"}
		}
		if k := b.Conclusions[cell.ID]; k != nil {
			row[6] = export.Cell{V: k.Text}
		}
		tb.Rows = append(tb.Rows, row)
	}
	return tb, nil
}

// groupsTable is the organization's far-away party groups as a sheet, the
// figures of the screen's last paragraph; nil when it has none.
func groupsTable(c *core.Ctx, o *Overview) (*export.Table, error) {
	gs, err := c.GroupFiguresOf(o.Org.ID, o.Month)
	if err != nil || len(gs) == 0 {
		return nil, err
	}
	col := func(header string, w float64) export.Column { return export.Column{Header: header, Width: w} }
	tb := &export.Table{
		Sheet: c.T("fgov.sheet"),
		Title: c.T("fgov.sheet_title", "Org", o.Org.Name, "Month", o.Month.Label()),
		Columns: []export.Column{col(c.T("fgov.col_group"), 28), col(c.T("fgov.col_leader"), 22), col(c.T("fgov.col_members"), 10),
			col(c.T("commune.col_reported"), 10), col(c.T("commune.col_late"), 8), col(c.T("commune.col_silent"), 9),
			col(c.T("fgov.col_flagged", "Year", o.Month.Y), 16), col(c.T("fgov.col_contact", "Year", o.Month.Y), 16)},
	}
	for _, g := range gs {
		tb.Rows = append(tb.Rows, []export.Cell{{V: g.Name}, {V: g.Leader}, {V: g.Members}, {V: g.Reported}, {V: g.Late}, {V: g.Silent},
			{V: g.YearFlagged}, {V: g.YearInContact}})
	}
	return tb, nil
}
