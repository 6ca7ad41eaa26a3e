package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// noticeText is a meeting notice: kind, topic, time, place, and where the
// documents are (the national e-handbook app; chibo carries none).
func noticeText(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) string {
	return c.T("mt.notice", "Cell", cell.Name, "Kind", kindNameLower(c, mt), "Topic", topicOf(c, mt), "When", when(c, mt.At, cell), "Place", placeOf(c, mt))
}

func rsvpButtons(c *core.Ctx, mt *storage.Meeting) [][]chat.Button {
	id := fmt.Sprint(mt.ID)
	return [][]chat.Button{{core.ActionButton(c.T("mt.btn_yes"), codeRSVP, id+":y"), core.ActionButton(c.T("mt.btn_no"), codeRSVP, id+":n")}}
}

// sendNotice sends the notice to every expected member not notified yet, and
// to the cell's linked group the first time.
func sendNotice(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) error {
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return err
	}
	first := mt.Noticed.IsZero()
	sent, unreachable := 0, 0
	for i := range ms {
		m := &ms[i]
		if !expected(m, mt) || mt.WasNotified(m.ID) {
			continue
		}
		r := c.ReaderOf(m)
		if !c.SendButtonsTo(m, rsvpButtons(r, mt), "mt.notice_to_member", "Notice", noticeText(r, mt, cell)) {
			unreachable++
			continue
		}
		mt.Notified = append(mt.Notified, m.ID)
		sent++
	}
	guests, err := noticeGuests(c, mt, cell)
	if err != nil {
		return err
	}
	if sent == 0 && guests == 0 && !first {
		c.Say("mt.notice_nobody_new")
		return nil
	}
	if first {
		mt.Noticed = c.Now
		if err := sendToGroup(c, cell, "mt.notice_to_group", "Notice", noticeText(groupReader(c), mt, cell)); err != nil {
			return err
		}
	}
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	if err := c.AuditMeeting("notice_sent", mt, 0, nil, map[string]int{"sent": sent, "unreachable": unreachable}); err != nil {
		return err
	}
	c.Reply(c.N("mt.notice_sent", sent, "Unreachable", unreachable))
	return nil
}

// groupReader renders text for a group chat, in the default language.
func groupReader(c *core.Ctx) *core.Ctx { return c.ReaderOf(nil) }

// sendToGroup posts to the cell's linked group chats (/linkgroup), if any.
func sendToGroup(c *core.Ctx, cell *storage.Cell, id string, kv ...any) error {
	transports := make([]string, 0, len(cell.GroupChats))
	for t := range cell.GroupChats {
		transports = append(transports, t)
	}
	slices.Sort(transports)
	for _, t := range transports {
		c.Emit(chat.Message{Transport: t, Chat: cell.GroupChats[t], Group: true, Text: groupReader(c).T(id, kv...)})
	}
	return nil
}

// notifyChange tells everyone who got the notice that the meeting moved.
func notifyChange(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, oldAt time.Time, oldPlace string) error {
	if len(mt.Notified) == 0 {
		return nil
	}
	for _, id := range mt.Notified {
		m, err := db(c).Member(id)
		if err != nil {
			continue
		}
		r := c.ReaderOf(m)
		old := &storage.Meeting{Place: oldPlace}
		c.SendButtonsTo(m, rsvpButtons(r, mt), "mt.changed_notice", "Kind", r.KindName(mt), "Old", when(r, oldAt, cell),
			"When", when(r, mt.At, cell), "OldPlace", placeOf(r, old), "Place", placeOf(r, mt))
	}
	for _, m := range guestsOf(c, mt) {
		r := c.ReaderOf(m)
		old := &storage.Meeting{Place: oldPlace}
		c.SendTo(m, "mt.changed_notice", "Kind", r.KindName(mt), "Old", when(r, oldAt, cell),
			"When", when(r, mt.At, cell), "OldPlace", placeOf(r, old), "Place", placeOf(r, mt))
	}
	g := groupReader(c)
	return sendToGroup(c, cell, "mt.changed_notice_group", "Kind", g.KindName(mt), "When", when(g, mt.At, cell), "Place", placeOf(g, mt))
}

// actRSVP records a member's answer to a notice: "rsvp:<meeting>:y|n".
func actRSVP(c *core.Ctx, args string) error {
	idArg, ans, _ := strings.Cut(args, ":")
	mt, cell, ok, err := meetingFor(c, idArg, false)
	if !ok || err != nil {
		return err
	}
	if !mt.Active() || !c.Now.Before(mt.At.Add(3*time.Hour)) {
		c.Say("mt.rsvp_closed")
		return nil
	}
	if !expected(c.Me, mt) {
		c.Say("mt.you_not_expected")
		return nil
	}
	a := mt.Att(c.Me.ID)
	switch ans {
	case "y":
		if a.RSVP == storage.RSVPYes {
			c.Say("mt.rsvp_already_yes")
			return nil
		}
		a.RSVP, a.RSVPAt = storage.RSVPYes, c.Now
		// An excuse no longer applies; its record goes with it.
		a.Reason, a.ReasonText, a.Excuse, a.DecidedBy, a.DecidedAt = "", "", storage.ExcuseNone, 0, time.Time{}
		if err := db(c).PutMeeting(mt); err != nil {
			return err
		}
		c.Say("mt.rsvp_yes_done", "When", when(c, mt.At, cell))
		return nil
	case "n":
		return c.StartWith("excuse", stepReason, &mtForm{Meeting: mt.ID})
	}
	c.Say("err.stale_button")
	return nil
}

// reasonName is the localized name of a preset reason.
func reasonName(c *core.Ctx, k storage.ReasonKind) string {
	switch k {
	case storage.ReasonSick:
		return c.T("mt.reason_sick")
	case storage.ReasonWork:
		return c.T("mt.reason_work")
	case storage.ReasonFamily:
		return c.T("mt.reason_family")
	case storage.ReasonFarAway:
		return c.T("mt.reason_far")
	}
	return c.T("mt.reason_other")
}

// reasonText is the reason as a leader or the member sees it.
func ReasonText(c *core.Ctx, a *storage.Attendance) string {
	if a.ReasonText != "" {
		return c.T("mt.reason_with_text", "Kind", reasonName(c, a.Reason), "Text", a.ReasonText)
	}
	return reasonName(c, a.Reason)
}

// excuseMeeting is the meeting of the excuse flow, checked on every step.
func excuseMeeting(c *core.Ctx) (*storage.Meeting, *storage.Cell, error) {
	id := form(c).Meeting
	mt, err := db(c).Meeting(id)
	if err != nil {
		return nil, nil, core.Invalid("err.stale_button")
	}
	if !mt.Active() {
		return nil, nil, core.Invalid("mt.rsvp_closed")
	}
	if !expected(c.Me, mt) {
		return nil, nil, core.Invalid("mt.you_not_expected")
	}
	cell, err := db(c).Cell(mt.CellID)
	return mt, cell, err
}

func askExcuseReason(c *core.Ctx) error {
	mt, cell, err := excuseMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	opts := make([]core.Opt, 0, len(storage.ReasonKinds))
	for _, k := range storage.ReasonKinds {
		opts = append(opts, core.Opt{Label: reasonName(c, k), Value: string(k)})
	}
	c.Ask(c.T("mt.excuse_ask", "When", when(c, mt.At, cell)), 2, opts...)
	return nil
}

func answerExcuseReason(c *core.Ctx, in core.Input) (core.StepName, error) {
	for _, k := range storage.ReasonKinds {
		if in.Choice == string(k) {
			if k == storage.ReasonOther {
				return stepText, nil
			}
			return "", recordExcuse(c, k, "")
		}
	}
	if in.Text != "" { // a typed reason is "other" with its text
		t, err := core.CleanReason(in.Text)
		if err != nil {
			return "", err
		}
		return "", recordExcuse(c, storage.ReasonOther, t)
	}
	return "", core.Invalid("err.choose_option")
}

func askExcuseText(c *core.Ctx) error {
	c.Reply(c.T("mt.excuse_ask_text"))
	return nil
}

func answerExcuseText(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := core.CleanReason(in.Text)
	if err != nil {
		return "", err
	}
	return "", recordExcuse(c, storage.ReasonOther, t)
}

// recordExcuse stores the member's "cannot attend" with its reason, awaiting
// the cell's decision, and sends it to the cell's leaders.
func recordExcuse(c *core.Ctx, k storage.ReasonKind, text string) error {
	mt, cell, err := excuseMeeting(c)
	if err != nil {
		return err
	}
	a := mt.Att(c.Me.ID)
	if a.RSVP == storage.RSVPNo && a.Reason == k && a.ReasonText == text {
		c.Say("mt.excuse_same")
		return nil
	}
	a.RSVP, a.RSVPAt, a.Reason, a.ReasonText = storage.RSVPNo, c.Now, k, text
	a.Excuse, a.DecidedBy, a.DecidedAt = storage.ExcusePending, 0, time.Time{}
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	c.Say("mt.excuse_sent")
	leaders, err := members.LeadersOf(c, cell.ID, false)
	if err != nil {
		return err
	}
	// The buttons name the excuse by when it was sent, so that those of an
	// excuse the member replaced never decide the new one.
	arg := func(op string) string { return fmt.Sprintf("%d:%d:%s:%d", mt.ID, c.Me.ID, op, a.RSVPAt.Unix()) }
	for i := range leaders {
		l := &leaders[i]
		if l.ID == c.Me.ID {
			continue
		}
		r := c.ReaderOf(l)
		c.SendButtonsTo(l, [][]chat.Button{{core.ActionButton(r.T("mt.btn_accept"), codeExcuse, arg("a")), core.ActionButton(r.T("mt.btn_reject"), codeExcuse, arg("r"))}},
			"mt.excuse_to_leader", "Name", c.Me.Name, "When", when(r, mt.At, cell), "Reason", ReasonText(r, a))
	}
	return nil
}

// actExcuse handles a leader's buttons on an excuse:
// "exc:<meeting>:<member>:a|r[:<sent>]" decides it, once (a later tap
// answers who decided); sent is when the member sent the excuse, in Unix
// seconds (buttons from before it was added have none). ":c" asks to change
// the decision taken, and ":ca|cr" changes it once confirmed.
func actExcuse(c *core.Ctx, args string) error {
	parts := strings.Split(args, ":")
	if len(parts) != 3 && len(parts) != 4 {
		c.Say("err.stale_button")
		return nil
	}
	mt, cell, m, a, ok, err := excuseToDecide(c, parts[0], parts[1])
	if !ok || err != nil {
		return err
	}
	if len(parts) == 4 && parts[3] != strconv.FormatInt(a.RSVPAt.Unix(), 10) {
		c.Say("decision.excuse_replaced", "Name", m.Name)
		return nil
	}
	change := core.ActionButton(c.T("decision.btn_change"), codeExcuse, fmt.Sprintf("%d:%d:c", mt.ID, m.ID))
	decided := a.Excuse == storage.ExcuseAccepted || a.Excuse == storage.ExcuseRejected
	switch op := parts[2]; op {
	case "a", "r":
		if decided {
			core.DecidedAlready(c, cell, a.DecidedBy, a.DecidedAt, c.ExcuseName(a.Excuse), &change)
			return nil
		}
		return decideExcuse(c, mt, cell, m, a, excuseWanted(op))
	case "c", "ca", "cr":
		if !decided {
			c.Say("decision.nothing_to_change")
			return nil
		}
		if op == "c" {
			askExcuseChange(c, mt, cell, m, a)
			return nil
		}
		if want := excuseWanted(op[1:]); a.Excuse != want {
			return changeExcuse(c, mt, cell, m, a, want)
		}
		core.DecidedAlready(c, cell, a.DecidedBy, a.DecidedAt, c.ExcuseName(a.Excuse), nil)
		return nil
	}
	c.Say("err.stale_button")
	return nil
}

func excuseWanted(op string) storage.ExcuseState {
	if op == "r" {
		return storage.ExcuseRejected
	}
	return storage.ExcuseAccepted
}

// excuseToDecide loads the meeting and the member's excuse a leader's button
// refers to, and answers, changing nothing, when there is nothing to decide:
// a deleted or cancelled meeting, a member who left the cell, an excuse
// withdrawn.
func excuseToDecide(c *core.Ctx, mid, memberArg string) (*storage.Meeting, *storage.Cell, *storage.Member, *storage.Attendance, bool, error) {
	if id, err := strconv.ParseUint(mid, 10, 64); err == nil && c.Me != nil {
		if _, err := db(c).Meeting(id); errors.Is(err, storage.ErrNotFound) {
			c.Say("decision.meeting_gone")
			return nil, nil, nil, nil, false, nil
		}
	}
	mt, cell, ok, err := meetingFor(c, mid, true)
	if !ok || err != nil {
		return nil, nil, nil, nil, false, err
	}
	if mt.State == storage.MeetingCancelled {
		c.Say("mt.already_ended", "State", stateName(c, mt.State))
		return nil, nil, nil, nil, false, nil
	}
	memberID, _ := strconv.ParseUint(memberArg, 10, 64)
	a, has := mt.Roll[memberID]
	m, err := db(c).Member(memberID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, nil, nil, nil, false, err
	}
	if err == nil && (m.HomeCellID != mt.CellID || m.Status.Kind == storage.StatusLeft) {
		c.Say("decision.member_left", "Name", m.Name)
		return nil, nil, nil, nil, false, nil
	}
	if err != nil || !has || a.RSVP != storage.RSVPNo {
		c.Say("mt.excuse_gone")
		return nil, nil, nil, nil, false, nil
	}
	return mt, cell, m, a, true, nil
}

// setExcuse records the decision on the excuse, and at a closed meeting the
// member's outcome that follows from it.
func setExcuse(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, a *storage.Attendance, want storage.ExcuseState) error {
	a.Excuse, a.DecidedBy, a.DecidedAt = want, c.Me.ID, c.Now
	if mt.State == storage.MeetingClosed && a.Mark != storage.MarkPresent && (a.Outcome == storage.OutcomeExcused || a.Outcome == storage.OutcomeUnexcused) {
		from := a.Outcome
		a.Outcome = storage.OutcomeUnexcused
		if want == storage.ExcuseAccepted {
			a.Outcome = storage.OutcomeExcused
		}
		// A decision after closing is an amendment of the closed meeting.
		if err := amendClosed(c, mt, cell, m.ID, "excuse", from); err != nil {
			return err
		}
	}
	return nil
}

// decideExcuse takes the first decision on a pending excuse.
func decideExcuse(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, a *storage.Attendance, want storage.ExcuseState) error {
	prev := a.Excuse
	if err := setExcuse(c, mt, cell, m, a, want); err != nil {
		return err
	}
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	if err := c.AuditMeeting("excuse_decide", mt, m.ID, prev, want); err != nil {
		return err
	}
	c.Reply(c.T("mt.excuse_decided", "Name", m.Name, "Decision", c.ExcuseName(want)),
		[]chat.Button{core.ActionButton(c.T("decision.btn_change"), codeExcuse, fmt.Sprintf("%d:%d:c", mt.ID, m.ID))})
	r := c.ReaderOf(m)
	if want == storage.ExcuseAccepted {
		c.SendTo(m, "mt.excuse_accepted_you", "When", when(r, mt.At, cell))
	} else {
		c.SendTo(m, "mt.excuse_rejected_you", "When", when(r, mt.At, cell))
	}
	return nil
}

// otherExcuse is the decision a change turns an excuse's into.
func otherExcuse(s storage.ExcuseState) storage.ExcuseState {
	if s == storage.ExcuseAccepted {
		return storage.ExcuseRejected
	}
	return storage.ExcuseAccepted
}

// askExcuseChange asks the leader to confirm a change of the decision taken.
func askExcuseChange(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, a *storage.Attendance) {
	want := otherExcuse(a.Excuse)
	op := "ca"
	if want == storage.ExcuseRejected {
		op = "cr"
	}
	core.AskDecisionChange(c, core.ChangeQuestion{Cell: cell, Member: m, What: c.T("decision.what_excuse", "Name", m.Name, "When", when(c, mt.At, cell)),
		Old: c.ExcuseName(a.Excuse), New: c.ExcuseName(want), By: a.DecidedBy, At: a.DecidedAt,
		Action: codeExcuse, Args: fmt.Sprintf("%d:%d:%s", mt.ID, m.ID, op)})
}

// changeExcuse changes a decided excuse (confirmed by the leader).
func changeExcuse(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, a *storage.Attendance, want storage.ExcuseState) error {
	before := *a
	if err := setExcuse(c, mt, cell, m, a, want); err != nil {
		return err
	}
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	return excuseChanged(c, mt, cell, m, &before, a)
}

// excuseChanged audits and tells a change of a decided excuse, made by a
// change of decision or by correcting the roll.
func excuseChanged(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, before, after *storage.Attendance) error {
	rec := func(a *storage.Attendance) core.DecisionRecord {
		return core.DecisionRecord{Kind: "excuse", Meeting: mt.ID, Decision: string(a.Excuse), By: a.DecidedBy, At: a.DecidedAt}
	}
	return core.ChangeDecision(c, core.DecisionChange{
		Cell: cell, Member: m, Before: rec(before), After: rec(after),
		What: func(r *core.Ctx) string {
			return r.T("decision.what_excuse", "Name", m.Name, "When", when(r, mt.At, cell))
		},
		Old: func(r *core.Ctx) string { return r.ExcuseName(before.Excuse) },
		New: func(r *core.Ctx) string { return r.ExcuseName(after.Excuse) },
		TellMember: func(c *core.Ctx) {
			r := c.ReaderOf(m)
			c.SendTo(m, "decision.excuse_changed_you", "When", when(r, mt.At, cell), "Old", r.ExcuseName(before.Excuse),
				"New", r.ExcuseName(after.Excuse), "By", c.Me.Name)
		},
	})
}

// auditRollSet audits a correction of one member's roll entry. One that
// turns a decided excuse the other way (the roll's "e"/"u" at the meeting)
// is also a change of decision: audited as such, and told to the member and
// the first decider.
func auditRollSet(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, before *storage.Attendance) error {
	after := mt.Roll[m.ID]
	if err := c.AuditMeeting("roll_set", mt, m.ID, before, after); err != nil {
		return err
	}
	if before == nil || after.Excuse == before.Excuse || (before.Excuse != storage.ExcuseAccepted && before.Excuse != storage.ExcuseRejected) {
		return nil
	}
	return excuseChanged(c, mt, cell, m, before, after)
}
