package commune

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/storage"
)

// The year's rating, prepared (issue 17): per cell, the evidence for each
// criterion of the organization's rule file, read from the overview's
// figures (Gather: the very numbers the cells' own views show); the
// standing committee records its rating, each decision with who and when
// and audited, a change being an amendment that keeps the first decision;
// the cell's secretaries are told and see it with /xeploai. chibo never
// rates a cell: "met" beside a figure is evidence, not a verdict.

func registerRating(e *core.Engine) {
	e.AuditWords(map[string]core.AuditFunc{"rating_recorded": auditRating, "rating_amended": auditRating})
	e.Command(&core.Command{Name: "xeploai", Need: core.NeedLeader, PrivateOnly: true, HelpID: "rating.help_xeploai", MenuID: "rating.menu_xeploai", Run: runXeploai})
	e.DueSource("commune-rating", dueRating)
}

// FigureEvidence is one figure of a criterion against its threshold.
type FigureEvidence struct {
	Rule  storage.RatingFigure
	Label string
	Pct   bool
	Value float64
	Known bool // false: nothing to count (no threshold is shown as met)
	Met   bool
}

// CriterionEvidence is a criterion's figures.
type CriterionEvidence struct {
	Key, Label string
	Figures    []FigureEvidence
	// Dropped is a criterion decided on that the rules no longer have: its
	// decision stands, shown with the words it was taken under.
	Dropped bool
}

// CellEvidence is a cell's evidence for the year and its rating so far.
type CellEvidence struct {
	Row      Row
	Criteria []CriterionEvidence
	Rating   *storage.CellRating // nil when nothing was recorded
}

// YearEvidence is the evidence of the organization's cells for the year.
type YearEvidence struct {
	Org   storage.Organization
	Year  int
	Month core.Period // the month whose figures are shown: December, or this month
	Rules *storage.RatingRules
	Cells []CellEvidence
}

// ratingMonth is the month of the year's figures: December, or this month
// for the year in course. ok false for a year to come.
func ratingMonth(c *core.Ctx, year int) (core.Period, bool) {
	now := thisMonth(c)
	switch {
	case year > now.Y || year < 2000:
		return core.Period{}, false
	case year == now.Y:
		return now, true
	}
	return core.Period{Y: year, M: 12}, true
}

// Evidence gathers the year's evidence of cells from the overview's figures.
func Evidence(c *core.Ctx, org *storage.Organization, cells []storage.Cell, year int) (*YearEvidence, error) {
	month, ok := ratingMonth(c, year)
	if !ok {
		return nil, ErrBadYear
	}
	rules, err := RatingRulesOf(c.Tx, c.E.Cat, org.ID)
	if err != nil {
		return nil, err
	}
	o, err := Gather(c, org, cells, month)
	if err != nil {
		return nil, err
	}
	y := &YearEvidence{Org: *org, Year: year, Month: month, Rules: rules}
	for _, r := range o.Rows {
		ce := CellEvidence{Row: r}
		for _, cr := range rules.Criteria {
			ev := CriterionEvidence{Key: cr.Key, Label: c.PickLabel(cr.Label, cr.Key)}
			for _, fr := range cr.Figures {
				def := figureOf(fr.Figure)
				fe := FigureEvidence{Rule: fr, Label: c.T(def.labelID), Pct: def.pct}
				fe.Value, fe.Known = def.value(r.F)
				fe.Met = fe.Known && met(fr, fe.Value)
				ev.Figures = append(ev.Figures, fe)
			}
			ce.Criteria = append(ce.Criteria, ev)
		}
		rt, err := db(c).CellRatingOf(org.ID, year, r.Cell.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		ce.Rating = rt
		ce.Criteria = append(ce.Criteria, droppedCriteria(c, rules, rt)...)
		y.Cells = append(y.Cells, ce)
	}
	return y, nil
}

// droppedCriteria are the criteria decided on in r that rules no longer
// has, in the order they were first decided.
func droppedCriteria(c *core.Ctx, rules *storage.RatingRules, r *storage.CellRating) []CriterionEvidence {
	if r == nil {
		return nil
	}
	var out []CriterionEvidence
	for _, d := range r.Decisions {
		if d.Field == storage.RatingOverall || slices.ContainsFunc(rules.Criteria, func(cr storage.RatingCriterion) bool { return cr.Key == d.Field }) ||
			slices.ContainsFunc(out, func(ev CriterionEvidence) bool { return ev.Key == d.Field }) {
			continue
		}
		cur, _ := r.Current(d.Field)
		words := cur.Labels
		if words == nil { // a decision recorded without its words: the default rules'
			for _, cr := range DefaultRatingRules(c.E.Cat).Criteria {
				if cr.Key == d.Field {
					words = cr.Label
				}
			}
		}
		out = append(out, CriterionEvidence{Key: d.Field, Label: c.T("rating.crit_dropped", "Label", c.PickLabel(words, d.Field)), Dropped: true})
	}
	return out
}

// ErrBadYear is a year to come (or before 2000): it has no rating.
var ErrBadYear = errors.New("commune: no rating for that year")

// OrgEvidence is Evidence for every cell of the organization.
func OrgEvidence(c *core.Ctx, org *storage.Organization, year int) (*YearEvidence, error) {
	cells, err := db(c).OrgCells(org.ID)
	if err != nil {
		return nil, err
	}
	return Evidence(c, org, cells, year)
}

// ---- words ----

func (fe *FigureEvidence) valueText(c *core.Ctx) string {
	if !fe.Known {
		return c.T("rating.no_data")
	}
	if fe.Pct {
		return percent(c, fe.Value)
	}
	return strconv.FormatFloat(fe.Value, 'f', -1, 64)
}

func (fe *FigureEvidence) ruleText(c *core.Ctx) string {
	v := strconv.FormatFloat(fe.Rule.Value, 'f', -1, 64)
	if fe.Pct {
		v = percent(c, fe.Rule.Value)
	}
	op := map[string]string{">=": "≥", "<=": "≤", "=": "="}[fe.Rule.Op]
	return op + " " + v
}

// markText says whether the figure meets its rule, or is unknown.
func (fe *FigureEvidence) markText(c *core.Ctx) string {
	switch {
	case !fe.Known:
		return c.T("rating.mark_unknown")
	case fe.Met:
		return c.T("rating.mark_met")
	}
	return c.T("rating.mark_below")
}

func (fe *FigureEvidence) line(c *core.Ctx) string {
	return c.T("rating.figure_line", "Label", fe.Label, "Value", fe.valueText(c), "Rule", fe.ruleText(c), "Mark", fe.markText(c))
}

// overallText is the overall decision with who and when, or "not decided".
func overallText(c *core.Ctx, y *YearEvidence, ce *CellEvidence) string {
	if d := decisionText(c, y.Rules, ce.Rating, storage.RatingOverall); d != "" {
		return d
	}
	return c.T("rating.not_decided")
}

// decisionText is a field's decision in force, with who and when, and the
// first one when it was amended; "" when none.
func decisionText(c *core.Ctx, rules *storage.RatingRules, r *storage.CellRating, field string) string {
	if r == nil {
		return ""
	}
	cur, first := r.Current(field)
	if cur == nil {
		return ""
	}
	s := c.T("rating.decided", "Value", decisionValue(c, rules, cur), "Name", c.PersonName(cur.By), "Date", c.Date(cur.At))
	if first != cur {
		s += " " + c.T("rating.amended", "Value", decisionValue(c, rules, first), "Name", c.PersonName(first.By), "Date", c.Date(first.At))
	}
	return s
}

func decisionValue(c *core.Ctx, rules *storage.RatingRules, d *storage.RatingDecision) string {
	if d.Field == storage.RatingOverall {
		if d.Labels != nil {
			return c.PickLabel(d.Labels, d.Level)
		}
		for _, l := range rules.Levels { // a decision recorded without its words
			if l.Key == d.Level {
				return c.PickLabel(l.Label, l.Key)
			}
		}
		return d.Level
	}
	if d.Met {
		return c.T("rating.crit_met")
	}
	return c.T("rating.crit_not_met")
}

// cellEvidenceText is a cell's evidence and rating, criterion by criterion.
func cellEvidenceText(c *core.Ctx, y *YearEvidence, ce *CellEvidence) string {
	lines := []string{c.T("rating.cell_header", "Cell", ce.Row.Cell.Name, "Year", y.Year, "Month", y.Month.Label())}
	for _, cr := range ce.Criteria {
		lines = append(lines, "• "+cr.Label)
		for i := range cr.Figures {
			lines = append(lines, "   "+cr.Figures[i].line(c))
		}
		if d := decisionText(c, y.Rules, ce.Rating, cr.Key); d != "" {
			lines = append(lines, "   "+d)
		}
	}
	lines = append(lines, c.T("rating.overall", "Text", overallText(c, y, ce)))
	return strings.Join(lines, "\n")
}

// ---- the standing committee's screens ----

// yearArg reads "<org>:<year>"-like arguments' year.
func yearArg(s string) int { y, _ := strconv.Atoi(s); return y }

// wholeScope is the caller's scope over org when they see the whole
// commune (the standing committee or the office); nil when not (told).
func wholeScope(c *core.Ctx, orgID uint64) (*scope, error) {
	scopes, err := scopesOf(c)
	if err != nil {
		return nil, err
	}
	for i := range scopes {
		if scopes[i].org.ID == orgID && scopes[i].all {
			return &scopes[i], nil
		}
	}
	c.Say("commune.not_standing")
	return nil, nil
}

// actRating is the year's rating screen: "c.rating:<org>:<year>".
func actRating(c *core.Ctx, args string) error {
	orgText, yearText, _ := strings.Cut(args, ":")
	id, _ := strconv.ParseUint(orgText, 10, 64)
	s, err := wholeScope(c, id)
	if s == nil || err != nil {
		return err
	}
	y, err := OrgEvidence(c, &s.org, yearArg(yearText))
	if errors.Is(err, ErrBadYear) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	lines := []string{c.T("rating.header", "Org", s.org.Name, "Year", y.Year, "Month", y.Month.Label())}
	var rows [][]chat.Button
	for i, ce := range y.Cells {
		met := 0
		total := 0
		for _, cr := range ce.Criteria {
			for _, fe := range cr.Figures {
				total++
				if fe.Met {
					met++
				}
			}
		}
		lines = append(lines, c.T("rating.cell_line", "N", i+1, "Cell", ce.Row.Cell.Name, "Met", met, "Total", total, "Overall", overallText(c, y, &ce)))
		rows = append(rows, []chat.Button{core.ActionButton(c.T("commune.btn_cell", "N", i+1, "Cell", ce.Row.Cell.Name), codeRatingCell, fmt.Sprintf("%d:%d", ce.Row.Cell.ID, y.Year))})
	}
	lines = append(lines, c.T("rating.note"))
	rows = append(rows, []chat.Button{core.ActionButton(c.T("commune.btn_workbook"), codeRatingFiles, fmt.Sprintf("%d:%d", s.org.ID, y.Year))})
	c.Reply(strings.Join(lines, "\n"), rows...)
	return nil
}

// ratingCellArg reads "<cell>:<year>" and the caller's standing scope.
func ratingCellArg(c *core.Ctx, args string) (*storage.Cell, *scope, int, string, bool, error) {
	parts := strings.SplitN(args, ":", 3)
	id, _ := strconv.ParseUint(parts[0], 10, 64)
	cell, err := db(c).Cell(id)
	if errors.Is(err, storage.ErrNotFound) || len(parts) < 2 {
		c.Say("err.stale_button")
		return nil, nil, 0, "", false, nil
	}
	if err != nil {
		return nil, nil, 0, "", false, err
	}
	s, err := wholeScope(c, cell.OrgID)
	if s == nil || err != nil {
		return nil, nil, 0, "", false, err
	}
	rest := ""
	if len(parts) == 3 {
		rest = parts[2]
	}
	return cell, s, yearArg(parts[1]), rest, true, nil
}

// actRatingCell is a cell's evidence and the buttons to record the rating:
// "c.rcell:<cell>:<year>".
func actRatingCell(c *core.Ctx, args string) error {
	cell, s, year, _, ok, err := ratingCellArg(c, args)
	if !ok || err != nil {
		return err
	}
	return showRatingCell(c, s, cell, year)
}

func showRatingCell(c *core.Ctx, s *scope, cell *storage.Cell, year int) error {
	y, err := Evidence(c, &s.org, []storage.Cell{*cell}, year)
	if errors.Is(err, ErrBadYear) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	ce := &y.Cells[0]
	arg := fmt.Sprintf("%d:%d", cell.ID, year)
	var rows [][]chat.Button
	if s.standing {
		for _, cr := range y.Rules.Criteria {
			l := c.PickLabel(cr.Label, cr.Key)
			rows = append(rows, []chat.Button{
				core.ActionButton(c.T("rating.btn_met", "Label", l), codeRatingSet, arg+":"+cr.Key+":y"),
				core.ActionButton(c.T("rating.btn_not_met", "Label", l), codeRatingSet, arg+":"+cr.Key+":n")})
		}
		var levels []chat.Button
		for _, l := range y.Rules.Levels {
			levels = append(levels, core.ActionButton(c.PickLabel(l.Label, l.Key), codeRatingSet, arg+":"+storage.RatingOverall+":"+l.Key))
		}
		for len(levels) > 0 {
			n := min(2, len(levels))
			rows = append(rows, levels[:n])
			levels = levels[n:]
		}
	}
	rows = append(rows, []chat.Button{core.ActionButton(c.T("rating.btn_pdf"), codeRatingFiles, fmt.Sprintf("%d:%d:%d", s.org.ID, year, cell.ID)),
		core.ActionButton(c.T("rating.btn_back", "Year", year), codeRating, fmt.Sprintf("%d:%d", s.org.ID, year))})
	c.Reply(cellEvidenceText(c, y, ce)+"\n"+c.T("rating.note"), rows...)
	return nil
}

// actRatingSet records one decision of the standing committee:
// "c.rset:<cell>:<year>:<criterion>:y|n" or "c.rset:<cell>:<year>:overall:<level>".
func actRatingSet(c *core.Ctx, args string) error {
	cell, s, year, rest, ok, err := ratingCellArg(c, args)
	if !ok || err != nil {
		return err
	}
	if !s.standing {
		c.Say("rating.not_standing")
		return nil
	}
	if _, ok := ratingMonth(c, year); !ok {
		c.Say("err.stale_button")
		return nil
	}
	field, value, _ := strings.Cut(rest, ":")
	rules, err := RatingRulesOf(c.Tx, c.E.Cat, s.org.ID)
	if err != nil {
		return err
	}
	d := storage.RatingDecision{Field: field, By: c.Me.ID, At: c.Now}
	level := slices.IndexFunc(rules.Levels, func(l storage.RatingLevel) bool { return l.Key == value })
	crit := slices.IndexFunc(rules.Criteria, func(cr storage.RatingCriterion) bool { return cr.Key == field })
	switch {
	case field == storage.RatingOverall && level >= 0:
		d.Level, d.Labels = value, rules.Levels[level].Label
	case field != storage.RatingOverall && (value == "y" || value == "n") && crit >= 0:
		d.Met, d.Labels = value == "y", rules.Criteria[crit].Label
	default:
		c.Say("err.stale_button") // a rule file changed since the button was sent
		return nil
	}
	r, err := db(c).CellRatingOf(s.org.ID, year, cell.ID)
	if errors.Is(err, storage.ErrNotFound) {
		r, err = &storage.CellRating{OrgID: s.org.ID, CellID: cell.ID, Year: year}, nil
	}
	if err != nil {
		return err
	}
	before, _ := r.Current(field)
	if before != nil && before.Met == d.Met && before.Level == d.Level {
		c.Say("rating.unchanged")
		return nil
	}
	action := "rating_recorded"
	var beforeRec any
	if before != nil {
		action, beforeRec = "rating_amended", *before
	}
	r.Decisions = append(r.Decisions, d)
	if err := db(c).PutCellRating(r); err != nil {
		return err
	}
	if err := c.Audit(action, cell.ID, 0, beforeRec, ratingAudit{Year: year, RatingDecision: d}); err != nil {
		return err
	}
	if field == storage.RatingOverall {
		if err := tellSecretaries(c, cell, year, rules, &d, before != nil); err != nil {
			return err
		}
	}
	c.Say("rating.recorded", "Cell", cell.Name, "Value", decisionValue(c, rules, &d))
	return showRatingCell(c, s, cell, year)
}

// ratingAudit is a decision in the audit log.
type ratingAudit struct {
	Year int `json:"year"`
	storage.RatingDecision
}

// tellSecretaries tells the cell's secretaries and deputies the overall
// rating (or its amendment).
func tellSecretaries(c *core.Ctx, cell *storage.Cell, year int, rules *storage.RatingRules, d *storage.RatingDecision, amended bool) error {
	ms, err := db(c).CellLeaders(cell.ID)
	if err != nil {
		return err
	}
	id := "rating.told"
	if amended {
		id = "rating.told_amended"
	}
	for i := range ms {
		r := c.ReaderOf(&ms[i]) // the level in the secretary's language
		c.SendTo(&ms[i], id, "Cell", cell.Name, "Year", year, "Value", decisionValue(r, rules, d), "Name", c.PersonName(d.By), "Date", r.Date(d.At))
	}
	return nil
}

// ---- the cell's view ----

// runXeploai shows a secretary (or deputy) their cells' rating for the year
// (this year, or the year given): the committee's decisions, who and when,
// and the evidence they were given.
func runXeploai(c *core.Ctx, args string) error {
	year := thisMonth(c).Y
	if a := strings.TrimSpace(args); a != "" {
		year = yearArg(a)
	}
	if _, ok := ratingMonth(c, year); !ok {
		c.Say("rating.bad_year", "Year", thisMonth(c).Y)
		return nil
	}
	var lines []string
	for _, cellID := range c.Me.LedCells() {
		cell, err := db(c).Cell(cellID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		org, err := db(c).Org(cell.OrgID)
		if err != nil {
			return err
		}
		y, err := Evidence(c, org, []storage.Cell{*cell}, year)
		if err != nil {
			return err
		}
		lines = append(lines, cellEvidenceText(c, y, &y.Cells[0]))
	}
	if len(lines) == 0 {
		c.Say("rating.no_cells")
		return nil
	}
	c.Reply(strings.Join(lines, "\n\n") + "\n" + c.T("rating.note"))
	return nil
}

// auditRating is a rating decision in the audit log's words: the year, the
// field and the value (a level by its key: the rule file may change).
func auditRating(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after, before ratingAudit
	core.DecodeAudit(e.After, &after)
	core.DecodeAudit(e.Before, &before)
	value := func(d *storage.RatingDecision) string {
		switch {
		case d.Field == "":
			return ""
		case d.Field == storage.RatingOverall:
			return c.PickLabel(d.Labels, d.Level)
		case d.Met:
			return c.T("rating.crit_met")
		}
		return c.T("rating.crit_not_met")
	}
	field := c.PickLabel(after.Labels, after.Field)
	if after.Field == storage.RatingOverall {
		field = c.T("rating.col_overall")
	}
	return core.AuditView{What: c.T("rating.audit_what", "Year", after.Year, "Field", field), Before: value(&before.RatingDecision), After: value(&after.RatingDecision)}
}
