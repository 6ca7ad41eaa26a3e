// Package members owns who is who: registration and consent, invites and
// invite codes, roles, statuses with their effective dates, transfers,
// groups (tổ đảng) and their chats, and party dues records.
//
// Other journeys may import it to ask who leads a cell or a member's group;
// it imports no other journey.
package members

import "chibo/flows/core"

// Journey registers the journey's commands, flows, actions, due work and
// hooks with the engine.
type Journey struct{}

// Register implements core.Journey.
func (Journey) Register(e *core.Engine) {
	registerActions(e)
	registerRegistration(e)
	registerInviteCodes(e)
	registerSecretary(e)
	registerGroups(e)
	registerDues(e)
}
