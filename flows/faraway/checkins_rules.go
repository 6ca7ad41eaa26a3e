package faraway

import (
	"chibo/flows/core"
	"chibo/storage"
	"errors"
	"time"
)

// ckRules are a cell's check-in settings in its zone.
type ckRules struct {
	cell *storage.Cell
	s    storage.CheckinSettings
	zone *time.Location
}

func ckRulesOf(c *core.Ctx, cell *storage.Cell) (ckRules, error) {
	s, err := db(c).CheckinSettings(cell.ID)
	if err != nil {
		return ckRules{}, err
	}
	zone := c.Zone()
	if cell.TZ != "" {
		if z, err := time.LoadLocation(cell.TZ); err == nil {
			zone = z
		}
	}
	return ckRules{cell: cell, s: s, zone: zone}, nil
}

// open is when the period's check-in opens and its first reminder is due.
func (r ckRules) open(p core.Period) time.Time {
	return time.Date(p.Y, p.M, r.s.Day, r.s.Hour, 0, 0, 0, r.zone)
}

// remindAt is when reminder n (0: the first, then one per follow-up) is due.
func (r ckRules) remindAt(p core.Period, n int) time.Time {
	if n == 0 {
		return r.open(p)
	}
	return r.open(p).AddDate(0, 0, r.s.FollowUps[n-1])
}

// deadline is the first moment a check-in of p counts as late.
func (r ckRules) deadline(p core.Period) time.Time {
	return time.Date(p.Y, p.M, r.s.Day+r.s.DeadlineDays, 0, 0, 0, 0, r.zone)
}

// lastDay is the last on-time day, as shown to people.
func (r ckRules) lastDay(p core.Period) time.Time { return r.deadline(p).AddDate(0, 0, -1) }

// fixUntil is the last day a report for p may be corrected at now: the last
// day before the deadline, or, for a member who was not asked in time (a
// status recorded after the deadline) and reports later, the last day
// before the next month's check-in opens.
func (r ckRules) fixUntil(p core.Period, now time.Time) time.Time {
	if now.Before(r.deadline(p)) {
		return r.lastDay(p)
	}
	return r.open(p.Add(1)).AddDate(0, 0, -1)
}

// escalateAt is when the group leader and the secretary get the silent list.
func (r ckRules) escalateAt(p core.Period) time.Time {
	return r.deadline(p).Add(time.Duration(r.s.Hour) * time.Hour)
}

// close is when p stops taking answers: the next period opens.
func (r ckRules) close(p core.Period) time.Time { return r.open(p.Add(1)) }

// current is the period open at t.
func (r ckRules) current(t time.Time) core.Period {
	t = t.In(r.zone)
	p := core.Period{Y: t.Year(), M: t.Month()}
	if t.Before(r.open(p)) {
		return p.Add(-1)
	}
	return p
}

// expected reports whether the member owes a check-in for p, judged at now:
// working far away on its check-in day and still at the deadline (or now,
// before it). A member who leaves after the check-in day starts next month;
// one who comes home before the deadline owes nothing.
//
// A period whose deadline passed before chibo knew the member was away is
// owed nothing: nobody asked (a status recorded today with a start date months
// ago must not make those months silent).
func (r ckRules) expected(m *storage.Member, p core.Period, now time.Time) bool {
	if now.Before(r.open(p)) || !farAwayAt(m, r.open(p)) || !knownAwayBefore(m, r.deadline(p)) {
		return false
	}
	t := r.deadline(p)
	if now.Before(t) {
		t = now
	}
	return farAwayAt(m, t)
}

// silentStreak counts the periods in a row up to p (included) for which the
// member owed a check-in and sent none, and returns the first of them.
// done reports whether the member checked in for a period ("yyyy-mm").
func (r ckRules) silentStreak(m *storage.Member, done func(period string) bool, p core.Period, now time.Time) (int, core.Period) {
	n, first := 0, p
	for q := p; n < 36; q = q.Add(-1) {
		if !r.expected(m, q, now) || done(q.String()) {
			break
		}
		n, first = n+1, q
	}
	return n, first
}

func (r ckRules) state(m *storage.Member, p core.Period, now time.Time) checkinState {
	cur := r.current(now)
	switch {
	case p.Before(cur):
		return stateClosed
	case cur.Before(p):
		return stateNotYetOpen
	case !r.expected(m, p, now) && !farAwayAt(m, now):
		return stateNotFarAway
	case !r.expected(m, p, now):
		// Far away, but not asked in time (recorded after the deadline, or
		// left after the check-in day): the member may report, never late.
		return stateOpen
	case now.Before(r.deadline(p)):
		return stateOpen
	}
	return stateLate
}

// knownAwayBefore reports whether a far-away status was recorded before t.
func knownAwayBefore(m *storage.Member, t time.Time) bool {
	for _, s := range append(append([]storage.Status{}, m.History...), m.Status) {
		if s.Kind == storage.StatusFarAway && s.SetAt.Before(t) {
			return true
		}
	}
	return false
}

// farAwayAt reports whether the member is working far away at t.
func farAwayAt(m *storage.Member, t time.Time) bool {
	return m.StatusOn(t).Kind == storage.StatusFarAway
}

func checkinsByPeriod(tx store, memberID uint64) (map[string]*storage.Checkin, error) {
	list, err := tx.Checkins(memberID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*storage.Checkin, len(list))
	for i := range list {
		out[list[i].Period] = &list[i]
	}
	return out, nil
}

// previousCheckin is the member's latest check-in before p, or nil.
func previousCheckin(tx store, memberID uint64, p core.Period) (*storage.Checkin, error) {
	list, err := tx.Checkins(memberID)
	if err != nil {
		return nil, err
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Period < p.String() {
			return &list[i], nil
		}
	}
	return nil, nil
}

// checkinState is where a period stands for a member.
type checkinState int

const (
	stateOpen       checkinState = iota // on time; corrections allowed
	stateLate                           // after the deadline: a first check-in is late
	stateClosed                         // the next period has opened
	stateNotFarAway                     // the member owes no check-in
	stateNotYetOpen                     // a period in the future
)

// ckMemberRules loads the member's home cell rules.
func ckMemberRules(c *core.Ctx, m *storage.Member) (ckRules, bool, error) {
	cell, err := db(c).Cell(m.HomeCellID)
	if errors.Is(err, storage.ErrNotFound) {
		return ckRules{}, false, nil
	}
	if err != nil {
		return ckRules{}, false, err
	}
	r, err := ckRulesOf(c, cell)
	return r, err == nil, err
}
