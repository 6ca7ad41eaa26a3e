package commune

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
)

// Giao ban: the standing committee's briefing with the cells' secretaries,
// monthly or quarterly on a cron-like schedule. A week before, every
// secretary gets the notice (answer: attending or not) and is asked for a
// short report, prefilled from chibo's records; the day before, secretaries
// who have not reported are reminded and the standing committee gets the
// compiled reports and the workbook; after it, the committee's conclusion
// for each cell goes to its secretary. Moved after reports were sent:
// secretaries are told and the reports kept.

func registerBriefing(e *core.Engine) {
	e.Command(&core.Command{Name: "giaoban", Need: core.NeedCommune, PrivateOnly: true, HelpID: "commune.help_giaoban", MenuID: "commune.menu_giaoban", Run: runGiaoban})
	e.Register(&core.Flow{Name: "gbreport", Need: core.NeedMember, First: stepReportDone, State: func() any { return &briefingForm{} },
		Steps: map[core.StepName]core.Step{
			stepReportDone: {Ask: askReportDone, Answer: answerReportDone, Next: []core.StepName{stepReportHard}},
			stepReportHard: {Ask: askReportHard, Answer: answerReportHard, Next: []core.StepName{}},
		}})
	e.Register(&core.Flow{Name: "gbconc", Need: core.NeedMember, First: stepConclusion, State: func() any { return &briefingForm{} },
		Steps: map[core.StepName]core.Step{
			stepConclusion: {Ask: askConclusion, Answer: answerConclusion, Next: []core.StepName{}},
		}})
	e.DueSource("commune-briefings", dueBriefings)
	e.AuditWords(map[string]core.AuditFunc{"briefing": auditBriefing})
}

// The steps of the report (gbreport) and conclusion (gbconc) flows.
const (
	stepReportDone core.StepName = "done"
	stepReportHard core.StepName = "hard"
	stepConclusion core.StepName = "text"
)

// briefingForm is the state of a cell's report for a giao ban or of the
// committee's conclusion for a cell: the briefing and cell, and the
// report's first answer.
type briefingForm struct {
	Org      uint64 `json:"org"`
	Briefing uint64 `json:"b"`
	Cell     uint64 `json:"cell"`
	Done     string `json:"done,omitempty"`
}

// key is the briefing as briefingFor reads it.
func (f *briefingForm) key() string { return fmt.Sprintf("%d:%d", f.Org, f.Briefing) }

// Briefing offsets: the notice and report request a week before, the
// reminder and the compiled reports the day before.
const (
	noticeBefore = 7 * 24 * time.Hour
	eveBefore    = 24 * time.Hour
	maxReport    = 1000 // characters of each written part of a report
)

// upcoming is the organization's next briefing (one under way counts until
// four hours after its start), made from the schedule when there is none.
func upcoming(c *core.Ctx, orgID uint64) (*storage.Briefing, error) {
	s, err := c.Tx.BriefingSettingsOf(orgID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	all, err := c.Tx.Briefings(orgID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if !all[i].Cancelled && all[i].At.After(c.Now.Add(-4*time.Hour)) {
			return &all[i], nil
		}
	}
	sched, err := cron.ParseStandard(s.Spec)
	if err != nil {
		return nil, fmt.Errorf("briefing schedule of organization %d: %w", orgID, err)
	}
	b := &storage.Briefing{OrgID: orgID, At: sched.Next(c.Now.In(c.Zone())), Place: s.Place, Created: c.Now}
	return b, c.Tx.PutBriefing(b)
}

// latestPast is the organization's last briefing already held, or nil.
func latestPast(c *core.Ctx, orgID uint64) (*storage.Briefing, error) {
	all, err := c.Tx.Briefings(orgID)
	if err != nil {
		return nil, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if !all[i].Cancelled && !all[i].At.After(c.Now) {
			return &all[i], nil
		}
	}
	return nil, nil
}

// secretaries lists, per cell of the organization, its secretaries on chibo.
func secretaries(c *core.Ctx, orgID uint64) ([]storage.Cell, map[uint64][]storage.Member, error) {
	cells, err := c.Tx.OrgCells(orgID)
	if err != nil {
		return nil, nil, err
	}
	out := map[uint64][]storage.Member{}
	for i := range cells {
		if out[cells[i].ID], err = cellSecretaries(c, &cells[i]); err != nil {
			return nil, nil, err
		}
	}
	return cells, out, nil
}

// cellSecretaries are the cell's secretaries who can be told.
func cellSecretaries(c *core.Ctx, cell *storage.Cell) ([]storage.Member, error) {
	ls, err := c.Tx.CellLeaders(cell.ID)
	if err != nil {
		return nil, err
	}
	var out []storage.Member
	for _, m := range ls {
		if m.HasRole(cell.ID, storage.RoleSecretary) && len(m.Contacts) > 0 && !m.Forgotten() {
			out = append(out, m)
		}
	}
	return out, nil
}

// standingMembers are the standing committee in force now.
func standingMembers(c *core.Ctx, orgID uint64) ([]storage.Member, error) {
	roles, err := activeRoles(c, orgID, c.Now)
	if err != nil {
		return nil, err
	}
	var out []storage.Member
	for _, r := range roles {
		if !r.Kind.Standing() {
			continue
		}
		if m, err := c.Tx.Member(r.MemberID); err == nil {
			out = append(out, *m)
		}
	}
	return out, nil
}

func briefingWhen(c *core.Ctx, b *storage.Briefing) string {
	return b.At.In(c.Zone()).Format("15:04") + " " + c.T("commune.gb_day", "Date", c.Date(b.At))
}

func placeText(c *core.Ctx, b *storage.Briefing) string {
	if b.Place == "" {
		return c.T("commune.gb_place_default")
	}
	return b.Place
}

// ---- the schedule ----

// dueBriefings does a cell's part of its organization's giao ban: the
// notice and report request to the cell's secretaries a week before, the
// eve's reminder and, for the organization's first cell only (so it is
// worked out once), the compiled reports to the standing committee. It
// looks again when the next of those falls due: a briefing's schedule or
// move touches every cell of the organization (storage.PutBriefing).
func dueBriefings(c *core.Ctx, cell *storage.Cell) (time.Time, error) {
	if _, err := c.Tx.BriefingSettingsOf(cell.OrgID); errors.Is(err, storage.ErrNotFound) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	b, err := upcoming(c, cell.OrgID)
	if err != nil || b == nil {
		return time.Time{}, err
	}
	notice, eve, over := b.At.Add(-noticeBefore), b.At.Add(-eveBefore), b.At.Add(4*time.Hour+time.Minute)
	switch {
	case c.Now.Before(notice):
		return notice, nil
	case !c.Now.Before(b.At):
		return over, nil // the next briefing is made once this one is over
	case quietNow(c):
		return c.Now.Add(30 * time.Minute), nil // look again once the quiet hours may have ended
	}
	isEve := !c.Now.Before(eve)
	if err := noticeBriefing(c, b, cell, isEve); err != nil {
		return time.Time{}, err
	}
	if isEve {
		return over, nil
	}
	return eve, nil
}

// noticeBriefing sends the notice and report request to every secretary not
// told yet and, on the eve, the reminder to those without a report and the
// compiled reports to the standing committee.
func noticeBriefing(c *core.Ctx, b *storage.Briefing, cell *storage.Cell, eve bool) error {
	org, err := c.Tx.Org(b.OrgID)
	if err != nil {
		return err
	}
	secs, err := cellSecretaries(c, cell)
	if err != nil {
		return err
	}
	until := b.At.Add(24 * time.Hour)
	noticed := false
	for i := range secs {
		m := &secs[i]
		r := c.ReaderOf(m)
		figures, err := cellFigures(r, cell, b)
		if err != nil {
			return err
		}
		sent, err := c.RemindUntil(until, fmt.Sprintf("reminder/briefing/%d/%d", b.ID, m.ID), m, briefingButtons(r, b, cell.ID), "commune.gb_notice",
			"Org", org.Name, "When", briefingWhen(r, b), "Place", placeText(r, b), "Cell", cell.Name, "Figures", figures)
		if err != nil {
			return err
		}
		noticed = noticed || sent
		if eve && b.Reports[cell.ID] == nil {
			if _, err := c.RemindUntil(until, fmt.Sprintf("reminder/briefing-eve/%d/%d", b.ID, m.ID), m, briefingButtons(r, b, cell.ID),
				"commune.gb_eve", "Org", org.Name, "When", briefingWhen(r, b), "Cell", cell.Name); err != nil {
				return err
			}
		}
	}
	if noticed && b.Noticed.IsZero() {
		b.Noticed = c.Now
		if err := c.Tx.PutBriefing(b); err != nil {
			return err
		}
	}
	if ids := c.Tx.OrgCellIDs(b.OrgID); !eve || len(ids) == 0 || ids[0] != cell.ID {
		return nil
	}
	standing, err := standingMembers(c, b.OrgID)
	if err != nil {
		return err
	}
	for i := range standing {
		m := &standing[i]
		r := c.ReaderOf(m)
		text, err := compiledText(r, org, b)
		if err != nil {
			return err
		}
		if _, err := c.RemindUntil(until, fmt.Sprintf("reminder/briefing-pack/%d/%d", b.ID, m.ID), m,
			[][]chat.Button{{core.ActionButton(r.T("commune.btn_workbook"), codeFiles, fmt.Sprintf("%d:%s:b", b.OrgID, briefingMonth(r, b)))}}, "commune.gb_pack", "Text", text); err != nil {
			return err
		}
	}
	return nil
}

func briefingButtons(c *core.Ctx, b *storage.Briefing, cellID uint64) [][]chat.Button {
	arg := fmt.Sprintf("%d:%d", b.OrgID, b.ID)
	return [][]chat.Button{{core.ActionButton(c.T("mt.btn_yes"), codeBriefingRSVP, arg+":y"), core.ActionButton(c.T("mt.btn_no"), codeBriefingRSVP, arg+":n")},
		{core.ActionButton(c.T("commune.btn_report"), codeBriefingReport, fmt.Sprintf("%s:%d", arg, cellID))}}
}

func briefingMonth(c *core.Ctx, b *storage.Briefing) core.Period {
	t := b.At.In(c.Zone())
	return core.Period{Y: t.Year(), M: t.Month()}
}

// cellFigures is a cell's report as chibo prefills it: the overview's
// figures for the briefing's month, and the month's dues.
func cellFigures(c *core.Ctx, cell *storage.Cell, b *storage.Briefing) (string, error) {
	month := briefingMonth(c, b)
	f, err := c.FiguresOf(cell, month)
	if err != nil {
		return "", err
	}
	lines := []string{c.T("commune.page_month", "Line", monthLine(c, f)), yearLine(c, f)}
	if f.FarAway > 0 {
		lines = append(lines, c.T("commune.page_far", "Count", f.FarAway, "Reported", f.Reported, "Late", f.Late, "Silent", f.Silent))
	}
	lines = append(lines, c.T("commune.page_comments", "Received", f.CommentsReceived, "Owed", f.CommentsOwed))
	ms, err := c.Tx.Members(cell.ID)
	if err != nil {
		return "", err
	}
	paid, recorded := 0, 0
	for i := range ms {
		d, err := members.DuesOf(c.Tx, ms[i].ID, month.String())
		if err != nil {
			return "", err
		}
		if d != nil {
			recorded++
			if d.State == storage.DuesPaid {
				paid++
			}
		}
	}
	lines = append(lines, c.T("commune.gb_dues", "Month", month.Label(), "Paid", paid, "Recorded", recorded, "Count", len(ms)))
	return strings.Join(lines, "\n"), nil
}

// compiledText is every cell's report (or its absence) for the committee.
func compiledText(c *core.Ctx, org *storage.Organization, b *storage.Briefing) (string, error) {
	cells, err := c.Tx.OrgCells(org.ID)
	if err != nil {
		return "", err
	}
	parts := []string{c.T("commune.gb_compiled_header", "Org", org.Name, "When", briefingWhen(c, b), "Count", len(b.Reports), "Cells", len(cells))}
	for _, cell := range cells {
		r := b.Reports[cell.ID]
		if r == nil {
			parts = append(parts, c.T("commune.gb_compiled_missing", "Cell", cell.Name))
			continue
		}
		parts = append(parts, c.T("commune.gb_compiled_cell", "Cell", cell.Name, "Name", c.PersonName(r.By), "Figures", r.Figures, "Done", r.Done, "Hard", r.Difficulties))
	}
	return strings.Join(parts, "\n\n"), nil
}

// ---- /giaoban ----

// standingScope is the caller's first organization in which they see every
// cell (the standing committee or the admin), or nil.
func standingScope(c *core.Ctx) (*scope, error) {
	scopes, err := scopesOf(c)
	if err != nil {
		return nil, err
	}
	for i := range scopes {
		if scopes[i].all {
			return &scopes[i], nil
		}
	}
	return nil, nil
}

// runGiaoban is "/giaoban" (the next briefing), "/giaoban lich <cron spec>
// [at place]" or "/giaoban doi dd/mm/yyyy hh:mm".
func runGiaoban(c *core.Ctx, args string) error {
	s, err := standingScope(c)
	if err != nil {
		return err
	}
	if s == nil {
		c.Say("commune.not_standing")
		return nil
	}
	word, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	switch core.FoldForSearch(word) {
	case "":
		return briefingCard(c, &s.org)
	case "lich":
		return setSchedule(c, &s.org, strings.TrimSpace(rest))
	case "doi":
		return moveBriefing(c, &s.org, strings.TrimSpace(rest))
	}
	c.Say("commune.gb_usage")
	return nil
}

// quietNow reports whether now is in the default no-message hours
// (21:30–06:30) of the engine's zone: briefing notices wait for morning.
func quietNow(c *core.Ctx) bool {
	t := c.Now.In(c.Zone())
	m := t.Hour()*60 + t.Minute()
	return m >= core.DefaultQuietFrom || m < core.DefaultQuietTo
}

// setSchedule reads "<minute hour day month weekday> [place]".
func setSchedule(c *core.Ctx, org *storage.Organization, text string) error {
	fields := strings.Fields(text)
	if len(fields) < 5 {
		c.Say("commune.gb_bad_spec")
		return nil
	}
	spec, place := strings.Join(fields[:5], " "), strings.Join(fields[5:], " ")
	if _, err := cron.ParseStandard(spec); err != nil {
		c.Say("commune.gb_bad_spec")
		return nil
	}
	before, err := c.Tx.BriefingSettingsOf(org.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	s := &storage.BriefingSettings{OrgID: org.ID, Spec: spec, Place: place, By: c.MeID(), At: c.Now}
	if err := c.Tx.PutBriefingSettings(s); err != nil {
		return err
	}
	if err := c.Audit("briefing", 0, 0, before, briefingAudit{What: "schedule", Spec: spec, Place: place}); err != nil {
		return err
	}
	return briefingCard(c, org)
}

// briefingAudit is a briefing change in the audit log.
type briefingAudit struct {
	What  string    `json:"what"` // "schedule", "move", "report", "conclusion"
	Spec  string    `json:"spec,omitempty"`
	Place string    `json:"place,omitempty"`
	From  time.Time `json:"from,omitzero"`
	To    time.Time `json:"to,omitzero"`
	Cell  uint64    `json:"cell,omitempty"`
}

func briefingCard(c *core.Ctx, org *storage.Organization) error {
	s, err := c.Tx.BriefingSettingsOf(org.ID)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("commune.gb_no_schedule", "Org", org.Name)
		return nil
	}
	if err != nil {
		return err
	}
	b, err := upcoming(c, org.ID)
	if err != nil {
		return err
	}
	cells, secs, err := secretaries(c, org.ID)
	if err != nil {
		return err
	}
	yes, no, none := 0, 0, 0
	for _, cell := range cells {
		for _, m := range secs[cell.ID] {
			switch b.RSVP[m.ID] {
			case storage.RSVPYes:
				yes++
			case storage.RSVPNo:
				no++
			default:
				none++
			}
		}
	}
	text := c.T("commune.gb_card", "Org", org.Name, "Spec", s.Spec, "When", briefingWhen(c, b), "Place", placeText(c, b),
		"Yes", yes, "No", no, "None", none, "Reports", len(b.Reports), "Cells", len(cells))
	arg := fmt.Sprintf("%d:%d", org.ID, b.ID)
	rows := [][]chat.Button{{core.ActionButton(c.T("commune.btn_reports"), codeBriefingView, arg), core.ActionButton(c.T("commune.btn_workbook"), codeFiles, fmt.Sprintf("%d:%s:b", org.ID, briefingMonth(c, b)))}}
	past, err := latestPast(c, org.ID)
	if err != nil {
		return err
	}
	if past != nil {
		text += "\n" + c.T("commune.gb_past", "When", briefingWhen(c, past), "Count", len(past.Conclusions), "Cells", len(cells))
		for _, cell := range cells {
			rows = append(rows, []chat.Button{core.ActionButton(c.T("commune.btn_conclude", "Cell", cell.Name), codeBriefingConclude, fmt.Sprintf("%d:%d:%d", org.ID, past.ID, cell.ID))})
		}
	}
	c.Reply(text, rows...)
	return nil
}

func moveBriefing(c *core.Ctx, org *storage.Organization, text string) error {
	at, err := time.ParseInLocation("2/1/2006 15:04", strings.Join(strings.Fields(text), " "), c.Zone())
	if err != nil || !at.After(c.Now) {
		c.Say("commune.gb_bad_move", "Example", c.Now.In(c.Zone()).AddDate(0, 0, 7).Format("02/01/2006")+" 08:00")
		return nil
	}
	b, err := upcoming(c, org.ID)
	if err != nil {
		return err
	}
	if b == nil {
		c.Say("commune.gb_no_schedule", "Org", org.Name)
		return nil
	}
	from := b.At
	b.MovedFrom, b.At = from, at
	if err := c.Tx.PutBriefing(b); err != nil {
		return err
	}
	if err := c.Audit("briefing", 0, 0, nil, briefingAudit{What: "move", From: from, To: at}); err != nil {
		return err
	}
	told := 0
	if !b.Noticed.IsZero() {
		cells, secs, err := secretaries(c, org.ID)
		if err != nil {
			return err
		}
		for _, cell := range cells {
			for i := range secs[cell.ID] {
				m := &secs[cell.ID][i]
				r := c.ReaderOf(m)
				kept := r.T("commune.gb_report_none")
				if b.Reports[cell.ID] != nil {
					kept = r.T("commune.gb_report_kept")
				}
				if c.SendButtonsTo(m, briefingButtons(r, b, cell.ID), "commune.gb_moved", "Org", org.Name, "Old", r.Date(from)+" "+from.In(r.Zone()).Format("15:04"),
					"When", briefingWhen(r, b), "Place", placeText(r, b), "Kept", kept) {
					told++
				}
			}
		}
	}
	c.Say("commune.gb_move_done", "When", briefingWhen(c, b), "Told", told)
	return nil
}

// ---- a secretary's answer and report ----

// briefingFor reads "<org>:<briefing>" and the rest.
func briefingFor(c *core.Ctx, args string) (*storage.Briefing, []string, bool) {
	parts := strings.Split(args, ":")
	if len(parts) < 2 {
		return nil, nil, false
	}
	orgID, _ := strconv.ParseUint(parts[0], 10, 64)
	id, _ := strconv.ParseUint(parts[1], 10, 64)
	b, err := c.Tx.Briefing(orgID, id)
	if err != nil {
		return nil, nil, false
	}
	return b, parts[2:], true
}

// secretaryOf reports whether the caller is the secretary of a cell of the
// briefing's organization (of cellID, when not zero).
func secretaryOf(c *core.Ctx, b *storage.Briefing, cellID uint64) bool {
	for _, r := range c.Me.Roles {
		if r.Role != storage.RoleSecretary || (cellID != 0 && r.CellID != cellID) {
			continue
		}
		if cell, err := c.Tx.Cell(r.CellID); err == nil && cell.OrgID == b.OrgID {
			return true
		}
	}
	return false
}

func actBriefingRSVP(c *core.Ctx, args string) error {
	b, rest, ok := briefingFor(c, args)
	if !ok || len(rest) != 1 {
		c.Say("err.stale_button")
		return nil
	}
	if !secretaryOf(c, b, 0) {
		c.Say("commune.gb_secretaries_only")
		return nil
	}
	if b.Cancelled || !c.Now.Before(b.At) {
		c.Say("commune.gb_closed")
		return nil
	}
	if b.RSVP == nil {
		b.RSVP = map[uint64]storage.RSVP{}
	}
	ans := storage.RSVPYes
	if rest[0] == "n" {
		ans = storage.RSVPNo
	}
	b.RSVP[c.Me.ID] = ans
	if err := c.Tx.PutBriefing(b); err != nil {
		return err
	}
	if ans == storage.RSVPYes {
		c.Say("commune.gb_rsvp_yes", "When", briefingWhen(c, b))
	} else {
		c.Say("commune.gb_rsvp_no")
	}
	return nil
}

func actBriefingReport(c *core.Ctx, args string) error {
	b, rest, ok := briefingFor(c, args)
	if !ok || len(rest) != 1 {
		c.Say("err.stale_button")
		return nil
	}
	cellID, _ := strconv.ParseUint(rest[0], 10, 64)
	if !secretaryOf(c, b, cellID) {
		c.Say("commune.gb_secretaries_only")
		return nil
	}
	if b.Cancelled || !c.Now.Before(b.At.Add(4*time.Hour)) {
		c.Say("commune.gb_closed")
		return nil
	}
	return c.StartWith("gbreport", stepReportDone, &briefingForm{Org: b.OrgID, Briefing: b.ID, Cell: cellID})
}

// reportContext is the briefing and cell of the report flow, checked again.
func reportContext(c *core.Ctx) (*storage.Briefing, *storage.Cell, error) {
	f := core.StateOf[briefingForm](c)
	b, _, ok := briefingFor(c, f.key())
	cellID := f.Cell
	if !ok || !secretaryOf(c, b, cellID) {
		return nil, nil, core.Invalid("commune.gb_secretaries_only")
	}
	cell, err := c.Tx.Cell(cellID)
	return b, cell, err
}

func askReportDone(c *core.Ctx) error {
	b, cell, err := reportContext(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	figures, err := cellFigures(c, cell, b)
	if err != nil {
		return err
	}
	c.Say("commune.gb_ask_done", "Cell", cell.Name, "Figures", figures, "Max", maxReport)
	return nil
}

func reportText(in core.Input) (string, error) {
	t := strings.TrimSpace(in.Text)
	switch {
	case t == "":
		return "", core.Invalid("err.empty")
	case core.Utf8Len(t) > maxReport:
		return "", core.Invalid("err.too_long", "Max", maxReport)
	}
	return t, nil
}

func answerReportDone(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := reportText(in)
	if err != nil {
		return "", err
	}
	core.StateOf[briefingForm](c).Done = t
	return stepReportHard, nil
}

func askReportHard(c *core.Ctx) error {
	c.Say("commune.gb_ask_hard", "Max", maxReport)
	return nil
}

func answerReportHard(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := reportText(in)
	if err != nil {
		return "", err
	}
	b, cell, err := reportContext(c)
	if err != nil {
		return "", err
	}
	figures, err := cellFigures(c.ReaderOf(nil), cell, b)
	if err != nil {
		return "", err
	}
	if b.Reports == nil {
		b.Reports = map[uint64]*storage.BriefingReport{}
	}
	before := b.Reports[cell.ID]
	b.Reports[cell.ID] = &storage.BriefingReport{Figures: figures, Done: core.StateOf[briefingForm](c).Done, Difficulties: t, By: c.Me.ID, At: c.Now}
	if err := c.Tx.PutBriefing(b); err != nil {
		return "", err
	}
	if err := c.Audit("briefing", cell.ID, 0, before, briefingAudit{What: "report", Cell: cell.ID}); err != nil {
		return "", err
	}
	c.Say("commune.gb_report_saved", "When", briefingWhen(c, b))
	return "", nil
}

// ---- the committee: reports and conclusions ----

func actBriefingView(c *core.Ctx, args string) error {
	b, _, ok := briefingFor(c, args)
	if !ok {
		c.Say("err.stale_button")
		return nil
	}
	s, err := standingScope(c)
	if err != nil {
		return err
	}
	if s == nil || s.org.ID != b.OrgID {
		c.Say("commune.not_standing")
		return nil
	}
	text, err := compiledText(c, &s.org, b)
	if err != nil {
		return err
	}
	c.Reply(text)
	return nil
}

// mayConclude: the conclusions are the standing committee's.
func mayConclude(c *core.Ctx, orgID uint64) (bool, error) {
	scopes, err := scopesOf(c)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(scopes, func(s scope) bool { return s.org.ID == orgID && s.standing }), nil
}

func actBriefingConclude(c *core.Ctx, args string) error {
	b, rest, ok := briefingFor(c, args)
	if !ok || len(rest) != 1 {
		c.Say("err.stale_button")
		return nil
	}
	if ok, err := mayConclude(c, b.OrgID); err != nil || !ok {
		if err == nil {
			c.Say("commune.gb_standing_only")
		}
		return err
	}
	cellID, _ := strconv.ParseUint(rest[0], 10, 64)
	return c.StartWith("gbconc", stepConclusion, &briefingForm{Org: b.OrgID, Briefing: b.ID, Cell: cellID})
}

func askConclusion(c *core.Ctx) error {
	cell, err := c.Tx.Cell(core.StateOf[briefingForm](c).Cell)
	if err != nil {
		c.End()
		c.Say("err.stale_button")
		return nil
	}
	c.Say("commune.gb_ask_conclusion", "Cell", cell.Name, "Max", maxReport)
	return nil
}

func answerConclusion(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := reportText(in)
	if err != nil {
		return "", err
	}
	f := core.StateOf[briefingForm](c)
	b, _, ok := briefingFor(c, f.key())
	cell, cerr := c.Tx.Cell(f.Cell)
	if !ok || cerr != nil || cell.OrgID != b.OrgID {
		return "", core.Invalid("err.stale_button")
	}
	if ok, err := mayConclude(c, b.OrgID); err != nil || !ok {
		if err == nil {
			err = core.Invalid("commune.gb_standing_only")
		}
		return "", err
	}
	if b.Conclusions == nil {
		b.Conclusions = map[uint64]*storage.BriefingConclusion{}
	}
	before := b.Conclusions[f.Cell]
	b.Conclusions[f.Cell] = &storage.BriefingConclusion{Text: t, By: c.Me.ID, At: c.Now}
	if err := c.Tx.PutBriefing(b); err != nil {
		return "", err
	}
	if err := c.Audit("briefing", f.Cell, 0, before, briefingAudit{What: "conclusion", Cell: f.Cell}); err != nil {
		return "", err
	}
	_, secs, err := secretaries(c, b.OrgID)
	if err != nil {
		return "", err
	}
	sent := 0
	for i := range secs[f.Cell] {
		m := &secs[f.Cell][i]
		if c.SendTo(m, "commune.gb_conclusion_to_secretary", "Name", c.Me.Name, "When", c.ReaderOf(m).Date(b.At), "Cell", cell.Name, "Text", t) {
			sent++
		}
	}
	c.Say("commune.gb_conclusion_done", "Cell", cell.Name, "Sent", sent)
	return "", nil
}

func auditBriefing(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var a briefingAudit
	core.DecodeAudit(e.After, &a)
	switch a.What {
	case "schedule":
		return core.AuditView{What: c.T("commune.audit_gb_schedule"), After: a.Spec}
	case "move":
		return core.AuditView{What: c.T("commune.audit_gb_move"), Before: c.Date(a.From), After: c.Date(a.To)}
	case "report":
		return core.AuditView{What: c.T("commune.audit_gb_report")}
	}
	return core.AuditView{What: c.T("commune.audit_gb_conclusion")}
}
