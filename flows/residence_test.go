package flows

import (
	"chibo/flows/core"
	"chibo/flows/meetings"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"

	bolt "go.etcd.io/bbolt"
)

// resWorld is a residence cell (the harness cell, secretary "sec", deputy
// "dep", member "dan") and a workplace cell in another organization
// (secretary "homesec") whose members "minh" and "nga" live in the
// residence cell's area. "other" leads an unrelated cell.
type resWorld struct {
	h                 *harness
	home, unrelated   *storage.Cell
	minh, nga, dan    *storage.Member
	sec, dep, homesec *storage.Member
	otherSec          *storage.Member
}

func newResWorld(t *testing.T) *resWorld {
	h := newHarness(t)
	h.seedCell("Lê Thị Dân")
	w := &resWorld{h: h}
	err := h.db.Update(func(tx *storage.Tx) error {
		dep, err := h.addMember(tx, "dep", "Phạm Văn Phó", storage.RoleDeputy)
		if err != nil {
			return err
		}
		org := &storage.Organization{Name: "Đảng bộ Sở Tài chính", Created: h.now}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		w.home = &storage.Cell{OrgID: org.ID, Name: "Chi bộ Phòng Kế hoạch", Created: h.now}
		if err := tx.PutCell(w.home); err != nil {
			return err
		}
		w.unrelated = &storage.Cell{OrgID: org.ID, Name: "Chi bộ Văn phòng Sở", Created: h.now}
		if err := tx.PutCell(w.unrelated); err != nil {
			return err
		}
		add := func(cell *storage.Cell, user, name string, role storage.Role) (*storage.Member, error) {
			m := &storage.Member{Name: name, HomeCellID: cell.ID, Lang: "vi", Contacts: map[string]string{tr: user},
				Status: storage.Status{Kind: storage.StatusActive, SetAt: h.now}, Consent: storage.Consent{Given: true, At: h.now}, Joined: h.now}
			m.AddRole(cell.ID, storage.RoleMember)
			m.AddRole(cell.ID, role)
			return m, tx.PutMember(m)
		}
		if w.homesec, err = add(w.home, "homesec", "Vũ Thị Sở", storage.RoleSecretary); err != nil {
			return err
		}
		if w.minh, err = add(w.home, "minh", "Hoàng Văn Minh", storage.RoleMember); err != nil {
			return err
		}
		if w.nga, err = add(w.home, "nga", "Trần Thị Nga", storage.RoleMember); err != nil {
			return err
		}
		if w.otherSec, err = add(w.unrelated, "other", "Đinh Văn Khác", storage.RoleSecretary); err != nil {
			return err
		}
		w.dep = dep
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.sec, w.dan = h.member("sec"), h.member("lethidan")
	return w
}

// link stores a confirmed link straight away, for tests about what follows.
func (w *resWorld) link(m *storage.Member, status storage.ResidenceStatus) {
	w.h.t.Helper()
	err := w.h.db.Update(func(tx *storage.Tx) error {
		return tx.PutResidenceLink(&storage.ResidenceLink{MemberID: m.ID, CellID: w.h.cell.ID, Workplace: "Sở Tài chính tỉnh",
			WorkplaceOrg: "Chi bộ Phòng Kế hoạch", Introduced: w.h.now.AddDate(0, -1, 0), Status: status,
			RequestedBy: w.sec.ID, RequestedAt: w.h.now, ConfirmedBy: w.sec.ID, ConfirmedAt: w.h.now})
	})
	if err != nil {
		w.h.t.Fatal(err)
	}
}

func (w *resWorld) linkOf(m *storage.Member) *storage.ResidenceLink {
	w.h.t.Helper()
	var l *storage.ResidenceLink
	err := w.h.db.View(func(tx *storage.Tx) error {
		var err error
		l, err = tx.ResidenceLink(m.ID)
		return err
	})
	if err != nil {
		return nil
	}
	return l
}

func (w *resWorld) button(user, data string) []chat.Message {
	w.h.t.Helper()
	return w.h.event(chat.Event{Kind: chat.EventButton, User: user, Data: data})
}

func TestResidence_MemberRequestsLinkSecretaryConfirms(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	h.wantText(h.say("minh", "/residence"), "vi", "res.not_linked")
	h.tap("minh", "Giữ mối liên hệ với chi bộ nơi cư trú")

	// A cell that does not exist: a clear message, nothing stored.
	before := h.snapshot("convs")
	h.wantText(h.say("minh", "999"), "vi", "res.err_no_cell", "Query", "999")
	h.wantText(h.say("minh", "Chi bộ Không Có"), "vi", "res.err_no_cell", "Query", "Chi bộ Không Có")
	if after := h.snapshot("convs"); after != before {
		t.Fatalf("a request to a missing cell changed the records:\n%s", after)
	}
	// Its own cell is not a residence cell.
	h.wantText(h.say("minh", fmt.Sprintf("#%d", w.home.ID)), "vi", "res.err_own_cell")

	h.say("minh", "chi bo thu") // typed without diacritics
	h.wantText(h.inbox["minh"][len(h.inbox["minh"])-1:], "vi", "res.ask_workplace")
	h.say("minh", "Sở Tài chính tỉnh")
	h.say("minh", "Chi bộ Phòng Kế hoạch, Đảng bộ Sở Tài chính")
	h.wantText(h.say("minh", "15/03/2026"), "vi", "res.err_future", "Today", "01/03/2026")
	h.tap("minh", "Hôm nay")
	h.tap("minh", "Đã giới thiệu, nhận xét hằng năm")
	out := h.tap("minh", "Xác nhận")
	h.wantText(out, "vi", "res.request_sent", "Cell", "Chi bộ Thử")
	if l := w.linkOf(w.minh); l == nil || !l.Pending || l.CellID != h.cell.ID || l.Workplace != "Sở Tài chính tỉnh" {
		t.Fatalf("pending link %+v", l)
	}
	// The secretary and the deputy got the request; the member cannot report yet.
	h.wantContains(h.inbox["sec"], "Hoàng Văn Minh đề nghị giữ mối liên hệ với chi bộ nơi cư trú")
	h.wantContains(h.inbox["dep"], "Hoàng Văn Minh đề nghị giữ mối liên hệ với chi bộ nơi cư trú")
	h.wantText(w.button("minh", "rs:rep"), "vi", "res.report_not_linked")

	// Nobody but the residence cell's leaders may confirm.
	for _, user := range []string{"minh", "homesec", "lethidan", "other"} {
		out := w.button(user, fmt.Sprintf("rsq:%d:a", w.minh.ID))
		if !strings.Contains(out[0].Text, "dành cho bí thư") {
			t.Errorf("%s confirming: %q", user, out[0].Text)
		}
	}
	if l := w.linkOf(w.minh); !l.Pending {
		t.Fatal("confirmed by someone not allowed")
	}
	out = h.tap("sec", "Xác nhận")
	h.wantText(out, "vi", "res.request_confirmed", "Name", "Hoàng Văn Minh")
	h.wantContains(h.inbox["minh"], "Đồng chí Nguyễn Văn Bí Thư đã xác nhận")
	if l := w.linkOf(w.minh); l.Pending || l.ConfirmedBy != w.sec.ID {
		t.Fatalf("confirmed link %+v", l)
	}
	// The decision is in the cell's audit log.
	h.wantContains(h.say("sec", "/audit"), "Đồng chí Nguyễn Văn Bí Thư: mối liên hệ của Hoàng Văn Minh với chi bộ nơi cư trú – chờ xác nhận (Chi bộ Thử) → đã xác nhận")
	// The deputy's button is now stale: decided already.
	h.wantText(h.tap("dep", "Xác nhận"), "vi", "decision.already", "Name", "Nguyễn Văn Bí Thư", "At", "01/03/2026 09:00", "Decision", "xác nhận")

	view := h.say("minh", "/residence")
	h.wantContains(view, "Chi bộ nơi cư trú: Chi bộ Thử (Đảng bộ xã Thử)")
	h.wantContains(view, "chưa nhận xét")
	// The member cannot ask again while linked.
	h.wantContains(w.button("minh", "rs:req"), "đang giữ mối liên hệ với chi bộ nơi cư trú")
}

func TestResidence_RefusedRequestRemovesIt(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	h.say("minh", "/residence")
	h.tap("minh", "Giữ mối liên hệ với chi bộ nơi cư trú")
	h.say("minh", "Chi bộ Thử")
	h.say("minh", "Sở Tài chính tỉnh")
	h.say("minh", "Chi bộ Phòng Kế hoạch")
	h.tap("minh", "Hôm nay")
	h.tap("minh", "Miễn giới thiệu về nơi cư trú")
	h.tap("minh", "Xác nhận")
	h.tap("sec", "Từ chối")
	h.wantContains(h.inbox["minh"], "chưa xác nhận đề nghị")
	if l := w.linkOf(w.minh); l != nil {
		t.Fatalf("refused link kept: %+v", l)
	}
	h.wantText(h.say("minh", "/residence"), "vi", "res.not_linked")
}

func TestResidence_SecretaryRegistersMemberOfAnotherOrganization(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	out := h.say("sec", "/residence")
	h.wantContains(out, "Chi bộ Thử – đảng viên đang công tác giữ mối liên hệ với chi bộ nơi cư trú")
	h.tap("sec", "Đăng ký đảng viên")
	h.wantText(h.say("sec", "khong ai ten nay"), "vi", "res.err_no_member")
	h.wantText(h.say("sec", "Lê Thị Dân"), "vi", "res.err_home_member", "Name", "Lê Thị Dân")
	h.say("sec", "tran") // Trần Thị Nga only? and Nguyễn... no: a list when several match
	h.wantText(h.inbox["sec"][len(h.inbox["sec"])-1:], "vi", "res.ask_workplace")
	h.say("sec", "Sở Tài chính tỉnh")
	h.say("sec", "Chi bộ Phòng Kế hoạch")
	h.say("sec", "01/02/2026")
	h.tap("sec", "Đã giới thiệu, nhận xét hằng năm")
	h.wantText(h.tap("sec", "Xác nhận"), "vi", "res.added", "Name", "Trần Thị Nga", "Cell", "Chi bộ Thử")
	h.wantContains(h.inbox["nga"], "đã xác nhận đồng chí giữ mối liên hệ với chi bộ nơi cư trú")
	l := w.linkOf(w.nga)
	if l == nil || l.Pending || !l.Introduced.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, h.zone)) || l.Status != storage.ResidenceWithComment {
		t.Fatalf("link %+v", l)
	}

	// Several matches: the secretary picks from a list.
	h.tap("sec", "Đăng ký đảng viên")
	h.say("sec", "van")
	h.wantContains(h.inbox["sec"][len(h.inbox["sec"])-1:], "đảng viên trùng tên")
	h.tap("sec", "Hoàng Văn Minh – Chi bộ Phòng Kế hoạch")
	h.wantText(h.inbox["sec"][len(h.inbox["sec"])-1:], "vi", "res.ask_workplace")

	// A secretary of another cell cannot register into this one.
	h.wantText(w.button("homesec", fmt.Sprintf("rs:add:%d", h.cell.ID)), "vi", "err.leaders_only")
}

func TestResidence_Reports(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceWithComment)
	h.say("minh", "/residence")
	h.tap("minh", "Báo cáo hoạt động")
	h.tap("minh", "Dự họp tổ dân phố, khu dân cư")
	before := h.snapshot("convs")
	h.wantText(h.say("minh", "02/03/2026"), "vi", "res.err_future", "Today", "01/03/2026")
	if h.snapshot("convs") != before {
		t.Fatal("a future date changed the records")
	}
	h.wantText(h.tap("minh", "Hôm qua"), "vi", "res.report_saved", "Kind", "Dự họp tổ dân phố, khu dân cư", "Date", "28/02/2026")

	// The same kind on the same day again: refused, nothing added.
	before = h.snapshot("convs")
	h.tap("minh", "Báo cáo hoạt động")
	h.tap("minh", "Dự họp tổ dân phố, khu dân cư")
	h.wantText(h.say("minh", "28/2/2026"), "vi", "res.report_duplicate", "Kind", "Dự họp tổ dân phố, khu dân cư", "Date", "28/02/2026")
	if h.snapshot("convs") != before {
		t.Fatal("a duplicate report changed the records")
	}
	// Another kind the same day, and "other" with its text.
	h.tap("minh", "Báo cáo hoạt động")
	h.tap("minh", "Hoạt động khác")
	h.say("minh", "Trồng cây xanh ở tổ dân phố")
	h.tap("minh", "Hôm qua")
	view := h.say("minh", "/residence")
	h.wantContains(view, "Hoạt động đã báo cáo năm 2026: 2")
	h.wantContains(view, "• 28/02/2026: Hoạt động khác – Trồng cây xanh ở tổ dân phố")

	// Not linked: no reports.
	h.wantText(w.button("nga", "rs:rep"), "vi", "res.report_not_linked")
}

// resTicker records the residence feature's keyed messages, failing on any
// key sent twice.
type resTicker struct {
	h    *harness
	sent map[string]time.Time
	msgs map[string]chat.Message
}

func (tk *resTicker) tick() []chat.Message {
	tk.h.t.Helper()
	var out []chat.Message
	for _, m := range tk.h.due() {
		if !strings.Contains(m.Key, "residence") {
			continue
		}
		if _, dup := tk.sent[m.Key]; dup {
			tk.h.t.Fatalf("%s sent twice", m.Key)
		}
		tk.sent[m.Key], tk.msgs[m.Key] = tk.h.now, m
		out = append(out, m)
	}
	return out
}

func (tk *resTicker) run(until time.Time, step time.Duration) {
	tk.h.t.Helper()
	for ; tk.h.now.Before(until); tk.h.now = tk.h.now.Add(step) {
		tk.tick()
	}
}

func (tk *resTicker) keysSince(from time.Time) []string {
	var ks []string
	for k, at := range tk.sent {
		if !at.Before(from) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

func TestResidence_CommentRound(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceWithComment)
	w.link(w.nga, storage.ResidenceWithComment)
	tk := &resTicker{h: h, sent: map[string]time.Time{}, msgs: map[string]chat.Message{}}

	// Minh reports two activities during the year.
	h.now = time.Date(2026, 6, 10, 9, 0, 0, 0, h.zone)
	for _, kind := range []string{"Tham gia phong trào, cuộc vận động ở địa phương", "Đóng góp cho địa phương"} {
		h.say("minh", "/residence")
		h.tap("minh", "Báo cáo hoạt động")
		h.tap("minh", kind)
		h.tap("minh", "Hôm nay")
	}
	// Before 1 November: no round, nothing sent.
	h.wantText(w.button("sec", fmt.Sprintf("rs:cm:%d", h.cell.ID)), "vi", "res.round_not_open", "Date", "01/11/2026")
	h.now = time.Date(2026, 10, 31, 12, 0, 0, 0, h.zone)
	tk.run(time.Date(2026, 11, 1, 8, 0, 0, 0, h.zone), time.Hour)
	if len(tk.sent) != 0 {
		t.Fatalf("sent before the round opened: %v", tk.keysSince(time.Time{}))
	}
	// chibo was down on 1 November until 22:00: quiet hours, nothing until 06:30.
	h.now = time.Date(2026, 11, 1, 22, 0, 0, 0, h.zone)
	tk.run(time.Date(2026, 11, 2, 6, 30, 0, 0, h.zone), 30*time.Minute)
	if len(tk.sent) != 0 {
		t.Fatalf("sent in quiet hours: %v", tk.keysSince(time.Time{}))
	}
	out := tk.tick()
	key0 := fmt.Sprintf("reminder/residence-comment/2026/%d/%d/0", h.cell.ID, w.sec.ID)
	if len(out) != 1 || out[0].Key != key0 || out[0].Chat != "sec" {
		t.Fatalf("at 06:30 got %+v", out)
	}
	h.wantContains(out, "còn 2 đảng viên đang công tác chưa được nhận xét")
	h.wantContains(out, "• Hoàng Văn Minh\n• Trần Thị Nga")
	h.wantContains(out, "Hạn cuối: 15/12/2026")

	tk.run(time.Date(2026, 11, 10, 9, 0, 0, 0, h.zone), time.Hour)
	h.restart()
	tk.run(time.Date(2026, 11, 12, 9, 0, 0, 0, h.zone), time.Hour)

	// The secretary comments on Minh in a few taps from the reminder.
	h.tap("sec", "Nhận xét ngay")
	first := h.last("sec").Text
	for _, want := range []string{"Hoàng Văn Minh (1/6)", "Nơi công tác: Sở Tài chính tỉnh",
		"dự 0/0 buổi sinh hoạt chi bộ nơi cư trú được thông báo; báo cáo 2 hoạt động ở nơi cư trú (Tham gia phong trào, cuộc vận động ở địa phương: 1, Đóng góp cho địa phương: 1)",
		"Giữ mối liên hệ với chi ủy, chi bộ nơi cư trú"} {
		if !strings.Contains(first, want) {
			t.Errorf("first question lacks %q:\n%s", want, first)
		}
	}
	h.tap("sec", "Tốt (theo số liệu)") // contact, suggested by the facts
	h.tap("sec", "Tốt")                // citizen duties
	h.tap("sec", "Tốt (theo số liệu)") // activities
	h.tap("sec", "Đạt")                // example
	h.tap("sec", "Dùng số liệu đã tổng hợp")
	h.tap("sec", "Tốt") // overall
	review := h.last("sec").Text
	if !strings.Contains(review, "4. Gương mẫu của đảng viên và gia đình: Đạt") || !strings.Contains(review, "6. Đánh giá chung: Tốt") {
		t.Fatalf("review:\n%s", review)
	}
	out = h.tap("sec", "Gửi phiếu")
	h.wantText(out, "vi", "res.comment_sent", "Name", "Hoàng Văn Minh")
	h.wantText(out, "vi", "res.round_next", "Name", "Trần Thị Nga", "Left", 1)
	got := h.last("minh").Text
	for _, want := range []string{"PHIẾU NHẬN XÉT ĐẢNG VIÊN ĐANG CÔNG TÁC", "NĂM 2026", "1. Giữ mối liên hệ với chi ủy, chi bộ nơi cư trú: Tốt",
		"5. Nhận xét khác: Năm 2026 dự 0/0", "Người nhận xét: đồng chí Nguyễn Văn Bí Thư, bí thư chi bộ, ngày 12/11/2026"} {
		if !strings.Contains(got, want) {
			t.Errorf("the member's comment lacks %q:\n%s", want, got)
		}
	}
	h.say("sec", "/cancel") // Nga later

	// The next reminders list Nga only, once each, until her comment is given.
	tk.run(time.Date(2026, 12, 1, 0, 0, 0, 0, h.zone), time.Hour)
	key3 := fmt.Sprintf("reminder/residence-comment/2026/%d/%d/3", h.cell.ID, w.sec.ID)
	if m, ok := tk.msgs[key3]; !ok || strings.Contains(m.Text, "Hoàng Văn Minh") || !strings.Contains(m.Text, "còn 1 đảng viên") {
		t.Fatalf("the 22/11 reminder: %q", m.Text)
	}
	h.restart()
	tk.run(time.Date(2026, 12, 20, 0, 0, 0, 0, h.zone), time.Hour)
	var want []string
	for _, p := range []string{"0", "1", "2", "3", "4", "5", "6", "last", "late"} {
		want = append(want, fmt.Sprintf("reminder/residence-comment/2026/%d/%d/%s", h.cell.ID, w.sec.ID, p))
	}
	wantKeys(t, tk.keysSince(time.Time{}), want)
	if at := tk.sent[want[7]]; at.Before(time.Date(2026, 12, 15, 8, 0, 0, 0, h.zone)) || !at.Before(time.Date(2026, 12, 15, 9, 0, 0, 0, h.zone)) {
		t.Errorf("deadline-day reminder at %v", at)
	}
	h.wantContains([]chat.Message{tk.msgs[want[8]]}, "Đã quá hạn (15/12/2026)")

	// A late comment is still taken; then nothing more is sent.
	h.tap("sec", "Nhận xét ngay")
	for _, l := range []string{"Tốt", "Tốt", "Đạt", "Tốt", "Bỏ qua", "Tốt"} {
		h.tap("sec", l)
	}
	h.wantText(h.tap("sec", "Gửi phiếu"), "vi", "res.round_done", "Year", 2026, "Cell", "Chi bộ Thử")
	h.wantContains(h.inbox["nga"], "5. Nhận xét khác: không có")
	from := h.now
	tk.run(time.Date(2027, 1, 10, 0, 0, 0, 0, h.zone), 6*time.Hour)
	if ks := tk.keysSince(from); len(ks) != 0 {
		t.Fatalf("sent after every comment was given: %v", ks)
	}
}

func TestResidence_CommentRemindersEachCell(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceNoActivity) // the first cell owes no comment
	err := h.db.Update(func(tx *storage.Tx) error {
		return tx.PutResidenceLink(&storage.ResidenceLink{MemberID: w.nga.ID, CellID: w.unrelated.ID, Workplace: "Sở Tài chính tỉnh",
			WorkplaceOrg: "Chi bộ Phòng Kế hoạch", Introduced: h.now, Status: storage.ResidenceWithComment, RequestedAt: h.now, ConfirmedAt: h.now})
	})
	if err != nil {
		t.Fatal(err)
	}
	tk := &resTicker{h: h, sent: map[string]time.Time{}, msgs: map[string]chat.Message{}}
	h.now = time.Date(2026, 11, 1, 8, 0, 0, 0, h.zone)
	tk.tick()
	wantKeys(t, tk.keysSince(time.Time{}), []string{fmt.Sprintf("reminder/residence-comment/2026/%d/%d/0", w.unrelated.ID, w.otherSec.ID)})
}

func TestResidence_CommentAccess(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceWithComment)
	h.now = time.Date(2026, 11, 3, 9, 0, 0, 0, h.zone)
	cm := fmt.Sprintf("rs:cm:%d", h.cell.ID)

	// Only the residence cell's secretary or deputy writes it.
	for _, user := range []string{"minh", "homesec", "lethidan", "other"} {
		h.wantText(w.button(user, cm), "vi", "err.leaders_only")
	}
	// The deputy can.
	w.button("dep", cm)
	for _, l := range []string{"Tốt", "Tốt", "Tốt", "Tốt", "Bỏ qua", "Tốt"} {
		h.tap("dep", l)
	}
	h.tap("dep", "Gửi phiếu")
	h.wantContains(h.inbox["minh"], "Người nhận xét: đồng chí Phạm Văn Phó, phó bí thư chi bộ")
	h.wantContains(h.say("sec", "/audit"), "Đồng chí Phạm Văn Phó: phiếu nhận xét nơi cư trú của Hoàng Văn Minh")

	view := fmt.Sprintf("rsv:%d:2026", w.minh.ID)
	for _, user := range []string{"minh", "sec", "dep", "homesec"} {
		out := w.button(user, view)
		h.wantContains(out, "PHIẾU NHẬN XÉT")
	}
	for _, user := range []string{"lethidan", "other", "nga"} {
		h.wantText(w.button(user, view), "vi", "res.comment_not_yours")
		h.wantText(w.button(user, fmt.Sprintf("rsx:%d:2026", w.minh.ID)), "vi", "res.comment_not_yours")
	}
	// The export is a text file for the workplace organisation.
	out := w.button("homesec", fmt.Sprintf("rsx:%d:2026", w.minh.ID))
	if len(out) != 1 || out[0].Document == nil || !strings.Contains(string(out[0].Document.Data), "1. Giữ mối liên hệ với chi ủy, chi bộ nơi cư trú: Tốt") ||
		out[0].Document.Name != "phieu-nhan-xet-2026-hoang-van-minh.txt" {
		t.Fatalf("export %+v", out)
	}
	out = w.button("sec", fmt.Sprintf("rs:x:%d", h.cell.ID))
	h.wantText(out, "vi", "res.export_done", "Cell", "Chi bộ Thử", "Count", 1)

	// Nobody changes it: a second comment of the year is refused.
	before := h.snapshot("convs")
	w.button("sec", cm)
	h.wantText(h.inbox["sec"][len(h.inbox["sec"])-1:], "vi", "res.round_nothing", "Year", 2026, "Cell", "Chi bộ Thử")
	if h.snapshot("convs") != before {
		t.Fatal("asking again changed the records")
	}
	// The member sees it in /residence.
	h.wantContains(h.say("minh", "/residence"), "Phiếu nhận xét năm 2026: chi bộ nơi cư trú đã nhận xét ngày 03/11/2026.")
	// The home cell's secretary sees the member among theirs.
	h.say("homesec", "/residence")
	h.tap("homesec", "Đảng viên của chi bộ")
	h.wantContains(h.inbox["homesec"][len(h.inbox["homesec"])-1:], "Hoàng Văn Minh – Chi bộ Thử (Đảng bộ xã Thử) – đã có phiếu nhận xét năm 2026")
}

func TestResidence_CommentInTwoFormsAtOnce(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceWithComment)
	h.now = time.Date(2026, 11, 3, 9, 0, 0, 0, h.zone)
	cm := fmt.Sprintf("rs:cm:%d", h.cell.ID)
	w.button("sec", cm)
	w.button("dep", cm)
	for _, u := range []string{"sec", "dep"} {
		for _, l := range []string{"Tốt", "Tốt", "Tốt", "Tốt", "Bỏ qua", "Đạt"} {
			h.tap(u, l)
		}
	}
	h.tap("dep", "Gửi phiếu")
	out := h.tap("sec", "Gửi phiếu")
	h.wantText(out, "vi", "res.comment_already", "Name", "Hoàng Văn Minh", "Year", 2026, "By", "Phạm Văn Phó", "Date", "03/11/2026")
	n := 0
	for _, m := range h.inbox["minh"] {
		if strings.Contains(m.Text, "PHIẾU NHẬN XÉT") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the member got %d comments", n)
	}
}

func TestResidence_MeetingNoticesAndAttendance(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceWithComment)
	w.link(w.nga, storage.ResidenceNoActivity) // exempt from residence activity: no notices
	tk := &resTicker{h: h, sent: map[string]time.Time{}, msgs: map[string]chat.Message{}}
	tk.tick() // the meetings feature makes the 03/03 regular meeting
	var mt *storage.Meeting
	err := h.db.View(func(tx *storage.Tx) error {
		var err error
		mt, err = tx.RegularMeeting(h.cell.ID, "2026-03")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing before the cell's own notice goes out.
	if len(tk.sent) != 0 {
		t.Fatalf("sent before the notice: %v", tk.keysSince(time.Time{}))
	}
	w.button("sec", fmt.Sprintf("mt:%d:n", mt.ID))
	out := tk.tick()
	if len(out) != 1 || out[0].Chat != "minh" {
		t.Fatalf("notices %+v", out)
	}
	h.wantContains(out, "Chi bộ nơi cư trú của đồng chí thông báo:\nChi bộ Thử thông báo lịch sinh hoạt chi bộ thường kỳ")
	h.wantText(h.tap("minh", "Tôi sẽ dự họp"), "vi", "res.rsvp_yes", "When", "19:30 ngày 03/03/2026", "Cell", "Chi bộ Thử")

	// The meeting moves: a change notice, the answer asked again.
	err = h.db.Update(func(tx *storage.Tx) error {
		m, err := tx.Meeting(mt.ID)
		if err != nil {
			return err
		}
		m.At = m.At.Add(24 * time.Hour)
		return tx.PutMeeting(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	out = tk.tick()
	h.wantContains(out, "Chi bộ nơi cư trú đổi lịch họp (trước đây: 19:30 ngày 03/03/2026)")
	h.tap("minh", "Tôi sẽ dự họp")

	// The meeting's roll stays the home members' record.
	err = h.db.View(func(tx *storage.Tx) error {
		m, err := tx.Meeting(mt.ID)
		if err != nil {
			return err
		}
		if _, ok := m.Roll[w.minh.ID]; ok {
			t.Errorf("the linked member is on the cell's roll: %+v", m.Roll[w.minh.ID])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// After the meeting the secretary marks the linked members.
	tk.run(time.Date(2026, 3, 4, 21, 0, 0, 0, h.zone), 30*time.Minute)
	rollKey := fmt.Sprintf("reminder/residence-roll/%d/%d", mt.ID, w.sec.ID)
	roll, ok := tk.msgs[rollKey]
	if at := tk.sent[rollKey]; !ok || !at.Equal(time.Date(2026, 3, 4, 19, 30, 0, 0, h.zone)) {
		t.Fatalf("roll reminder %q at %v", roll.Text, at)
	}
	h.wantContains([]chat.Message{roll}, "• Hoàng Văn Minh: báo sẽ dự")
	h.wantText(w.button("minh", fmt.Sprintf("rsm:%d:%d:p", mt.ID, w.minh.ID)), "vi", "err.leaders_only")
	h.wantText(h.tap("sec", "Có mặt: Hoàng Văn Minh"), "vi", "res.marked", "Name", "Hoàng Văn Minh", "State", "có mặt")

	// The comment's facts count it.
	h.now = time.Date(2026, 11, 2, 9, 0, 0, 0, h.zone)
	w.button("sec", fmt.Sprintf("rs:cm:%d", h.cell.ID))
	h.wantContains(h.inbox["sec"][len(h.inbox["sec"])-1:], "dự 1/1 buổi sinh hoạt chi bộ nơi cư trú được thông báo")
}

func TestResidence_CancelledMeetingTold(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceWithComment)
	tk := &resTicker{h: h, sent: map[string]time.Time{}, msgs: map[string]chat.Message{}}
	tk.tick()
	var id uint64
	err := h.db.Update(func(tx *storage.Tx) error {
		mt, err := tx.RegularMeeting(h.cell.ID, "2026-03")
		if err != nil {
			return err
		}
		id = mt.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.button("sec", fmt.Sprintf("mt:%d:n", id))
	tk.tick()
	err = h.db.Update(func(tx *storage.Tx) error {
		mt, err := tx.Meeting(id)
		if err != nil {
			return err
		}
		mt.State = storage.MeetingCancelled
		return tx.PutMeeting(mt)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := tk.tick()
	h.wantContains(out, "Chi bộ Thử (chi bộ nơi cư trú) đã hủy cuộc họp")
	if out := tk.tick(); len(out) != 0 {
		t.Fatalf("told twice: %+v", out)
	}
	h.wantText(h.tap("minh", "Tôi sẽ dự họp"), "vi", "res.rsvp_closed")
}

func TestResidence_CheckinByCodeHook(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceWithComment)
	h.due()
	err := h.db.Update(func(tx *storage.Tx) error {
		mt, err := tx.RegularMeeting(h.cell.ID, "2026-03")
		if err != nil {
			return err
		}
		for _, tc := range []struct {
			m    *storage.Member
			want bool
		}{{w.minh, true}, {w.nga, false}, {w.dan, false}} {
			c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Me: tc.m, Lang: "vi", Ev: chat.Event{Transport: tr, Chat: tc.m.Contacts[tr]}}
			ok, err := meetings.ResidenceCheckin(c, mt)
			if err != nil {
				return err
			}
			if ok != tc.want {
				t.Errorf("%s: handled %v, want %v", tc.m.Name, ok, tc.want)
			}
		}
		a, err := tx.ResidenceAttendance(mt.ID, w.minh.ID)
		if err != nil {
			return err
		}
		if a.Mark != storage.MarkPresent || a.MarkVia != "code" {
			t.Errorf("record %+v", a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestResidence_MemberSeesResidenceMeetings: a linked member's /meeting and
// /attendance show the residence cell's meetings, apart from the home cell's
// (they said "no meeting" though the notices had come).
func TestResidence_MemberSeesResidenceMeetings(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceWithComment)
	tk := &resTicker{h: h, sent: map[string]time.Time{}, msgs: map[string]chat.Message{}}
	tk.tick()
	var mt *storage.Meeting
	err := h.db.View(func(tx *storage.Tx) error {
		var err error
		mt, err = tx.RegularMeeting(h.cell.ID, "2026-03")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	w.button("sec", fmt.Sprintf("mt:%d:n", mt.ID))
	tk.tick()
	h.tap("minh", "Tôi sẽ dự họp")

	out := h.say("minh", "/meeting")
	h.wantText(out[len(out)-1:], "vi", "res.meeting_view", "Cell", "Chi bộ Thử",
		"Notice", h.vi("mt.notice", "Cell", "Chi bộ Thử", "Kind", "sinh hoạt chi bộ thường kỳ", "Topic", h.vi("mt.no_topic"),
			"When", "19:30 ngày 03/03/2026", "Place", h.vi("mt.no_place")),
		"State", h.vi("res.state_will_attend"))
	h.wantContains(out[:1], "Chi bộ Phòng Kế hoạch thông báo") // the home cell's own meeting, first and apart
	if len(out[len(out)-1].Buttons) == 0 {
		t.Fatal("no buttons to change the answer")
	}

	h.now = time.Date(2026, 3, 3, 21, 0, 0, 0, h.zone)
	w.button("sec", fmt.Sprintf("rsm:%d:%d:p", mt.ID, w.minh.ID))
	out = h.say("minh", "/attendance")
	h.wantContains(out, h.vi("res.att_header", "Cell", "Chi bộ Thử", "Year", 2026)+"\n"+
		h.vi("res.att_line", "Date", "03/03/2026", "Kind", h.vi("mt.kind_regular"), "State", h.vi("res.state_present"))+"\n"+
		h.vi("res.att_total", "Present", 1, "Held", 1))
}

// TestResidence_LinkSearchReadsOnlyTheIndex: typing a name to register a
// member asks the index of names, never every member of chibo (issue 15:
// ~2 s at province size). A member's record that no index lists and that
// cannot be read stands for the province's other 100,000: the old search
// read it and failed.
func TestResidence_LinkSearchReadsOnlyTheIndex(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	h.db.Close()
	raw, err := bolt.Open(h.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("members")).Put([]byte{0, 0, 0, 0, 0, 0x0f, 0x42, 0x3f}, []byte("{not a member"))
	}); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	h.open()
	h.say("sec", "/residence")
	h.tap("sec", "Đăng ký đảng viên")
	// Unaccented, in capitals, from the middle name on: found in the other
	// organization.
	h.wantText(h.say("sec", "VAN MINH"), "vi", "res.ask_workplace")
	h.say("sec", "hủy")
	h.tap("sec", "Đăng ký đảng viên")
	// Inside a word is not how anyone types a name.
	h.wantText(h.say("sec", "inh"), "vi", "res.err_no_member")
}
