package flows

// registerResidence registers the residence feature's commands, flows and reminders.
func (e *Engine) registerResidence() {}
