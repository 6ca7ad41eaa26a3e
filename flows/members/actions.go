package members

import (
	"chibo/flows/core"
	"chibo/storage"
)

// The members journey's buttons, prefix "u". The values are wire codes
// stored in buttons already sent (see core.ActionSet): never change one; a
// new code is "u.<name>".
const (
	// codeDues records a member's dues: "du:<member>".
	codeDues core.ActionCode = "du"
	// codeInvite makes an invite for a led cell: "inv:<cell>".
	codeInvite core.ActionCode = "inv"
	// codeStatus starts a status change in a led cell: "st:<cell>".
	codeStatus core.ActionCode = "st"
)

func registerActions(e *core.Engine) {
	e.Actions(core.ActionSet{Journey: "members", Prefix: "u", Actions: map[core.ActionCode]core.Action{
		core.ActionLinkCode: actLinkCode,
		codeDues:            actionDues,
		codeInvite:          func(c *core.Ctx, args string) error { return WithLedCell(c, args, makeInvite) },
		codeStatus: func(c *core.Ctx, args string) error {
			return WithLedCell(c, args, func(c *core.Ctx, cell *storage.Cell) error {
				return c.StartWith("status", StepMember, &statusState{StatusForm{Cell: cell.ID}})
			})
		},
	}})
}
