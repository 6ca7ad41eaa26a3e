package faraway

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

// A far group's contact meetings (online or in person) keep their own
// attendance, apart from the cells' meetings. For a member whose cell the
// party committee approved for the online meeting pilot (Guide 03-HD/TW
// 2022, a per-cell setting with dates), the contact counts as the cell's
// meeting: which members it counted for is fixed when it is recorded.

// The steps of recording a contact meeting.
const (
	fcWhen    core.StepName = "when"
	fcKind    core.StepName = "kind"
	fcPresent core.StepName = "present"
)

// contactForm is what recording a contact meeting carries.
type contactForm struct {
	Group  uint64   `json:"group"`
	Day    core.Day `json:"day,omitempty"`    // in the engine's zone
	Online string   `json:"online,omitempty"` // "on" or "off"
}

func contactOf(c *core.Ctx) *contactForm { return core.StateOf[contactForm](c) }

func registerGroupContacts(e *core.Engine) {
	e.Register(&core.Flow{Name: "fgcontact", Need: core.NeedGroupLeader, First: fcWhen, State: func() any { return &contactForm{} },
		Steps: map[core.StepName]core.Step{
			fcWhen:    {Ask: askContactWhen, Answer: answerContactWhen, Next: []core.StepName{fcKind}},
			fcKind:    {Ask: askContactKind, Answer: answerContactKind, Next: []core.StepName{fcPresent}},
			fcPresent: {Ask: askContactPresent, Answer: answerContactPresent, Next: []core.StepName{}},
		}})
	e.AuditWords(map[string]core.AuditFunc{"fargroup_contact": auditContact, "online_pilot": auditPilot})
}

// contactGroup is the flow's group, which the caller must lead.
func contactGroup(c *core.Ctx) (*storage.FarGroup, error) {
	id := contactOf(c).Group
	g, err := db(c).FarGroup(id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && g.LeaderID != c.Me.ID) {
		return nil, core.Invalid("board.not_allowed")
	}
	return g, err
}

func askContactWhen(c *core.Ctx) error {
	g, err := contactGroup(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	c.Ask(c.T("fgcontact.ask_when", "Name", g.Name, "Example", c.Now.In(c.Zone()).Format("02/01/2006")), 1,
		core.Opt{Label: c.T("fgcontact.btn_today"), Value: "today"})
	return nil
}

func answerContactWhen(c *core.Ctx, in core.Input) (core.StepName, error) {
	day := core.DayStart(c.Now.In(c.Zone()))
	if in.Choice != "today" {
		d, err := core.ParseDatePast(in.Text, c.Now, c.Zone())
		if err != nil {
			return core.Done, err
		}
		if d.After(day) {
			return core.Done, core.Invalid("fgcontact.err_future")
		}
		day = d
	}
	contactOf(c).Day = core.DayOf(day)
	return fcKind, nil
}

func askContactKind(c *core.Ctx) error {
	c.Ask(c.T("fgcontact.ask_kind"), 2, core.Opt{Label: c.T("fgcontact.online"), Value: "on"}, core.Opt{Label: c.T("fgcontact.in_person"), Value: "off"})
	return nil
}

func answerContactKind(c *core.Ctx, in core.Input) (core.StepName, error) {
	if in.Choice != "on" && in.Choice != "off" {
		return core.Done, core.Invalid("err.choose_option")
	}
	contactOf(c).Online = in.Choice
	return fcPresent, nil
}

func askContactPresent(c *core.Ctx) error {
	c.Ask(c.T("fgcontact.ask_present"), 1, core.Opt{Label: c.T("fgcontact.btn_all"), Value: "all"})
	return nil
}

// answerContactPresent reads who attended: everyone, or names of the group
// separated by commas; a name outside the group is refused.
func answerContactPresent(c *core.Ctx, in core.Input) (core.StepName, error) {
	g, err := contactGroup(c)
	if err != nil {
		return core.Done, err
	}
	ms := make([]storage.Member, 0, len(g.MemberIDs))
	for _, id := range g.MemberIDs {
		if m, err := db(c).Member(id); err == nil {
			ms = append(ms, *m)
		}
	}
	var present []storage.Member
	if in.Choice == "all" {
		present = ms
	} else {
		for _, name := range strings.FieldsFunc(in.Text, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
			q := core.FoldForSearch(strings.TrimSpace(name))
			i := slices.IndexFunc(ms, func(m storage.Member) bool { return q != "" && strings.Contains(core.FoldForSearch(m.Name), q) })
			if i < 0 {
				return core.Done, core.Invalid("fgcontact.err_not_in_group", "Name", strings.TrimSpace(name))
			}
			if !slices.ContainsFunc(present, func(m storage.Member) bool { return m.ID == ms[i].ID }) {
				present = append(present, ms[i])
			}
		}
	}
	if len(present) == 0 {
		return core.Done, core.Invalid("fgcontact.err_none")
	}
	return core.Done, recordContact(c, g, present)
}

// recordContact stores the contact meeting with the members it counted
// for, audited, and tells the leader.
func recordContact(c *core.Ctx, g *storage.FarGroup, present []storage.Member) error {
	f := contactOf(c)
	day, err := time.ParseInLocation("2006-01-02", string(f.Day), c.Zone())
	if err != nil {
		return fmt.Errorf("fgcontact: day %q: %w", f.Day, err)
	}
	k := storage.GroupContact{At: day, Online: f.Online == "on", By: c.Me.ID, Recorded: c.Now}
	var counted []string
	for i := range present {
		m := &present[i]
		k.Present = append(k.Present, m.ID)
		s, err := db(c).CheckinSettings(m.HomeCellID)
		if err != nil {
			return err
		}
		if k.Online && s.OnlinePilotOn(day) {
			k.Counted = append(k.Counted, m.ID)
			counted = append(counted, m.Name)
		}
	}
	before := len(g.Contacts)
	g.Contacts = append(g.Contacts, k)
	if err := db(c).PutFarGroup(g); err != nil {
		return err
	}
	if err := c.Audit("fargroup_contact", 0, 0, map[string]any{"group": g.ID, "contacts": before}, map[string]any{"group": g.ID, "name": g.Name, "contact": k}); err != nil {
		return err
	}
	kind := c.T("fgcontact.in_person")
	if k.Online {
		kind = c.T("fgcontact.online")
	}
	c.Say("fgcontact.recorded", "Name", g.Name, "Date", day.Format("02/01/2006"), "Kind", kind, "Present", len(k.Present), "Total", len(g.MemberIDs))
	if len(counted) > 0 {
		c.Say("fgcontact.counted", "Names", strings.Join(counted, ", "))
	} else {
		c.Say("fgcontact.not_counted")
	}
	return nil
}

// showOnlinePilot lists the organization's cells with their pilot setting
// and a button each to change it.
func showOnlinePilot(c *core.Ctx, orgID uint64) error {
	cells, err := db(c).Cells()
	if err != nil {
		return err
	}
	var lines []string
	var rows [][]chat.Button
	for _, cell := range cells {
		if cell.OrgID != orgID {
			continue
		}
		s, err := db(c).CheckinSettings(cell.ID)
		if err != nil {
			return err
		}
		if s.OnlinePilotOn(c.Now) {
			lines = append(lines, c.T("fgpilot.line_on", "Cell", cell.Name, "Date", c.Date(s.OnlinePilotFrom)))
			rows = append(rows, []chat.Button{core.ActionButton(c.T("fgpilot.btn_off", "Cell", cell.Name), codeOnlinePilot, fmt.Sprint(cell.ID))})
		} else {
			lines = append(lines, c.T("fgpilot.line_off", "Cell", cell.Name))
			rows = append(rows, []chat.Button{core.ActionButton(c.T("fgpilot.btn_on", "Cell", cell.Name), codeOnlinePilot, fmt.Sprint(cell.ID))})
		}
	}
	c.Reply(c.T("fgpilot.header")+"\n"+strings.Join(lines, "\n"), rows...)
	return nil
}

// actOnlinePilot turns the online pilot of a cell on or off: "f.pilot:<cell>".
// The organization's admin records the committee's decision.
func actOnlinePilot(c *core.Ctx, args string) error {
	id, err := strconv.ParseUint(args, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	cell, err := db(c).Cell(id)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	if !c.Me.Administers(cell.OrgID) {
		c.Say("err.admins_only")
		return nil
	}
	s, err := db(c).CheckinSettings(cell.ID)
	if err != nil {
		return err
	}
	was := s.OnlinePilotOn(c.Now)
	if was {
		s.OnlinePilotTo = c.Now
	} else {
		s.OnlinePilotFrom, s.OnlinePilotTo = c.Now, time.Time{}
	}
	s.OnlinePilotBy = c.Me.ID
	if err := db(c).PutCheckinSettings(cell.ID, s); err != nil {
		return err
	}
	if err := c.Audit("online_pilot", cell.ID, 0, was, !was); err != nil {
		return err
	}
	return showOnlinePilot(c, cell.OrgID)
}

func auditContact(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after struct {
		Name    string               `json:"name"`
		Contact storage.GroupContact `json:"contact"`
	}
	if !core.DecodeAudit(e.After, &after) {
		return core.AuditView{What: c.T("audit.w_other", "Name", "")}
	}
	return core.AuditView{What: c.T("fgcontact.audit_w", "Name", after.Name, "Date", c.Date(after.Contact.At)),
		After: c.T("fgcontact.audit_value", "Present", len(after.Contact.Present), "Counted", len(after.Contact.Counted))}
}

func auditPilot(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var before, after bool
	core.DecodeAudit(e.Before, &before)
	core.DecodeAudit(e.After, &after)
	return core.AuditView{What: c.T("fgpilot.audit_w"), Before: c.OnOff(before), After: c.OnOff(after)}
}
