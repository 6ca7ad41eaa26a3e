package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"chibo/flows/chat"
	"chibo/storage"
)

// rollState is what the roll shows for a member.
type RollState string

const (
	RsPresent   RollState = "present"
	RsExcused   RollState = "excused"
	RsUnexcused RollState = "unexcused"
	RsPending   RollState = "pending" // asked to be excused, no decision yet
	RsExempt    RollState = "exempt"
	// rsExemptPresent is an exempt member who came: shown present, not
	// counted (DOMAIN.md §3).
	RsExemptPresent RollState = "exempt_present"
	rsUnmarked      RollState = "unmarked"
)

// stateOf is the member's state at the meeting; ok is false when they are
// not on the cell's list that day.
func StateOf(m *storage.Member, mt *storage.Meeting) (RollState, bool) {
	st := standing(m, mt)
	a := mt.Roll[m.ID]
	if a == nil {
		a = &storage.Attendance{}
	}
	switch st {
	case storage.OutcomeNotExpected:
		return "", false
	case storage.OutcomeExempt:
		if a.Mark == storage.MarkPresent {
			return RsExemptPresent, true
		}
		return RsExempt, true
	case storage.OutcomePresent:
		return RsPresent, true
	case storage.OutcomeExcused:
		return RsExcused, true
	case storage.OutcomeUnexcused:
		if a.Excuse == storage.ExcusePending {
			return RsPending, true
		}
		return RsUnexcused, true
	}
	switch {
	case a.Mark == storage.MarkPresent:
		return RsPresent, true
	case a.Excuse == storage.ExcuseAccepted:
		return RsExcused, true
	case a.Excuse == storage.ExcusePending:
		return RsPending, true
	case a.Mark == storage.MarkAbsent:
		return RsUnexcused, true
	}
	return rsUnmarked, true
}

func rollStateName(c *core.Ctx, s RollState) string {
	switch s {
	case RsPresent:
		return c.T("mt.rs_present")
	case RsExcused:
		return c.T("mt.rs_excused")
	case RsUnexcused:
		return c.T("mt.rs_unexcused")
	case RsPending:
		return c.T("mt.rs_pending")
	case RsExempt:
		return c.T("mt.rs_exempt")
	case RsExemptPresent:
		return c.T("close.rs_exempt_present")
	}
	return c.T("mt.rs_unmarked")
}

// showRoll lists everyone on the cell's list with their state, and the
// buttons that finish a 30-member roll in a few taps.
func showRoll(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, edit bool) error {
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return err
	}
	counts := map[RollState]int{}
	var b strings.Builder
	var people [][]chat.Button
	id := fmt.Sprint(mt.ID)
	n := 0
	var lines []string
	month := meetingDuesMonth(c, mt, cell)
	for i := range ms {
		m := &ms[i]
		st, ok := StateOf(m, mt)
		if !ok {
			continue
		}
		n++
		counts[st]++
		d, err := members.DuesOf(c.Tx, m.ID, month)
		if err != nil {
			return err
		}
		dues := members.DuesRollMark(c, d)
		lines = append(lines, c.T("mt.roll_line", "N", n, "Name", c.MemberName(m), "State", rollStateName(c, st), "Dues", dues))
		label := c.T("mt.btn_person", "N", n, "Name", c.MemberName(m))
		if len(people) == 0 || len(people[len(people)-1]) == 2 {
			people = append(people, nil)
		}
		people[len(people)-1] = append(people[len(people)-1], core.ActionButton(label, codeRollMember, fmt.Sprintf("%s:%d", id, m.ID)))
	}
	b.WriteString(c.T("mt.roll_header", "Kind", c.KindName(mt), "When", when(c, mt.At, cell), "State", stateName(c, mt.State)))
	b.WriteString("\n")
	b.WriteString(c.T("mt.roll_counts", "Present", counts[RsPresent], "Excused", counts[RsExcused], "Pending", counts[RsPending],
		"Unexcused", counts[RsUnexcused], "Exempt", counts[RsExempt]+counts[RsExemptPresent], "Unmarked", counts[rsUnmarked]))
	if counts[RsExemptPresent] > 0 {
		b.WriteString("\n")
		b.WriteString(c.N("close.roll_exempt_present", counts[RsExemptPresent]))
	}
	for _, l := range lines {
		b.WriteString("\n")
		b.WriteString(l)
	}
	var rows [][]chat.Button
	if mt.Active() {
		rows = append(rows,
			[]chat.Button{core.ActionButton(c.T("mt.btn_all_present"), codeRollAll, id+":p"), core.ActionButton(c.T("mt.btn_all_absent"), codeRollAll, id+":a")},
			[]chat.Button{core.ActionButton(c.T("mt.btn_all_dues"), codeRollAll, id+":d")})
	}
	rows = append(rows, people...)
	if mt.Active() {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("mt.btn_close"), codeMeeting, id+":cl")})
	}
	c.Reply(b.String(), rows...)
	if edit && c.Ev.MessageID != "" {
		c.Out[len(c.Out)-1].EditMessageID = c.Ev.MessageID
	}
	return nil
}

// rollMember loads "<meeting>:<member>" for a roll action by a leader.
func rollMember(c *core.Ctx, mid, memberArg string) (*storage.Meeting, *storage.Cell, *storage.Member, bool, error) {
	mt, cell, ok, err := meetingFor(c, mid, true)
	if !ok || err != nil {
		return nil, nil, nil, false, err
	}
	if mt.State == storage.MeetingCancelled {
		c.Say("mt.already_ended", "State", stateName(c, mt.State))
		return nil, nil, nil, false, nil
	}
	id, _ := strconv.ParseUint(memberArg, 10, 64)
	m, err := db(c).Member(id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && m.HomeCellID != mt.CellID) {
		c.Say("err.stale_button")
		return nil, nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, nil, false, err
	}
	if _, on := StateOf(m, mt); !on {
		c.Say("err.stale_button")
		return nil, nil, nil, false, nil
	}
	return mt, cell, m, true, nil
}

// actRollMember shows one member's line of the roll with its buttons:
// "rlm:<meeting>:<member>".
func actRollMember(c *core.Ctx, args string) error {
	mid, memberArg, _ := strings.Cut(args, ":")
	mt, cell, m, ok, err := rollMember(c, mid, memberArg)
	if !ok || err != nil {
		return err
	}
	st, _ := StateOf(m, mt)
	a := mt.Roll[m.ID]
	if a == nil {
		a = &storage.Attendance{}
	}
	var b strings.Builder
	b.WriteString(c.T("mt.person_card", "Name", c.MemberName(m), "When", when(c, mt.At, cell), "State", rollStateName(c, st)))
	if a.RSVP == storage.RSVPNo {
		b.WriteString("\n")
		b.WriteString(c.T("mt.person_reason", "Reason", ReasonText(c, a), "Decision", c.ExcuseName(a.Excuse)))
	}
	b.WriteString("\n")
	d, err := members.DuesOf(c.Tx, m.ID, meetingDuesMonth(c, mt, cell))
	if err != nil {
		return err
	}
	args = fmt.Sprintf("%d:%d:", mt.ID, m.ID)
	// Dues are their own record for the meeting's month: paid, recorded
	// not paid, or nothing recorded yet (which is neither).
	var dues []chat.Button
	switch {
	case d == nil:
		b.WriteString(c.T("dues.person_none"))
		dues = []chat.Button{core.ActionButton(c.T("mt.btn_dues_paid"), codeRollSet, args+"d"), core.ActionButton(c.T("mt.btn_dues_unpaid"), codeRollSet, args+"D")}
	case d.State == storage.DuesPaid:
		b.WriteString(c.T("mt.person_dues_paid"))
		dues = []chat.Button{core.ActionButton(c.T("mt.btn_dues_unpaid"), codeRollSet, args+"D")}
	default:
		b.WriteString(c.T("mt.person_dues_unpaid"))
		dues = []chat.Button{core.ActionButton(c.T("mt.btn_dues_paid"), codeRollSet, args+"d")}
	}
	c.Reply(b.String(),
		[]chat.Button{core.ActionButton(c.T("mt.btn_mark_present"), codeRollSet, args+"p")},
		[]chat.Button{core.ActionButton(c.T("mt.btn_mark_excused"), codeRollSet, args+"e"), core.ActionButton(c.T("mt.btn_mark_unexcused"), codeRollSet, args+"u")},
		dues,
		[]chat.Button{members.DuesButton(c, m)},
		[]chat.Button{core.ActionButton(c.T("mt.btn_back_roll"), codeMeeting, fmt.Sprintf("%d:r", mt.ID))})
	if c.Ev.MessageID != "" { // the roll's message becomes the member's card
		c.Out[len(c.Out)-1].EditMessageID = c.Ev.MessageID
	}
	return nil
}

// setMark changes one member's roll entry; it reports whether anything changed.
func setMark(c *core.Ctx, mt *storage.Meeting, m *storage.Member, op string) bool {
	a := mt.Att(m.ID)
	before := *a
	mark := func(k storage.Mark) {
		if a.Mark != k {
			a.Mark, a.MarkedBy, a.MarkedAt, a.MarkVia = k, c.Me.ID, c.Now, "roll"
		}
	}
	switch op {
	case "p":
		mark(storage.MarkPresent)
	case "a":
		mark(storage.MarkAbsent)
	case "e":
		mark(storage.MarkAbsent)
		if a.Excuse != storage.ExcuseAccepted {
			if a.Reason == "" {
				a.Reason = storage.ReasonOther
			}
			a.Excuse, a.DecidedBy, a.DecidedAt = storage.ExcuseAccepted, c.Me.ID, c.Now
		}
	case "u":
		mark(storage.MarkAbsent)
		if a.Excuse == storage.ExcuseAccepted || a.Excuse == storage.ExcusePending {
			a.Excuse, a.DecidedBy, a.DecidedAt = storage.ExcuseRejected, c.Me.ID, c.Now
		}
	}
	if mt.State == storage.MeetingClosed && a.Outcome != storage.OutcomeExempt && a.Outcome != storage.OutcomeNotExpected {
		a.Outcome = outcomeOf(a)
	}
	return *a != before
}

// outcomeOf is the final state of an expected member.
func outcomeOf(a *storage.Attendance) storage.Outcome {
	switch {
	case a.Mark == storage.MarkPresent:
		return storage.OutcomePresent
	case a.Excuse == storage.ExcuseAccepted:
		return storage.OutcomeExcused
	}
	return storage.OutcomeUnexcused
}

// actRollSet changes one member's entry: "rl:<meeting>:<member>:p|e|u|d|D".
func actRollSet(c *core.Ctx, args string) error {
	parts := strings.Split(args, ":")
	if len(parts) != 3 {
		c.Say("err.stale_button")
		return nil
	}
	mt, cell, m, ok, err := rollMember(c, parts[0], parts[1])
	if !ok || err != nil {
		return err
	}
	if !strings.Contains("peudD", parts[2]) || len(parts[2]) != 1 {
		c.Say("err.stale_button")
		return nil
	}
	if op := parts[2]; op == "d" || op == "D" {
		return actRollDues(c, mt, cell, m, op)
	}
	var before *storage.Attendance
	if a := mt.Roll[m.ID]; a != nil {
		cp := *a
		before = &cp
	}
	if !setMark(c, mt, m, parts[2]) {
		c.Say("mt.roll_no_change", "Name", c.MemberName(m))
		return nil // the shown roll is still right: nothing to edit
	}
	if before != nil {
		if err := amendClosed(c, mt, cell, m.ID, "mark", before.Outcome); err != nil {
			return err
		}
	}
	if mt.Active() {
		startMeeting(c, mt)
	}
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	if err := auditRollSet(c, mt, cell, m, before); err != nil {
		return err
	}
	if c.Ev.MessageID == "" { // no message to edit in place: say what changed
		st, _ := StateOf(m, mt)
		c.Say("mt.roll_set", "Name", c.MemberName(m), "State", rollStateName(c, st))
	}
	return showRoll(c, mt, cell, true)
}

// actRollAll marks everyone still unmarked: "rla:<meeting>:p|a|d". Members
// who said they cannot come are not marked present; "d" ticks the dues of
// everyone present. A member who withdrew consent is marked one by one: no
// answer of theirs can confirm a bulk mark.
func actRollAll(c *core.Ctx, args string) error {
	mid, op, _ := strings.Cut(args, ":")
	mt, cell, ok, err := meetingFor(c, mid, true)
	if !ok || err != nil {
		return err
	}
	if !mt.Active() {
		c.Say("mt.already_ended", "State", stateName(c, mt.State))
		return nil
	}
	if op == "d" { // a month too far ahead is refused before anything changes
		if err := members.CheckDuesMonth(c, &storage.Member{}, meetingDuesMonth(c, mt, cell)); err != nil {
			return members.SayInvalid(c, err)
		}
	}
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return err
	}
	changed := 0
	for i := range ms {
		m := &ms[i]
		st, on := StateOf(m, mt)
		if !on || m.Forgotten() {
			continue
		}
		switch op {
		case "p":
			if st == rsUnmarked && setMark(c, mt, m, "p") {
				changed++
			}
		case "a":
			if a := mt.Roll[m.ID]; (st == rsUnmarked || st == RsPending) && (a == nil || a.Mark == storage.MarkNone) && setMark(c, mt, m, "a") {
				changed++
			}
		case "d":
			ok, err := rollAllPaid(c, mt, cell, m, st)
			if err != nil {
				return err
			}
			if ok {
				changed++
			}
		}
	}
	if changed == 0 {
		c.Say("mt.roll_all_nothing")
		return nil
	}
	if op != "d" {
		startMeeting(c, mt)
	}
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	if err := c.AuditMeeting("roll_set", mt, 0, nil, map[string]any{"meeting": mt.ID, "all": op, "changed": changed}); err != nil {
		return err
	}
	if c.Ev.MessageID == "" {
		c.Reply(c.N("mt.roll_all_done", changed))
	}
	return showRoll(c, mt, cell, true)
}
