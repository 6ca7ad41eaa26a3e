package core

import (
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Hooks on a cell's meetings, through which a journey that keeps records
// about meetings (the tasks a meeting decided) adds to the meetings
// journey's pages and messages without either importing the other.

// MeetingNoteWhere is where a meeting's notes are shown.
type MeetingNoteWhere int

// Where notes about a meeting go.
const (
	// NoteSummary is the secretary's summary of a closed meeting (the basis
	// of the minutes' conclusions).
	NoteSummary MeetingNoteWhere = iota
	// NoteSecretary is the reminder to the cell's secretaries before the
	// meeting (what to bring up at it).
	NoteSecretary
)

type (
	// MeetingNotesFunc gives lines about mt of cell for where, in c's
	// language; none when it has nothing to say.
	MeetingNotesFunc func(c *Ctx, mt *storage.Meeting, cell *storage.Cell, where MeetingNoteWhere) ([]string, error)
	// MeetingToolFunc gives the buttons a journey adds to a leader's page of
	// a meeting (its card and its summary).
	MeetingToolFunc func(c *Ctx, mt *storage.Meeting, cell *storage.Cell) ([]chat.Button, error)
)

type meetingHooks struct {
	notes []MeetingNotesFunc
	tools []MeetingToolFunc
}

// MeetingNotes registers lines added to a meeting's summary or to the
// secretaries' reminders of it.
func (e *Engine) MeetingNotes(f MeetingNotesFunc) {
	e.Hooks.meeting.notes = append(e.Hooks.meeting.notes, f)
}

// MeetingTool registers buttons added to a leader's page of a meeting.
func (e *Engine) MeetingTool(f MeetingToolFunc) {
	e.Hooks.meeting.tools = append(e.Hooks.meeting.tools, f)
}

// MeetingNotes collects every journey's lines about mt for where.
func (c *Ctx) MeetingNotes(mt *storage.Meeting, cell *storage.Cell, where MeetingNoteWhere) ([]string, error) {
	var out []string
	for _, f := range c.E.Hooks.meeting.notes {
		lines, err := f(c, mt, cell, where)
		if err != nil {
			return nil, err
		}
		out = append(out, lines...)
	}
	return out, nil
}

// MeetingTools collects every journey's buttons for a leader's page of mt.
func (c *Ctx) MeetingTools(mt *storage.Meeting, cell *storage.Cell) ([]chat.Button, error) {
	var out []chat.Button
	for _, f := range c.E.Hooks.meeting.tools {
		bs, err := f(c, mt, cell)
		if err != nil {
			return nil, err
		}
		out = append(out, bs...)
	}
	return out, nil
}

// QuietAt reports whether t falls in the cell's quiet hours, when nothing
// that can wait reaches its members.
func (c *Ctx) QuietAt(cell *storage.Cell, t time.Time) (bool, error) {
	_, quiet, err := c.QuietUntil(cell, t)
	return quiet, err
}

// QuietUntil reports whether t falls in the cell's quiet hours and, when it
// does, when they end: a due source looks at the cell again then.
func (c *Ctx) QuietUntil(cell *storage.Cell, t time.Time) (end time.Time, quiet bool, err error) {
	q, err := c.quietHoursOf(cell)
	if err != nil || !q.contains(t) {
		return time.Time{}, false, err
	}
	return q.end(t), true, nil
}
