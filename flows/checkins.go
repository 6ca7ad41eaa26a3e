package flows

// registerCheckins registers the checkins feature's commands, flows and reminders.
func (e *Engine) registerCheckins() {}
