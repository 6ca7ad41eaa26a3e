// Package residence owns Regulation 213 (Quy định 213): links between a
// member and their place-of-residence cell, activity notes, and the annual
// comment round with its PDF.
//
// It imports only the core and members.
package residence

import "chibo/flows/core"

// Journey registers the journey's commands, flows, actions, due work and
// hooks with the engine.
type Journey struct{}

// Register implements core.Journey.
func (Journey) Register(e *core.Engine) {
	registerActions(e)
	registerResidence(e)
	e.CellFigures("residence", commentFigures)
}
