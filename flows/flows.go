// Package flows lists chibo's journeys, in the order their commands are
// shown, and holds the tests that run them together.
package flows

import (
	"chibo/flows/admin"
	"chibo/flows/commune"
	"chibo/flows/core"
	"chibo/flows/faraway"
	"chibo/flows/meetings"
	"chibo/flows/members"
	"chibo/flows/privacy"
	"chibo/flows/residence"
	"chibo/flows/tasks"
)

// Journeys are every part of chibo's conversations, in help order.
func Journeys() []core.Journey {
	return []core.Journey{
		members.Journey{},
		admin.Journey{},
		privacy.Journey{},
		meetings.Journey{},
		faraway.Journey{},
		residence.Journey{},
		commune.Journey{},
		tasks.Journey{},
	}
}
