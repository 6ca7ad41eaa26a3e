package core

import (
	"errors"
	"fmt"
	"time"

	"chibo/storage"
)

// quietHours is a cell's night (21:30–06:30 by default, set with the
// reminder settings), when nothing that can wait reaches its members.
type quietHours struct {
	from, to int // minutes after midnight
	zone     *time.Location
}

// quietHoursOf reads a cell's quiet hours.
func (c *Ctx) quietHoursOf(cell *storage.Cell) (quietHours, error) {
	s, err := c.Tx.MeetingSettings(cell.ID)
	if err != nil {
		return quietHours{}, err
	}
	q := quietHours{from: s.QuietFrom, to: s.QuietTo, zone: c.CellZone(cell)}
	if q.from == 0 && q.to == 0 {
		q.from, q.to = DefaultQuietFrom, DefaultQuietTo
	}
	return q, nil
}

// contains reports whether t falls in the quiet hours.
func (q quietHours) contains(t time.Time) bool {
	t = t.In(q.zone)
	m := t.Hour()*60 + t.Minute()
	if q.from <= q.to {
		return m >= q.from && m < q.to
	}
	return m >= q.from || m < q.to
}

// end is when the quiet hours that t falls in end.
func (q quietHours) end(t time.Time) time.Time {
	t = t.In(q.zone)
	end := DayStart(t).Add(time.Duration(q.to) * time.Minute)
	if !end.After(t) {
		end = DayStart(t.AddDate(0, 0, 1)).Add(time.Duration(q.to) * time.Minute)
	}
	return end
}

// holdAtNight holds, until the end of the recipient's cell's quiet hours,
// every message an event sends to someone other than the person acting:
// notices, decisions, forwarded summaries. Nothing that can wait reaches
// members at night, whoever sent it. The person acting still gets their own
// replies at once, and is told when the rest will go.
func (e *Engine) holdAtNight(c *Ctx) error {
	quiet := map[uint64]quietHours{} // by cell
	hoursOf := func(cellID uint64) (quietHours, bool, error) {
		if q, ok := quiet[cellID]; ok {
			return q, true, nil
		}
		cell, err := c.Tx.Cell(cellID)
		if errors.Is(err, storage.ErrNotFound) {
			return quietHours{}, false, nil
		}
		if err != nil {
			return quietHours{}, false, err
		}
		q, err := c.quietHoursOf(cell)
		quiet[cellID] = q
		return q, err == nil, err
	}
	var (
		held  int
		until time.Time
		hours quietHours
		actor = c.MeID()
	)
	for i := range c.Out {
		m := &c.Out[i]
		mine := m.Transport == c.Ev.Transport && m.Chat == c.Ev.Chat || m.RecipientID != 0 && m.RecipientID == actor
		if mine || m.EditMessageID != "" || !m.NotBefore.IsZero() {
			continue
		}
		cellID := uint64(0)
		if m.RecipientID != 0 {
			if r, err := c.Tx.Member(m.RecipientID); err == nil {
				cellID = r.HomeCellID
			} else if !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		if cellID == 0 && c.Me != nil { // a group, or someone with no cell: the sender's cell keeps the hours
			cellID = c.Me.HomeCellID
		}
		q, ok, err := hoursOf(cellID)
		if err != nil {
			return err
		}
		if !ok || !q.contains(c.Now) {
			continue
		}
		m.NotBefore = q.end(c.Now)
		held++
		if m.NotBefore.After(until) {
			until, hours = m.NotBefore, q
		}
	}
	if held > 0 && c.Ev.Chat != "" {
		c.Reply(c.N("quiet.held", held, "From", Hhmm(hours.from), "To", Hhmm(hours.to),
			"When", c.T("mt.when", "Time", until.In(hours.zone).Format("15:04"), "Date", until.In(hours.zone).Format("02/01/2006"))))
	}
	return nil
}

// Default quiet hours of a cell, in minutes after midnight (DOMAIN.md §3:
// configurable; these are only what a new cell starts with).
const (
	DefaultQuietFrom = 21*60 + 30
	DefaultQuietTo   = 6*60 + 30
)

// cellZone is the cell's time zone, or the engine's.
func (c *Ctx) CellZone(cell *storage.Cell) *time.Location {
	if cell != nil && cell.TZ != "" {
		if z, err := time.LoadLocation(cell.TZ); err == nil {
			return z
		}
	}
	return c.Zone()
}

func Hhmm(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }
