package flows

import (
	"bytes"
	"chibo/flows/core"
	"chibo/flows/meetings"
	"chibo/flows/members"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

var checkinLink = regexp.MustCompile(`https://t\.me/chibo_test_bot\?start=m_([A-Z0-9]+)`)

// openMeeting shows the first listed meeting's card to the secretary.
func (h *harness) openMeeting(date string) {
	h.t.Helper()
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_open_n", "N", 1, "Date", date))
}

func TestMeetings_CheckinRollAndSummary(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai", "Phạm Văn Ba", "Võ Thị Bốn", "Đỗ Văn Năm", "Hồ Thị Sáu")
	h.setStatus("vothibon", storage.Status{Kind: storage.StatusExempt, Reason: "Tuổi cao, sức yếu"})
	h.setStatus("phamvanba", storage.Status{Kind: storage.StatusFarAway, Exempt: true, From: h.now.AddDate(0, -1, 0), To: h.now.AddDate(0, 6, 0)})
	h.openMeeting("03/03")
	h.tap("sec", h.vi("mt.btn_notify"))
	h.tap("lethihai", h.vi("mt.btn_no"))
	h.tap("lethihai", h.vi("mt.reason_sick"))
	h.tap("sec", h.vi("mt.btn_accept"))
	mid := h.meetings()[0].ID

	// Too early to open check-in in the morning.
	h.now = time.Date(2026, 3, 3, 9, 0, 0, 0, h.zone)
	h.openMeeting("03/03")
	out := h.tap("sec", h.vi("mt.btn_checkin"))
	h.wantText(out, "vi", "mt.checkin_too_early", "When", "17:30 ngày 03/03/2026")

	h.now = time.Date(2026, 3, 3, 19, 15, 0, 0, h.zone)
	out = h.tap("sec", h.vi("mt.btn_checkin"))
	var code string
	var png []byte
	for _, m := range out {
		if s := checkinLink.FindStringSubmatch(m.Text); s != nil {
			code = s[1]
		}
		if m.Document != nil && m.Document.Name == "checkin.png" {
			png = m.Document.Data
		}
	}
	if code == "" || len("m_"+code) > 64 {
		t.Fatalf("no check-in link in %s", texts(out))
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatal("no QR code image")
	}

	// Bad codes record nothing.
	other := h.otherCellMember("Người Chi Bộ Khác")
	before := h.snapshot()
	h.wantText(h.say("tranvanmot", "/code ZZZZ9999"), "vi", "mt.code_unknown")
	h.wantText(h.say("stranger", "/code "+code), "vi", "err.not_registered")
	h.wantText(h.say(other, "/code "+code), "vi", "mt.code_other_cell")
	if h.snapshot() != before {
		t.Fatal("a refused code changed data")
	}

	// Typed in lowercase with spaces, the code works once.
	out = h.say("tranvanmot", "/code "+strings.ToLower(code[:4])+" "+strings.ToLower(code[4:]))
	h.wantText(out, "vi", "mt.code_done", "Kind", "sinh hoạt chi bộ thường kỳ", "When", "19:30 ngày 03/03/2026")
	out = h.event(chat.Event{Kind: chat.EventText, User: "tranvanmot", Text: "/code " + code})
	h.wantText(out, "vi", "mt.code_already", "When", "19:30 ngày 03/03/2026")
	// The deep link's payload goes through the same check.
	if !meetings.IsCheckinPayload("m_"+code) || meetings.IsCheckinPayload("m_"+members.NewToken()[2:]) || meetings.IsCheckinPayload(code) {
		t.Fatal("check-in payloads and invite tokens are told apart")
	}
	h.now = h.now.Add(time.Minute)
	if err := h.db.Update(func(tx *storage.Tx) error {
		c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Me: h.member("dovannam"), Lang: "vi", Ev: chat.Event{Transport: tr, Chat: "dovannam", User: "dovannam"}}
		if err := meetings.StartCheckin(c, "m_"+code); err != nil {
			return err
		}
		if len(c.Out) != 1 || !strings.Contains(c.Out[0].Text, "Đã điểm danh") {
			return fmt.Errorf("deep link check-in said %q", texts(c.Out))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Members cannot touch the roll.
	h.wantText(h.press("tranvanmot", fmt.Sprintf("rla:%d:p", mid)), "vi", "err.leaders_only")
	h.wantText(h.press("tranvanmot", fmt.Sprintf("rl:%d:%d:p", mid, h.member("hothisau").ID)), "vi", "err.leaders_only")

	// The roll: mark all unmarked present (Hai, excused, is not), then fix Sáu.
	out = h.tap("sec", h.vi("mt.btn_roll"))
	h.wantContains(out, h.vi("mt.roll_counts", "Present", 2, "Excused", 1, "Pending", 0, "Unexcused", 0, "Exempt", 2, "Unmarked", 2))
	out = h.tap("sec", h.vi("mt.btn_all_present"))
	h.wantContains(out, h.e.Cat.N("vi", "mt.roll_all_done", 2))
	out = h.tap("sec", h.vi("mt.btn_all_present"))
	h.wantText(out, "vi", "mt.roll_all_nothing")
	h.tap("sec", h.vi("mt.btn_person", "N", 7, "Name", "Hồ Thị Sáu"))
	out = h.tap("sec", h.vi("mt.btn_mark_unexcused"))
	h.wantText(out, "vi", "mt.roll_set", "Name", "Hồ Thị Sáu", "State", h.vi("mt.rs_unexcused"))
	out = h.tap("sec", h.vi("mt.btn_all_dues"))
	h.wantContains(out, h.e.Cat.N("vi", "mt.roll_all_done", 3))

	// Close at 21:15: 105 minutes from 19:30 (check-in opened early).
	h.now = time.Date(2026, 3, 3, 21, 15, 0, 0, h.zone)
	h.tap("sec", h.vi("mt.btn_close"))
	out = h.tap("sec", h.vi("close.btn_ok"))
	sum := texts(to(out, "sec"))
	for _, want := range []string{
		h.vi("mt.sum_counts", "Total", 7, "Exempt", 2, "Expected", 5),
		h.vi("mt.sum_attend", "Present", 3, "Excused", 1, "Unexcused", 1),
		h.vi("mt.sum_rate", "Rate", "60,0", "Verdict", h.vi("mt.fails")),
		h.vi("mt.sum_duration", "Minutes", 105, "Need", 90, "Verdict", h.vi("mt.meets"), "Start", "19:30", "End", "21:15"),
		h.vi("mt.sum_excused_line", "Name", "Lê Thị Hai", "Reason", h.vi("mt.reason_sick")),
		h.vi("mt.sum_unexcused", "Names", "Hồ Thị Sáu"),
		h.vi("mt.sum_dues", "Paid", 3, "Liable", 7),
		h.vi("mt.sum_standard", "Verdict", h.vi("mt.fails")),
		h.e.Cat.N("vi", "mt.flag_unexcused", 1, "Name", "Hồ Thị Sáu", "Months", "3"),
		// Dues are not inferred from presence: the exempt member was never
		// asked, so her month is "no information", not an art. 8 "unpaid".
		h.e.Cat.N("vi", "dues.flag_unknown", 1, "Name", "Võ Thị Bốn", "Months", "3"),
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	// Only the secretary reads it; nobody else heard of reasons or flags.
	for _, u := range []string{"tranvanmot", "hothisau", "dovannam"} {
		for _, m := range h.inbox[u] {
			if strings.Contains(m.Text, h.vi("mt.reason_sick")) || strings.Contains(m.Text, "Điều 8") || strings.Contains(m.Text, "không lý do") {
				t.Fatalf("%s was told %q", u, m.Text)
			}
		}
	}
	// The code no longer works; closing twice does nothing.
	h.wantText(h.say("hothisau", "/code "+code), "vi", "mt.code_expired")
	h.wantText(h.press("sec", fmt.Sprintf("mt:%d:cl", mid)), "vi", "mt.already_ended", "State", h.vi("mt.state_closed"))
	mt := h.meeting(mid)
	if mt.Ended.IsZero() || mt.Roll[h.member("hothisau").ID].Outcome != storage.OutcomeUnexcused || mt.Roll[h.member("vothibon").ID].Outcome != storage.OutcomeExempt {
		t.Fatalf("outcomes not frozen: %+v", mt)
	}

	// A correction after closing updates the frozen outcome.
	h.press("sec", fmt.Sprintf("rl:%d:%d:e", mid, h.member("hothisau").ID))
	if o := h.meeting(mid).Roll[h.member("hothisau").ID].Outcome; o != storage.OutcomeExcused {
		t.Fatalf("after correction: %s", o)
	}
}

// otherCellMember adds a second cell with one member and returns their user id.
func (h *harness) otherCellMember(name string) string {
	h.t.Helper()
	user := userOf(name)
	err := h.db.Update(func(tx *storage.Tx) error {
		cell := &storage.Cell{OrgID: h.cell.OrgID, Name: "Chi bộ Khác", Created: h.now}
		if err := tx.PutCell(cell); err != nil {
			return err
		}
		m := &storage.Member{Name: name, HomeCellID: cell.ID, Lang: "vi", Contacts: map[string]string{tr: user},
			Status: storage.Status{Kind: storage.StatusActive, SetAt: h.now}, Joined: h.now}
		m.AddRole(cell.ID, storage.RoleMember)
		return tx.PutMember(m)
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return user
}

func TestMeetings_CheckinCodeExpires(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một")
	h.now = time.Date(2026, 3, 3, 19, 20, 0, 0, h.zone)
	h.openMeeting("03/03")
	out := h.tap("sec", h.vi("mt.btn_checkin"))
	var code string
	for _, m := range out {
		if s := checkinLink.FindStringSubmatch(m.Text); s != nil {
			code = s[1]
		}
	}
	h.advance(meetings.CodeTTL + time.Minute)
	before := h.snapshot()
	h.wantText(h.say("tranvanmot", "/code "+code), "vi", "mt.code_expired")
	if h.snapshot() != before {
		t.Fatal("an expired code changed data")
	}
}

func TestMeetings_ThematicCombinedNeeds120Minutes(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một")
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_new_thematic"))
	h.say("sec", "Chuyên đề về xây dựng Đảng")
	h.say("sec", "03/03/2026")
	h.tap("sec", "19:30")
	out := h.say("sec", "Hội trường xã")
	h.wantText(out, "vi", "mt.new_combined", "When", "19:30 ngày 03/03/2026")
	ms := h.meetings()
	if len(ms) != 2 || !ms[0].Combined || ms[0].Topic != "Chuyên đề về xây dựng Đảng" {
		t.Fatalf("want the regular meeting combined, not a second one that day: %+v", ms)
	}
	h.now = time.Date(2026, 3, 3, 19, 25, 0, 0, h.zone)
	h.openMeeting("03/03")
	h.tap("sec", h.vi("mt.btn_roll"))
	h.tap("sec", h.vi("mt.btn_all_present"))
	h.now = time.Date(2026, 3, 3, 21, 10, 0, 0, h.zone)
	h.tap("sec", h.vi("mt.btn_close"))
	out = h.tap("sec", h.vi("close.btn_ok"))
	h.wantContains(out, h.vi("mt.sum_duration", "Minutes", 100, "Need", 120, "Verdict", h.vi("mt.fails"), "Start", "19:30", "End", "21:10"))
	h.wantContains(out, "Tổng kết buổi sinh hoạt thường kỳ kết hợp chuyên đề lúc 19:30 ngày 03/03/2026")
}

func TestMeetings_RollEditsInPlace(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	h.now = time.Date(2026, 3, 3, 19, 25, 0, 0, h.zone)
	h.say("sec", "/meeting")
	mid := h.meetings()[0].ID
	tapIn := func(msgID, data string) []chat.Message {
		return h.event(chat.Event{Kind: chat.EventButton, User: "sec", Data: data, MessageID: msgID})
	}
	out := tapIn("41", fmt.Sprintf("rla:%d:p", mid))
	if len(out) != 1 || out[0].EditMessageID != "41" || !strings.Contains(out[0].Text, h.vi("mt.rs_present")) {
		t.Fatalf("mark-all should edit the roll in place: %+v", out)
	}
	out = tapIn("41", fmt.Sprintf("rla:%d:p", mid))
	if len(out) != 1 || out[0].EditMessageID != "" {
		// An edit to the same text is refused by Telegram ("message is not modified").
		t.Fatalf("a second tap must not edit to the same text: %+v", out)
	}
	out = tapIn("41", fmt.Sprintf("rlm:%d:%d", mid, h.member("lethihai").ID))
	if len(out) != 1 || out[0].EditMessageID != "41" {
		t.Fatalf("the member's card should replace the roll: %+v", out)
	}
	out = tapIn("41", fmt.Sprintf("rl:%d:%d:e", mid, h.member("lethihai").ID))
	if len(out) != 1 || out[0].EditMessageID != "41" || !strings.Contains(out[0].Text, "Lê Thị Hai: "+h.vi("mt.rs_excused")) {
		t.Fatalf("back to the roll, edited: %+v", out)
	}
}
