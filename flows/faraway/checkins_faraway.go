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
	e.Action("bo", actionBoardOpen)
	e.Register(&core.Flow{Name: "faraway", Need: core.NeedLeader, Steps: map[core.StepName]core.Step{
		"member":     {Ask: members.AskStatusMember, Answer: answerFarMember},
		"province":   {Ask: askFarProvince, Answer: answerFarProvince},
		"from":       {Ask: askFarFrom, Answer: answerFarFrom},
		"to":         {Ask: members.AskStatusTo, Answer: answerFarTo},
		"group":      {Ask: askFarGroup, Answer: answerFarGroup},
		"exempt":     {Ask: members.AskFarExempt, Answer: answerFarExempt},
		"resolution": {Ask: askFarResolution, Answer: answerFarResolution},
		"confirm":    {Ask: askFarConfirm, Answer: answerFarConfirm},
	}})
}

func runFarAway(c *core.Ctx, _ string) error {
	id := c.Me.HomeCellID
	if !c.Me.Leads(id) {
		id = c.Me.LedCells()[0]
	}
	return c.Start("faraway", "member", map[string]string{"cell": fmt.Sprint(id)})
}

func answerFarMember(c *core.Ctx, in core.Input) (core.StepName, error) {
	if _, err := members.AnswerStatusMember(c, in); err != nil {
		return "", err
	}
	return "province", nil
}

func askFarProvince(c *core.Ctx) error {
	m, err := members.StatusMember(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	var opts []core.Opt
	if fa, err := c.Tx.FarAway(m.ID); err == nil && fa.Province != "" {
		c.Data()["old_province"] = fa.Province
		opts = append(opts, core.Opt{Label: c.T("checkins.btn_keep", "Value", core.CkShorten(fa.Province, 32)), Value: "="})
	}
	c.Ask(c.T("faraway.ask_province", "Name", m.Name, "Current", c.StatusLine(m.StatusOn(c.Now))), 1, opts...)
	return nil
}

func answerFarProvince(c *core.Ctx, in core.Input) (core.StepName, error) {
	if in.Choice == "=" && c.Data()["old_province"] != "" {
		c.Data()["province"] = c.Data()["old_province"]
		return "from", nil
	}
	if in.Text == "" {
		return "", core.Invalid("faraway.err_province")
	}
	s, err := core.CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	c.Data()["province"] = s
	return "from", nil
}

func askFarFrom(c *core.Ctx) error {
	opts := []core.Opt{{Label: c.T("status.btn_today"), Value: "today"}}
	if m, err := members.StatusMember(c); err == nil && m.Status.Kind == storage.StatusFarAway && !m.Status.From.IsZero() {
		c.Data()["old_from"] = m.Status.From.In(c.Zone()).Format("2006-01-02")
		opts = append([]core.Opt{{Label: c.T("checkins.btn_keep", "Value", c.Date(m.Status.From)), Value: "="}}, opts...)
	}
	c.Ask(c.T("status.ask_from", "Example", c.Date(c.Now)), 1, opts...)
	return nil
}

func answerFarFrom(c *core.Ctx, in core.Input) (core.StepName, error) {
	if in.Choice == "=" && c.Data()["old_from"] != "" {
		c.Data()["from"] = c.Data()["old_from"]
		return "to", nil
	}
	return members.AnswerStatusFrom(c, in)
}

func answerFarTo(c *core.Ctx, in core.Input) (core.StepName, error) {
	if _, err := members.AnswerStatusTo(c, in); err != nil {
		return "", err
	}
	return "group", nil
}

func askFarGroup(c *core.Ctx) error {
	cellID, err := members.StatusCell(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	groups, err := c.Tx.Groups(cellID)
	if err != nil {
		return err
	}
	var opts []core.Opt
	for _, g := range groups {
		label := g.Name
		if g.LeaderID != 0 {
			if l, err := c.Tx.Member(g.LeaderID); err == nil {
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
		g, err := c.Tx.Group(id)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && g.CellID != cellID) {
			return "", core.Invalid("err.choose_option")
		}
		if err != nil {
			return "", err
		}
	}
	c.Data()["group"] = fmt.Sprint(id)
	return "exempt", nil
}

func answerFarExempt(c *core.Ctx, in core.Input) (core.StepName, error) {
	switch in.Choice {
	case "yes":
		c.Data()["exempt"] = "1"
		return "resolution", nil
	case "no":
		c.Data()["exempt"] = ""
		delete(c.Data(), "resolution")
		return "confirm", nil
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
	c.Data()["resolution"] = r
	return "confirm", nil
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
	from, _ := c.StoredDate("from")
	to, _ := c.StoredDate("to")
	group, _ := strconv.ParseUint(c.Data()["group"], 10, 64)
	return farAwayMark{Province: c.Data()["province"], From: from, To: to, GroupID: group,
		Exempt: c.Data()["exempt"] == "1", Resolution: c.Data()["resolution"]}
}

// farSummary describes a marking of m.
func farSummary(c *core.Ctx, m *storage.Member, k farAwayMark) string {
	group := c.T("faraway.no_group")
	if k.GroupID != 0 {
		if g, err := c.Tx.Group(k.GroupID); err == nil {
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
	if old, err := c.Tx.FarAway(m.ID); err == nil {
		before["faraway"] = old
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	m.SetStatus(storage.Status{Kind: storage.StatusFarAway, From: k.From, To: k.To, Exempt: k.Exempt, Reason: reason, SetBy: c.Me.ID, SetAt: c.Now})
	m.GroupID = k.GroupID
	if err := c.Tx.PutMember(m); err != nil {
		return err
	}
	fa := &storage.FarAway{MemberID: m.ID, Province: k.Province, Exempt: k.Exempt, Resolution: k.Resolution, SetBy: c.Me.ID, SetAt: c.Now}
	if err := c.Tx.PutFarAway(fa); err != nil {
		return err
	}
	after := map[string]any{"status": m.Status, "group": m.GroupID, "faraway": fa}
	if err := c.Audit("faraway_set", m.HomeCellID, m.ID, before, after); err != nil {
		return err
	}
	if leader := members.CkGroupLeader(c.Tx, m); leader != 0 && leader != c.Me.ID && leader != m.ID {
		if l, err := c.Tx.Member(leader); err == nil {
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
	cellID, _ := strconv.ParseUint(c.Data()["cell"], 10, 64)
	if cell, err := c.Tx.Cell(cellID); err == nil {
		if r, err := ckRulesOf(c, cell); err == nil {
			return r
		}
	}
	return ckRules{s: storage.CheckinSettings{}.WithDefaults(), zone: c.Zone()}
}
