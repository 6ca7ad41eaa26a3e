// Package meetings owns the cell's meetings: the schedule, notices, RSVP and
// excuses, reminders, the in-room check-in, the roll, closing and
// amendments, the year's attendance and quality, and the residence cell's
// meetings seen by linked members (Regulation 213).
//
// It imports only the core and members.
package meetings

import "chibo/flows/core"

// Journey registers the journey's commands, flows, actions, due work and
// hooks with the engine.
type Journey struct{}

// Register implements core.Journey.
func (Journey) Register(e *core.Engine) {
	registerActions(e)
	registerClose(e)
	registerMeetings(e)
	registerCommuneHooks(e)
}
