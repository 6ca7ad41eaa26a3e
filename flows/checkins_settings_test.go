package flows

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"chibo/flows/chat"
	"chibo/storage"
)

func (h *harness) checkinSettings() storage.CheckinSettings {
	h.t.Helper()
	var s storage.CheckinSettings
	if err := h.db.View(func(tx *storage.Tx) error {
		var err error
		s, err = tx.CheckinSettings(h.cell.ID)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return s
}

func hasButton(m chat.Message, label string) bool {
	return slices.ContainsFunc(m.Choices(), func(b chat.Button) bool { return b.Label == label })
}

func TestCheckinSettings_byButtons(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.markFar("dovanhung", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)

	h.say("sec", "/checkinsettings")
	screen := h.last("sec").Text
	for _, want := range []string{"Chi bộ Thử", "ngày 25 hằng tháng", "sau 3 và 7 ngày", "Hạn báo cáo: 10 ngày", "chỉ lưu xã/phường và tỉnh/thành phố", "Lưu báo cáo trong 24 tháng"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("screen lacks %q:\n%s", want, screen)
		}
	}
	// The report day: the 5th.
	h.tap("sec", "Ngày báo cáo")
	out := h.tap("sec", "5")
	h.wantContains(out, "Đã lưu.")
	h.wantContains(out, "ngày 5 hằng tháng")
	// No follow-ups: an empty list is kept as such, not taken for the default.
	h.tap("sec", "Nhắc lại")
	h.tap("sec", "không nhắc lại")
	// The deadline: 7 days; a deadline on or before a follow-up is not offered.
	h.tap("sec", "Hạn báo cáo")
	h.tap("sec", "7")
	h.tap("sec", "Thời gian lưu")
	h.tap("sec", "12")
	// Exact location needs a confirmation (issue 12): the first tap only
	// asks, and says who reads it.
	out = h.tap("sec", "Đổi thành: cho phép lưu vị trí chính xác khi đảng viên gửi")
	h.wantContains(out, "tổ trưởng tổ đảng")
	if h.checkinSettings().PreciseLocation {
		t.Fatal("exact location was turned on without a confirmation")
	}
	h.tap("sec", "Bật lưu vị trí chính xác")
	h.restart()
	s := h.checkinSettings()
	if s.Day != 5 || s.FollowUps == nil || len(s.FollowUps) != 0 || s.DeadlineDays != 7 || s.RetentionMonths != 12 || !s.PreciseLocation {
		t.Fatalf("stored %+v", s)
	}
	if !strings.Contains(h.last("sec").Text, "cho phép lưu vị trí chính xác khi đảng viên gửi") || !hasButton(h.last("sec"), "Đổi thành: chỉ lưu xã/phường và tỉnh/thành phố") {
		t.Fatalf("screen after toggling: %+v", h.last("sec"))
	}
	h.wantContains(h.say("sec", "/audit"), "Đồng chí Nguyễn Văn Bí Thư: cho phép đảng viên chia sẻ vị trí chính xác – tắt → bật")
	// With follow-ups on days 3 and 7 again, only deadlines after day 7 are offered.
	h.tap("sec", "Hạn báo cáo")
	h.tap("sec", "14")
	h.tap("sec", "Nhắc lại")
	h.tap("sec", "sau 3 và 7 ngày")
	h.tap("sec", "Hạn báo cáo")
	if m := h.last("sec"); hasButton(m, "5") || hasButton(m, "7") || !hasButton(m, "10") {
		t.Fatalf("deadline choices: %+v", m.Choices())
	}
	h.tap("sec", "« Quay lại")

	// The month runs on the new settings: the first reminder on the 5th,
	// follow-ups on the 8th and 12th, silent list after the 14-day deadline.
	h.at(5, 4, 8, 0)
	h.wantContains(h.checkinDue(), "hạn đến hết ngày 18/04/2026")
	h.at(8, 4, 8, 0)
	h.wantContains(h.checkinDue(), "Nhắc lại:")
	h.at(10, 4, 8, 0)
	if out := h.checkinDue(); len(out) != 0 {
		t.Fatalf("reminder on a day without follow-up: %q", out[0].Text)
	}
	h.at(12, 4, 8, 0)
	h.wantContains(h.checkinDue(), "Nhắc lại:")

	// Audit: each change is recorded with before and after.
	if err := h.db.View(func(tx *storage.Tx) error {
		log, err := tx.AuditLog(100, func(e *storage.AuditEntry) bool { return e.Action == "settings_change" })
		if err == nil && len(log) != 6 {
			t.Errorf("%d settings changes in the audit log, want 6", len(log))
		}
		exact, err := tx.AuditLog(100, func(e *storage.AuditEntry) bool { return e.Action == "location_exact" })
		if err == nil && len(exact) != 1 {
			t.Errorf("%d exact location changes in the audit log, want 1", len(exact))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestCheckinSettings_refused(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.addLeader("pho", "Phạm Thị Phó", storage.RoleDeputy)
	cell := fmt.Sprint(h.cell.ID)
	before := h.snapshot()
	// A member cannot open or change the settings.
	h.wantText(h.say("dovanhung", "/checkinsettings"), "vi", "err.leaders_only")
	h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "dovanhung", Data: "cks:" + cell + ":d:1"}), "vi", "err.leaders_only")
	// Values the screen does not offer, or that clash with the follow-ups, change nothing.
	for _, data := range []string{":d:31", ":d:x", ":l:5", ":l:3", ":f:1-2", ":p:2", ":p:1:x", ":p:yes", ":r:0", ":q:1", ":q", ":d:1:2"} {
		h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "sec", Data: "cks:" + cell + data}), "vi", "err.stale_button")
	}
	h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "sec", Data: "cks:99"}), "vi", "err.leaders_only")
	if h.snapshot() != before {
		t.Fatal("refused settings changed stored data")
	}
	// The deputy may change them; the secretary's board links to them.
	h.say("pho", "/checkinsettings")
	h.tap("pho", "Ngày báo cáo")
	h.tap("pho", "28")
	if s := h.checkinSettings(); s.Day != 28 {
		t.Fatalf("deputy's change: %+v", s)
	}
	h.markFar("dovanhung", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.say("sec", "/board")
	if board := h.last("sec"); !hasButton(board, "Cài đặt báo cáo") {
		t.Fatalf("board without settings: %+v", board.Buttons)
	}
	h.tap("sec", "Cài đặt báo cáo")
	h.wantContains([]chat.Message{h.last("sec")}, "ngày 28 hằng tháng")
}
