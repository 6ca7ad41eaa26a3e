package meetings

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// closeMeeting records the end, freezes everyone's outcome, and sends the
// summary. Unmarked expected members are absent; an accepted excuse makes
// the absence excused.
func closeMeeting(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, from, to time.Time) error {
	if c.Now.Before(mt.At.Add(-openEarly)) {
		c.Say("mt.close_too_early", "When", when(c, mt.At, cell))
		return nil
	}
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return err
	}
	for i := range ms {
		m := &ms[i]
		switch standing(m, mt) {
		case storage.OutcomeNotExpected:
			if a, ok := mt.Roll[m.ID]; ok {
				a.Outcome = storage.OutcomeNotExpected
			}
		case storage.OutcomeExempt:
			mt.Att(m.ID).Outcome = storage.OutcomeExempt
		default:
			a := mt.Att(m.ID)
			if a.Mark == storage.MarkNone {
				a.Mark, a.MarkedBy, a.MarkedAt, a.MarkVia = storage.MarkAbsent, c.Me.ID, c.Now, "close"
			}
			a.Outcome = outcomeOf(a)
		}
	}
	mt.State, mt.Ended, mt.ClosedBy = storage.MeetingClosed, c.Now, c.Me.ID
	mt.HeldFrom, mt.HeldTo = from, to
	if !mt.CodeUntil.IsZero() && mt.CodeUntil.After(c.Now) {
		mt.CodeUntil = c.Now
	}
	tally, err := judgeTally(c, mt, cell)
	if err != nil {
		return err
	}
	mt.Tally = &tally
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	if err := c.AuditMeeting("meeting_close", mt, 0, nil, map[string]any{"meeting": mt.ID, "from": from, "to": to, "tally": tally}); err != nil {
		return err
	}
	c.Say("mt.closed_done")
	if err := sendSummary(c, mt, cell); err != nil {
		return err
	}
	attachChart(c, mt, cell, c)
	secs, err := members.LeadersOf(c, cell.ID, true)
	if err != nil {
		return err
	}
	for i := range secs {
		if secs[i].ID == c.Me.ID {
			continue
		}
		r := c.ReaderOf(&secs[i])
		text, err := SummaryText(r, mt, cell)
		if err != nil {
			return err
		}
		if !c.SendTo(&secs[i], "mt.summary_forward", "By", c.Me.Name, "Summary", text) {
			continue
		}
		attachChart(c, mt, cell, r)
	}
	return nil
}

func sendSummary(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) error {
	text, err := SummaryText(c, mt, cell)
	if err != nil {
		return err
	}
	id := fmt.Sprint(mt.ID)
	rows := [][]chat.Button{{core.ActionButton(c.T("mt.btn_score"), codeMeeting, id+":sc"), core.ActionButton(c.T("mt.btn_roll"), codeMeeting, id+":r")}}
	tools, err := c.MeetingTools(mt, cell)
	if err != nil {
		return err
	}
	if len(tools) > 0 {
		rows = append(rows, tools)
	}
	c.Reply(text, rows...)
	return nil
}

// percent formats a rate with one decimal, with the reader's decimal mark.
func percent(c *core.Ctx, p float64) string {
	return strings.Replace(strconv.FormatFloat(p, 'f', 1, 64), ".", c.T("mt.decimal_mark"), 1)
}

func yesNo(c *core.Ctx, ok bool) string {
	if ok {
		return c.T("mt.meets")
	}
	return c.T("mt.fails")
}

// summaryText is the secretary's summary of a closed meeting, with the
// year's private flags. Reasons are shown: only leaders read it.
func SummaryText(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) (string, error) {
	n, err := tallyOf(c, mt, cell)
	if err != nil {
		return "", err
	}
	// The year as it stood at this meeting: later meetings do not change
	// what its summary says. Its people are everyone on the lists then,
	// members since transferred out included, so the names and the dues
	// match the counts stored at closing.
	y, err := yearUpTo(c, cell, mt)
	if err != nil {
		return "", err
	}
	ms, err := yearMembers(c, cell, y)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	line := func(s string) {
		b.WriteString("\n")
		b.WriteString(s)
	}
	b.WriteString(c.T("mt.sum_header", "Kind", kindNameLower(c, mt), "When", when(c, mt.At, cell), "Topic", topicOf(c, mt)))
	counts, hasRate := summaryCounts(c, n, mt, cell)
	for _, l := range counts {
		line(l)
	}
	people, err := summaryPeople(c, mt, cell, ms)
	if err != nil {
		return "", err
	}
	for _, l := range people {
		line(l)
	}
	if hasRate {
		line(c.T("mt.sum_standard", "Verdict", yesNo(c, n.Standard)))
	}
	for _, l := range amendmentLines(c, mt, cell) {
		line(l)
	}
	if g := guestLine(c, mt); g != "" {
		line(g)
	}
	flags, err := yearFlags(c, y, ms)
	if err != nil {
		return "", err
	}
	if len(flags) > 0 {
		line(c.T("mt.sum_flags_header", "Year", y.year))
		for _, f := range flags {
			line(f)
		}
	}
	notes, err := c.MeetingNotes(mt, cell, core.NoteSummary)
	if err != nil {
		return "", err
	}
	for _, n := range notes {
		line(n)
	}
	return b.String(), nil
}

// summaryCounts are the summary's lines of counts: attendance, the rate
// against the standard (hasRate: someone was expected) and the length.
func summaryCounts(c *core.Ctx, n storage.MeetingTally, mt *storage.Meeting, cell *storage.Cell) (lines []string, hasRate bool) {
	lines = append(lines,
		c.T("mt.sum_counts", "Total", n.Total, "Exempt", n.Exempt, "Expected", n.Expected()),
		c.T("mt.sum_attend", "Present", n.Present, "Excused", n.Excused, "Unexcused", n.Unexcused))
	if n.ExemptPresent > 0 {
		lines = append(lines, c.N("close.sum_exempt_present", n.ExemptPresent))
	}
	rate, hasRate := rateOf(n)
	if hasRate {
		lines = append(lines, c.T("mt.sum_rate", "Rate", percent(c, rate), "Verdict", yesNo(c, n.RateOK)))
	} else {
		lines = append(lines, c.T("close.none_expected"))
	}
	from, to := heldTimes(mt)
	lines = append(lines, c.T("mt.sum_duration", "Minutes", n.Minutes, "Need", n.Need, "Verdict", yesNo(c, n.LengthOK),
		"Start", from.In(c.CellZone(cell)).Format("15:04"), "End", to.In(c.CellZone(cell)).Format("15:04")))
	return lines, hasRate
}

// summaryPeople are the summary's lines of names: the excused with their
// reasons, the excuses still to decide, the unexcused, and the dues of the
// month among those liable.
func summaryPeople(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, ms []storage.Member) ([]string, error) {
	var excused, unexcused, pending []string
	paid, unpaid, unknown, liable := 0, 0, 0, 0
	for i := range ms {
		m := &ms[i]
		a, ok := mt.Roll[m.ID]
		if !ok {
			continue
		}
		switch a.Outcome {
		case storage.OutcomeExcused:
			excused = append(excused, c.T("mt.sum_excused_line", "Name", c.MemberName(m), "Reason", ReasonText(c, a)))
		case storage.OutcomeUnexcused:
			if a.Excuse == storage.ExcusePending {
				pending = append(pending, c.T("mt.sum_excused_line", "Name", c.MemberName(m), "Reason", ReasonText(c, a)))
			} else {
				unexcused = append(unexcused, c.MemberName(m))
			}
		}
		if a.Outcome != storage.OutcomeNotExpected && statusOn(m, mt.At) != storage.StatusTransferredOut {
			liable++
			d, err := members.DuesOf(c.Tx, m.ID, meetingDuesMonth(c, mt, cell))
			if err != nil {
				return nil, err
			}
			switch {
			case d == nil:
				unknown++
			case d.State == storage.DuesPaid:
				paid++
			default:
				unpaid++
			}
		}
	}
	var lines []string
	if len(excused) > 0 {
		lines = append(append(lines, c.T("mt.sum_excused")), excused...)
	}
	if len(pending) > 0 {
		lines = append(append(lines, c.T("mt.sum_pending")), pending...)
	}
	if len(unexcused) > 0 {
		lines = append(lines, c.T("mt.sum_unexcused", "Names", strings.Join(unexcused, ", ")))
	}
	lines = append(lines, c.T("mt.sum_dues", "Paid", paid, "Liable", liable))
	if unpaid+unknown > 0 {
		lines = append(lines, c.T("dues.sum_rest", "Unpaid", unpaid, "None", unknown))
	}
	return lines, nil
}
