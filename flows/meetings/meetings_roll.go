package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"chibo/flows/chat"
	"chibo/storage"
)

// CheckinPayloadPrefix starts the /start payload of an in-room check-in
// link: "m_<code>" (Telegram allows 64 characters).
const CheckinPayloadPrefix = "m_"

func newCheckinCode() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	for i := range b {
		b[i] = core.CodeAlphabet[int(b[i])%len(core.CodeAlphabet)]
	}
	return string(b[:])
}

// startMeeting marks the meeting open and its start time, once.
func startMeeting(c *core.Ctx, mt *storage.Meeting) {
	if mt.State == storage.MeetingPlanned {
		mt.State = storage.MeetingOpen
	}
	if mt.Started.IsZero() {
		mt.Started = c.Now
	}
}

// openCheckin shows the in-room check-in link and its QR code. The code works
// for this meeting only, until codeTTL after it was shown or the meeting closes.
func openCheckin(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) error {
	if c.Now.Before(mt.At.Add(-openEarly)) {
		c.Say("mt.checkin_too_early", "When", when(c, mt.At.Add(-openEarly), cell))
		return nil
	}
	if mt.Code == "" || !c.Now.Before(mt.CodeUntil) {
		for {
			mt.Code = newCheckinCode()
			if _, err := c.Tx.MeetingByCode(mt.Code); errors.Is(err, storage.ErrNotFound) {
				break
			} else if err != nil {
				return err
			}
		}
		mt.CodeUntil = c.Now.Add(CodeTTL)
	}
	startMeeting(c, mt)
	if err := c.Tx.PutMeeting(mt); err != nil {
		return err
	}
	link := c.E.Cfg.InviteLink(CheckinPayloadPrefix + mt.Code)
	until := mt.CodeUntil.In(c.CellZone(cell)).Format("15:04")
	if link == "" { // no Telegram bot to link to (Zalo only): the code alone
		c.Reply(c.T("zalo.checkin_open", "Code", mt.Code, "Until", until),
			[]chat.Button{core.ActionButton(c.T("mt.btn_roll"), codeMeeting, fmt.Sprintf("%d:r", mt.ID))})
		return nil
	}
	c.Reply(c.T("mt.checkin_open", "Link", link, "Code", mt.Code, "Until", until),
		[]chat.Button{core.ActionButton(c.T("mt.btn_roll"), codeMeeting, fmt.Sprintf("%d:r", mt.ID))})
	png, err := qrcode.Encode(link, qrcode.Medium, 512)
	if err != nil {
		return fmt.Errorf("check-in qr: %w", err)
	}
	c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, Text: c.T("mt.checkin_qr_caption", "Code", mt.Code), RecipientID: c.MeID(),
		Document: &chat.Document{Name: "checkin.png", MIME: "image/png", Data: png}})
	return nil
}

// runCheckinCode is /code <code>: check in by typing the code on the screen.
func runCheckinCode(c *core.Ctx, args string) error {
	if strings.TrimSpace(args) == "" {
		c.Say("mt.code_usage")
		return nil
	}
	return checkinByCode(c, args)
}

// IsCheckinPayload reports whether a /start payload is an in-room check-in
// link ("m_" and an 8-character code) rather than an invite token (22
// base64url characters, which may also begin with "m_").
func IsCheckinPayload(p string) bool {
	code, ok := strings.CutPrefix(p, CheckinPayloadPrefix)
	if !ok || len(code) != 8 {
		return false
	}
	for _, r := range code {
		if !strings.ContainsRune(core.CodeAlphabet, r) {
			return false
		}
	}
	return true
}

// StartCheckin handles a /start payload for which IsCheckinPayload is true
// (a scanned or tapped check-in link).
func StartCheckin(c *core.Ctx, payload string) error {
	return checkinByCode(c, strings.TrimPrefix(payload, CheckinPayloadPrefix))
}

// checkinByCode marks the caller present at the meeting of the code. A code
// that is unknown, expired, or of another cell records nothing.
func checkinByCode(c *core.Ctx, code string) error {
	if c.Me == nil {
		c.Say("mt.code_not_member")
		return nil
	}
	code = strings.ToUpper(strings.Join(strings.Fields(code), ""))
	mt, err := c.Tx.MeetingByCode(code)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("mt.code_unknown")
		return nil
	}
	if err != nil {
		return err
	}
	if !mt.Active() || !c.Now.Before(mt.CodeUntil) {
		c.Say("mt.code_expired")
		return nil
	}
	// A member linked to this cell as their residence (Regulation 213) is
	// recorded in their own residence attendance.
	if ok, err := ResidenceCheckin(c, mt); ok || err != nil {
		return err
	}
	if c.Me.HomeCellID != mt.CellID {
		// A committee member following the cell attends as a guest.
		if ok, err := guestCheckin(c, mt); ok || err != nil {
			return err
		}
	}
	if c.Me.HomeCellID != mt.CellID || standing(c.Me, mt) == storage.OutcomeNotExpected {
		c.Say("mt.code_other_cell")
		return nil
	}
	cell, err := c.Tx.Cell(mt.CellID)
	if err != nil {
		return err
	}
	a := mt.Att(c.Me.ID)
	if a.Mark == storage.MarkPresent {
		c.Say("mt.code_already", "When", when(c, mt.At, cell))
		return nil
	}
	a.Mark, a.MarkedBy, a.MarkedAt, a.MarkVia = storage.MarkPresent, c.Me.ID, c.Now, "code"
	if err := c.Tx.PutMeeting(mt); err != nil {
		return err
	}
	if standing(c.Me, mt) == storage.OutcomeExempt {
		c.Say("close.code_done_exempt", "Kind", kindNameLower(c, mt), "When", when(c, mt.At, cell))
		return nil
	}
	c.Say("mt.code_done", "Kind", kindNameLower(c, mt), "When", when(c, mt.At, cell))
	return nil
}

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
	ms, err := c.Tx.Members(cell.ID)
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
	m, err := c.Tx.Member(id)
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
	if err := c.Tx.PutMeeting(mt); err != nil {
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
	ms, err := c.Tx.Members(cell.ID)
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
	if err := c.Tx.PutMeeting(mt); err != nil {
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

// closeMeeting records the end, freezes everyone's outcome, and sends the
// summary. Unmarked expected members are absent; an accepted excuse makes
// the absence excused.
func closeMeeting(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, from, to time.Time) error {
	if c.Now.Before(mt.At.Add(-openEarly)) {
		c.Say("mt.close_too_early", "When", when(c, mt.At, cell))
		return nil
	}
	ms, err := c.Tx.Members(cell.ID)
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
	if err := c.Tx.PutMeeting(mt); err != nil {
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
	line(c.T("mt.sum_counts", "Total", n.Total, "Exempt", n.Exempt, "Expected", n.Expected()))
	line(c.T("mt.sum_attend", "Present", n.Present, "Excused", n.Excused, "Unexcused", n.Unexcused))
	if n.ExemptPresent > 0 {
		line(c.N("close.sum_exempt_present", n.ExemptPresent))
	}
	rate, hasRate := rateOf(n)
	if hasRate {
		line(c.T("mt.sum_rate", "Rate", percent(c, rate), "Verdict", yesNo(c, n.RateOK)))
	} else {
		line(c.T("close.none_expected"))
	}
	from, to := heldTimes(mt)
	line(c.T("mt.sum_duration", "Minutes", n.Minutes, "Need", n.Need, "Verdict", yesNo(c, n.LengthOK),
		"Start", from.In(c.CellZone(cell)).Format("15:04"), "End", to.In(c.CellZone(cell)).Format("15:04")))
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
				return "", err
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
	if len(excused) > 0 {
		line(c.T("mt.sum_excused"))
		for _, s := range excused {
			line(s)
		}
	}
	if len(pending) > 0 {
		line(c.T("mt.sum_pending"))
		for _, s := range pending {
			line(s)
		}
	}
	if len(unexcused) > 0 {
		line(c.T("mt.sum_unexcused", "Names", strings.Join(unexcused, ", ")))
	}
	line(c.T("mt.sum_dues", "Paid", paid, "Liable", liable))
	if unpaid+unknown > 0 {
		line(c.T("dues.sum_rest", "Unpaid", unpaid, "None", unknown))
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

// meetingDuesMonth is the month whose dues a meeting's roll collects.
func meetingDuesMonth(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) string {
	if mt.Month != "" {
		return mt.Month
	}
	return mt.At.In(c.CellZone(cell)).Format("2006-01")
}

// setRollDues records the dues of the meeting's month from the roll: "d"
// paid, "D" not paid. It reports whether anything changed.
func setRollDues(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, op string) (bool, error) {
	st := storage.DuesPaid
	if op == "D" {
		st = storage.DuesUnpaid
	}
	return members.RecordDues(c, m, &storage.Dues{MemberID: m.ID, CellID: cell.ID, Month: meetingDuesMonth(c, mt, cell), State: st,
		Via: storage.DuesViaRoll, By: c.Me.ID, At: c.Now, MeetingID: mt.ID})
}

// actRollDues records one member's dues from the roll: "rl:<meeting>:<member>:d|D".
func actRollDues(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, op string) error {
	changed, err := setRollDues(c, mt, cell, m, op)
	if err != nil {
		return members.SayInvalid(c, err)
	}
	if !changed {
		c.Say("mt.roll_no_change", "Name", m.Name)
		return nil
	}
	if c.Ev.MessageID == "" { // no message to edit in place: say what changed
		d, err := members.DuesOf(c.Tx, m.ID, meetingDuesMonth(c, mt, cell))
		if err != nil {
			return err
		}
		c.Say("dues.roll_set", "Name", m.Name, "Month", c.MonthLabel(d.Month), "State", members.DuesText(c, d))
	}
	return showRoll(c, mt, cell, true)
}

// rollAllPaid is "all present paid" for one member: only the present, and
// only those with nothing recorded for the month yet (a "not paid" ticked
// first, or a far-away member's own answer, is not overwritten by the bulk
// tick). Absent, excused and exempt members are never ticked: dues are not
// inferred from presence.
func rollAllPaid(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, st RollState) (bool, error) {
	if st != RsPresent {
		return false, nil
	}
	month := meetingDuesMonth(c, mt, cell)
	if members.CheckDuesMonth(c, m, month) != nil {
		return false, nil // joined after the month
	}
	d, err := members.DuesOf(c.Tx, m.ID, month)
	if err != nil || d != nil {
		return false, err
	}
	return setRollDues(c, mt, cell, m, "d")
}
