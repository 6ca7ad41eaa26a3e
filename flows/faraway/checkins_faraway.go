package faraway

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"strconv"
	"time"

	"chibo/storage"
)

// The /faraway flow: the secretary marks a member as working far away, with
// where (province), from when, until when, the group (and so the group
// leader) that follows them, and whether the cell granted a temporary
// exemption, with its resolution note. The period is the member's
// StatusFarAway status; the rest is a storage.FarAway record. Running it
// again with a later end date renews the exemption.

func registerFarAway(e *core.Engine) {
	e.Register(&core.Flow{Name: "faraway", Need: core.NeedLeader, First: members.StepMember, State: func() any { return &farState{} },
		Steps: map[core.StepName]core.Step{
			members.StepMember: {Ask: members.AskStatusMember, Answer: answerFarMember, Next: []core.StepName{farProvince}},
			farProvince:        {Ask: askFarProvince, Answer: answerFarProvince, Next: []core.StepName{members.StepFrom}},
			members.StepFrom:   {Ask: askFarFrom, Answer: answerFarFrom, Next: []core.StepName{members.StepTo}},
			members.StepTo:     {Ask: members.AskStatusTo, Answer: answerFarTo, Next: []core.StepName{farGroup}},
			farGroup:           {Ask: askFarGroup, Answer: answerFarGroup, Next: []core.StepName{members.StepExempt}},
			members.StepExempt: {Ask: members.AskFarExempt, Answer: answerFarExempt, Next: []core.StepName{farResolution, farConfirm}},
			farResolution:      {Ask: askFarResolution, Answer: answerFarResolution, Next: []core.StepName{farConfirm}},
			farConfirm:         {Ask: askFarConfirm, Answer: answerFarConfirm, Next: []core.StepName{}},
		}})
}

// The steps of /faraway of its own; the others are the status steps.
const (
	farProvince   core.StepName = "province"
	farGroup      core.StepName = "group"
	farResolution core.StepName = "resolution"
	farConfirm    core.StepName = "confirm"
)

// farState is what /faraway carries: the status form (whose Exempt is "1"
// when granted) and the far-away record. Its JSON keys are those of the map
// kept before typed state.
type farState struct {
	members.StatusForm
	Province    string   `json:"province,omitempty"`
	OldProvince string   `json:"old_province,omitempty"` // the record's, offered to keep
	OldFrom     core.Day `json:"old_from,omitempty"`     // the status's, offered to keep
	Group       uint64   `json:"group,string,omitempty"`
	Resolution  string   `json:"resolution,omitempty"`
}

func runFarAway(c *core.Ctx, _ string) error {
	id := c.Me.HomeCellID
	if !c.Me.Leads(id) {
		id = c.Me.LedCells()[0]
	}
	return c.StartWith("faraway", members.StepMember, &farState{StatusForm: members.StatusForm{Cell: id}})
}

func answerFarMember(c *core.Ctx, in core.Input) (core.StepName, error) {
	if _, err := members.AnswerStatusMember(c, in); err != nil {
		return "", err
	}
	return farProvince, nil
}

func askFarProvince(c *core.Ctx) error {
	m, err := members.StatusMember(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	var opts []core.Opt
	if fa, err := db(c).FarAway(m.ID); err == nil && fa.Province != "" {
		core.StateOf[farState](c).OldProvince = fa.Province
		opts = append(opts, core.Opt{Label: c.T("checkins.btn_keep", "Value", core.CkShorten(fa.Province, 32)), Value: "="})
	}
	c.Ask(c.T("faraway.ask_province", "Name", m.Name, "Current", c.StatusLine(m.StatusOn(c.Now))), 1, opts...)
	return nil
}

func answerFarProvince(c *core.Ctx, in core.Input) (core.StepName, error) {
	st := core.StateOf[farState](c)
	if in.Choice == "=" && st.OldProvince != "" {
		st.Province = st.OldProvince
		return members.StepFrom, nil
	}
	if in.Text == "" {
		return "", core.Invalid("faraway.err_province")
	}
	s, err := core.CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	st.Province = s
	return members.StepFrom, nil
}

func askFarFrom(c *core.Ctx) error {
	opts := []core.Opt{{Label: c.T("status.btn_today"), Value: "today"}}
	if m, err := members.StatusMember(c); err == nil && m.Status.Kind == storage.StatusFarAway && !m.Status.From.IsZero() {
		core.StateOf[farState](c).OldFrom = core.DayOf(m.Status.From.In(c.Zone()))
		opts = append([]core.Opt{{Label: c.T("checkins.btn_keep", "Value", c.Date(m.Status.From)), Value: "="}}, opts...)
	}
	c.Ask(c.T("status.ask_from", "Example", c.Date(c.Now)), 1, opts...)
	return nil
}

func answerFarFrom(c *core.Ctx, in core.Input) (core.StepName, error) {
	if st := core.StateOf[farState](c); in.Choice == "=" && st.OldFrom != "" {
		st.From = st.OldFrom
		return members.StepTo, nil
	}
	return members.AnswerStatusFrom(c, in)
}

func answerFarTo(c *core.Ctx, in core.Input) (core.StepName, error) {
	if _, err := members.AnswerStatusTo(c, in); err != nil {
		return "", err
	}
	return farGroup, nil
}

func askFarGroup(c *core.Ctx) error {
	cellID, err := members.StatusCell(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	groups, err := db(c).Groups(cellID)
	if err != nil {
		return err
	}
	var opts []core.Opt
	for _, g := range groups {
		label := g.Name
		if g.LeaderID != 0 {
			if l, err := db(c).Member(g.LeaderID); err == nil {
				label = c.T("faraway.group_option", "Group", g.Name, "Leader", l.Name)
			}
		}
		opts = append(opts, core.Opt{Label: label, Value: fmt.Sprint(g.ID)})
	}
	opts = append(opts, core.Opt{Label: c.T("faraway.no_group"), Value: "0"})
	c.Ask(c.T("faraway.ask_group"), 1, opts...)
	return nil
}

func answerFarGroup(c *core.Ctx, in core.Input) (core.StepName, error) {
	cellID, err := members.StatusCell(c)
	if err != nil {
		return "", err
	}
	id, err := strconv.ParseUint(in.Choice, 10, 64)
	if err != nil {
		return "", core.Invalid("err.choose_option")
	}
	if id != 0 {
		g, err := db(c).Group(id)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && g.CellID != cellID) {
			return "", core.Invalid("err.choose_option")
		}
		if err != nil {
			return "", err
		}
	}
	core.StateOf[farState](c).Group = id
	return members.StepExempt, nil
}

func answerFarExempt(c *core.Ctx, in core.Input) (core.StepName, error) {
	st := core.StateOf[farState](c)
	switch in.Choice {
	case "yes":
		st.Exempt = "1"
		return farResolution, nil
	case "no":
		st.Exempt, st.Resolution = "", ""
		return farConfirm, nil
	}
	return "", core.Invalid("err.choose_option")
}

func askFarResolution(c *core.Ctx) error {
	c.Reply(c.T("faraway.ask_resolution"))
	return nil
}

func answerFarResolution(c *core.Ctx, in core.Input) (core.StepName, error) {
	r, err := core.CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	core.StateOf[farState](c).Resolution = r
	return farConfirm, nil
}

// farAwayMark is what marking a member as working far away records, from
// the secretary's /faraway flow or from a member's confirmed request.
type farAwayMark struct {
	Province   string
	From, To   time.Time
	GroupID    uint64 // the group (and so the group leader) that follows them; 0: the secretary
	Exempt     bool   // a temporary exemption was granted
	Resolution string // the cell's resolution note, if any
	Reason     string // the member's reason, when they asked
}

// pendingMark is the marking the /faraway flow has gathered.
func pendingMark(c *core.Ctx) farAwayMark {
	st := core.StateOf[farState](c)
	return farAwayMark{Province: st.Province, From: c.Time(st.From), To: c.Time(st.To), GroupID: st.Group,
		Exempt: st.Exempt == "1", Resolution: st.Resolution}
}

// farSummary describes a marking of m.
func farSummary(c *core.Ctx, m *storage.Member, k farAwayMark) string {
	group := c.T("faraway.no_group")
	if k.GroupID != 0 {
		if g, err := db(c).Group(k.GroupID); err == nil {
			group = g.Name
		}
	}
	exempt := c.T("faraway.not_exempt")
	switch {
	case k.Exempt && k.Resolution != "":
		exempt = c.T("faraway.exempt", "Resolution", k.Resolution)
	case k.Exempt:
		exempt = c.T("faraway.exempt_granted")
	}
	return c.T("faraway.summary", "Name", m.Name, "Province", k.Province, "From", c.Date(k.From), "To", c.Date(k.To), "Group", group, "Exempt", exempt)
}

// recordFarAway records m as working far away as k says, set by the person
// acting (a leader of m's home cell), and tells m's group leader. The member
// is told by the caller, who knows why it happened.
func recordFarAway(c *core.Ctx, m *storage.Member, k farAwayMark) error {
	reason := k.Province
	switch {
	case k.Exempt && k.Resolution != "":
		reason = k.Resolution
	case k.Exempt && k.Reason != "":
		reason = k.Reason
	}
	before := map[string]any{"status": m.Status, "group": m.GroupID}
	if old, err := db(c).FarAway(m.ID); err == nil {
		before["faraway"] = old
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	m.SetStatus(storage.Status{Kind: storage.StatusFarAway, From: k.From, To: k.To, Exempt: k.Exempt, Reason: reason, SetBy: c.Me.ID, SetAt: c.Now})
	m.GroupID = k.GroupID
	if err := db(c).PutMember(m); err != nil {
		return err
	}
	fa := &storage.FarAway{MemberID: m.ID, Province: k.Province, Exempt: k.Exempt, Resolution: k.Resolution, SetBy: c.Me.ID, SetAt: c.Now}
	if err := db(c).PutFarAway(fa); err != nil {
		return err
	}
	after := map[string]any{"status": m.Status, "group": m.GroupID, "faraway": fa}
	if err := c.Audit("faraway_set", m.HomeCellID, m.ID, before, after); err != nil {
		return err
	}
	if leader := members.CkGroupLeader(c.Tx, m); leader != 0 && leader != c.Me.ID && leader != m.ID {
		if l, err := db(c).Member(leader); err == nil {
			c.SendTo(l, "faraway.notify_leader", "Summary", farSummary(c.ReaderOf(l), m, k))
		}
	}
	return nil
}

func askFarConfirm(c *core.Ctx) error {
	m, err := members.StatusMember(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	c.AskConfirm(farSummary(c, m, pendingMark(c)), "")
	return nil
}

func answerFarConfirm(c *core.Ctx, in core.Input) (core.StepName, error) {
	if ok, err := core.Confirmed(c, in); !ok || err != nil {
		return "", err
	}
	m, err := members.StatusMember(c)
	if err != nil {
		return "", err
	}
	k := pendingMark(c)
	if err := recordFarAway(c, m, k); err != nil {
		return "", err
	}
	c.Say("faraway.done", "Name", m.Name)
	if m.ID != c.Me.ID {
		c.SendTo(m, "faraway.changed_you", "By", c.Me.Name, "Summary", farSummary(c.ReaderOf(m), m, k), "Day", fmt.Sprint(farRules(c).s.Day))
	}
	c.End()
	return "", nil
}

// farRules is the check-in rules of the flow's cell, defaults on failure.
func farRules(c *core.Ctx) ckRules {
	if cell, err := db(c).Cell(core.StateOf[farState](c).Cell); err == nil {
		if r, err := ckRulesOf(c, cell); err == nil {
			return r
		}
	}
	return ckRules{s: storage.CheckinSettings{}.WithDefaults(), zone: c.Zone()}
}
