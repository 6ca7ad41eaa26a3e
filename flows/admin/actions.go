package admin

import "chibo/flows/core"

// The admin journey's buttons, prefix "a". The values are wire codes
// stored in buttons already sent (see core.ActionSet): never change one; a
// new code is "a.<name>".
const (
	// codeSecInvite invites a cell's secretary or deputy: "si:<cell>:<s|d>".
	codeSecInvite core.ActionCode = "si"
)

func registerActions(e *core.Engine) {
	e.Actions(core.ActionSet{Journey: "admin", Prefix: "a", Actions: map[core.ActionCode]core.Action{
		codeSecInvite: actSecInvite,
	}})
}
