package faraway

import (
	"errors"

	"chibo/flows/core"
	"chibo/storage"
)

// checkinFigures fills the far-away part of a cell's figures for the month
// shown (f.Month; this month: the current check-in period), classed as the
// cell's board classes them: the members away who reported, reported late,
// or stay silent past the deadline (or for more than a month); and over
// the year up to that month, the monthly reports owed and those given.
func checkinFigures(c *core.Ctx, cell *storage.Cell, f *core.CellFigures) error {
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return err
	}
	r, err := ckRulesOf(c, cell)
	if err != nil {
		return err
	}
	p := r.current(c.Now)
	if f.Month.Before(p) {
		p = f.Month
	}
	for i := range ms {
		m := &ms[i]
		for q := (core.Period{Y: p.Y, M: 1}); !p.Before(q); q = q.Add(1) {
			if !r.expected(m, q, c.Now) {
				continue
			}
			f.YearCheckinsOwed++
			if db(c).HasCheckin(m.ID, q.String()) {
				f.YearCheckinsGiven++
			}
		}
		if !r.expected(m, p, c.Now) && !farAwayAt(m, c.Now) {
			continue
		}
		ck, err := db(c).Checkin(m.ID, p.String())
		if errors.Is(err, storage.ErrNotFound) {
			ck = nil
		} else if err != nil {
			return err
		}
		if ck == nil && !r.expected(m, p, c.Now) {
			continue // away, but this month's report was not asked of them
		}
		f.FarAway++
		switch {
		case ck != nil && ck.Late:
			f.Late++
		case ck != nil:
			f.Reported++
		default:
			// Earlier months are read one by one, back to the last report.
			n, _ := r.silentStreak(m, func(q string) bool { _, err := db(c).Checkin(m.ID, q); return err == nil }, p, c.Now)
			if n > 1 || !c.Now.Before(r.deadline(p)) {
				f.Silent++
			}
		}
	}
	return nil
}
