package commune

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"chibo/flows/chat"
	"chibo/flows/core"
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
	s, err := db(c).BriefingSettingsOf(orgID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	all, err := db(c).Briefings(orgID)
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
	return b, db(c).PutBriefing(b)
}

// latestPast is the organization's last briefing already held, or nil.
func latestPast(c *core.Ctx, orgID uint64) (*storage.Briefing, error) {
	all, err := db(c).Briefings(orgID)
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
	cells, err := db(c).OrgCells(orgID)
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
	ls, err := db(c).CellLeaders(cell.ID)
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
		if m, err := db(c).Member(r.MemberID); err == nil {
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
	before, err := db(c).BriefingSettingsOf(org.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	s := &storage.BriefingSettings{OrgID: org.ID, Spec: spec, Place: place, By: c.MeID(), At: c.Now}
	if err := db(c).PutBriefingSettings(s); err != nil {
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
	s, err := db(c).BriefingSettingsOf(org.ID)
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
	if err := db(c).PutBriefing(b); err != nil {
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
	b, err := db(c).Briefing(orgID, id)
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
		if cell, err := db(c).Cell(r.CellID); err == nil && cell.OrgID == b.OrgID {
			return true
		}
	}
	return false
}

// ---- the committee: reports and conclusions ----

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
