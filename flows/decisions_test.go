package flows

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// excuseWorld is a cell with a secretary ("sec"), a deputy ("pho", Trần Thị
// Bình) and Phạm Thị Dung, who asked to be excused from the March meeting
// for sickness. It returns the meeting's id.
func excuseWorld(t *testing.T) (*harness, uint64) {
	h := newHarness(t)
	h.seedCell("Phạm Thị Dung", "Lê Văn Cường")
	h.addLeader("pho", "Trần Thị Bình", storage.RoleDeputy)
	h.openMeeting("03/03")
	h.tap("sec", h.vi("mt.btn_notify"))
	h.tap("phamthidung", h.vi("mt.btn_no"))
	h.tap("phamthidung", h.vi("mt.reason_sick"))
	return h, h.meetings()[0].ID
}

// auditLog is the whole audit log, newest first.
func (h *harness) auditLog() []storage.AuditEntry {
	h.t.Helper()
	var log []storage.AuditEntry
	if err := h.db.View(func(tx *storage.Tx) error {
		var err error
		log, err = tx.AuditLog(1<<20, nil)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return log
}

// Issue 11, item 1: the secretary accepts Dung's excuse; the deputy then taps
// his older button and refuses it. Before, the refusal replaced the
// acceptance, Dung was told twice and the secretary never.
func TestDecision_ExcuseStaleTapChangesNothing(t *testing.T) {
	h, mid := excuseWorld(t)
	h.now = time.Date(2026, 3, 1, 20, 15, 0, 0, h.zone)
	h.wantText(h.tap("sec", h.vi("mt.btn_accept")), "vi", "mt.excuse_accepted_you", "When", "19:30 ngày 03/03/2026")
	told := len(h.inbox["phamthidung"])
	audits := len(h.auditLog())

	h.advance(time.Hour)
	before := h.snapshot()
	for _, tap := range []struct{ user, label string }{
		{"pho", h.vi("mt.btn_reject")}, // another leader's older button
		{"sec", h.vi("mt.btn_reject")}, // the same leader, the other option, later
		{"pho", h.vi("mt.btn_accept")}, // the same decision again
	} {
		out := h.tap(tap.user, tap.label)
		h.wantText(out, "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 20:15", "Decision", h.vi("mt.excuse_state_accepted"))
		if len(out) != 1 {
			t.Fatalf("%s's stale tap sent %d messages: %s", tap.user, len(out), texts(out))
		}
	}
	if h.snapshot() != before {
		t.Fatal("a stale tap changed stored data")
	}
	if len(h.inbox["phamthidung"]) != told {
		t.Fatalf("the member was told again: %s", texts(h.inbox["phamthidung"][told:]))
	}
	if n := len(h.auditLog()); n != audits {
		t.Fatalf("a stale tap was audited: %d entries, want %d", n, audits)
	}
	a := h.meeting(mid).Roll[h.member("phamthidung").ID]
	if a.Excuse != storage.ExcuseAccepted || a.DecidedBy != h.member("sec").ID {
		t.Fatalf("excuse %+v", a)
	}
	// The decider's own message offers the change, which only asks.
	h.wantText(h.tap("sec", h.vi("decision.btn_change")), "vi", "decision.change_ask_self",
		"What", h.vi("decision.what_excuse", "Name", "Phạm Thị Dung", "When", "19:30 ngày 03/03/2026"), "Old", h.vi("mt.excuse_state_accepted"),
		"By", "Nguyễn Văn Bí Thư", "At", "01/03/2026 20:15", "New", h.vi("mt.excuse_state_rejected"), "Name", "Phạm Thị Dung")
	if h.snapshot() != before {
		t.Fatal("asking to change changed stored data")
	}
}

// Changing a decision is its own action: asked, confirmed, told to the
// member and to the first decider, audited with before and after.
func TestDecision_ExcuseChangeTellsMemberAndFirstDecider(t *testing.T) {
	h, mid := excuseWorld(t)
	h.now = time.Date(2026, 3, 1, 20, 15, 0, 0, h.zone)
	h.tap("sec", h.vi("mt.btn_accept"))
	h.advance(time.Hour)
	h.tap("pho", h.vi("mt.btn_reject"))

	// The stale tap's answer offers the change; asking changes nothing yet.
	before := h.snapshot()
	told := len(h.inbox["phamthidung"])
	out := h.tap("pho", h.vi("decision.btn_change"))
	what := h.vi("decision.what_excuse", "Name", "Phạm Thị Dung", "When", "19:30 ngày 03/03/2026")
	h.wantText(out, "vi", "decision.change_ask", "What", what, "Old", h.vi("mt.excuse_state_accepted"), "By", "Nguyễn Văn Bí Thư",
		"At", "01/03/2026 20:15", "New", h.vi("mt.excuse_state_rejected"), "Name", "Phạm Thị Dung")
	if h.snapshot() != before || len(h.inbox["phamthidung"]) != told {
		t.Fatal("asking to change a decision changed it")
	}

	out = h.tap("pho", h.vi("decision.btn_change_to", "Decision", h.vi("mt.excuse_state_rejected")))
	h.wantText(to(out, "phamthidung"), "vi", "decision.excuse_changed_you", "When", "19:30 ngày 03/03/2026",
		"Old", h.vi("mt.excuse_state_accepted"), "New", h.vi("mt.excuse_state_rejected"), "By", "Trần Thị Bình")
	h.wantText(to(out, "sec"), "vi", "decision.changed_first", "By", "Trần Thị Bình", "What", what,
		"Old", h.vi("mt.excuse_state_accepted"), "New", h.vi("mt.excuse_state_rejected"))
	h.wantText(to(out, "pho"), "vi", "decision.changed_both", "What", what, "Old", h.vi("mt.excuse_state_accepted"),
		"New", h.vi("mt.excuse_state_rejected"), "Name", "Phạm Thị Dung", "First", "Nguyễn Văn Bí Thư")
	dung := h.member("phamthidung")
	if a := h.meeting(mid).Roll[dung.ID]; a.Excuse != storage.ExcuseRejected || a.DecidedBy != h.member("pho").ID || !a.DecidedAt.Equal(h.now) {
		t.Fatalf("changed excuse %+v", a)
	}
	e := h.auditLog()[0]
	if e.Action != "decision_change" || e.ActorID != h.member("pho").ID || e.SubjectID != dung.ID ||
		!strings.Contains(string(e.Before), `"decision":"accepted"`) || !strings.Contains(string(e.Before), fmt.Sprintf(`"by":%d`, h.member("sec").ID)) ||
		!strings.Contains(string(e.After), `"decision":"rejected"`) || !strings.Contains(string(e.After), fmt.Sprintf(`"by":%d`, h.member("pho").ID)) {
		t.Fatalf("audit %+v before %s after %s", e, e.Before, e.After)
	}
	h.wantContains(h.say("sec", "/audit"), "Đồng chí Trần Thị Bình: lý do vắng mặt của Phạm Thị Dung (họp 03/03/2026) – đã chấp nhận → không chấp nhận")

	// The confirmation tapped again, or by the secretary on an old
	// question, changes nothing more.
	h.advance(time.Minute)
	before = h.snapshot()
	h.wantText(h.tap("pho", h.vi("decision.btn_change_to", "Decision", h.vi("mt.excuse_state_rejected"))), "vi", "decision.already",
		"Name", "Trần Thị Bình", "At", "01/03/2026 21:15", "Decision", h.vi("mt.excuse_state_rejected"))
	if h.snapshot() != before {
		t.Fatal("a second confirmation changed stored data")
	}

	// The first decider changing it back tells the member; the deputy (not
	// the first decider of the accepted excuse) is told as the first
	// decider of the refusal.
	h.tap("sec", h.vi("decision.btn_change"))
	out = h.tap("sec", h.vi("decision.btn_change_to", "Decision", h.vi("mt.excuse_state_accepted")))
	h.wantText(to(out, "pho"), "vi", "decision.changed_first", "By", "Nguyễn Văn Bí Thư", "What", what,
		"Old", h.vi("mt.excuse_state_rejected"), "New", h.vi("mt.excuse_state_accepted"))
	if len(to(out, "phamthidung")) != 1 {
		t.Fatalf("member told %d times", len(to(out, "phamthidung")))
	}
	// A plain member cannot change a decision, even with a forged button.
	before = h.snapshot()
	h.wantText(h.press("levancuong", fmt.Sprintf("exc:%d:%d:cr", mid, dung.ID)), "vi", "err.leaders_only")
	if h.snapshot() != before {
		t.Fatal("a member changed a decision")
	}
}

// Correcting the roll at the meeting ("e"/"u") may turn a decided excuse the
// other way: it stays possible, and is a change of decision.
func TestDecision_RollCorrectionIsAChangeOfDecision(t *testing.T) {
	h, mid := excuseWorld(t)
	h.tap("sec", h.vi("mt.btn_accept"))
	dung := h.member("phamthidung")
	h.now = time.Date(2026, 3, 3, 19, 40, 0, 0, h.zone)

	out := h.press("pho", fmt.Sprintf("rl:%d:%d:u", mid, dung.ID))
	what := h.vi("decision.what_excuse", "Name", "Phạm Thị Dung", "When", "19:30 ngày 03/03/2026")
	h.wantText(to(out, "phamthidung"), "vi", "decision.excuse_changed_you", "When", "19:30 ngày 03/03/2026",
		"Old", h.vi("mt.excuse_state_accepted"), "New", h.vi("mt.excuse_state_rejected"), "By", "Trần Thị Bình")
	h.wantText(to(out, "sec"), "vi", "decision.changed_first", "By", "Trần Thị Bình", "What", what,
		"Old", h.vi("mt.excuse_state_accepted"), "New", h.vi("mt.excuse_state_rejected"))
	if a := h.meeting(mid).Roll[dung.ID]; a.Excuse != storage.ExcuseRejected || a.DecidedBy != h.member("pho").ID {
		t.Fatalf("roll correction %+v", a)
	}
	if log := h.auditLog(); log[0].Action != "decision_change" || log[0].ActorID != h.member("pho").ID || log[1].Action != "roll_set" {
		t.Fatalf("audit %+v", log[:2])
	}

	// The secretary's own correction back tells the member and the deputy,
	// and the secretary nothing twice.
	out = h.press("sec", fmt.Sprintf("rl:%d:%d:e", mid, dung.ID))
	if len(to(out, "phamthidung")) != 1 || len(to(out, "pho")) != 1 {
		t.Fatalf("correction back: %s", texts(out))
	}
	// A pending excuse marked at the roll is a first decision: nobody else
	// to tell, no change of decision audited.
	h.tap("levancuong", h.vi("mt.btn_no"))
	h.tap("levancuong", h.vi("mt.reason_work"))
	n := len(h.auditLog())
	out = h.press("sec", fmt.Sprintf("rl:%d:%d:u", mid, h.member("levancuong").ID))
	if len(to(out, "levancuong")) != 0 || len(to(out, "pho")) != 0 || h.auditLog()[0].Action != "roll_set" || len(h.auditLog()) != n+1 {
		t.Fatalf("first decision at the roll: %s", texts(out))
	}
}

// A decision with nothing left to decide gets a clear answer and changes
// nothing: a meeting no longer on record, a cancelled meeting, a member who
// left the cell, an excuse withdrawn.
func TestDecision_ExcuseNothingToDecide(t *testing.T) {
	h, mid := excuseWorld(t)
	dung := h.member("phamthidung")
	accept := fmt.Sprintf("exc:%d:%d:a", mid, dung.ID)
	check := func(what string, out []chat.Message, id string, kv ...any) {
		t.Helper()
		h.wantText(out, "vi", id, kv...)
		if len(out) != 1 {
			t.Fatalf("%s: %s", what, texts(out))
		}
	}
	before := h.snapshot()
	check("deleted meeting", h.press("sec", fmt.Sprintf("exc:%d:%d:a", mid+100, dung.ID)), "decision.meeting_gone")
	check("nothing to change", h.press("sec", fmt.Sprintf("exc:%d:%d:c", mid, dung.ID)), "decision.nothing_to_change")
	if h.snapshot() != before {
		t.Fatal("changed")
	}

	h.setStatus("phamthidung", storage.Status{Kind: storage.StatusLeft, From: h.now})
	before = h.snapshot()
	check("member left", h.press("sec", accept), "decision.member_left", "Name", "Phạm Thị Dung")
	if h.snapshot() != before {
		t.Fatal("a decision on a member who left changed data")
	}
	h.setStatus("phamthidung", storage.Status{Kind: storage.StatusActive})

	h.tap("phamthidung", h.vi("mt.btn_yes")) // withdraws the excuse
	before = h.snapshot()
	check("withdrawn", h.tap("sec", h.vi("mt.btn_accept")), "mt.excuse_gone")
	if h.snapshot() != before {
		t.Fatal("a decision on a withdrawn excuse changed data")
	}

	h.tap("phamthidung", h.vi("mt.btn_no"))
	h.tap("phamthidung", h.vi("mt.reason_sick"))
	if err := h.db.Update(func(tx *storage.Tx) error {
		mt, err := tx.Meeting(mid)
		if err != nil {
			return err
		}
		mt.State = storage.MeetingCancelled
		return tx.PutMeeting(mt)
	}); err != nil {
		t.Fatal(err)
	}
	before = h.snapshot()
	check("cancelled", h.press("pho", accept), "mt.already_ended", "State", h.vi("mt.state_cancelled"))
	if h.snapshot() != before {
		t.Fatal("a decision on a cancelled meeting changed data")
	}
}

// A /away request is decided once: the deputy, asked for a reason for his
// refusal while the secretary confirmed, is told who decided and when; the
// member hears of one decision only.
func TestDecision_AwayRequestDecidedOnce(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.addLeader("pho", "Trần Thị Bình", storage.RoleDeputy)
	h.requestAway("dovanhung", "Làm theo ca ở Bình Dương")
	h.tap("pho", "Từ chối") // asks the deputy for a reason
	h.advance(30 * time.Minute)
	h.wantText(h.tap("sec", "Xác nhận"), "vi", "faraway.done", "Name", "Đỗ Văn Hùng")
	told := len(h.inbox["dovanhung"])
	audits := len(h.auditLog())

	h.advance(time.Hour)
	before := h.snapshot("convs")
	out := h.say("pho", "Chưa đủ căn cứ")
	h.wantText(out, "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 09:30", "Decision", "xác nhận")
	h.wantText(h.tap("pho", "Từ chối"), "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 09:30", "Decision", "xác nhận")
	if h.snapshot("convs") != before || len(h.inbox["dovanhung"]) != told || len(h.auditLog()) != audits {
		t.Fatalf("a stale decision changed something; member got %s", texts(h.inbox["dovanhung"][told:]))
	}
	if m := h.member("dovanhung"); m.Status.Kind != storage.StatusFarAway {
		t.Fatalf("status %+v", m.Status)
	}
}

// requestLink has Minh ask to be registered with the residence cell.
func (w *resWorld) requestLink() {
	h := w.h
	h.t.Helper()
	h.say("minh", "/residence")
	h.tap("minh", "Giữ mối liên hệ với chi bộ nơi cư trú")
	h.say("minh", "Chi bộ Thử")
	h.say("minh", "Sở Tài chính tỉnh")
	h.say("minh", "Chi bộ Phòng Kế hoạch")
	h.tap("minh", "Hôm nay")
	h.tap("minh", "Miễn giới thiệu về nơi cư trú")
	h.wantText(h.tap("minh", "Xác nhận"), "vi", "res.request_sent", "Cell", "Chi bộ Thử")
}

// buttonData is the payload of the button labelled label in the latest
// message to user that has it.
func (h *harness) buttonData(user, label string) string {
	h.t.Helper()
	for i := len(h.inbox[user]) - 1; i >= 0; i-- {
		for _, b := range h.inbox[user][i].Choices() {
			if b.Label == label {
				return b.Data
			}
		}
	}
	h.t.Fatalf("no button %q sent to %s", label, user)
	return ""
}

// A residence link request refused by the secretary: the deputy's older
// "Xác nhận" says who refused it and when, and neither links the member
// nor decides the member's next request. Before, a refused request was
// deleted: the tap answered "no longer exists", and the buttons of one
// request decided the next.
func TestDecision_ResidenceRequestDecidedOnce(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.requestLink()
	oldConfirm := h.buttonData("dep", "Xác nhận")
	h.wantText(h.tap("sec", "Từ chối"), "vi", "res.request_refused", "Name", "Hoàng Văn Minh")
	told, audits := len(h.inbox["minh"]), len(h.auditLog())

	h.advance(time.Hour)
	before := h.snapshot()
	out := h.tap("dep", "Xác nhận")
	h.wantText(out, "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 09:00", "Decision", "từ chối")
	if h.snapshot() != before || len(h.inbox["minh"]) != told || len(h.auditLog()) != audits || w.linkOf(w.minh) != nil {
		t.Fatal("a stale tap on a refused request changed something")
	}

	// A new request: the first request's buttons still answer about the
	// first one, and leave the new one pending.
	h.advance(time.Hour)
	w.requestLink()
	before = h.snapshot()
	h.wantText(h.press("dep", oldConfirm), "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 09:00", "Decision", "từ chối")
	if h.snapshot() != before || !w.linkOf(w.minh).Pending {
		t.Fatal("an old request's button decided the new request")
	}
	h.wantText(h.tap("dep", "Xác nhận"), "vi", "res.request_confirmed", "Name", "Hoàng Văn Minh")
	before = h.snapshot()
	h.wantText(h.tap("sec", "Từ chối"), "vi", "decision.already", "Name", "Phạm Văn Phó", "At", "01/03/2026 11:00", "Decision", "xác nhận")
	if h.snapshot() != before || w.linkOf(w.minh) == nil || w.linkOf(w.minh).Pending {
		t.Fatal("a stale refusal changed a confirmed link")
	}

	// A member who left: nothing to decide.
	h.setStatus("minh", storage.Status{Kind: storage.StatusLeft, From: h.now})
	before = h.snapshot()
	h.wantText(h.tap("dep", "Xác nhận"), "vi", "decision.member_left", "Name", "Hoàng Văn Minh")
	if h.snapshot() != before {
		t.Fatal("a decision on a member who left changed data")
	}
}

// Changing a residence decision: confirmed → refused ends the link, refused
// → confirmed restores it; each tells the member and the first decider and
// is audited.
func TestDecision_ResidenceChangeTellsMemberAndFirstDecider(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.requestLink()
	h.tap("sec", "Xác nhận")
	h.advance(time.Hour)
	h.tap("dep", "Từ chối")
	what := h.vi("decision.what_residence", "Name", "Hoàng Văn Minh")
	before := h.snapshot()
	h.wantText(h.tap("dep", "Đổi quyết định"), "vi", "decision.change_ask", "What", what, "Old", "xác nhận", "By", "Nguyễn Văn Bí Thư",
		"At", "01/03/2026 09:00", "New", "từ chối", "Name", "Hoàng Văn Minh")
	if h.snapshot() != before {
		t.Fatal("asking to change changed something")
	}
	out := h.tap("dep", "Đổi thành: từ chối")
	h.wantText(to(out, "minh"), "vi", "decision.residence_changed_you", "Cell", "Chi bộ Thử (Đảng bộ xã Thử)",
		"Old", "xác nhận", "New", "từ chối", "By", "Phạm Văn Phó")
	h.wantText(to(out, "sec"), "vi", "decision.changed_first", "By", "Phạm Văn Phó", "What", what, "Old", "xác nhận", "New", "từ chối")
	if w.linkOf(w.minh) != nil {
		t.Fatal("the link was kept after the change to a refusal")
	}
	if e := h.auditLog()[0]; e.Action != "decision_change" || e.ActorID != w.dep.ID || !strings.Contains(string(e.Before), `"decision":"confirmed"`) ||
		!strings.Contains(string(e.After), `"decision":"refused"`) {
		t.Fatalf("audit %+v %s %s", e, e.Before, e.After)
	}
	h.wantText(h.say("minh", "/residence"), "vi", "res.not_linked")

	// The secretary changes it back: the link returns, confirmed by him.
	h.advance(time.Hour)
	h.tap("sec", "Đổi quyết định")
	out = h.tap("sec", "Đổi thành: xác nhận")
	h.wantText(to(out, "dep"), "vi", "decision.changed_first", "By", "Nguyễn Văn Bí Thư", "What", what, "Old", "từ chối", "New", "xác nhận")
	if l := w.linkOf(w.minh); l == nil || l.Pending || l.ConfirmedBy != w.sec.ID || l.Workplace != "Sở Tài chính tỉnh" {
		t.Fatalf("restored link %+v", l)
	}
	if len(to(out, "minh")) != 1 {
		t.Fatalf("member told %d times", len(to(out, "minh")))
	}
}

// Changing a /away decision: a confirmation turned into a refusal gives the
// member back the status they had; turned back, it records the request
// again. Each change tells the member and the first decider and is audited.
func TestDecision_AwayChangeTellsMemberAndFirstDecider(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.addLeader("pho", "Trần Thị Bình", storage.RoleDeputy)
	h.requestAway("dovanhung", "Làm theo ca ở Bình Dương")
	h.tap("sec", "Xác nhận")
	if m := h.member("dovanhung"); m.Status.Kind != storage.StatusFarAway {
		t.Fatalf("status %+v", m.Status)
	}
	h.advance(time.Hour)
	h.wantText(h.tap("pho", "Từ chối"), "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 09:00", "Decision", "xác nhận")
	before := h.snapshot()
	what := h.vi("decision.what_away", "Name", "Đỗ Văn Hùng")
	h.wantText(h.tap("pho", "Đổi quyết định"), "vi", "decision.change_ask", "What", what, "Old", "xác nhận", "By", "Nguyễn Văn Bí Thư",
		"At", "01/03/2026 09:00", "New", "từ chối", "Name", "Đỗ Văn Hùng")
	if h.snapshot() != before {
		t.Fatal("asking to change changed something")
	}
	out := h.tap("pho", "Đổi thành: từ chối")
	h.wantText(to(out, "dovanhung"), "vi", "decision.away_changed_you", "Old", "xác nhận", "New", "từ chối", "By", "Trần Thị Bình")
	h.wantText(to(out, "sec"), "vi", "decision.changed_first", "By", "Trần Thị Bình", "What", what, "Old", "xác nhận", "New", "từ chối")
	if m := h.member("dovanhung"); m.Status.Kind != storage.StatusActive || m.Status.SetBy != h.member("pho").ID || h.farAwayRecord("dovanhung") != nil {
		t.Fatalf("status after the change %+v, details %+v", m.Status, h.farAwayRecord("dovanhung"))
	}
	if e := h.auditLog()[0]; e.Action != "decision_change" || e.ActorID != h.member("pho").ID ||
		!strings.Contains(string(e.Before), `"kind":"far_away"`) || !strings.Contains(string(e.After), `"kind":"active"`) {
		t.Fatalf("audit %+v %s %s", e, e.Before, e.After)
	}
	// The old confirmation button now answers who refused.
	h.wantText(h.tap("sec", "Xác nhận"), "vi", "decision.already", "Name", "Trần Thị Bình", "At", "01/03/2026 10:00", "Decision", "từ chối")

	h.advance(time.Hour)
	h.tap("sec", "Đổi quyết định")
	out = h.tap("sec", "Đổi thành: xác nhận")
	h.wantText(to(out, "pho"), "vi", "decision.changed_first", "By", "Nguyễn Văn Bí Thư", "What", what, "Old", "từ chối", "New", "xác nhận")
	if m := h.member("dovanhung"); m.Status.Kind != storage.StatusFarAway || h.farAwayRecord("dovanhung") == nil || len(to(out, "dovanhung")) != 1 {
		t.Fatalf("status after changing back %+v; member got %s", m.Status, texts(to(out, "dovanhung")))
	}
}

// The buttons of an excuse the member replaced with a new reason never
// decide the new one.
func TestDecision_ReplacedExcuseButtonsAreStale(t *testing.T) {
	h, mid := excuseWorld(t)
	oldAccept := h.buttonData("pho", h.vi("mt.btn_accept"))
	h.tap("sec", h.vi("mt.btn_accept"))
	h.advance(time.Hour)
	h.tap("phamthidung", h.vi("mt.btn_no"))
	h.tap("phamthidung", h.vi("mt.reason_family"))
	dung := h.member("phamthidung")
	if a := h.meeting(mid).Roll[dung.ID]; a.Excuse != storage.ExcusePending {
		t.Fatalf("new excuse %+v", a)
	}
	before := h.snapshot()
	h.wantText(h.press("pho", oldAccept), "vi", "decision.excuse_replaced", "Name", "Phạm Thị Dung")
	if h.snapshot() != before {
		t.Fatal("an old button decided the new excuse")
	}
	h.wantText(to(h.tap("pho", h.vi("mt.btn_reject")), "phamthidung"), "vi", "mt.excuse_rejected_you", "When", "19:30 ngày 03/03/2026")
}

// A renewal confirmed and then changed into a refusal gives back the
// earlier far-away period and its details, not the request's.
func TestDecision_AwayRenewalChangedBack(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.markFar("dovanhung", 0, h.date(1, 1, 2026), h.date(30, 6, 2026), false)
	h.advance(time.Hour)
	h.say("dovanhung", "/away")
	h.tap("dovanhung", "Giữ nguyên: Bình Dương")
	h.tap("dovanhung", "Hôm nay")
	h.say("dovanhung", "31/12/2026")
	h.tap("dovanhung", "Có, xin tạm miễn sinh hoạt")
	h.say("dovanhung", "Làm theo ca")
	h.tap("dovanhung", "Gửi đề nghị")
	h.tap("sec", "Xác nhận")
	if fa := h.farAwayRecord("dovanhung"); fa == nil || !fa.Exempt {
		t.Fatalf("renewal details %+v", fa)
	}
	h.tap("sec", "Đổi quyết định")
	h.tap("sec", "Đổi thành: từ chối")
	m := h.member("dovanhung")
	if m.Status.Kind != storage.StatusFarAway || !m.Status.To.Equal(h.date(30, 6, 2026)) {
		t.Fatalf("status after the change %+v", m.Status)
	}
	if fa := h.farAwayRecord("dovanhung"); fa == nil || fa.Exempt || fa.Resolution != "NQ 01" {
		t.Fatalf("details after the change %+v", fa)
	}
}
