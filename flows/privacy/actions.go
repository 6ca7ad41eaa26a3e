package privacy

import "chibo/flows/core"

// registerActions reserves the privacy journey's prefix, "p": it has no
// buttons yet; its first code will be "p.<name>".
func registerActions(e *core.Engine) {
	e.Actions(core.ActionSet{Journey: "privacy", Prefix: "p"})
}
