package core

import (
	"time"

	"chibo/flows/chat"
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
func DecidedAlready(c *Ctx, cell *storage.Cell, by uint64, at time.Time, decision string, change *chat.Button) {
	text := c.T("decision.already", "Name", c.PersonName(by), "At", decisionTime(c, cell, at), "Decision", decision)
	if change == nil {
		c.Reply(text)
		return
	}
	c.Reply(text, []chat.Button{*change})
}

// decisionTime is when a decision was taken, "dd/mm/yyyy hh:mm" in the
// cell's zone.
func decisionTime(c *Ctx, cell *storage.Cell, at time.Time) string {
	return at.In(c.CellZone(cell)).Format("02/01/2006 15:04")
}

// changeQuestion is a change of decision to confirm: what it is about, the
// decision taken (by whom, when) and the one proposed, in the reader's
// language, and the payload of the button that confirms it.
type ChangeQuestion struct {
	Cell     *storage.Cell
	Member   *storage.Member // whom the decision is about
	What     string
	Old, New string
	By       uint64
	At       time.Time
	Action   ActionCode
	Args     string
}

// askDecisionChange asks the person acting to confirm a change of decision,
// saying whom chibo will tell.
func AskDecisionChange(c *Ctx, q ChangeQuestion) {
	id := "decision.change_ask_self"
	if q.By != 0 && q.By != c.Me.ID && q.By != q.Member.ID {
		id = "decision.change_ask"
	}
	c.Reply(c.T(id, "What", q.What, "Old", q.Old, "By", c.PersonName(q.By), "At", decisionTime(c, q.Cell, q.At), "New", q.New, "Name", q.Member.Name),
		[]chat.Button{ActionButton(c.T("decision.btn_change_to", "Decision", q.New), q.Action, q.Args)})
}

// decisionRecord is one side of an audited change of decision.
type DecisionRecord struct {
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
type DecisionChange struct {
	Cell     *storage.Cell
	Member   *storage.Member // whom the decision is about
	What     func(r *Ctx) string
	Old, New func(r *Ctx) string
	Before   DecisionRecord
	After    DecisionRecord
	// tellMember sends the member their own message about the change
	// (with c.SendTo, rendering its values with c.readerOf the member).
	TellMember func(c *Ctx)
}

// changeDecision audits a change already applied to the records, tells the
// member and the first decider when that is another person, and tells the
// person acting whom chibo told.
func ChangeDecision(c *Ctx, d DecisionChange) error {
	if err := c.Audit("decision_change", d.Cell.ID, d.Member.ID, d.Before, d.After); err != nil {
		return err
	}
	d.TellMember(c)
	first, err := c.Tx.Member(d.Before.By)
	if err != nil || first.ID == c.Me.ID || first.ID == d.Member.ID {
		c.Say("decision.changed", "What", d.What(c), "Old", d.Old(c), "New", d.New(c), "Name", d.Member.Name)
		return nil
	}
	r := c.ReaderOf(first)
	c.SendTo(first, "decision.changed_first", "By", c.Me.Name, "What", d.What(r), "Old", d.Old(r), "New", d.New(r))
	c.Say("decision.changed_both", "What", d.What(c), "Old", d.Old(c), "New", d.New(c), "Name", d.Member.Name, "First", first.Name)
	return nil
}

func (c *Ctx) AwayDecisionName(d string) string {
	if d == storage.RequestRefused {
		return c.T("decision.refused")
	}
	return c.T("decision.confirmed")
}

func (c *Ctx) LinkDecisionName(state string) string {
	if state == storage.RequestRefused {
		return c.T("decision.refused")
	}
	return c.T("decision.confirmed")
}

func (c *Ctx) ExcuseName(s storage.ExcuseState) string {
	switch s {
	case storage.ExcuseAccepted:
		return c.T("mt.excuse_state_accepted")
	case storage.ExcuseRejected:
		return c.T("mt.excuse_state_rejected")
	}
	return c.T("mt.excuse_state_pending")
}
