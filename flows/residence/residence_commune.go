package residence

import (
	"errors"
	"time"

	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
)

// commentFigures fills the residence part of a cell's figures: of the
// round in force at the end of the month shown (this month: now), the
// comments the cell still owes (as its secretary's reminders count them)
// and those it gave.
func commentFigures(c *core.Ctx, cell *storage.Cell, f *core.CellFigures) error {
	at := c.Now
	if end := time.Date(f.Month.Y, f.Month.M+1, 1, 0, 0, 0, 0, c.CellZone(cell)); end.Before(at) {
		at = end.Add(-time.Nanosecond)
	}
	r, err := roundAt(c, cell, at)
	if err != nil {
		return err
	}
	owed, err := owedComments(c, r)
	if err != nil {
		return err
	}
	f.CommentsOwed = len(owed)
	links, err := members.LinkedMembers(c.Tx, cell.ID, storage.ResidenceWithComment)
	if err != nil {
		return err
	}
	for _, lm := range links {
		if _, err := db(c).ResidenceComment(lm.M.ID, r.year); err == nil {
			f.CommentsReceived++
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}
