package flows

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// meetings returns the cell's stored meetings in time order.
func (h *harness) meetings() []storage.Meeting {
	h.t.Helper()
	var ms []storage.Meeting
	err := h.db.View(func(tx *storage.Tx) error {
		var err error
		ms, err = meetingsWithRolls(tx, h.cell.ID)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return ms
}

// meetingsWithRolls lists the cell's meetings in time order with their rolls.
func meetingsWithRolls(tx *storage.Tx, cellID uint64) ([]storage.Meeting, error) {
	ms, err := tx.Meetings(cellID)
	for i := range ms {
		if err == nil {
			err = tx.LoadRoll(&ms[i])
		}
	}
	return ms, err
}

// meeting returns the stored meeting with the id.
func (h *harness) meeting(id uint64) *storage.Meeting {
	h.t.Helper()
	var m *storage.Meeting
	err := h.db.View(func(tx *storage.Tx) error {
		var err error
		m, err = tx.Meeting(id)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

// setStatus gives a member a status directly, as the status flow would.
func (h *harness) setStatus(user string, s storage.Status) {
	h.t.Helper()
	err := h.db.Update(func(tx *storage.Tx) error {
		m, err := tx.MemberByContact(tr, user)
		if err != nil {
			return err
		}
		if s.SetAt.IsZero() {
			s.SetAt = h.now
		}
		m.SetStatus(s)
		return tx.PutMember(m)
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// press sends a button payload as user, as a tap on an old or forged button would.
func (h *harness) press(user, data string) []chat.Message {
	h.t.Helper()
	return h.event(chat.Event{Kind: chat.EventButton, User: user, Data: data})
}

func (h *harness) vi(id string, kv ...any) string { return h.T("vi", id, kv...) }

func texts(msgs []chat.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, "[%s] %s\n", m.Chat, m.Text)
	}
	return b.String()
}

// to returns the messages among msgs sent to user.
func to(msgs []chat.Message, user string) []chat.Message {
	var out []chat.Message
	for _, m := range msgs {
		if m.Chat == user {
			out = append(out, m)
		}
	}
	return out
}

func TestMeetings_RegularMeetingsFromSchedule(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	out := h.say("sec", "/meeting")
	h.wantContains(out, h.vi("mt.rule", "Day", 3, "Time", "19:30"))
	ms := h.meetings()
	if len(ms) != 2 {
		t.Fatalf("want this month's and next month's meetings, got %d", len(ms))
	}
	want := time.Date(2026, 3, 3, 19, 30, 0, 0, h.zone)
	if !ms[0].At.Equal(want) || !ms[1].At.Equal(want.AddDate(0, 1, 0)) {
		t.Fatalf("meetings at %v and %v", ms[0].At, ms[1].At)
	}
	h.wantContains(out, "03/03/2026")

	// A member cannot change the schedule, even with a forged button.
	h.press("tranvanmot", fmt.Sprintf("ml:%d:s", h.cell.ID))
	h.wantText([]chat.Message{h.last("tranvanmot")}, "vi", "err.leaders_only")

	// The secretary moves the rule to the 5th at 20:00 with buttons only,
	// after moving March's meeting by hand, which the new rule leaves alone.
	h.tap("sec", h.vi("mt.btn_open_n", "N", 1, "Date", "03/03"))
	h.tap("sec", h.vi("mt.btn_move"))
	h.say("sec", "02/03/2026")
	h.say("sec", "18:00")
	h.tap("sec", h.vi("mt.btn_keep_place"))
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_schedule"))
	h.tap("sec", "5")
	out = h.say("sec", "7") // typed number: the 7th option, 20:00
	h.wantText(out, "vi", "mt.sched_done", "Rule", h.vi("mt.rule", "Day", 5, "Time", "20:00"))
	ms = h.meetings()
	if got := ms[0].At; !got.Equal(time.Date(2026, 3, 2, 18, 0, 0, 0, h.zone)) {
		t.Fatalf("the moved meeting followed the rule: %v", got)
	}
	if got := ms[1].At; !got.Equal(time.Date(2026, 4, 5, 20, 0, 0, 0, h.zone)) {
		t.Fatalf("April's meeting at %v, want 05/04 20:00", got)
	}

	// May's meeting appears once April is the current month, and only once.
	h.now = time.Date(2026, 4, 10, 9, 0, 0, 0, h.zone)
	h.due()
	h.due()
	ms = h.meetings()
	if len(ms) != 3 || !ms[2].At.Equal(time.Date(2026, 5, 5, 20, 0, 0, 0, h.zone)) {
		t.Fatalf("want May's meeting once on the 5th at 20:00, got %d meetings", len(ms))
	}
}

func TestMeetings_NoticeRSVPAndExcuses(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai", "Phạm Văn Ba", "Võ Thị Bốn")
	h.setStatus("vothibon", storage.Status{Kind: storage.StatusExempt, Reason: "Tuổi cao"})
	h.setStatus("phamvanba", storage.Status{Kind: storage.StatusFarAway, Exempt: true, From: h.now.AddDate(0, -1, 0), To: h.now.AddDate(0, 5, 0)})
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_open_n", "N", 1, "Date", "03/03"))
	h.tap("sec", h.vi("mt.btn_topic"))
	h.say("sec", "Nghị quyết quý I")
	out := h.tap("sec", h.vi("mt.btn_notify"))
	h.wantContains(to(out, "sec"), h.e.Cat.N("vi", "mt.notice_sent", 3, "Unreachable", 0))
	for _, u := range []string{"tranvanmot", "lethihai", "sec"} {
		if len(to(out, u)) == 0 {
			t.Fatalf("%s got no notice:\n%s", u, texts(out))
		}
	}
	for _, u := range []string{"vothibon", "phamvanba"} {
		if len(to(out, u)) != 0 {
			t.Fatalf("exempt or far-away %s got a notice", u)
		}
	}
	h.wantContains(to(out, "tranvanmot"), "Nghị quyết quý I")
	h.wantContains(to(out, "tranvanmot"), "Sổ tay đảng viên điện tử")

	// Sending again reaches nobody twice.
	out = h.tap("sec", h.vi("mt.btn_notify"))
	h.wantText(out, "vi", "mt.notice_nobody_new")

	// Attending, twice.
	h.tap("tranvanmot", h.vi("mt.btn_yes"))
	out = h.tap("tranvanmot", h.vi("mt.btn_yes"))
	h.wantText(out, "vi", "mt.rsvp_already_yes")

	// Cannot attend: a preset reason, typed as its number.
	h.tap("lethihai", h.vi("mt.btn_no"))
	out = h.say("lethihai", "1")
	h.wantText(to(out, "lethihai"), "vi", "mt.excuse_sent")
	h.wantContains(to(out, "sec"), "Lê Thị Hai")
	h.wantContains(to(out, "sec"), h.vi("mt.reason_sick"))

	// A member cannot decide excuses, even with a forged button.
	mid := h.meetings()[0].ID
	hai := h.member("lethihai")
	out = h.press("tranvanmot", fmt.Sprintf("exc:%d:%d:a", mid, hai.ID))
	h.wantText(out, "vi", "err.leaders_only")

	out = h.tap("sec", h.vi("mt.btn_accept"))
	h.wantText(to(out, "lethihai"), "vi", "mt.excuse_accepted_you", "When", "19:30 ngày 03/03/2026")
	// A double tap does nothing twice: no second message to the member.
	out = h.tap("sec", h.vi("mt.btn_accept"))
	if len(to(out, "lethihai")) != 0 {
		t.Fatalf("double tap told the member again: %s", texts(out))
	}
	h.wantText(out, "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", h.now.Format("02/01/2006 15:04"), "Decision", h.vi("mt.excuse_state_accepted"))
	if a := h.meeting(mid).Roll[hai.ID]; a.Excuse != storage.ExcuseAccepted || a.DecidedBy != h.member("sec").ID {
		t.Fatalf("excuse not recorded with who decided: %+v", a)
	}

	// "Other" asks for text.
	h.tap("sec", h.vi("mt.btn_no"))
	h.tap("sec", h.vi("mt.reason_other"))
	h.say("sec", "Đi tập huấn ở huyện")
	if a := h.meeting(mid).Roll[h.member("sec").ID]; a.ReasonText != "Đi tập huấn ở huyện" || a.Excuse != storage.ExcusePending {
		t.Fatalf("other reason: %+v", a)
	}

	// A member's /meeting shows their own answer, never others' reasons.
	out = h.say("tranvanmot", "/meeting")
	h.wantContains(out, h.vi("mt.you_said_yes"))
	if strings.Contains(texts(out), "tập huấn") || strings.Contains(texts(out), h.vi("mt.reason_sick")) {
		t.Fatalf("a member sees others' reasons: %s", texts(out))
	}

	// Moving the meeting tells everyone notified, and only them.
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_open_n", "N", 1, "Date", "03/03"))
	h.tap("sec", h.vi("mt.btn_move"))
	h.tap("sec", h.vi("mt.btn_keep_date"))
	h.tap("sec", "20:00")
	out = h.say("sec", "Nhà văn hóa ấp")
	for _, u := range []string{"tranvanmot", "lethihai"} {
		h.wantContains(to(out, u), "20:00 ngày 03/03/2026")
	}
	if len(to(out, "vothibon")) != 0 {
		t.Fatal("a member never notified was told of the change")
	}
	// Cancelling too.
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_open_n", "N", 1, "Date", "03/03"))
	// The kind is lower-case mid-sentence, with "lúc" (issue 12).
	h.wantContains(h.tap("sec", h.vi("mt.btn_cancel")), "Hủy buổi sinh hoạt chi bộ thường kỳ lúc 20:00 ngày 03/03/2026?")
	out = h.tap("sec", h.vi("mt.btn_cancel_yes"))
	h.wantContains(to(out, "tranvanmot"), "Thông báo: buổi sinh hoạt chi bộ thường kỳ lúc 20:00 ngày 03/03/2026 đã được hủy.")
	if h.meeting(mid).State != storage.MeetingCancelled {
		t.Fatal("not cancelled")
	}
	out = h.press("tranvanmot", fmt.Sprintf("rsvp:%d:y", mid))
	h.wantText(out, "vi", "mt.rsvp_closed")

	// The notice, the move and the cancellation are in the cell's audit log
	// (issue 12), in words.
	log := texts(h.say("sec", "/audit"))
	for _, want := range []string{
		"Đồng chí Nguyễn Văn Bí Thư: gửi thông báo họp (họp 03/03/2026) – gửi đến",
		"Đồng chí Nguyễn Văn Bí Thư: đổi thời gian, địa điểm buổi sinh hoạt – sinh hoạt chi bộ thường kỳ lúc 19:30 ngày 03/03/2026",
		"→ sinh hoạt chi bộ thường kỳ lúc 20:00 ngày 03/03/2026, tại Nhà văn hóa ấp",
		"Đồng chí Nguyễn Văn Bí Thư: hủy buổi sinh hoạt – sinh hoạt chi bộ thường kỳ lúc 20:00 ngày 03/03/2026",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("/audit lacks %q:\n%s", want, log)
		}
	}
}

func TestMeetings_GroupChatGetsNotice(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một")
	h.event(chat.Event{Kind: chat.EventText, Chat: "-100", ChatKind: chat.ChatGroup, User: "sec", Text: "/linkgroup"})
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_open_n", "N", 1, "Date", "03/03"))
	out := h.tap("sec", h.vi("mt.btn_notify"))
	g := to(out, "-100")
	if len(g) != 1 || !g[0].Group || len(g[0].Buttons) != 0 {
		t.Fatalf("want one group notice without buttons, got %s", texts(out))
	}
}

func TestMeetings_ActionsCheckAuthority(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	h.say("sec", "/meeting")
	mid := h.meetings()[0].ID
	one := h.member("tranvanmot").ID
	// A secretary of another cell is no leader of this one.
	other := h.otherCellMember("Bí Thư Chi Bộ Khác")
	err := h.db.Update(func(tx *storage.Tx) error {
		m, err := tx.MemberByContact(tr, other)
		if err != nil {
			return err
		}
		m.AddRole(m.HomeCellID, storage.RoleSecretary)
		return tx.PutMember(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	payloads := []string{
		fmt.Sprintf("mt:%d:n", mid), fmt.Sprintf("mt:%d:ck", mid), fmt.Sprintf("mt:%d:cl", mid), fmt.Sprintf("mt:%d:sc", mid),
		fmt.Sprintf("mt:%d:x", mid), fmt.Sprintf("mt:%d:r", mid), fmt.Sprintf("rla:%d:p", mid), fmt.Sprintf("rlm:%d:%d", mid, one),
		fmt.Sprintf("rl:%d:%d:p", mid, one), fmt.Sprintf("exc:%d:%d:a", mid, one),
		fmt.Sprintf("ml:%d:s", h.cell.ID), fmt.Sprintf("ml:%d:y", h.cell.ID), fmt.Sprintf("att:%d:2026", h.cell.ID),
	}
	h.now = time.Date(2026, 3, 3, 19, 0, 0, 0, h.zone)
	before := h.snapshot()
	for _, who := range []string{"tranvanmot", other} {
		for _, p := range payloads {
			out := h.press(who, p)
			h.wantText(out, "vi", "err.leaders_only")
		}
	}
	if h.snapshot() != before {
		t.Fatal("a refused action changed data")
	}
}
