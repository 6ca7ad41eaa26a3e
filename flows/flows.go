// Package flows lists chibo's journeys, in the order their commands are
// shown, and holds the tests that run them together.
package flows

// Journeys are every part of chibo's conversations, in help order.
func Journeys() []Journey {
	return []Journey{
		JourneyFunc(func(e *Engine) {
			e.registerRegistration()
			e.registerInviteCodes()
			e.registerSecretary()
			e.registerGroups()
			e.registerDues()
		}),
		JourneyFunc(func(e *Engine) {
			e.registerAudit()
			e.registerAdmin()
			e.registerExport()
		}),
		JourneyFunc(func(e *Engine) { e.registerPrivacy() }),
		JourneyFunc(func(e *Engine) {
			e.registerClose()
			e.registerMeetings()
		}),
		JourneyFunc(func(e *Engine) { e.registerCheckins() }),
		JourneyFunc(func(e *Engine) { e.registerResidence() }),
	}
}
