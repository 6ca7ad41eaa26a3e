// Package admin owns what an organization admin and the books need: new
// cells and secretary invites, /audit, /export (each journey registers its
// kinds with core.Engine.Exporter), and per-organization rule files.
//
// It imports only the core and members.
package admin

import "chibo/flows/core"

// Journey registers the journey's commands, flows, actions, due work and
// hooks with the engine.
type Journey struct{}

// Register implements core.Journey.
func (Journey) Register(e *core.Engine) {
	registerActions(e)
	registerAudit(e)
	registerAdmin(e)
	registerExport(e)
}
