package residence

import (
	"chibo/flows/core"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// A residence leader's decision on a member's link request (Regulation 213),
// taken once (see decisions.go). Button payloads:
// "rsq:<member>:<op>:<requested>", where requested is the request's time in
// Unix seconds, so that the buttons of an older request never decide a newer
// one (buttons sent before it was added have no such part and refer to the
// member's current request). op "a" confirms, "r" refuses; "c" asks to
// change the decision taken, "ca"/"cr" change it once confirmed.

// linkRequestArgs is the payload of a decision on the link request.
func linkRequestArgs(l *storage.ResidenceLink, op string) string {
	return fmt.Sprintf("%d:%s:%d", l.MemberID, op, l.RequestedAt.Unix())
}

// linkDecision is a link request as a button finds it: still a link
// (pending or confirmed), or refused.
type linkDecision struct {
	m       *storage.Member
	link    *storage.ResidenceLink    // the member's current link, if any
	refusal *storage.ResidenceRefusal // set when the request was refused
	cell    *storage.Cell
}

// req is the request the decision is about.
func (d *linkDecision) req() *storage.ResidenceLink {
	if d.refusal != nil {
		return &d.refusal.Link
	}
	return d.link
}

// state is "" while pending, else confirmed or refused.
func (d *linkDecision) state() string {
	switch {
	case d.refusal != nil:
		return storage.RequestRefused
	case d.link.Pending:
		return ""
	}
	return storage.RequestConfirmed
}

func (d *linkDecision) decidedBy() (uint64, time.Time) {
	if d.refusal != nil {
		return d.refusal.RefusedBy, d.refusal.RefusedAt
	}
	return d.link.ConfirmedBy, d.link.ConfirmedAt
}

// findLinkRequest loads the request a button refers to and answers,
// changing nothing, when the caller may not decide it or it is gone.
func findLinkRequest(c *core.Ctx, memberArg, stampArg string) (*linkDecision, error) {
	id, err := strconv.ParseUint(memberArg, 10, 64)
	stamp, serr := strconv.ParseInt(stampArg, 10, 64)
	if err != nil || c.Me == nil || (stampArg != "" && serr != nil) {
		c.Say("err.stale_button")
		return nil, nil
	}
	d := &linkDecision{}
	if d.m, err = db(c).Member(id); errors.Is(err, storage.ErrNotFound) {
		c.Say("res.request_gone")
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	matches := func(l *storage.ResidenceLink) bool { return stampArg == "" || l.RequestedAt.Unix() == stamp }
	if l, err := db(c).ResidenceLink(id); err == nil && matches(l) {
		d.link = l
	} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	} else if r, rerr := db(c).ResidenceRefusal(id); rerr == nil && matches(&r.Link) {
		d.link, d.refusal = l, r
	} else if rerr != nil && !errors.Is(rerr, storage.ErrNotFound) {
		return nil, rerr
	}
	if d.req() == nil {
		c.Say("res.request_gone")
		return nil, nil
	}
	if !c.Me.Leads(d.req().CellID) {
		c.Say("err.leaders_only")
		return nil, nil
	}
	if d.m.StatusOn(c.Now).Kind == storage.StatusLeft {
		c.Say("decision.member_left", "Name", d.m.Name)
		return nil, nil
	}
	if d.cell, err = db(c).Cell(d.req().CellID); err != nil {
		return nil, err
	}
	return d, nil
}

// actResidenceRequest handles a residence leader's buttons on a link request.
func actResidenceRequest(c *core.Ctx, args string) error {
	parts := strings.Split(args, ":")
	if len(parts) == 2 {
		parts = append(parts, "")
	}
	if len(parts) != 3 {
		c.Say("err.stale_button")
		return nil
	}
	d, err := findLinkRequest(c, parts[0], parts[2])
	if d == nil || err != nil {
		return err
	}
	state := d.state()
	by, at := d.decidedBy()
	switch op := parts[1]; op {
	case "a", "r":
		if state != "" {
			change := core.ActionButton(c.T("decision.btn_change"), codeLinkRequest, linkRequestArgs(d.req(), "c"))
			core.DecidedAlready(c, d.cell, by, at, c.LinkDecisionName(state), &change)
			return nil
		}
		return decideLink(c, d, op == "a")
	case "c", "ca", "cr":
		if state == "" {
			c.Say("decision.nothing_to_change")
			return nil
		}
		want := storage.RequestConfirmed
		if op == "cr" || (op == "c" && state == storage.RequestConfirmed) {
			want = storage.RequestRefused
		}
		if state == want {
			core.DecidedAlready(c, d.cell, by, at, c.LinkDecisionName(state), nil)
			return nil
		}
		if op == "c" {
			confirm := "ca"
			if want == storage.RequestRefused {
				confirm = "cr"
			}
			core.AskDecisionChange(c, core.ChangeQuestion{Cell: d.cell, Member: d.m, What: c.T("decision.what_residence", "Name", d.m.Name),
				Old: c.LinkDecisionName(state), New: c.LinkDecisionName(want), By: by, At: at, Action: codeLinkRequest, Args: linkRequestArgs(d.req(), confirm)})
			return nil
		}
		return changeLink(c, d, want)
	}
	c.Say("err.stale_button")
	return nil
}

// decideLink takes the first decision on a pending link request.
func decideLink(c *core.Ctx, d *linkDecision, confirm bool) error {
	l, m := d.link, d.m
	r := c.ReaderOf(m)
	before := *l
	if !confirm {
		if err := db(c).RefuseResidenceLink(m.ID, c.Me.ID, c.Now); err != nil {
			return err
		}
		if err := c.Audit("residence_link", l.CellID, m.ID, before, nil); err != nil {
			return err
		}
		c.Reply(c.T("res.request_refused", "Name", m.Name), []chat.Button{core.ActionButton(c.T("decision.btn_change"), codeLinkRequest, linkRequestArgs(l, "c"))})
		c.SendTo(m, "res.refused_you", "Cell", cellName(r, d.cell), "By", c.Me.Name)
		return nil
	}
	l.Pending, l.ConfirmedBy, l.ConfirmedAt = false, c.Me.ID, c.Now
	if err := db(c).PutResidenceLink(l); err != nil {
		return err
	}
	if err := c.Audit("residence_link", l.CellID, m.ID, before, l); err != nil {
		return err
	}
	c.Reply(c.T("res.request_confirmed", "Name", m.Name), []chat.Button{core.ActionButton(c.T("decision.btn_change"), codeLinkRequest, linkRequestArgs(l, "c"))})
	c.SendTo(m, "res.linked_you", "Link", linkText(r, l), "By", c.Me.Name)
	return nil
}

// changeLink turns a decided link request the other way: a refusal becomes
// a confirmed link, unless the member has a newer request or link; a
// confirmation ends the link as refused.
func changeLink(c *core.Ctx, d *linkDecision, want string) error {
	m := d.m
	firstBy, firstAt := d.decidedBy()
	old := d.state()
	if want == storage.RequestConfirmed {
		if cur, err := db(c).ResidenceLink(m.ID); err == nil {
			c.Say("decision.superseded", "Name", m.Name, "Link", linkText(c, cur))
			return nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		l := d.refusal.Link
		l.Pending, l.ConfirmedBy, l.ConfirmedAt = false, c.Me.ID, c.Now
		if err := db(c).PutResidenceLink(&l); err != nil {
			return err
		}
		if err := db(c).DeleteResidenceRefusal(m.ID); err != nil {
			return err
		}
	} else if err := db(c).RefuseResidenceLink(m.ID, c.Me.ID, c.Now); err != nil {
		return err
	}
	rec := func(state string, by uint64, at time.Time) core.DecisionRecord {
		return core.DecisionRecord{Kind: "residence", Decision: state, By: by, At: at}
	}
	name := func(s string) func(r *core.Ctx) string {
		return func(r *core.Ctx) string { return r.LinkDecisionName(s) }
	}
	return core.ChangeDecision(c, core.DecisionChange{
		Cell: d.cell, Member: m, Before: rec(old, firstBy, firstAt), After: rec(want, c.Me.ID, c.Now),
		What: func(r *core.Ctx) string { return r.T("decision.what_residence", "Name", m.Name) },
		Old:  name(old), New: name(want),
		TellMember: func(c *core.Ctx) {
			r := c.ReaderOf(m)
			c.SendTo(m, "decision.residence_changed_you", "Cell", cellName(r, d.cell), "Old", r.LinkDecisionName(old),
				"New", r.LinkDecisionName(want), "By", c.Me.Name)
		},
	})
}
