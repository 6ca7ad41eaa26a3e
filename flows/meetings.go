package flows

// registerMeetings registers the meetings feature's commands, flows and reminders.
func (e *Engine) registerMeetings() {}
