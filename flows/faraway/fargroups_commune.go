package faraway

import (
	"errors"
	"slices"

	"chibo/flows/core"
	"chibo/storage"
)

// groupFigures lists the organization's far groups with their figures for
// the commune's overview: each member by their own cell's check-in rules,
// the month shown (this month: the current period) classed as
// checkinFigures classes it, and over its year up to it the members whose silent streak reached
// their cell's flag threshold and those kept in contact (a check-in of the
// year, or present at one of the group's contact meetings of the year).
func groupFigures(c *core.Ctx, orgID uint64, month core.Period) ([]core.GroupFigures, error) {
	gs, err := db(c).OrgFarGroups(orgID)
	if err != nil {
		return nil, err
	}
	out := make([]core.GroupFigures, 0, len(gs))
	for i := range gs {
		g := &gs[i]
		f := core.GroupFigures{Name: g.Name, Leader: c.PersonName(g.LeaderID), Members: len(g.MemberIDs)}
		for _, id := range g.MemberIDs {
			m, err := db(c).Member(id)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if err := memberGroupFigures(c, g, m, month, &f); err != nil {
				return nil, err
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// memberGroupFigures adds one member of g to f.
func memberGroupFigures(c *core.Ctx, g *storage.FarGroup, m *storage.Member, month core.Period, f *core.GroupFigures) error {
	r, ok, err := ckMemberRules(c, m)
	if err != nil || !ok {
		return err
	}
	done := func(q string) bool { return db(c).HasCheckin(m.ID, q) }
	p, year := r.current(c.Now), month.Y
	if month.Before(p) {
		p = month
	}
	ck, err := db(c).Checkin(m.ID, p.String())
	switch {
	case err == nil && ck.Late:
		f.Late++
	case err == nil:
		f.Reported++
	case !errors.Is(err, storage.ErrNotFound):
		return err
	case r.expected(m, p, c.Now):
		if n, _ := r.silentStreak(m, done, p, c.Now); n > 1 || !c.Now.Before(r.deadline(p)) {
			f.Silent++
		}
	}
	flagged, contact := false, false
	for q := (core.Period{Y: year, M: 1}); q.Y == year && !p.Before(q); q = q.Add(1) {
		contact = contact || done(q.String())
		if q == p && c.Now.Before(r.escalateAt(p)) {
			continue // the current month counts once its silent list went out
		}
		if n, _ := r.silentStreak(m, done, q, c.Now); n >= r.s.SilentMonths {
			flagged = true
		}
	}
	for _, k := range g.Contacts {
		if k.At.In(r.zone).Year() == year && slices.Contains(k.Present, m.ID) {
			contact = true
		}
	}
	if flagged {
		f.YearFlagged++
	}
	if contact {
		f.YearInContact++
	}
	return nil
}
