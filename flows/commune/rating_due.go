package commune

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/storage"
	"errors"
	"fmt"
	"time"
)

// The year's rating comes to the standing committee without being asked:
// on 1 December at 08:00 (after the night, if the cell's quiet hours reach
// that far) each standing member of the organization is told, once a year,
// how many cells there are and how many the committee has rated, with the
// year's evidence a tap away. chibo never rates: the message says so.

// ratingPushMonth and ratingPushHour are when the year's rating is pushed
// (the first day of the month).
const (
	ratingPushMonth = time.December
	ratingPushHour  = 8
)

// dueRating is the due source of the December push. The organization's
// first cell does it (so it is done once); every cell looks once a year, so
// a first cell removed hands it to the next.
func dueRating(c *core.Ctx, cell *storage.Cell) (time.Time, error) {
	now := c.Now.In(c.Zone())
	push := time.Date(now.Year(), ratingPushMonth, 1, ratingPushHour, 0, 0, 0, c.Zone())
	next := push.AddDate(1, 0, 0)
	if now.Before(push) {
		return push, nil
	}
	if first, ok := db(c).FirstOrgCellID(cell.OrgID); !ok || first != cell.ID {
		return next, nil
	}
	if end, quiet, err := c.QuietUntil(cell, c.Now); err != nil || quiet {
		return end, err
	}
	return next, pushRating(c, cell.OrgID, now.Year(), next)
}

// pushRating tells the organization's standing members that the year's
// rating is due, once each.
func pushRating(c *core.Ctx, orgID uint64, year int, until time.Time) error {
	org, err := db(c).Org(orgID)
	if err != nil {
		return err
	}
	ids := db(c).OrgCellIDs(orgID)
	decided := 0
	for _, id := range ids {
		r, err := db(c).CellRatingOf(orgID, year, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if cur, _ := r.Current(storage.RatingOverall); cur != nil {
			decided++
		}
	}
	standing, err := standingMembers(c, orgID)
	if err != nil {
		return err
	}
	for i := range standing {
		m := &standing[i]
		r := c.ReaderOf(m)
		buttons := [][]chat.Button{{core.ActionButton(r.T("rating.btn_year", "Year", year), codeRating, fmt.Sprintf("%d:%d", orgID, year))}}
		if _, err := c.RemindUntil(until, fmt.Sprintf("reminder/rating/%d/%d/%d", orgID, year, m.ID), m, buttons,
			"rating.december", "Year", year, "Org", org.Name, "Cells", len(ids), "Decided", decided); err != nil {
			return err
		}
	}
	return nil
}
