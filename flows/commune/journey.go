// Package commune is the commune party committee's view of its cells
// (issue 17): the committee's roles (the standing committee, committee
// members and the cells each follows, with effective dates), the overview
// on a phone (/tongquan, /phutrach) with a page per cell, a chart and a
// workbook, and the committee's view of a meeting's quality score.
//
// It reads the figures of each cell through core hooks registered by the
// journeys that own the records (core.Engine.CellFigures), so the overview
// shows the numbers the cell's own views show. chibo never rates a cell: it
// gathers figures and shows who decided.
//
// It imports only the core, members, export and storage.
package commune

import "chibo/flows/core"

// Journey registers the journey's commands, flows, actions, due work and
// hooks with the engine.
type Journey struct{}

// Register implements core.Journey.
func (Journey) Register(e *core.Engine) {
	registerActions(e)
	registerRoles(e)
	registerOverview(e)
	registerReview(e)
	registerBriefing(e)
	registerRating(e)
}
