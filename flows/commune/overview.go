package commune

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/storage"
)

// The overview on a phone: /tongquan for the standing committee (and the
// organization's admin), /phutrach for a committee member who follows
// cells. One screen for the commune, a page per cell; counts only, names on
// a tap for those allowed, and every such view audited.

func registerOverview(e *core.Engine) {
	e.Command(&core.Command{Name: "tongquan", Need: core.NeedCommune, PrivateOnly: true, HelpID: "commune.help_tongquan", MenuID: "commune.menu_tongquan", Run: runTongquan})
	e.Command(&core.Command{Name: "phutrach", Need: core.NeedCommune, PrivateOnly: true, HelpID: "commune.help_phutrach", MenuID: "commune.menu_phutrach", Run: runPhutrach})
	e.Drawer(chat.DrawCommuneChart, drawChart)
}

// scope is what the caller may see of one organization today.
type scope struct {
	org      storage.Organization
	all      bool            // the standing committee or an admin: every cell
	standing bool            // the standing committee (not only an admin)
	cells    map[uint64]bool // the cells the caller follows
}

// scopesOf lists the organizations in which the caller holds a commune role
// in force today or is an admin.
func scopesOf(c *core.Ctx) ([]scope, error) {
	ids := slices.Clone(c.Me.AdminOf)
	for _, id := range db(c).CommuneOrgsOf(c.Me.ID) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []scope
	for _, id := range ids {
		org, err := db(c).Org(id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s := scope{org: *org, all: c.Me.Administers(id), cells: map[uint64]bool{}}
		roles, err := activeRoles(c, id, c.Now)
		if err != nil {
			return nil, err
		}
		for _, r := range roles {
			switch {
			case r.MemberID != c.Me.ID:
			case r.Kind.Standing():
				s.all, s.standing = true, true
			case r.Kind == storage.CommuneFollow:
				s.cells[r.CellID] = true
			}
		}
		if s.all || len(s.cells) > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

// sees reports whether the scope covers the cell.
func (s *scope) sees(cellID uint64) bool { return s.all || s.cells[cellID] }

// scopeFor is the caller's scope over the cell's organization, ok false
// when the caller may not see the cell.
func scopeFor(c *core.Ctx, cell *storage.Cell) (*scope, bool, error) {
	scopes, err := scopesOf(c)
	if err != nil {
		return nil, false, err
	}
	for i := range scopes {
		if scopes[i].org.ID == cell.OrgID && scopes[i].sees(cell.ID) {
			return &scopes[i], true, nil
		}
	}
	return nil, false, nil
}

// Row is one cell of the overview: its figures, who follows it, whether it
// has a secretary on chibo.
type Row struct {
	Cell      storage.Cell
	F         *core.CellFigures
	Followers []string
}

// Overview is a commune's cells for a month.
type Overview struct {
	Org   storage.Organization
	Month core.Period
	Rows  []Row
	// Extra names the registered sources of figures beyond the core ones
	// (e.g. "tasks"), whose columns are shown.
	Extra []extraSource
}

// extraSource is a source of figures the overview shows a column for when a
// journey registers it: its name (core.Engine.CellFigures), the key of its
// figure in CellFigures.Extra, and the words on the screen and in the
// workbook.
type extraSource struct{ name, key, lineID, colID string }

// extraSources: the tasks followed up "rõ người rõ việc" (issue 17), whose
// journey registers "tasks" and fills Extra["tasks_overdue"].
var extraSources = []extraSource{{"tasks", "tasks_overdue", "commune.ov_tasks_overdue", "commune.col_tasks_overdue"}}

// Gather reads the figures of the cells for month, each through the
// journeys that own them. It reads the organization's cells and their
// members only: O(commune), not O(database).
func Gather(c *core.Ctx, org *storage.Organization, cells []storage.Cell, month core.Period) (*Overview, error) {
	o := &Overview{Org: *org, Month: month}
	for _, s := range extraSources {
		if c.E.HasFigures(s.name) {
			o.Extra = append(o.Extra, s)
		}
	}
	roles, err := activeRoles(c, org.ID, c.Now)
	if err != nil {
		return nil, err
	}
	for _, cell := range cells {
		f, err := c.FiguresOf(&cell, month)
		if err != nil {
			return nil, fmt.Errorf("figures of cell %d: %w", cell.ID, err)
		}
		if f.Secretary, err = hasSecretary(c, cell.ID); err != nil {
			return nil, err
		}
		row := Row{Cell: cell, F: f}
		for _, r := range roles {
			if r.Kind == storage.CommuneFollow && r.CellID == cell.ID {
				row.Followers = append(row.Followers, c.PersonName(r.MemberID))
			}
		}
		o.Rows = append(o.Rows, row)
	}
	return o, nil
}

// hasSecretary reports whether the cell's secretary uses chibo: a
// secretary with a messenger contact, who has not withdrawn consent.
func hasSecretary(c *core.Ctx, cellID uint64) (bool, error) {
	ms, err := db(c).CellLeaders(cellID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.HasRole(cellID, storage.RoleSecretary) && len(m.Contacts) > 0 && !m.Forgotten() {
			return true, nil
		}
	}
	return false, nil
}

// OrgOverview gathers every cell of the organization.
func OrgOverview(c *core.Ctx, org *storage.Organization, month core.Period) (*Overview, error) {
	cells, err := db(c).OrgCells(org.ID)
	if err != nil {
		return nil, err
	}
	return Gather(c, org, cells, month)
}

// thisMonth is the current month in the engine's zone.
func thisMonth(c *core.Ctx) core.Period {
	now := c.Now.In(c.Zone())
	return core.Period{Y: now.Year(), M: now.Month()}
}

// monthArg reads "mm/yyyy" (or yyyy-mm); empty is this month.
func monthArg(c *core.Ctx, args string) (core.Period, bool) {
	args = strings.TrimSpace(args)
	if args == "" {
		return thisMonth(c), true
	}
	if p, ok := core.ParsePeriod(args); ok {
		return p, true
	}
	if t, err := time.Parse("1/2006", args); err == nil {
		return core.Period{Y: t.Year(), M: t.Month()}, true
	}
	return core.Period{}, false
}

// ---- /tongquan, /phutrach ----

func runTongquan(c *core.Ctx, args string) error {
	month, ok := monthArg(c, args)
	if !ok {
		c.Say("commune.bad_month", "Example", c.ExampleMonth())
		return nil
	}
	scopes, err := scopesOf(c)
	if err != nil {
		return err
	}
	shown := false
	for i := range scopes {
		if !scopes[i].all {
			continue
		}
		shown = true
		if err := showOverview(c, &scopes[i], month); err != nil {
			return err
		}
	}
	if !shown {
		if len(scopes) > 0 {
			c.Say("commune.not_standing_follow")
			return nil
		}
		c.Say("commune.not_standing")
	}
	return nil
}

func runPhutrach(c *core.Ctx, args string) error {
	month, ok := monthArg(c, args)
	if !ok {
		c.Say("commune.bad_month", "Example", c.ExampleMonth())
		return nil
	}
	scopes, err := scopesOf(c)
	if err != nil {
		return err
	}
	shown := false
	for i := range scopes {
		if len(scopes[i].cells) == 0 {
			continue
		}
		shown = true
		followed := scope{org: scopes[i].org, cells: scopes[i].cells, standing: scopes[i].standing}
		if err := showOverview(c, &followed, month); err != nil {
			return err
		}
	}
	if !shown {
		c.Say("commune.not_following")
	}
	return nil
}

// actOverview shows the commune's screen again from a cell's page.
func actOverview(c *core.Ctx, args string) error {
	orgArg, monthText, _ := strings.Cut(args, ":")
	id, _ := strconv.ParseUint(orgArg, 10, 64)
	month, ok := core.ParsePeriod(monthText)
	scopes, err := scopesOf(c)
	if err != nil {
		return err
	}
	for i := range scopes {
		if scopes[i].org.ID == id && ok {
			return showOverview(c, &scopes[i], month)
		}
	}
	c.Say("commune.not_allowed")
	return nil
}

// showOverview is the commune's one screen: a few short lines per cell in
// the scope, a button per cell, and the chart and workbook for the
// standing committee.
func showOverview(c *core.Ctx, s *scope, month core.Period) error {
	cells, err := db(c).OrgCells(s.org.ID)
	if err != nil {
		return err
	}
	cells = slices.DeleteFunc(cells, func(cell storage.Cell) bool { return !s.sees(cell.ID) })
	o, err := Gather(c, &s.org, cells, month)
	if err != nil {
		return err
	}
	title := "commune.ov_header_follow"
	if s.all {
		title = "commune.ov_header"
	}
	lines := []string{c.T(title, "Org", s.org.Name, "Month", month.Label()) + "\n" + c.N("commune.ov_sub", len(o.Rows))}
	if len(o.Rows) == 0 {
		lines = append(lines, c.T("commune.ov_no_cells"))
	}
	held := 0
	var rows [][]chat.Button
	for i, r := range o.Rows {
		if r.F.MonthState == storage.MeetingClosed {
			held++
		}
		lines = append(lines, fmt.Sprintf("%d. ", i+1)+cellLines(c, o, &r))
		rows = append(rows, []chat.Button{core.ActionButton(c.T("commune.btn_cell", "N", i+1, "Cell", r.Cell.Name), codeCellPage, fmt.Sprintf("%d:%s", r.Cell.ID, month))})
	}
	if len(o.Rows) > 0 {
		lines = append(lines, c.T("commune.ov_total", "Held", held, "Count", len(o.Rows)))
	}
	if s.all {
		groups, err := groupLines(c, s.org.ID, month)
		if err != nil {
			return err
		}
		lines = append(lines, groups...)
	}
	if s.all {
		arg := fmt.Sprintf("%d:%s", s.org.ID, month)
		rows = append(rows, []chat.Button{core.ActionButton(c.T("commune.btn_chart"), codeFiles, arg+":g"), core.ActionButton(c.T("commune.btn_workbook"), codeFiles, arg+":x")})
		rows = append(rows, []chat.Button{core.ActionButton(c.T("rating.btn_year", "Year", month.Y), codeRating, fmt.Sprintf("%d:%d", s.org.ID, month.Y))})
	}
	c.Reply(strings.Join(lines, "\n"), rows...)
	return nil
}

// cellLines are a cell's few short lines on the commune's screen.
func cellLines(c *core.Ctx, o *Overview, r *Row) string {
	f := r.F
	lines := []string{r.Cell.Name, "  " + monthLine(c, f), "  " + yearLine(c, f)}
	var parts []string
	parts = append(parts, c.T("commune.ov_art8", "N", len(f.Flagged)))
	if f.FarAway > 0 {
		parts = append(parts, c.T("commune.ov_far", "Reported", f.Reported, "Late", f.Late, "Silent", f.Silent, "Count", f.FarAway))
	}
	if f.YearContacts > 0 {
		parts = append(parts, c.T("fgov.cell_contacts", "N", f.YearContacts))
	}
	if f.CommentsOwed+f.CommentsReceived > 0 {
		parts = append(parts, c.T("commune.ov_comments", "Received", f.CommentsReceived, "Owed", f.CommentsOwed))
	}
	for _, x := range o.Extra {
		parts = append(parts, c.T(x.lineID, "N", f.Extra[x.key]))
	}
	lines = append(lines, "  "+strings.Join(parts, " · "))
	if !f.Secretary {
		lines = append(lines, "  "+c.T("commune.ov_no_secretary"))
	}
	if len(r.Followers) == 0 {
		lines = append(lines, "  "+c.T("commune.ov_no_follower"))
	}
	return strings.Join(lines, "\n")
}

// monthLine is the month's regular meeting: held (when, rate against 85 %,
// band), planned, cancelled or none.
func monthLine(c *core.Ctx, f *core.CellFigures) string {
	switch f.MonthState {
	case storage.MeetingClosed:
		rate := c.T("commune.no_rate")
		if f.MonthRated {
			rate = c.T("commune.rate", "Rate", percent(c, f.MonthRate), "Mark", okMark(c, f.MonthRateOK))
		}
		return c.T("commune.ov_held", "Date", dayMonth(c, f.MonthAt), "Rate", rate, "Band", bandText(c, f))
	case storage.MeetingPlanned, storage.MeetingOpen:
		return c.T("commune.ov_planned", "Date", dayMonth(c, f.MonthAt))
	case storage.MeetingCancelled:
		return c.T("commune.ov_cancelled")
	}
	return c.T("commune.ov_none")
}

// yearLine is the year so far: months with a regular meeting held, the
// year's attendance, and the meetings scored Tốt.
func yearLine(c *core.Ctx, f *core.CellFigures) string {
	rate := c.T("commune.no_rate")
	if f.YearExpected > 0 {
		rate = percent(c, float64(f.YearPresent)*100/float64(f.YearExpected))
	}
	return c.T("commune.ov_year", "Year", f.Month.Y, "Held", f.YearHeld, "Months", f.YearMonths, "Rate", rate,
		"RateOK", f.YearRateOK, "Closed", f.YearClosed, "Good", f.YearGood)
}

func bandText(c *core.Ctx, f *core.CellFigures) string {
	if f.MonthBandID == "" {
		return c.T("commune.unscored")
	}
	return c.T("commune.band", "Score", f.MonthScore, "Band", c.T(f.MonthBandID))
}

func okMark(c *core.Ctx, ok bool) string {
	if ok {
		return c.T("commune.mark_ok")
	}
	return c.T("commune.mark_below")
}

// percent formats a rate with one decimal and the reader's decimal mark, as
// the cell's own views do.
func percent(c *core.Ctx, p float64) string {
	return strings.Replace(strconv.FormatFloat(p, 'f', 1, 64), ".", c.T("mt.decimal_mark"), 1) + "%"
}

func dayMonth(c *core.Ctx, t time.Time) string { return t.In(c.Zone()).Format("02/01 15:04") }

// ---- a cell's page ----

// cellArg reads "<cell>:<yyyy-mm>" and checks that the caller may see the
// cell; ok false when they may not (they are told).
func cellArg(c *core.Ctx, args string) (*storage.Cell, *scope, core.Period, bool, error) {
	idText, monthText, _ := strings.Cut(args, ":")
	id, _ := strconv.ParseUint(idText, 10, 64)
	month, okMonth := core.ParsePeriod(monthText)
	cell, err := db(c).Cell(id)
	if errors.Is(err, storage.ErrNotFound) || !okMonth {
		c.Say("err.stale_button")
		return nil, nil, month, false, nil
	}
	if err != nil {
		return nil, nil, month, false, err
	}
	s, ok, err := scopeFor(c, cell)
	if err != nil {
		return nil, nil, month, false, err
	}
	if !ok {
		c.Say("commune.not_allowed")
		return nil, nil, month, false, nil
	}
	return cell, s, month, true, nil
}

func actCellPage(c *core.Ctx, args string) error {
	cell, s, month, ok, err := cellArg(c, args)
	if !ok || err != nil {
		return err
	}
	o, err := Gather(c, &s.org, []storage.Cell{*cell}, month)
	if err != nil {
		return err
	}
	r := &o.Rows[0]
	f := r.F
	followers := c.T("commune.page_no_follower")
	if len(r.Followers) > 0 {
		followers = strings.Join(r.Followers, ", ")
	}
	secretary := c.T("commune.page_secretary_yes")
	if !f.Secretary {
		secretary = c.T("commune.ov_no_secretary")
	}
	lines := []string{
		c.T("commune.page_header", "Cell", cell.Name, "Month", month.Label()),
		c.T("commune.page_followers", "Names", followers),
		secretary,
		c.T("commune.page_month", "Line", monthLine(c, f)),
	}
	if f.MonthState == storage.MeetingClosed {
		lines = append(lines, c.T("commune.page_counts", "Present", f.MonthPresent, "Expected", f.MonthExpected))
	}
	mt := reviewable(c, f)
	if mt != nil {
		lines = append(lines, reviewLines(c, mt, f)...)
	}
	lines = append(lines, yearLine(c, f), c.N("commune.page_art8", len(f.Flagged)))
	if f.FarAway > 0 {
		lines = append(lines, c.T("commune.page_far", "Count", f.FarAway, "Reported", f.Reported, "Late", f.Late, "Silent", f.Silent))
	}
	lines = append(lines, c.T("commune.page_comments", "Received", f.CommentsReceived, "Owed", f.CommentsOwed))
	for _, x := range o.Extra {
		lines = append(lines, c.T(x.lineID, "N", f.Extra[x.key]))
	}
	lines = append(lines, c.T("commune.page_note"))
	arg := fmt.Sprintf("%d:%s", cell.ID, month)
	var rows [][]chat.Button
	if len(f.Flagged) > 0 {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("commune.btn_names"), codeNames, arg)})
	}
	if f.LastClosedID != 0 {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("commune.btn_summary"), codeSummary, strconv.FormatUint(f.LastClosedID, 10))})
	}
	if mt != nil && mayReview(c, s, cell) {
		id := strconv.FormatUint(mt.ID, 10)
		rows = append(rows, []chat.Button{core.ActionButton(c.T("commune.btn_confirm"), codeReview, id+":y"), core.ActionButton(c.T("commune.btn_comment"), codeReview, id+":c")})
	}
	rows = append(rows, []chat.Button{core.ActionButton(c.T("commune.btn_back"), codeOverview, fmt.Sprintf("%d:%s", s.org.ID, month))})
	c.Reply(strings.Join(lines, "\n"), rows...)
	return nil
}

// actNames shows the names behind the art. 8 count, to those who may see
// the cell; each view is audited.
func actNames(c *core.Ctx, args string) error {
	cell, s, month, ok, err := cellArg(c, args)
	if !ok || err != nil {
		return err
	}
	o, err := Gather(c, &s.org, []storage.Cell{*cell}, month)
	if err != nil {
		return err
	}
	ids := o.Rows[0].F.Flagged
	if len(ids) == 0 {
		c.Say("commune.names_none", "Cell", cell.Name)
		return nil
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = "• " + c.PersonName(id)
	}
	if err := c.Audit("commune_view", cell.ID, 0, nil, viewRecord{What: "art8", Month: month.String(), Count: len(ids)}); err != nil {
		return err
	}
	c.Reply(c.N("commune.names_header", len(ids), "Cell", cell.Name, "Year", month.Y) + "\n" + strings.Join(names, "\n") + "\n" + c.T("commune.names_note"))
	return nil
}

// viewRecord is what a commune role looked at, in the audit log.
type viewRecord struct {
	What    string `json:"what"` // "art8", "summary"
	Month   string `json:"month,omitempty"`
	Meeting uint64 `json:"meeting,omitempty"`
	Count   int    `json:"count,omitempty"`
}

// actSummary shows a closed meeting's summary to those who may see its
// cell; the view is audited (the summary names members).
func actSummary(c *core.Ctx, args string) error {
	id, _ := strconv.ParseUint(args, 10, 64)
	mt, err := db(c).Meeting(id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && mt.State != storage.MeetingClosed) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	cell, err := db(c).Cell(mt.CellID)
	if err != nil {
		return err
	}
	if _, ok, err := scopeFor(c, cell); err != nil || !ok {
		if err == nil {
			c.Say("commune.not_allowed")
		}
		return err
	}
	text, err := c.MeetingSummary(mt, cell)
	if err != nil {
		return err
	}
	if err := c.AuditMeeting("commune_view", mt, 0, nil, viewRecord{What: "summary", Meeting: mt.ID}); err != nil {
		return err
	}
	c.Reply(c.T("commune.summary_header", "Cell", cell.Name) + "\n" + text)
	return nil
}

// groupLines are the organization's far-away party groups on the commune's
// screen (issue 17), a short paragraph each; none when it has none.
func groupLines(c *core.Ctx, orgID uint64, month core.Period) ([]string, error) {
	gs, err := c.GroupFiguresOf(orgID, month)
	if err != nil || len(gs) == 0 {
		return nil, err
	}
	out := []string{c.N("fgov.header", len(gs))}
	for _, g := range gs {
		out = append(out, c.N("fgov.group", g.Members, "Name", g.Name, "Leader", g.Leader)+"\n  "+
			c.T("fgov.month", "Month", month.Label(), "Reported", g.Reported, "Late", g.Late, "Silent", g.Silent)+"\n  "+
			c.T("fgov.year", "Year", month.Y, "Flagged", g.YearFlagged, "Contact", g.YearInContact, "Count", g.Members))
	}
	return out, nil
}
