package faraway

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// A member's request to be recorded as working far away (issue 5, item 1:
// "requested by the member and confirmed by the secretary"). The member
// gives the province, from when, until when, and whether they ask for a
// temporary exemption and why; the secretary and deputies of their home
// cell get it with buttons. Confirming writes what the secretary's /faraway
// flow writes (recordFarAway); refusing tells the member, with a reason if
// the leader gives one. The cell decides (DOMAIN.md §4): chibo only carries
// the request and records who decided what and when.
//
// Button payloads: "fq:<member>:<request id>:y" confirms, ":n" refuses. The
// request id changes with every request, so the buttons of a replaced
// request are stale; a decided request is not decided twice.

func registerFarAwayRequest(e *core.Engine) {
	e.Command(&core.Command{Name: "away", Need: core.NeedMember, PrivateOnly: true, HelpID: "awayreq.help", MenuID: "awayreq.menu", Run: runAwayRequest})
	// The request carries what /faraway does (farState), without a group
	// or resolution; its Exempt is "1" when asked for.
	e.Register(&core.Flow{Name: "awayreq", Need: core.NeedMember, First: farProvince, State: func() any { return &farState{} },
		Steps: map[core.StepName]core.Step{
			farProvince:        {Ask: askAwayProvince, Answer: answerAwayProvince, Next: []core.StepName{members.StepFrom}},
			members.StepFrom:   {Ask: members.AskStatusFrom, Answer: members.AnswerStatusFrom, Next: []core.StepName{members.StepTo}},
			members.StepTo:     {Ask: askAwayTo, Answer: answerAwayTo, Next: []core.StepName{members.StepExempt}},
			members.StepExempt: {Ask: askAwayExempt, Answer: answerAwayExempt, Next: []core.StepName{members.StepReason, farConfirm}},
			members.StepReason: {Ask: askAwayReason, Answer: answerAwayReason, Next: []core.StepName{farConfirm}},
			farConfirm:         {Ask: askAwayConfirm, Answer: answerAwayConfirm, Next: []core.StepName{}},
		}})
	e.Register(&core.Flow{Name: "awayrefuse", Need: core.NeedLeader, First: members.StepReason, State: func() any { return &refuseState{} },
		Steps: map[core.StepName]core.Step{
			members.StepReason: {Ask: askRefuseReason, Answer: answerRefuseReason, Next: []core.StepName{}},
		}})
}

// refuseState is what refusing a request carries: whose, and which. Its
// JSON keys are those of the map kept before typed state.
type refuseState struct {
	Member uint64 `json:"member,string"`
	Req    string `json:"req"`
}

func runAwayRequest(c *core.Ctx, _ string) error {
	return c.StartWith("awayreq", farProvince, nil)
}

func askAwayProvince(c *core.Ctx) error {
	var opts []core.Opt
	if fa, err := db(c).FarAway(c.Me.ID); err == nil && fa.Province != "" && c.Me.StatusOn(c.Now).Kind == storage.StatusFarAway {
		core.StateOf[farState](c).OldProvince = fa.Province
		opts = append(opts, core.Opt{Label: c.T("checkins.btn_keep", "Value", core.CkShorten(fa.Province, 32)), Value: "="})
	}
	c.Ask(c.T("awayreq.ask_province"), 1, opts...)
	return nil
}

func answerAwayProvince(c *core.Ctx, in core.Input) (core.StepName, error) {
	if _, err := answerFarProvince(c, in); err != nil {
		return "", err
	}
	return members.StepFrom, nil
}

// askAwayTo asks until when; a member who does not know yet says so, and
// the leader who confirms sets when the cell reviews it (issue 12).
func askAwayTo(c *core.Ctx) error {
	c.Ask(c.T("awayreq.ask_to"), 1, core.Opt{Label: c.T("awayreq.btn_to_unknown"), Value: "unknown"})
	return nil
}

// awayUnknownWords are what a member types for "not known yet", folded.
var awayUnknownWords = []string{"chua biet", "khong biet", "chua ro", "unknown", "not known", "not known yet", "dont know", "don't know"}

func answerAwayTo(c *core.Ctx, in core.Input) (core.StepName, error) {
	if in.Choice == "unknown" || (in.Choice == "" && slices.Contains(awayUnknownWords, core.FoldForSearch(in.Text))) {
		core.StateOf[farState](c).To = ""
		return members.StepExempt, nil
	}
	if _, err := members.AnswerStatusTo(c, in); err != nil {
		return "", err
	}
	st := core.StateOf[farState](c)
	if to := c.Time(st.To); to.Before(core.DayStart(c.Now.In(c.Zone()))) {
		st.To = ""
		return "", core.Invalid("awayreq.err_to_past")
	}
	return members.StepExempt, nil
}

func askAwayExempt(c *core.Ctx) error {
	c.Ask(c.T("awayreq.ask_exempt"), 1,
		core.Opt{Label: c.T("awayreq.btn_exempt"), Value: "yes"},
		core.Opt{Label: c.T("awayreq.btn_not_exempt"), Value: "no"})
	return nil
}

func answerAwayExempt(c *core.Ctx, in core.Input) (core.StepName, error) {
	st := core.StateOf[farState](c)
	switch in.Choice {
	case "yes":
		st.Exempt = "1"
		return members.StepReason, nil
	case "no":
		st.Exempt, st.Reason = "", ""
		return farConfirm, nil
	}
	return "", core.Invalid("err.choose_option")
}

func askAwayReason(c *core.Ctx) error {
	c.Reply(c.T("awayreq.ask_reason"))
	return nil
}

func answerAwayReason(c *core.Ctx, in core.Input) (core.StepName, error) {
	r, err := core.CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	core.StateOf[farState](c).Reason = r
	return farConfirm, nil
}

// pendingRequest is the request the member's conversation has gathered.
func pendingRequest(c *core.Ctx) *storage.FarAwayRequest {
	st := core.StateOf[farState](c)
	return &storage.FarAwayRequest{MemberID: c.Me.ID, CellID: c.Me.HomeCellID, Province: st.Province, From: c.Time(st.From), To: c.Time(st.To),
		Exempt: st.Exempt == "1", Reason: st.Reason, At: c.Now}
}

// requestSummary describes a request for its reader.
func requestSummary(c *core.Ctx, name string, r *storage.FarAwayRequest) string {
	exempt := c.T("awayreq.exempt_no")
	if r.Exempt {
		exempt = c.T("awayreq.exempt_yes", "Reason", r.Reason)
	}
	to := "" // not known yet: the cell sets a review date
	if !r.To.IsZero() {
		to = c.Date(r.To)
	}
	return c.T("awayreq.summary", "Name", name, "Province", r.Province, "From", c.Date(r.From), "To", to, "Exempt", exempt)
}

func askAwayConfirm(c *core.Ctx) error {
	c.Ask(c.T("awayreq.confirm", "Summary", requestSummary(c, c.Me.Name, pendingRequest(c))), 2,
		core.Opt{Label: c.T("awayreq.btn_send"), Value: "send"},
		core.Opt{Label: c.T("btn.cancel"), Value: "no"})
	return nil
}

func answerAwayConfirm(c *core.Ctx, in core.Input) (core.StepName, error) {
	switch in.Choice {
	case "no":
		c.Say("cancel.done")
		c.End()
		return "", nil
	case "send":
	default:
		return "", core.Invalid("err.choose_option")
	}
	members, err := db(c).Members(c.Me.HomeCellID)
	if err != nil {
		return "", err
	}
	var leaders []*storage.Member
	for i := range members {
		if l := &members[i]; l.ID != c.Me.ID && l.Leads(c.Me.HomeCellID) {
			leaders = append(leaders, l)
		}
	}
	req := pendingRequest(c)
	req.ID = core.NewNonce()
	replaces := false
	if old, err := db(c).FarAwayRequest(c.Me.ID); err == nil {
		replaces = old.Decision == ""
	} else if !errors.Is(err, storage.ErrNotFound) {
		return "", err
	}
	sent := 0
	for _, l := range leaders {
		rd := c.ReaderOf(l)
		buttons := [][]chat.Button{{
			core.ActionButton(rd.T("btn.confirm"), codeFarAwayDecide, fmt.Sprintf("%d:%s:y", c.Me.ID, req.ID)),
			core.ActionButton(rd.T("awayreq.btn_refuse"), codeFarAwayDecide, fmt.Sprintf("%d:%s:n", c.Me.ID, req.ID)),
		}}
		if req.To.IsZero() { // the leader who confirms sets the review date
			buttons = reviewButtons(rd, c.Me.ID, req)
		}
		if c.SendButtonsTo(l, buttons, "awayreq.to_leader", "Summary", requestSummary(rd, c.Me.Name, req), "Date", c.Date(req.At)) {
			sent++
		}
	}
	c.End()
	if sent == 0 {
		c.Say("awayreq.no_leader") // nobody to decide: nothing is stored
		return "", nil
	}
	if err := db(c).PutFarAwayRequest(req); err != nil {
		return "", err
	}
	if replaces {
		c.Say("awayreq.sent_replaces")
	} else {
		c.Say("awayreq.sent")
	}
	return "", nil
}

// loadRequest loads the request a leader's button or conversation refers to
// and checks that the caller leads the member's cell and that it is the
// member's latest request. When not, it tells them why and returns a nil
// request.
func loadRequest(c *core.Ctx, memberID uint64, id string) (*storage.Member, *storage.FarAwayRequest, *storage.Cell, error) {
	if c.Me == nil {
		c.Say("err.stale_button")
		return nil, nil, nil, nil
	}
	m, err := db(c).Member(memberID)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if !c.Me.Leads(m.HomeCellID) {
		c.Say("awayreq.other_cell")
		return nil, nil, nil, nil
	}
	req, err := db(c).FarAwayRequest(m.ID)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if req.ID != id {
		c.Say("awayreq.outdated", "Name", m.Name)
		return nil, nil, nil, nil
	}
	if m.Status.Kind == storage.StatusLeft {
		c.Say("decision.member_left", "Name", m.Name)
		return nil, nil, nil, nil
	}
	cell, err := db(c).Cell(m.HomeCellID)
	if err != nil {
		return nil, nil, nil, err
	}
	return m, req, cell, nil
}

// openRequest is loadRequest for a first decision: a request decided
// already answers who decided it and when, with the button to change it.
func openRequest(c *core.Ctx, memberID uint64, id string) (*storage.Member, *storage.FarAwayRequest, error) {
	m, req, cell, err := loadRequest(c, memberID, id)
	if err != nil || req == nil {
		return nil, nil, err
	}
	if req.Decision != "" {
		change := core.ActionButton(c.T("decision.btn_change"), codeFarAwayDecide, fmt.Sprintf("%d:%s:c", m.ID, req.ID))
		core.DecidedAlready(c, cell, req.DecidedBy, req.DecidedAt, c.AwayDecisionName(req.Decision), &change)
		return nil, nil, nil
	}
	// The member moved to another cell, or a leader recorded their status
	// after they asked: the request no longer says what to record.
	if req.CellID != m.HomeCellID || m.Status.SetAt.After(req.At) {
		c.Say("awayreq.outdated", "Name", m.Name)
		return nil, nil, nil
	}
	return m, req, nil
}

// actionFarAwayDecide handles a leader's tap on a request:
// "<member>:<request id>:y|n" decides it once; ":c" asks to change the
// decision taken, ":cy|cn" changes it once confirmed.
func actionFarAwayDecide(c *core.Ctx, args string) error {
	parts := strings.Split(args, ":")
	var memberID uint64
	var err error
	if len(parts) == 3 {
		memberID, err = strconv.ParseUint(parts[0], 10, 64)
	}
	if len(parts) != 3 || err != nil || !slices.Contains([]string{"y", "n", "c", "cy", "cn", "y3", "y6", "y11"}, parts[2]) {
		c.Say("err.stale_button")
		return nil
	}
	if strings.HasPrefix(parts[2], "c") {
		return changeAwayRequest(c, memberID, parts[1], parts[2])
	}
	m, req, err := openRequest(c, memberID, parts[1])
	if err != nil || req == nil {
		return err
	}
	if parts[2] == "n" {
		return c.StartWith("awayrefuse", members.StepReason, &refuseState{Member: m.ID, Req: req.ID})
	}
	if req.To.IsZero() {
		months, _ := strconv.Atoi(strings.TrimPrefix(parts[2], "y"))
		if months == 0 { // the member did not know until when: the leader sets the review date
			c.Reply(c.T("awayreq.ask_review", "Name", m.Name), reviewButtons(c, m.ID, req)...)
			return nil
		}
		req.To = reviewDate(req.From, months)
	} else if parts[2] != "y" {
		c.Say("err.stale_button")
		return nil
	}
	return confirmAwayRequest(c, m, req)
}

// reviewMonths are the review dates a leader may set on a request whose
// end the member did not know: a temporary exemption is for a set period
// under 12 months, renewed every 6 months in some provinces (DOMAIN.md §3).
var reviewMonths = []int{3, 6, 11}

// reviewDate is the day before the same day months after from.
func reviewDate(from time.Time, months int) time.Time {
	return from.AddDate(0, months, -1)
}

// reviewButtons confirm a request with a review date, or refuse it.
func reviewButtons(c *core.Ctx, memberID uint64, req *storage.FarAwayRequest) [][]chat.Button {
	var rows [][]chat.Button
	for _, n := range reviewMonths {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("awayreq.btn_review", "Months", n, "Date", c.Date(reviewDate(req.From, n))),
			codeFarAwayDecide, fmt.Sprintf("%d:%s:y%d", memberID, req.ID, n))})
	}
	return append(rows, []chat.Button{core.ActionButton(c.T("awayreq.btn_refuse"), codeFarAwayDecide, fmt.Sprintf("%d:%s:n", memberID, req.ID))})
}

// confirmAwayRequest records what the request asks and tells the member.
func confirmAwayRequest(c *core.Ctx, m *storage.Member, req *storage.FarAwayRequest) error {
	if req.To.IsZero() { // a change of decision on an open-ended request: the usual six months
		req.To = reviewDate(req.From, 6)
	}
	k := farAwayMark{Province: req.Province, From: req.From, To: req.To, GroupID: m.GroupID, Exempt: req.Exempt, Reason: req.Reason}
	req.Replaced = nil
	if old, err := db(c).FarAway(m.ID); err == nil {
		req.Replaced = old
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if err := recordFarAway(c, m, k); err != nil {
		return err
	}
	first := req.Decision == ""
	req.Decision, req.DecidedBy, req.DecidedAt, req.RefuseReason = storage.RequestConfirmed, c.Me.ID, c.Now, ""
	if err := db(c).PutFarAwayRequest(req); err != nil {
		return err
	}
	if !first { // a change of decision: changeAwayRequest tells
		return nil
	}
	c.Reply(c.T("faraway.done", "Name", m.Name), []chat.Button{core.ActionButton(c.T("decision.btn_change"), codeFarAwayDecide, fmt.Sprintf("%d:%s:c", m.ID, req.ID))})
	day := storage.CheckinSettings{}.WithDefaults().Day
	if r, ok, err := ckMemberRules(c, m); err != nil {
		return err
	} else if ok {
		day = r.s.Day
	}
	c.SendTo(m, "awayreq.confirmed_you", "By", c.Me.Name, "Summary", farSummary(c.ReaderOf(m), m, k), "Day", fmt.Sprint(day))
	return nil
}

// changeAwayRequest changes a decided request: "c" asks, "cy" turns a
// refusal into a confirmation (recording what the request asks, unless the
// member's status changed since), "cn" turns a confirmation into a refusal
// (giving back the status the member had before it, unless their status
// changed since the confirmation).
func changeAwayRequest(c *core.Ctx, memberID uint64, id, op string) error {
	m, req, cell, err := loadRequest(c, memberID, id)
	if err != nil || req == nil {
		return err
	}
	if req.Decision == "" {
		c.Say("decision.nothing_to_change")
		return nil
	}
	want := storage.RequestConfirmed
	if op == "cn" || (op == "c" && req.Decision == storage.RequestConfirmed) {
		want = storage.RequestRefused
	}
	if req.Decision == want {
		core.DecidedAlready(c, cell, req.DecidedBy, req.DecidedAt, c.AwayDecisionName(req.Decision), nil)
		return nil
	}
	what := func(r *core.Ctx) string { return r.T("decision.what_away", "Name", m.Name) }
	if op == "c" {
		confirm := fmt.Sprintf("%d:%s:cy", m.ID, req.ID)
		if want == storage.RequestRefused {
			confirm = fmt.Sprintf("%d:%s:cn", m.ID, req.ID)
		}
		core.AskDecisionChange(c, core.ChangeQuestion{Cell: cell, Member: m, What: what(c), Old: c.AwayDecisionName(req.Decision), New: c.AwayDecisionName(want),
			By: req.DecidedBy, At: req.DecidedAt, Action: codeFarAwayDecide, Args: confirm})
		return nil
	}
	was := m.Status
	before := core.DecisionRecord{Kind: "away", Decision: req.Decision, By: req.DecidedBy, At: req.DecidedAt, Status: &was}
	if want == storage.RequestConfirmed {
		if req.CellID != m.HomeCellID || m.Status.SetAt.After(req.DecidedAt) {
			c.Say("awayreq.outdated", "Name", m.Name)
			return nil
		}
		if err := confirmAwayRequest(c, m, req); err != nil {
			return err
		}
	} else {
		if m.Status.Kind != storage.StatusFarAway || !m.Status.SetAt.Equal(req.DecidedAt) {
			c.Say("awayreq.outdated", "Name", m.Name)
			return nil
		}
		prev := storage.Status{Kind: storage.StatusActive}
		if n := len(m.History); n > 0 {
			prev = m.History[n-1]
		}
		prev.SetBy, prev.SetAt = c.Me.ID, c.Now
		m.SetStatus(prev)
		if err := db(c).PutMember(m); err != nil {
			return err
		}
		if err := restoreFarAway(c, m.ID, req.Replaced); err != nil {
			return err
		}
		req.Decision, req.DecidedBy, req.DecidedAt, req.Replaced = storage.RequestRefused, c.Me.ID, c.Now, nil
		if err := db(c).PutFarAwayRequest(req); err != nil {
			return err
		}
	}
	after := core.DecisionRecord{Kind: "away", Decision: want, By: c.Me.ID, At: c.Now, Status: &m.Status}
	name := func(d string) func(r *core.Ctx) string {
		return func(r *core.Ctx) string { return r.AwayDecisionName(d) }
	}
	return core.ChangeDecision(c, core.DecisionChange{Cell: cell, Member: m, Before: before, After: after,
		What: what, Old: name(before.Decision), New: name(want),
		TellMember: func(c *core.Ctx) {
			r := c.ReaderOf(m)
			c.SendTo(m, "decision.away_changed_you", "Old", r.AwayDecisionName(before.Decision), "New", r.AwayDecisionName(want), "By", c.Me.Name)
		},
	})
}

// restoreFarAway gives back the far-away details a confirmation replaced.
func restoreFarAway(c *core.Ctx, memberID uint64, replaced *storage.FarAway) error {
	if replaced == nil {
		return db(c).DeleteFarAway(memberID)
	}
	return db(c).PutFarAway(replaced)
}

func askRefuseReason(c *core.Ctx) error {
	id := core.StateOf[refuseState](c).Member
	name := ""
	if m, err := db(c).Member(id); err == nil {
		name = m.Name
	}
	c.Ask(c.T("awayreq.ask_refuse_reason", "Name", name), 1, core.Opt{Label: c.T("awayreq.btn_no_reason"), Value: "-"})
	return nil
}

func answerRefuseReason(c *core.Ctx, in core.Input) (core.StepName, error) {
	reason := ""
	if in.Choice != "-" {
		r, err := core.CleanReason(in.Text)
		if err != nil {
			return "", err
		}
		reason = r
	}
	id := core.StateOf[refuseState](c).Member
	c.End()
	m, req, err := openRequest(c, id, core.StateOf[refuseState](c).Req)
	if err != nil || req == nil {
		return "", err
	}
	req.Decision, req.DecidedBy, req.DecidedAt, req.RefuseReason = storage.RequestRefused, c.Me.ID, c.Now, reason
	if err := db(c).PutFarAwayRequest(req); err != nil {
		return "", err
	}
	c.Reply(c.T("awayreq.refused", "Name", m.Name), []chat.Button{core.ActionButton(c.T("decision.btn_change"), codeFarAwayDecide, fmt.Sprintf("%d:%s:c", m.ID, req.ID))})
	c.SendTo(m, "awayreq.refused_you", "By", c.Me.Name, "Reason", reason)
	return "", nil
}
