package flows

import (
	"chibo/flows/core"
	"chibo/flows/faraway"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// at sets the fake clock to a local date and time.
func (h *harness) at(day, month, hour, minute int) {
	h.t.Helper()
	t := time.Date(2026, time.Month(month), day, hour, minute, 0, 0, h.zone)
	if t.Before(h.now) {
		h.t.Fatalf("clock moves back: %v → %v", h.now, t)
	}
	h.now = t
}

// farGroup makes the far-away group with its leader ("Lê Văn Cường").
func (h *harness) farGroup() *storage.Group {
	h.t.Helper()
	var g *storage.Group
	err := h.db.Update(func(tx *storage.Tx) error {
		leader, err := h.addMember(tx, "cuong", "Lê Văn Cường", storage.RoleGroupLeader)
		if err != nil {
			return err
		}
		g = &storage.Group{CellID: h.cell.ID, Name: "Tổ đảng viên đi làm ăn xa", LeaderID: leader.ID}
		return tx.PutGroup(g)
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return g
}

// markFar records a member as working far away in storage, as /faraway does.
func (h *harness) markFar(user string, group uint64, from, to time.Time, exempt bool) {
	h.t.Helper()
	err := h.db.Update(func(tx *storage.Tx) error {
		m, err := tx.MemberByContact(tr, user)
		if err != nil {
			return err
		}
		m.SetStatus(storage.Status{Kind: storage.StatusFarAway, From: from, To: to, Exempt: exempt, Reason: "Bình Dương", SetAt: h.now})
		m.GroupID = group
		if err := tx.PutMember(m); err != nil {
			return err
		}
		return tx.PutFarAway(&storage.FarAway{MemberID: m.ID, Province: "Bình Dương", Exempt: exempt, Resolution: "NQ 01", SetAt: h.now})
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) date(d, m, y int) time.Time {
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, h.zone)
}

// fullForm answers every question of the default form from a prompt with
// the given first button ("Báo cáo ngay" or "Có thay đổi, cập nhật").
func (h *harness) fullForm(user, first, thoughts string) []chat.Message {
	h.t.Helper()
	h.tap(user, first)
	h.say(user, "Thuận An, Bình Dương")
	h.tap(user, "Có")
	h.say(user, "Công ty TNHH Giày Mẫu, KCN Sóng Thần")
	h.say(user, "Công nhân may")
	h.say(user, "0912 345 678")
	h.tap(user, "Không")
	h.say(user, "06/2027")
	h.tap(user, "Đã nộp cho tổ trưởng tổ đảng")
	if thoughts == "" {
		h.tap(user, "Không có")
	} else {
		h.say(user, thoughts)
	}
	return h.tap(user, "Gửi báo cáo")
}

func (h *harness) checkin(user, period string) *storage.Checkin {
	h.t.Helper()
	var ck *storage.Checkin
	_ = h.db.View(func(tx *storage.Tx) error {
		ck, _ = tx.Checkin(h.member(user).ID, period)
		return nil
	})
	return ck
}

func TestNormalizePhone(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"0912345678", "0912345678", true},
		{"+84 912 345 678", "0912345678", true},
		{"84912345678", "0912345678", true},
		{"0084-912-345-678", "0912345678", true},
		{"091.234.5678", "0912345678", true},
		{"(+84) 38 123 4567", "0381234567", true},
		{"02439123456", "02439123456", true},
		{"912345678", "", false},
		{"0123456789", "", false}, // old 11-digit prefixes are gone; 01x is not a mobile prefix
		{"+1 202 555 0100", "", false},
		{"09123456789", "", false},
		{"số của tôi", "", false},
	}
	for _, c := range cases {
		got, ok := faraway.NormalizePhone(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestFarAway_markingFlow(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	g := h.farGroup()
	h.say("sec", "/faraway")
	h.tap("sec", "Đỗ Văn Hùng")
	h.say("sec", "Bình Dương")
	h.tap("sec", "Hôm nay")
	h.say("sec", "31/08/2026")
	out := h.say("sec", "nhóm nào cũng được") // text where a choice is expected
	h.wantText(out, "vi", "err.choose_option")
	h.tap("sec", "Tổ đảng viên đi làm ăn xa (tổ trưởng tổ đảng: Lê Văn Cường)")
	h.tap("sec", "Có, tạm miễn sinh hoạt")
	h.say("sec", "Nghị quyết 05-NQ/CB ngày 01/3/2026")
	out = h.tap("sec", "Xác nhận")
	h.wantText(out, "vi", "faraway.done", "Name", "Đỗ Văn Hùng")
	m := h.member("dovanhung")
	if m.Status.Kind != storage.StatusFarAway || !m.Status.From.Equal(h.date(1, 3, 2026)) || !m.Status.To.Equal(h.date(31, 8, 2026)) || m.GroupID != g.ID {
		t.Fatalf("status %+v group %d", m.Status, m.GroupID)
	}
	if !strings.Contains(h.last("dovanhung").Text, "Bình Dương") || !strings.Contains(h.last("cuong").Text, "Đỗ Văn Hùng") {
		t.Fatalf("member and leader not told: %q / %q", h.last("dovanhung").Text, h.last("cuong").Text)
	}
	err := h.db.View(func(tx *storage.Tx) error {
		fa, err := tx.FarAway(m.ID)
		if err != nil {
			return err
		}
		if fa.Province != "Bình Dương" || !fa.Exempt || fa.Resolution != "Nghị quyết 05-NQ/CB ngày 01/3/2026" {
			t.Errorf("far-away record %+v", fa)
		}
		ex, err := tx.ExemptFromMeetings(m, h.now)
		if err != nil || !ex {
			t.Errorf("exempt from meetings = %v, %v", ex, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckin_conversation(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.markFar("dovanhung", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	hung := h.member("dovanhung")

	h.at(25, 3, 7, 59)
	if out := h.checkinDue(); len(out) != 0 {
		t.Fatalf("reminder before the check-in hour: %q", out[0].Text)
	}
	h.at(25, 3, 8, 0)
	out := h.checkinDue()
	if len(out) != 1 || out[0].Chat != "dovanhung" || !strings.Contains(out[0].Text, "tháng 03/2026") || !strings.Contains(out[0].Text, "03/04/2026") {
		t.Fatalf("first reminder: %+v", out)
	}
	h.tap("dovanhung", "Báo cáo ngay")
	// The cell keeps province and commune only: no "share location" button.
	if !strings.Contains(h.last("dovanhung").Text, "Câu 1/9") || h.last("dovanhung").RequestLocation != "" {
		t.Fatalf("first question: %+v", h.last("dovanhung"))
	}
	// Bad input: each is answered, nothing is stored, the question is asked again.
	before := h.snapshot("convs")
	out = h.event(chat.Event{Kind: chat.EventLocation, User: "dovanhung", SharedBy: "someoneelse", Location: &chat.Location{Lat: 10.9, Lon: 106.7}})
	h.wantText(out, "vi", "checkins.err_location_not_yours")
	// A location attached anyway is not kept.
	out = h.event(chat.Event{Kind: chat.EventLocation, User: "dovanhung", Location: &chat.Location{Lat: 10.9, Lon: 106.7}})
	h.wantText(out, "vi", "checkins.location_coarse_only")
	// A place has letters (issue 12).
	h.wantText(h.say("dovanhung", "😀😀"), "vi", "err.place_letters", "Max", 200)
	if h.snapshot("convs") != before {
		t.Fatal("bad input changed stored data")
	}
	h.say("dovanhung", "Thuận An, Bình Dương")
	out = h.say("dovanhung", "chắc là có") // text where yes/no is expected
	h.wantText(out, "vi", "err.choose_option")
	h.tap("dovanhung", "Có")
	h.say("dovanhung", "Công ty TNHH Giày Mẫu")
	// A restart in the middle: the check-in resumes at the same question.
	h.restart()
	out = h.say("dovanhung", "Công nhân may")
	if !strings.Contains(out[0].Text, "Câu 5/9") {
		t.Fatalf("after restart: %q", out[0].Text)
	}
	h.wantText(h.say("dovanhung", "12345"), "vi", "checkins.err_phone")
	h.say("dovanhung", "+84 912 345 678")
	h.tap("dovanhung", "Không")
	h.wantText(h.say("dovanhung", "13/2027"), "vi", "checkins.err_return", "Example", "09/2026")
	h.wantText(h.say("dovanhung", "01/2026"), "vi", "checkins.err_return_past", "Month", "03/2026")
	h.say("dovanhung", "6/2027")
	h.say("dovanhung", "Nguyễn Văn Thu")
	h.say("dovanhung", "Mong chi bộ gửi tài liệu học nghị quyết qua mạng")
	review := h.last("dovanhung").Text
	for _, want := range []string{"• Nơi ở: Thuận An, Bình Dương", "• Điện thoại: 0912345678", "• Dự kiến trở về: 06/2027", "• Đảng phí: Đã nộp cho Nguyễn Văn Thu", "• Đăng ký tạm trú: Có", "• Tổ chức đảng nơi làm việc: Không"} {
		if !strings.Contains(review, want) {
			t.Fatalf("review lacks %q:\n%s", want, review)
		}
	}
	out = h.tap("dovanhung", "Gửi báo cáo")
	h.wantText(out, "vi", "checkins.saved", "Month", "03/2026", "Date", "03/04/2026")
	ck := h.checkin("dovanhung", "2026-03")
	if ck == nil || ck.Late || ck.Same || ck.Answers["phone"] != "0912345678" || ck.Answers["dues"] != "to:Nguyễn Văn Thu" || ck.Lat != nil {
		t.Fatalf("stored %+v", ck)
	}
	// No follow-up for who answered.
	h.at(28, 3, 9, 0)
	if out := h.checkinDue(); len(out) != 0 {
		t.Fatalf("follow-up after answering: %q", out[0].Text)
	}
	// A correction before the deadline keeps the other answers with one tap each.
	h.say("dovanhung", "/checkin")
	h.tap("dovanhung", "Sửa báo cáo")
	for i := 0; i < 8; i++ {
		h.event(chat.Event{Kind: chat.EventText, User: "dovanhung", Text: "1"}) // "Giữ nguyên: …" is option 1
	}
	h.say("dovanhung", "Con nhỏ ốm, xin chi bộ thông cảm")
	h.wantText(h.tap("dovanhung", "Gửi báo cáo"), "vi", "checkins.corrected", "Month", "03/2026", "Date", "03/04/2026")
	ck = h.checkin("dovanhung", "2026-03")
	if ck.Corrections != 1 || ck.Answers["thoughts"] != "Con nhỏ ốm, xin chi bộ thông cảm" || ck.Answers["phone"] != "0912345678" || !ck.At.Equal(h.date(25, 3, 2026).Add(8*time.Hour)) {
		t.Fatalf("corrected %+v", ck)
	}
	// After the deadline: no more corrections.
	h.at(4, 4, 9, 0)
	h.say("dovanhung", "/checkin")
	if strings.Contains(h.last("dovanhung").Text, "Sửa") || !strings.Contains(h.last("dovanhung").Text, "quá hạn") {
		t.Fatalf("after the deadline: %q", h.last("dovanhung").Text)
	}
	// April: one tap.
	h.at(25, 4, 8, 0)
	out = h.checkinDue()
	if len(out) != 1 || !strings.Contains(out[0].Text, "Con nhỏ ốm") {
		t.Fatalf("April reminder should show last month's answers: %+v", out)
	}
	h.tap("dovanhung", "Như tháng trước") // and April's dues, one more tap
	h.wantText(h.tap("dovanhung", "Đã nộp cho bí thư"), "vi", "checkins.saved", "Month", "04/2026", "Date", "04/05/2026")
	ck = h.checkin("dovanhung", "2026-04")
	if !ck.Same || ck.Answers["employer"] != "Công ty TNHH Giày Mẫu" {
		t.Fatalf("one tap %+v", ck)
	}
	// Tapping again, and tapping March's old prompt, change nothing.
	before = h.snapshot()
	h.wantText(h.tap("dovanhung", "Như tháng trước"), "vi", "checkins.already", "Month", "04/2026", "Date", "25/04/2026")
	marchPrompt := h.inbox["dovanhung"][0]
	out = h.event(chat.Event{Kind: chat.EventButton, User: "dovanhung", Data: marchPrompt.Buttons[0][0].Data})
	h.wantText(out, "vi", "checkins.closed", "Month", "03/2026", "Current", "04/2026")
	if h.snapshot() != before {
		t.Fatal("stale taps changed stored data")
	}
	_ = hung
}

func TestCheckin_lateAndClosedMonthMidForm(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.markFar("dovanhung", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.at(5, 4, 10, 0) // March's deadline has passed
	h.say("dovanhung", "/checkin")
	out := h.fullForm("dovanhung", "Báo cáo ngay", "")
	h.wantText(out, "vi", "checkins.saved_late", "Month", "03/2026")
	if ck := h.checkin("dovanhung", "2026-03"); ck == nil || !ck.Late {
		t.Fatalf("late check-in %+v", ck)
	}
	// April's form, started late the evening before April closes and answered
	// after: refused, nothing stored.
	h.at(24, 5, 20, 0)
	h.say("dovanhung", "/checkin")
	h.tap("dovanhung", "Có thay đổi, cập nhật")
	h.say("dovanhung", "Dĩ An, Bình Dương")
	h.at(25, 5, 9, 0)
	before := h.snapshot("convs")
	out = h.tap("dovanhung", "Có")
	h.wantText(out, "vi", "checkins.closed", "Month", "04/2026", "Current", "05/2026")
	if h.snapshot("convs") != before || h.checkin("dovanhung", "2026-04") != nil {
		t.Fatal("an answer to a closed month changed stored data")
	}
}

func TestCheckin_preciseLocationOnlyWhenAllowed(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.markFar("dovanhung", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	if err := h.db.Update(func(tx *storage.Tx) error {
		return tx.PutCheckinSettings(h.cell.ID, storage.CheckinSettings{PreciseLocation: true})
	}); err != nil {
		t.Fatal(err)
	}
	h.at(26, 3, 9, 0)
	h.say("dovanhung", "/checkin")
	h.tap("dovanhung", "Báo cáo ngay")
	if h.last("dovanhung").RequestLocation == "" {
		t.Fatal("the cell keeps points, but no share-location button was offered")
	}
	out := h.event(chat.Event{Kind: chat.EventLocation, User: "dovanhung", Location: &chat.Location{Lat: 10.9, Lon: 106.7}})
	h.wantContains(out, "Đã nhận vị trí")
	h.say("dovanhung", "Thuận An, Bình Dương")
	for _, s := range []string{"Có", "Công ty A", "Thợ hàn", "0381234567", "Có", "Chưa biết", "Chưa nộp", "Không có"} {
		h.event(chat.Event{Kind: chat.EventText, User: "dovanhung", Text: s})
	}
	h.tap("dovanhung", "Gửi báo cáo")
	ck := h.checkin("dovanhung", "2026-03")
	if ck == nil || ck.Lat == nil || *ck.Lat != 10.9 || ck.Answers["place"] != "Thuận An, Bình Dương" || ck.Answers["return"] != "unknown" || ck.Answers["dues"] != "no" {
		t.Fatalf("stored %+v", ck)
	}
}

func TestBoard_groupLeadersOnly(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	g := h.farGroup()
	h.markFar("dovanhung", g.ID, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.at(26, 3, 9, 0)
	// A plain member neither has /board nor sees it in the menu or /help.
	h.wantText(h.say("tranthibinh", "/board"), "vi", "err.group_leaders_only")
	if strings.Contains(h.say("tranthibinh", "/help")[0].Text, "/board") {
		t.Error("/help shows /board to a plain member")
	}
	has := func(items []core.MenuItem) bool {
		for _, it := range items {
			if it.Command == "board" {
				return true
			}
		}
		return false
	}
	if has(h.e.Menu("vi", core.MenuMember)) || !has(h.e.Menu("vi", core.MenuGroupLeader)) {
		t.Error("/board must be in the leaders' menu only")
	}
	// The group leader and the secretary see the member.
	for _, u := range []string{"cuong", "sec"} {
		if out := h.say(u, "/board"); !strings.Contains(out[0].Text, "Đỗ Văn Hùng – chưa báo cáo (còn trong hạn)") {
			t.Errorf("%s's board: %q", u, out[0].Text)
		}
	}
	if !strings.Contains(h.say("cuong", "/help")[0].Text, "/board") {
		t.Error("/help hides /board from the group leader")
	}
}
