// Package faraway owns far-away members (đảng viên đi làm ăn xa): the
// far-away status, /away requests, monthly check-ins, follow-ups and silence
// flags, the leaders' board, and the far-away party groups across cells.
//
// It imports only the core and members.
package faraway

import "chibo/flows/core"

// Journey registers the journey's commands, flows, actions, due work and
// hooks with the engine.
type Journey struct{}

// Register implements core.Journey.
func (Journey) Register(e *core.Engine) {
	registerActions(e)
	registerCheckins(e)
	e.CellFigures("faraway", checkinFigures)
	e.OnGroupFigures(groupFigures)
	registerFarGroups(e)
}
