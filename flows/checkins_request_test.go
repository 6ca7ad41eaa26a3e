package flows

import (
	"chibo/flows/core"
	"errors"
	"strings"
	"testing"

	"chibo/flows/chat"
	"chibo/storage"
)

// requestAway has user ask, with /away, to be recorded as working far away
// in Bình Dương from today to 31/12/2026, with an exemption when reason is
// not empty.
func (h *harness) requestAway(user, reason string) []chat.Message {
	h.t.Helper()
	h.say(user, "/away")
	h.say(user, "Bình Dương")
	h.tap(user, "Hôm nay")
	h.say(user, "31/12/2026")
	if reason == "" {
		h.tap(user, "Không, vẫn sinh hoạt khi về được")
	} else {
		h.tap(user, "Có, xin tạm miễn sinh hoạt")
		h.say(user, reason)
	}
	return h.tap(user, "Gửi đề nghị")
}

// addLeader adds a deputy (or another role) to the harness cell.
func (h *harness) addLeader(user, name string, role storage.Role) {
	h.t.Helper()
	if err := h.db.Update(func(tx *storage.Tx) error { _, err := h.addMember(tx, user, name, role); return err }); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) farAwayRecord(user string) *storage.FarAway {
	h.t.Helper()
	var fa *storage.FarAway
	err := h.db.View(func(tx *storage.Tx) error {
		var err error
		fa, err = tx.FarAway(h.member(user).ID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return fa
}

func TestFarAwayRequest_confirmedOnce(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.addLeader("pho", "Phạm Thị Phó", storage.RoleDeputy)
	g := h.farGroup()
	// The member is already in the far-away group: confirming keeps it.
	if err := h.db.Update(func(tx *storage.Tx) error {
		m, err := tx.MemberByContact(tr, "dovanhung")
		if err != nil {
			return err
		}
		m.GroupID = g.ID
		return tx.PutMember(m)
	}); err != nil {
		t.Fatal(err)
	}

	h.say("dovanhung", "/away")
	h.say("dovanhung", "Bình Dương")
	h.tap("dovanhung", "Hôm nay")
	h.wantText(h.say("dovanhung", "28/02/2026"), "vi", "err.date_before", "From", "01/03/2026")
	h.say("dovanhung", "31/12/2026")
	h.wantText(h.say("dovanhung", "có lẽ"), "vi", "err.choose_option") // text where a choice is expected
	h.tap("dovanhung", "Có, xin tạm miễn sinh hoạt")
	h.say("dovanhung", "Làm công nhân theo ca ở KCN Sóng Thần, không về dự họp được")
	if got := h.last("dovanhung").Text; !strings.Contains(got, "• Từ 01/03/2026 đến 31/12/2026 (dự kiến)") || !strings.Contains(got, "có – Làm công nhân theo ca") {
		t.Fatalf("review: %q", got)
	}
	before := h.snapshot("convs")
	out := h.tap("dovanhung", "Gửi đề nghị")
	h.wantText(out, "vi", "awayreq.sent")
	// The secretary and the deputy get the request; the group leader does not decide.
	for _, leader := range []string{"sec", "pho"} {
		if m := h.last(leader); !strings.Contains(m.Text, "Đề nghị ghi nhận đi làm ăn xa (gửi ngày 01/03/2026)") || !strings.Contains(m.Text, "Bình Dương") || len(m.Choices()) != 2 {
			t.Fatalf("%s got %+v", leader, m)
		}
	}
	if strings.Contains(h.last("cuong").Text, "Đề nghị") {
		t.Fatal("the group leader got the request to decide")
	}
	if m := h.member("dovanhung"); m.Status.Kind != storage.StatusActive || h.farAwayRecord("dovanhung") != nil {
		t.Fatalf("a request changed the member before confirmation: %+v", m.Status)
	}
	if h.snapshot("convs") == before {
		t.Fatal("the request was not stored")
	}

	h.advance(2 * 3600e9)
	out = h.tap("sec", "Xác nhận")
	h.wantText(out, "vi", "faraway.done", "Name", "Đỗ Văn Hùng")
	m := h.member("dovanhung")
	if m.Status.Kind != storage.StatusFarAway || !m.Status.From.Equal(h.date(1, 3, 2026)) || !m.Status.To.Equal(h.date(31, 12, 2026)) ||
		m.Status.SetBy != h.member("sec").ID || m.GroupID != g.ID {
		t.Fatalf("status %+v group %d", m.Status, m.GroupID)
	}
	fa := h.farAwayRecord("dovanhung")
	if fa == nil || fa.Province != "Bình Dương" || !fa.Exempt || fa.SetBy != h.member("sec").ID {
		t.Fatalf("far-away record %+v", fa)
	}
	if err := h.db.View(func(tx *storage.Tx) error {
		ex, err := tx.ExemptFromMeetings(m, h.now)
		if err == nil && !ex {
			t.Error("a confirmed exemption does not exempt from meetings")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.db.View(func(tx *storage.Tx) error {
		log, err := tx.AuditLog(1, nil)
		if err == nil && (len(log) != 1 || log[0].Action != "faraway_set" || log[0].ActorID != h.member("sec").ID || log[0].SubjectID != m.ID) {
			t.Errorf("audit %+v", log)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	told := h.last("dovanhung").Text
	if !strings.HasPrefix(told, "Đồng chí Nguyễn Văn Bí Thư đã xác nhận đề nghị của đồng chí:") || !strings.Contains(told, "• Tạm miễn sinh hoạt: có") ||
		!strings.Contains(told, "Tổ đảng viên đi làm ăn xa") || !strings.Contains(told, "từ ngày 25") {
		t.Fatalf("member told: %q", told)
	}
	if !strings.Contains(h.last("cuong").Text, "Đồng chí được giao theo dõi đảng viên đi làm ăn xa") {
		t.Fatalf("group leader told: %q", h.last("cuong").Text)
	}

	// A double tap, and the deputy's tap on the same request, change nothing.
	before = h.snapshot()
	h.wantText(h.tap("sec", "Xác nhận"), "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 11:00", "Decision", "xác nhận")
	h.wantText(h.tap("pho", "Từ chối"), "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 11:00", "Decision", "xác nhận")
	if h.snapshot() != before {
		t.Fatal("a second decision changed stored data")
	}
	// The member's next check-in reminder comes as for any far-away member.
	h.at(25, 3, 8, 0)
	h.wantContains(h.checkinDue(), "Đã đến kỳ báo cáo tháng 03/2026")
}

func TestFarAwayRequest_refusedWithReason(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.member("dovanhung")
	h.requestAway("dovanhung", "")
	h.tap("sec", "Từ chối")
	if got := h.last("sec").Text; !strings.Contains(got, "đồng chí Đỗ Văn Hùng sẽ đọc được") {
		t.Fatalf("refusal question: %q", got)
	}
	out := h.say("sec", "Đề nghị đồng chí gặp chi ủy để trao đổi trước")
	h.wantText(out, "vi", "awayreq.refused", "Name", "Đỗ Văn Hùng")
	told := h.last("dovanhung").Text
	if !strings.Contains(told, "chưa đồng ý") || !strings.Contains(told, "Lý do: Đề nghị đồng chí gặp chi ủy để trao đổi trước") {
		t.Fatalf("member told: %q", told)
	}
	if m := h.member("dovanhung"); m.Status.Kind != storage.StatusActive || h.farAwayRecord("dovanhung") != nil {
		t.Fatalf("a refusal changed the member: %+v", m.Status)
	}
	// Confirming after the refusal does nothing.
	before := h.snapshot()
	h.wantText(h.tap("sec", "Xác nhận"), "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 09:00", "Decision", "từ chối")
	if h.snapshot() != before {
		t.Fatal("confirming a refused request changed stored data")
	}

	// A new request, refused without a reason: the member reads no "Lý do".
	h.advance(24 * 3600e9)
	h.requestAway("dovanhung", "")
	h.tap("sec", "Từ chối")
	h.tap("sec", "Không ghi lý do")
	if told := h.last("dovanhung").Text; !strings.Contains(told, "chưa đồng ý") || strings.Contains(told, "Lý do") {
		t.Fatalf("member told: %q", told)
	}
}

func TestFarAwayRequest_staleAndOtherCell(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	// Another cell with its own secretary.
	if err := h.db.Update(func(tx *storage.Tx) error {
		other := &storage.Cell{OrgID: h.cell.OrgID, Name: "Chi bộ Bên Cạnh", Created: h.now}
		if err := tx.PutCell(other); err != nil {
			return err
		}
		m := &storage.Member{Name: "Vũ Văn Khác", HomeCellID: other.ID, Lang: "vi", Contacts: map[string]string{tr: "khac"},
			Status: storage.Status{Kind: storage.StatusActive, SetAt: h.now}, Consent: storage.Consent{Given: true, At: h.now}, Joined: h.now}
		m.AddRole(other.ID, storage.RoleMember)
		m.AddRole(other.ID, storage.RoleSecretary)
		return tx.PutMember(m)
	}); err != nil {
		t.Fatal(err)
	}
	h.addLeader("binh", "Trần Thị Bình", storage.RoleMember)
	h.requestAway("dovanhung", "Đi biển dài ngày")
	req := h.last("sec")
	first := req.Choices()[0].Data

	// The secretary of another cell cannot confirm it, even with the payload;
	// nor can a plain member of the cell.
	before := h.snapshot()
	h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "khac", Data: first}), "vi", "awayreq.other_cell")
	h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "binh", Data: first}), "vi", "awayreq.other_cell")
	if h.snapshot() != before || h.member("dovanhung").Status.Kind != storage.StatusActive {
		t.Fatal("someone outside the cell's leadership confirmed the request")
	}

	// A second request replaces the first: the first one's buttons are stale.
	h.advance(3600e9)
	h.wantText(h.requestAway("dovanhung", "Đi biển dài ngày, đến tháng 12 mới về"), "vi", "awayreq.sent_replaces")
	before = h.snapshot()
	h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "sec", Data: first}), "vi", "awayreq.outdated", "Name", "Đỗ Văn Hùng")
	if h.snapshot() != before {
		t.Fatal("a replaced request changed stored data")
	}

	// The secretary records the member with /faraway meanwhile: the pending
	// request is out of date and confirming it changes nothing.
	h.advance(3600e9)
	h.say("sec", "/faraway")
	h.tap("sec", "Đỗ Văn Hùng")
	h.say("sec", "Khánh Hòa")
	h.tap("sec", "Hôm nay")
	h.say("sec", "30/06/2026")
	h.tap("sec", "Bí thư theo dõi trực tiếp")
	h.tap("sec", "Không, vẫn sinh hoạt khi có thể")
	h.wantText(h.tap("sec", "Xác nhận"), "vi", "faraway.done", "Name", "Đỗ Văn Hùng")
	before = h.snapshot()
	second := ""
	for _, m := range h.inbox["sec"] {
		for _, b := range m.Choices() {
			if strings.HasPrefix(b.Data, "fq:") && strings.HasSuffix(b.Data, ":y") {
				second = b.Data
			}
		}
	}
	h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "sec", Data: second}), "vi", "awayreq.outdated", "Name", "Đỗ Văn Hùng")
	if h.snapshot() != before || h.farAwayRecord("dovanhung").Province != "Khánh Hòa" {
		t.Fatal("an out-of-date request changed stored data")
	}
	// Garbage payloads are refused.
	for _, data := range []string{"fq:", "fq:x:y:z", "fq:99:abc:y", "fq:1:abc:q"} {
		h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "sec", Data: data}), "vi", "err.stale_button")
	}
	if h.snapshot() != before {
		t.Fatal("garbage payloads changed stored data")
	}
}

func TestFarAwayRequest_badInputAndRestart(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.now = h.date(10, 3, 2026).Add(9 * 3600e9)
	h.say("dovanhung", "/away")
	h.say("dovanhung", "Bình Dương")
	h.restart() // the request resumes at the same question
	h.say("dovanhung", "01/03/2026")
	h.wantText(h.say("dovanhung", "05/03/2026"), "vi", "awayreq.err_to_past")
	h.wantText(h.say("dovanhung", "mùa mưa"), "vi", "err.date_format", "Example", core.ExampleDate(h.now, h.zone))
	h.say("dovanhung", "30/09/2026")
	h.tap("dovanhung", "Có, xin tạm miễn sinh hoạt")
	h.say("dovanhung", "Làm xa")
	before := h.snapshot("convs")
	h.wantText(h.tap("dovanhung", "Hủy"), "vi", "cancel.done")
	if h.snapshot("convs") != before || strings.Contains(h.last("sec").Text, "Đề nghị") {
		t.Fatal("a cancelled request was stored or sent")
	}
	// A cell without another leader: nothing is stored, the member is told.
	if err := h.db.Update(func(tx *storage.Tx) error {
		m, err := tx.MemberByContact(tr, "sec")
		if err != nil {
			return err
		}
		m.Contacts = map[string]string{}
		return tx.PutMember(m)
	}); err != nil {
		t.Fatal(err)
	}
	before = h.snapshot()
	h.wantText(h.requestAway("dovanhung", ""), "vi", "awayreq.no_leader")
	if h.snapshot() != before {
		t.Fatal("an undeliverable request was stored")
	}
}

// /away takes "chưa biết" for the end date; the leader who confirms sets
// the review date (issue 12).
func TestFarAwayRequest_endNotKnownYet(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.say("dovanhung", "/away")
	h.say("dovanhung", "phường Dĩ An, TP. Hồ Chí Minh")
	h.tap("dovanhung", "Hôm nay")
	h.say("dovanhung", "chưa biết")
	h.tap("dovanhung", "Có, xin tạm miễn sinh hoạt")
	h.say("dovanhung", "Đi biển dài ngày")
	if got := h.last("dovanhung").Text; !strings.Contains(got, "• Từ 01/03/2026, chưa biết khi nào trở về (chi bộ định ngày xem xét lại)") {
		t.Fatalf("review: %q", got)
	}
	h.tap("dovanhung", "Gửi đề nghị")
	q := h.last("sec")
	if len(q.Choices()) != 4 || q.Choices()[1].Label != "Xác nhận, xem xét lại sau 6 tháng (31/08/2026)" {
		t.Fatalf("the secretary got %+v", q.Choices())
	}
	h.tap("sec", "Xác nhận, xem xét lại sau 6 tháng (31/08/2026)")
	m := h.member("dovanhung")
	if m.Status.Kind != storage.StatusFarAway || !m.Status.From.Equal(h.date(1, 3, 2026)) || !m.Status.To.Equal(h.date(31, 8, 2026)) {
		t.Fatalf("status %+v", m.Status)
	}
}
