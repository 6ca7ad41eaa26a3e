// Package flows lists chibo's journeys, in the order their commands are
// shown, and holds the tests that run them together.
package flows

import (
	"chibo/flows/admin"
	"chibo/flows/core"
	"chibo/flows/faraway"
	"chibo/flows/meetings"
	"chibo/flows/members"
	"chibo/flows/privacy"
	"chibo/flows/residence"
)

// Journeys are every part of chibo's conversations, in help order.
func Journeys() []core.Journey {
	return []core.Journey{
		core.JourneyFunc(func(e *core.Engine) {
			members.RegisterRegistration(e)
			members.RegisterInviteCodes(e)
			members.RegisterSecretary(e)
			members.RegisterGroups(e)
			members.RegisterDues(e)
		}),
		core.JourneyFunc(func(e *core.Engine) {
			admin.RegisterAudit(e)
			admin.RegisterAdmin(e)
			admin.RegisterExport(e)
		}),
		core.JourneyFunc(func(e *core.Engine) { privacy.RegisterPrivacy(e) }),
		core.JourneyFunc(func(e *core.Engine) {
			meetings.RegisterClose(e)
			meetings.RegisterMeetings(e)
		}),
		core.JourneyFunc(func(e *core.Engine) { faraway.RegisterCheckins(e) }),
		core.JourneyFunc(func(e *core.Engine) { residence.RegisterResidence(e) }),
	}
}
