package residence

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// resRound is a residence cell's comment round for one year, in its zone.
type resRound struct {
	cell    *storage.Cell
	s       storage.ResidenceSettings
	zone    *time.Location
	year    int       // the year commented on
	open    time.Time // the first reminder
	lastDay time.Time // the deadline day, at the reminder hour
	end     time.Time // midnight after the deadline day
}

// roundAt is the cell's round in force at now: the one whose opening is the
// latest at or before now (a late comment is still taken until the next one
// opens).
func roundAt(c *core.Ctx, cell *storage.Cell, now time.Time) (*resRound, error) {
	s, err := db(c).ResidenceSettings(cell.ID)
	if err != nil {
		return nil, err
	}
	r := &resRound{cell: cell, s: s, zone: c.CellZone(cell)}
	y := now.In(r.zone).Year()
	r.setYear(y)
	if now.Before(r.open) {
		r.setYear(y - 1)
	}
	return r, nil
}

func (r *resRound) setYear(y int) {
	r.year = y
	h := time.Duration(r.s.Hour) * time.Hour
	r.open = time.Date(y, time.Month(r.s.OpenMonth), r.s.OpenDay, 0, 0, 0, 0, r.zone).Add(h)
	last := time.Date(y, time.Month(r.s.DeadlineMonth), r.s.DeadlineDay, 0, 0, 0, 0, r.zone)
	if last.Before(r.open) { // a deadline early in the next year
		last = last.AddDate(1, 0, 0)
	}
	r.lastDay = last.Add(h)
	r.end = last.AddDate(0, 0, 1)
}

// points are the secretary's reminders: at the opening, every EveryDays
// days after it, on the deadline day, and once the day after it.
func (r *resRound) points() []core.Reminder {
	var ps []core.Reminder
	for k := 0; ; k++ {
		at := r.open.AddDate(0, 0, k*r.s.EveryDays)
		if !at.Before(r.lastDay) {
			break
		}
		ps = append(ps, core.Reminder{Kind: strconv.Itoa(k), At: at})
	}
	return append(ps, core.Reminder{Kind: "last", At: r.lastDay}, core.Reminder{Kind: "late", At: r.end.Add(time.Duration(r.s.Hour) * time.Hour)})
}

// lateWindow is how long after the deadline the overdue reminder may still
// go out (after a long stop, a reminder weeks late helps nobody).
const lateWindow = 30 * 24 * time.Hour

// owedComments lists the members the round still owes a comment: linked
// and confirmed before the deadline, with the status "introduced with
// annual comment", and no comment for the year yet.
func owedComments(c *core.Ctx, r *resRound) ([]members.LinkedMember, error) {
	links, err := members.LinkedMembers(c.Tx, r.cell.ID, storage.ResidenceWithComment)
	if err != nil {
		return nil, err
	}
	var out []members.LinkedMember
	for _, lm := range links {
		confirmed := lm.L.ConfirmedAt
		if confirmed.IsZero() {
			confirmed = lm.L.RequestedAt
		}
		if !confirmed.Before(r.end) || !lm.L.Introduced.Before(r.end) {
			continue
		}
		if _, err := db(c).ResidenceComment(lm.M.ID, r.year); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		out = append(out, lm)
	}
	return out, nil
}

// dueResidenceComments reminds each residence cell's secretary of the
// comments still owed. Keys: reminder/residence-comment/<year>/<cell>/<secretary>/<point>,
// point being 0, 1, … (weekly), "last" (the deadline day) or "late".
//
// It looks again at the round's next point, or when next year's round opens.
func dueResidenceComments(c *core.Ctx, cell *storage.Cell) (time.Time, error) {
	if !db(c).IsResidenceCell(cell.ID) {
		return time.Time{}, nil
	}
	r, err := roundAt(c, cell, c.Now)
	if err != nil {
		return time.Time{}, err
	}
	next := core.Soonest{After: c.Now}
	for _, p := range r.points() {
		next.Add(p.At)
	}
	following := *r
	following.setYear(r.year + 1)
	next.Add(following.open)
	p, ok := core.LatestDue(r.points(), c.Now)
	if !ok || (p.Kind == "late" && c.Now.After(p.At.Add(lateWindow))) {
		return next.At, nil
	}
	if end, quiet, err := c.QuietUntil(cell, c.Now); err != nil || quiet {
		next.Add(end)
		return next.At, err
	}
	leaders, err := members.HomeLeaders(c.Tx, cell.ID, true)
	if err != nil {
		return time.Time{}, err
	}
	key := func(secID uint64) string {
		return fmt.Sprintf("reminder/residence-comment/%d/%d/%d/%s", r.year, cell.ID, secID, p.Kind)
	}
	if !slices.ContainsFunc(leaders, func(l storage.Member) bool { return !db(c).OutboxKeyUsed(key(l.ID)) }) {
		return next.At, nil // this point's reminders went out: the owed list need not be read
	}
	owed, err := owedComments(c, r)
	if err != nil || len(owed) == 0 {
		return next.At, err
	}
	names := make([]string, 0, len(owed))
	for _, lm := range owed {
		names = append(names, "• "+lm.M.Name)
	}
	for _, sec := range leaders {
		rd := c.ReaderOf(&sec)
		id := "res.remind_comment"
		switch p.Kind {
		case "last":
			id = "res.remind_comment_last"
		case "late":
			id = "res.remind_comment_late"
		}
		buttons := [][]chat.Button{{core.ActionButton(rd.T("res.btn_comment_now"), codeResidence, fmt.Sprintf("cm:%d", cell.ID))}}
		if _, err := c.Remind(key(sec.ID), &sec, buttons, id, "Header", rd.N("res.remind_header", len(owed), "Year", r.year, "Cell", cell.Name),
			"List", strings.Join(names, "\n"), "Deadline", rd.Date(r.lastDay)); err != nil {
			return time.Time{}, err
		}
	}
	return next.At, nil
}

// startCommentRound starts the comment of the first member still owed one,
// or says there is none. first tells the secretary's own tap from the
// continuation after a comment was sent.
func startCommentRound(c *core.Ctx, cell *storage.Cell, first bool) error {
	r, err := roundAt(c, cell, c.Now)
	if err != nil {
		return err
	}
	if c.Now.Before(r.open) {
		c.Say("res.round_not_open", "Date", c.Date(r.open))
		return nil
	}
	owed, err := owedComments(c, r)
	if err != nil {
		return err
	}
	for i, lm := range owed {
		if lm.M.ID == c.Me.ID { // nobody comments on themself
			owed = append(owed[:i], owed[i+1:]...)
			break
		}
	}
	if len(owed) == 0 && r.year < c.Now.In(r.zone).Year() { // last year's round is over: say when the next opens
		next := *r
		next.setYear(r.year + 1)
		c.Say("res.round_not_open", "Date", c.Date(next.open))
		c.End()
		return nil
	}
	if len(owed) == 0 {
		if first {
			c.Say("res.round_nothing", "Year", r.year, "Cell", cell.Name)
		} else {
			c.Say("res.round_done", "Year", r.year, "Cell", cell.Name)
		}
		c.End()
		return nil
	}
	m := owed[0].M
	if !first {
		c.Say("res.round_next", "Name", m.Name, "Left", len(owed))
	}
	return c.StartWith("rcomment", stepField, &commentState{Cell: cell.ID, Member: m.ID, Year: r.year})
}
