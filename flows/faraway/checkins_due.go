package faraway

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"fmt"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// dueCheckins sends the check-in reminders, follow-ups and escalations of
// every cell, and the reminders before a temporary exemption ends. Keys:
//
//	reminder/checkin/<yyyy-mm>/<member>/<n>            n = 0 on the day, then one per follow-up
//	reminder/checkin-silent/<yyyy-mm>/<recipient>      the silent list, to group leader and secretary
//	flag/checkin-silent/<first silent month>/<member>/<secretary>   once per silent streak
//	reminder/exemption-end/<yyyy-mm-dd>/<member>/<recipient>
//
// It looks again at the next reminder, follow-up, deadline or escalation of
// the period, when the next period opens, or before an exemption or a
// transfer of one of the cell's members ends.
func dueCheckins(c *core.Ctx, cell *storage.Cell) (time.Time, error) {
	if !db(c).HasPeriodMembers(cell.ID) {
		return time.Time{}, nil
	}
	r, err := ckRulesOf(c, cell)
	if err != nil {
		return time.Time{}, err
	}
	if end, quiet, err := c.QuietUntil(cell, c.Now); err != nil || quiet {
		return end, err // nothing in the cell's night; it goes out when the night ends
	}
	cellMembers, err := db(c).PeriodMembers(cell.ID)
	if err != nil {
		return time.Time{}, err
	}
	if err := dueCheckinsOfCell(c, r, cellMembers); err != nil {
		return time.Time{}, err
	}
	return r.nextLook(c, cellMembers), nil
}

// nextLook is the next time after c.Now that the cell's check-ins can have
// something due.
func (r ckRules) nextLook(c *core.Ctx, ms []storage.Member) time.Time {
	next := core.Soonest{After: c.Now}
	p := r.current(c.Now)
	for _, q := range []core.Period{p, p.Add(1)} {
		for k := 0; k <= len(r.s.FollowUps); k++ {
			next.Add(r.remindAt(q, k))
		}
		next.Add(r.deadline(q))
		next.Add(r.escalateAt(q))
		next.Add(r.close(q))
	}
	for i := range ms {
		for _, s := range append(ms[i].History, ms[i].Status) {
			if s.To.IsZero() {
				continue
			}
			end := core.DayStart(s.To.In(r.zone))
			next.Add(end.AddDate(0, 0, -r.s.ExemptionNoticeDays).Add(time.Duration(r.s.Hour) * time.Hour))
			next.Add(members.TransferEndNotice(r.zone, r.s.Hour, s))
			next.Add(end.AddDate(0, 0, 1))
		}
	}
	return next.At
}

// silentLine is one member in a silent list.
type silentLine struct {
	m      *storage.Member
	months int
	since  core.Period
}

// dueCheckinsOfCell looks at the cell's members who are or were away for a
// period (the only ones who owe check-ins or whose period can end); the
// secretaries and the form are read only when something is to be sent.
func dueCheckinsOfCell(c *core.Ctx, r ckRules, cellMembers []storage.Member) error {
	secs := lazySecretaries(c, r.cell)
	p := r.current(c.Now)
	silentTo := map[uint64][]silentLine{} // recipient → silent cellMembers
	for i := range cellMembers {
		m := &cellMembers[i]
		done := func(period string) bool { return db(c).HasCheckin(m.ID, period) }
		if err := remindCheckin(c, r, m, p, done); err != nil {
			return err
		}
		if !c.Now.Before(r.escalateAt(p)) && r.expected(m, p, c.Now) && !done(p.String()) {
			n, since := r.silentStreak(m, done, p, c.Now)
			line := silentLine{m: m, months: n, since: since}
			if leader := members.CkGroupLeader(c.Tx, m); leader != 0 && leader != m.ID {
				silentTo[leader] = append(silentTo[leader], line)
			}
			secretaries, err := secs()
			if err != nil {
				return err
			}
			for _, s := range secretaries {
				if s.ID != m.ID {
					silentTo[s.ID] = append(silentTo[s.ID], line)
				}
			}
		}
		if err := flagSilentStreak(c, r, m, p, done, secs); err != nil {
			return err
		}
		if err := remindExemptionEnd(c, r, m, secs); err != nil {
			return err
		}
		if err := members.RemindTransferEnd(c, r.zone, r.s.Hour, m, secs); err != nil {
			return err
		}
	}
	if c.Now.Before(r.escalateAt(p)) || !c.Now.Before(r.close(p)) {
		return nil
	}
	return sendSilentLists(c, r, p, silentTo)
}

// lazySecretaries reads the cell's secretaries the first time they are
// needed: most ticks send them nothing.
func lazySecretaries(c *core.Ctx, cell *storage.Cell) func() ([]*storage.Member, error) {
	var secretaries []*storage.Member
	read := false
	return func() ([]*storage.Member, error) {
		if read {
			return secretaries, nil
		}
		all, err := db(c).Members(cell.ID)
		if err != nil {
			return nil, err
		}
		for i := range all {
			if all[i].HasRole(cell.ID, storage.RoleSecretary) {
				secretaries = append(secretaries, &all[i])
			}
		}
		read = true
		return secretaries, nil
	}
}

// flagSilentStreak flags to the secretaries, once per streak, a member
// silent for the cell's number of months in a row (the current month
// counts once its silent list went out).
func flagSilentStreak(c *core.Ctx, r ckRules, m *storage.Member, p core.Period, done func(string) bool, secs func() ([]*storage.Member, error)) error {
	q := p.Add(-1)
	if !c.Now.Before(r.escalateAt(p)) {
		q = p
	}
	n, since := r.silentStreak(m, done, q, c.Now)
	if n < r.s.SilentMonths {
		return nil
	}
	secretaries, err := secs()
	if err != nil {
		return err
	}
	for _, s := range secretaries {
		key := fmt.Sprintf("flag/checkin-silent/%s/%d/%d", since, m.ID, s.ID)
		if _, err := c.Remind(key, s, nil, "checkins.flag_silent", "Name", m.Name, "Months", n, "Since", since.Label()); err != nil {
			return err
		}
	}
	return nil
}

// sendSilentLists sends each group leader and secretary the list of the
// members silent this period.
func sendSilentLists(c *core.Ctx, r ckRules, p core.Period, silentTo map[uint64][]silentLine) error {
	for id, lines := range silentTo {
		to, err := db(c).Member(id)
		if err != nil {
			continue
		}
		rd := c.ReaderOf(to)
		var list []string
		for _, l := range lines {
			list = append(list, silentText(rd, l.m.Name, l.months, l.since))
		}
		key := fmt.Sprintf("reminder/checkin-silent/%s/%d", p, to.ID)
		if _, err := c.RemindUntil(r.keepKey(p), key, to, [][]chat.Button{{core.ActionButton(rd.T("board.btn_open"), codeBoardOpen, fmt.Sprint(r.cell.ID))}}, "checkins.silent_list",
			"Header", rd.N("checkins.silent_header", len(lines), "Month", p.Label()), "List", strings.Join(list, "\n")); err != nil {
			return err
		}
	}
	return nil
}

// silentText is a silent member's line: how long they have been silent.
func silentText(c *core.Ctx, name string, months int, since core.Period) string {
	if months <= 1 {
		return c.T("board.silent_line", "Name", name)
	}
	return c.T("board.silent_months_line", "Name", name, "Months", months, "Since", since.Label())
}

// remindCheckin sends the member the reminder due now for p, if they owe a
// check-in: on the check-in day, then after each follow-up, until the deadline.
func remindCheckin(c *core.Ctx, r ckRules, m *storage.Member, p core.Period, done func(period string) bool) error {
	if !r.expected(m, p, c.Now) || !c.Now.Before(r.deadline(p)) || done(p.String()) {
		return nil
	}
	n := -1
	for k := 0; k <= len(r.s.FollowUps); k++ {
		if at := r.remindAt(p, k); !c.Now.Before(at) && at.Before(r.deadline(p)) {
			n = k
		}
	}
	if n < 0 {
		return nil
	}
	key := fmt.Sprintf("reminder/checkin/%s/%d/%d", p, m.ID, n)
	if db(c).OutboxKeyUsed(key) {
		return nil // sent before: the form and the last answers need not be read
	}
	form, err := ckFormOf(db(c), r.cell)
	if err != nil {
		return err
	}
	prev, err := previousCheckin(db(c), m.ID, p)
	if err != nil {
		return err
	}
	if prev != nil && prev.Period < p.Add(-12).String() {
		prev = nil // only a check-in of the last twelve months is offered again
	}
	rd := c.ReaderOf(m)
	rd.Me = m
	id := "checkins.remind"
	if n > 0 {
		id = "checkins.remind_again"
	}
	_, err = c.RemindUntil(r.keepKey(p), key, m, checkinButtons(rd, p, prev), id, "Prompt", checkinPrompt(rd, form, p, r, prev))
	return err
}

// keepKey is until when the keys of p's reminders and silent lists are
// kept: they fall due before p closes, which is before the check-in day of
// the next month whatever the settings (day ≤ 28, deadline ≤ 27 days after);
// a month more leaves room for a change of settings.
func (r ckRules) keepKey(p core.Period) time.Time {
	n := p.Add(3)
	return time.Date(n.Y, n.M, 1, 0, 0, 0, 0, r.zone)
}

// remindExemptionEnd tells the member and the secretaries, some days before
// a temporary exemption for working far away ends, to renew or end it.
func remindExemptionEnd(c *core.Ctx, r ckRules, m *storage.Member, secs func() ([]*storage.Member, error)) error {
	s := m.Status
	if s.Kind != storage.StatusFarAway || s.To.IsZero() || !s.Exempt {
		return nil // working far away without an exemption: nothing to renew
	}
	end := s.To.In(r.zone)
	notice := core.DayStart(end).AddDate(0, 0, -r.s.ExemptionNoticeDays).Add(time.Duration(r.s.Hour) * time.Hour)
	if c.Now.Before(notice) || !c.Now.Before(core.DayStart(end).AddDate(0, 0, 1)) {
		return nil
	}
	date := end.Format("2006-01-02")
	key := fmt.Sprintf("reminder/exemption-end/%s/%d/%d", date, m.ID, m.ID)
	if _, err := c.Remind(key, m, nil, "checkins.exemption_ending_member", "To", c.Date(end)); err != nil {
		return err
	}
	secretaries, err := secs()
	if err != nil {
		return err
	}
	for _, sec := range secretaries {
		if sec.ID == m.ID {
			continue
		}
		key := fmt.Sprintf("reminder/exemption-end/%s/%d/%d", date, m.ID, sec.ID)
		if _, err := c.Remind(key, sec, nil, "checkins.exemption_ending_secretary", "Name", m.Name, "To", c.Date(end)); err != nil {
			return err
		}
	}
	return nil
}
