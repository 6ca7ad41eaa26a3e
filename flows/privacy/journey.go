// Package privacy owns a member's own data: /mydata (every journey adds
// its section through core.Engine.MyData), /forget (core.Engine.Forget),
// and the daily housekeeping that applies retention (core.Engine.Retain).
//
// It imports only the core and members.
package privacy

import "chibo/flows/core"

// Journey registers the journey's commands, flows, actions, due work and
// hooks with the engine.
type Journey struct{}

// Register implements core.Journey.
func (Journey) Register(e *core.Engine) {
	registerActions(e)
	registerPrivacy(e)
}
