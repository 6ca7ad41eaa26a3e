package flows

import (
	"time"

	"chibo/storage"
)

// Decided once (issue 11). Every decision of a cell (a member's excuse for a
// meeting, a /away request, a residence link request under Regulation 213)
// has one decider (DOMAIN.md §4: the cell decides, chibo records who decided
// what and when). A later tap on an old button, by another leader or by the
// same one choosing the other option, answers who decided, when and what,
// and changes nothing: no record, no audit entry, no message to the member.
// Changing a decision is its own action: a leader asks for it, confirms it,
// and chibo tells the member and the first decider (when another person)
// and audits the change with the decision before and after.

// decidedAlready answers a tap on a decision already taken: who decided, when
// (in the cell's zone) and what. change, when not nil, is the button of the
// explicit change, shown to those who may make it.
func decidedAlready(c *Ctx, cell *storage.Cell, by uint64, at time.Time, decision string, change *Button) {
	text := c.T("decision.already", "Name", c.personName(by), "At", decisionTime(c, cell, at), "Decision", decision)
	if change == nil {
		c.Reply(text)
		return
	}
	c.Reply(text, []Button{*change})
}

// decisionTime is when a decision was taken, "dd/mm/yyyy hh:mm" in the
// cell's zone.
func decisionTime(c *Ctx, cell *storage.Cell, at time.Time) string {
	return at.In(c.cellZone(cell)).Format("02/01/2006 15:04")
}

// changeQuestion is a change of decision to confirm: what it is about, the
// decision taken (by whom, when) and the one proposed, in the reader's
// language, and the payload of the button that confirms it.
type changeQuestion struct {
	cell         *storage.Cell
	member       *storage.Member // whom the decision is about
	what         string
	old, new     string
	by           uint64
	at           time.Time
	action, args string
}

// askDecisionChange asks the person acting to confirm a change of decision,
// saying whom chibo will tell.
func askDecisionChange(c *Ctx, q changeQuestion) {
	id := "decision.change_ask_self"
	if q.by != 0 && q.by != c.Me.ID && q.by != q.member.ID {
		id = "decision.change_ask"
	}
	c.Reply(c.T(id, "What", q.what, "Old", q.old, "By", c.personName(q.by), "At", decisionTime(c, q.cell, q.at), "New", q.new, "Name", q.member.Name),
		[]Button{ActionButton(c.T("decision.btn_change_to", "Decision", q.new), q.action, q.args)})
}

// decisionRecord is one side of an audited change of decision.
type decisionRecord struct {
	Kind     string    `json:"kind"`              // "excuse", "residence", "away"
	Meeting  uint64    `json:"meeting,omitempty"` // the meeting of an excuse
	Decision string    `json:"decision"`
	By       uint64    `json:"by"`
	At       time.Time `json:"at"`
	// Status is the member's status with a /away decision.
	Status *storage.Status `json:"status,omitempty"`
}

// decisionChange is a decision being changed by the person acting: what it
// is about, in each reader's language, and the records before and after.
type decisionChange struct {
	cell     *storage.Cell
	member   *storage.Member // whom the decision is about
	what     func(r *Ctx) string
	old, new func(r *Ctx) string
	before   decisionRecord
	after    decisionRecord
	// tellMember sends the member their own message about the change
	// (with c.SendTo, rendering its values with c.readerOf the member).
	tellMember func(c *Ctx)
}

// changeDecision audits a change already applied to the records, tells the
// member and the first decider when that is another person, and tells the
// person acting whom chibo told.
func changeDecision(c *Ctx, d decisionChange) error {
	if err := c.Audit("decision_change", d.cell.ID, d.member.ID, d.before, d.after); err != nil {
		return err
	}
	d.tellMember(c)
	first, err := c.Tx.Member(d.before.By)
	if err != nil || first.ID == c.Me.ID || first.ID == d.member.ID {
		c.Say("decision.changed", "What", d.what(c), "Old", d.old(c), "New", d.new(c), "Name", d.member.Name)
		return nil
	}
	r := c.readerOf(first)
	c.SendTo(first, "decision.changed_first", "By", c.Me.Name, "What", d.what(r), "Old", d.old(r), "New", d.new(r))
	c.Say("decision.changed_both", "What", d.what(c), "Old", d.old(c), "New", d.new(c), "Name", d.member.Name, "First", first.Name)
	return nil
}

func (c *Ctx) awayDecisionName(d string) string {
	if d == storage.RequestRefused {
		return c.T("decision.refused")
	}
	return c.T("decision.confirmed")
}

func (c *Ctx) linkDecisionName(state string) string {
	if state == storage.RequestRefused {
		return c.T("decision.refused")
	}
	return c.T("decision.confirmed")
}

func (c *Ctx) excuseName(s storage.ExcuseState) string {
	switch s {
	case storage.ExcuseAccepted:
		return c.T("mt.excuse_state_accepted")
	case storage.ExcuseRejected:
		return c.T("mt.excuse_state_rejected")
	}
	return c.T("mt.excuse_state_pending")
}
