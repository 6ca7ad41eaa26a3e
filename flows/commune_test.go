package flows

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/storage"
)

// seedCommune adds to the seeded cell (h.cell, "Chi bộ Thử") a second cell
// of the same organization, "Chi bộ Hai", with its secretary ("sec2"), a
// member, the committee member Tâm ("tam"), the Party Committee's secretary
// ("bithu") and the organization's office admin ("office"), who all live in
// it. It returns the second cell.
func (h *harness) seedCommune() *storage.Cell {
	h.t.Helper()
	two := &storage.Cell{OrgID: h.cell.OrgID, Name: "Chi bộ Hai", Created: h.now}
	err := h.db.Update(func(tx *storage.Tx) error {
		if err := tx.PutCell(two); err != nil {
			return err
		}
		for _, p := range []struct {
			user, name string
			role       storage.Role
			admin      bool
		}{{"sec2", "Lê Văn Hai", storage.RoleSecretary, false}, {"nam", "Đỗ Văn Nam", storage.RoleMember, false},
			{"tam", "Nguyễn Văn Tâm", storage.RoleMember, false}, {"bithu", "Hoàng Thị Thu", storage.RoleMember, false},
			{"office", "Văn Phòng Đảng Ủy", storage.RoleMember, true}} {
			m := &storage.Member{Name: p.name, HomeCellID: two.ID, Lang: "vi", Contacts: map[string]string{tr: p.user},
				Status: storage.Status{Kind: storage.StatusActive, SetAt: h.now}, Consent: storage.Consent{Given: true, At: h.now}, Joined: h.now}
			m.AddRole(two.ID, storage.RoleMember)
			m.AddRole(two.ID, p.role)
			if p.admin {
				m.AdminOf = []uint64{h.cell.OrgID}
			}
			if err := tx.PutMember(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return two
}

// communeRoles are the organization's stored commune roles.
func (h *harness) communeRoles() []storage.CommuneRole {
	h.t.Helper()
	var rs []storage.CommuneRole
	if err := h.db.View(func(tx *storage.Tx) (err error) { rs, err = tx.CommuneRoles(h.cell.OrgID); return err }); err != nil {
		h.t.Fatal(err)
	}
	return rs
}

// auditCount counts the audit entries of an action.
func (h *harness) auditCount(action string) int {
	h.t.Helper()
	var es []storage.AuditEntry
	if err := h.db.View(func(tx *storage.Tx) (err error) {
		es, err = tx.AuditLog(1000, func(e *storage.AuditEntry) bool { return e.Action == action })
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return len(es)
}

// The office assigns a committee member to follow a cell; bad assignments
// are refused with a clear answer and change nothing; the member then gets
// the cell's notice as a guest, checks in, and is not counted in the cell's
// rate; withdrawing the assignment keeps what was true before.
func TestCommune_assignFollowAndGuest(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Thị Bình", "Phạm Văn Cường")
	h.seedCommune()
	cell := fmt.Sprint(h.cell.ID)

	before := h.snapshot()
	out := h.say("office", "/capuy Tâm phutrach "+cell)
	h.wantText(out, "vi", "commune.err_not_committee", "Name", "Nguyễn Văn Tâm")
	out = h.say("office", "/capuy Không Có Ai uyvien")
	h.wantText(out, "vi", "commune.err_no_member", "Who", "Không Có Ai")
	out = h.say("office", "/capuy Tâm phutrach")
	h.wantText(out, "vi", "commune.capuy_usage")
	out = h.say("office", "/capuy Văn uyvien") // Lê Văn Hai, Đỗ Văn Nam, Nguyễn Văn Tâm, …
	h.wantContains(out, "Nguyễn Văn Tâm (số")
	out = h.say("sec", "/capuy Tâm uyvien")
	h.wantText(out, "vi", "err.admins_only")
	if h.snapshot() != before {
		t.Fatal("refused assignments changed what is stored")
	}

	out = h.say("office", "/capuy Tâm uyvien")
	h.wantText(out, "vi", "commune.title_done", "Name", "Nguyễn Văn Tâm", "Title", h.vi("commune.title_member"), "Date", "01/03/2026")
	out = h.say("office", "/capuy Tâm phutrach 99")
	h.wantText(out, "vi", "commune.err_cell", "ID", 99, "Org", "Đảng bộ xã Thử")
	out = h.say("office", "/capuy nguyen van tam phutrach "+cell)
	h.wantText(out, "vi", "commune.follow_done", "Name", "Nguyễn Văn Tâm", "Cell", "Chi bộ Thử", "Date", "01/03/2026")
	out = h.say("office", "/capuy Tâm phutrach "+cell)
	h.wantText(out, "vi", "commune.err_already_following", "Name", "Nguyễn Văn Tâm", "Cell", "Chi bộ Thử")
	out = h.say("office", fmt.Sprintf("/capuy #%d phutrach %s", h.member("tam").ID, cell)) // by number
	h.wantText(out, "vi", "commune.err_already_following", "Name", "Nguyễn Văn Tâm", "Cell", "Chi bộ Thử")
	out = h.say("office", "/capuy Tam phutrach "+cell) // a word of the name, without its accents
	h.wantText(out, "vi", "commune.err_already_following", "Name", "Nguyễn Văn Tâm", "Cell", "Chi bộ Thử")
	out = h.say("office", "/capuy")
	h.wantContains(out, "phụ trách: Chi bộ Thử ("+cell+")")
	h.wantContains(out, "Chi bộ Hai") // followed by no one
	if h.auditCount("commune_role") != 2 {
		t.Fatalf("assignments audited %d times, want 2", h.auditCount("commune_role"))
	}

	// The notice reaches the guest, who is not counted among the members.
	h.openMeeting("03/03")
	out = h.tap("sec", h.vi("mt.btn_notify"))
	h.wantContains(to(out, "sec"), h.e.Cat.N("vi", "mt.notice_sent", 4, "Unreachable", 0))
	h.wantContains(to(out, "tam"), "Đồng chí được phân công phụ trách Chi bộ Thử")
	if len(to(out, "nam")) != 0 || len(to(out, "sec2")) != 0 {
		t.Fatalf("members of another cell got the notice:\n%s", texts(out))
	}
	// Sending again reaches nobody twice, the guest included.
	out = h.tap("sec", h.vi("mt.btn_notify"))
	h.wantText(out, "vi", "mt.notice_nobody_new")

	// The guest checks in with the code; the roll is all present; closed,
	// the rate counts the cell's four members only.
	h.now = h.ts(2026, 3, 3, 19, 15)
	out = h.tap("sec", h.vi("mt.btn_checkin"))
	var code string
	for _, m := range out {
		if s := checkinLink.FindStringSubmatch(m.Text); s != nil {
			code = s[1]
		}
	}
	out = h.say("tam", "/code "+code)
	h.wantText(out, "vi", "commune.guest_checked_in", "Cell", "Chi bộ Thử", "When", "19:30 ngày 03/03/2026")
	out = h.say("nam", "/code "+code)
	h.wantText(out, "vi", "mt.code_other_cell")
	mid := h.meetings()[0].ID
	h.press("sec", fmt.Sprintf("rl:%d:%d:u", mid, h.member("phamvancuong").ID))
	h.press("sec", fmt.Sprintf("rla:%d:p", mid))
	h.now = h.ts(2026, 3, 3, 21, 30)
	h.press("sec", fmt.Sprintf("mt:%d:cl", mid))
	out = h.tap("sec", h.vi("close.btn_ok"))
	h.wantContains(out, h.vi("mt.sum_counts", "Total", 4, "Exempt", 0, "Expected", 4))
	h.wantContains(out, h.vi("mt.sum_rate", "Rate", "75,0", "Verdict", h.vi("mt.fails")))
	h.wantContains(out, h.e.Cat.N("vi", "commune.summary_guests", 1, "Names", "Nguyễn Văn Tâm"))
	if mt := h.meeting(mid); mt.Tally.Present != 3 || mt.Roll[h.member("tam").ID] != nil {
		t.Fatalf("the guest is on the roll or counted: %+v", mt.Tally)
	}

	// Withdrawn the next day: the assignment held on the 3rd, not on the 4th.
	h.now = h.ts(2026, 3, 4, 9, 0)
	out = h.say("office", "/capuy Tâm bo "+cell)
	h.wantText(out, "vi", "commune.unfollow_done", "Name", "Nguyễn Văn Tâm", "Cell", "Chi bộ Thử")
	var follow storage.CommuneRole
	for _, r := range h.communeRoles() {
		if r.Kind == storage.CommuneFollow {
			follow = r
		}
	}
	if !follow.On(h.ts(2026, 3, 3, 19, 30)) || follow.On(h.ts(2026, 3, 4, 9, 0)) {
		t.Fatalf("the ended assignment says the wrong days: %+v", follow)
	}
	out = h.say("tam", "/phutrach")
	h.wantText(out, "vi", "commune.not_following")
}

// giveRoles makes Thu the Party Committee's secretary and Tâm a committee
// member following the seeded cell.
func (h *harness) giveRoles() {
	h.t.Helper()
	h.say("office", "/capuy Hoàng Thị Thu bithu")
	h.say("office", "/capuy Tâm uyvien")
	h.say("office", fmt.Sprintf("/capuy Tâm phutrach %d", h.cell.ID))
	if n := len(h.communeRoles()); n != 3 {
		h.t.Fatalf("%d commune roles, want 3", n)
	}
}

// The overview shows the cell's own figures: the rate the summary gave,
// the band of the score the cell gave, the members flagged (count on the
// screen, names on a tap, audited), a cell without a follower; the standing
// committee's view of the score is kept beside it and the secretary told.
func TestCommune_overviewSameFiguresAsTheCell(t *testing.T) {
	h := newHarness(t)
	h.now = h.ts(2025, 12, 1, 9, 0) // on the list before the year's meetings
	h.seedCell("Trần Văn An", "Lê Thị Bình", "Phạm Văn Cường")
	h.seedCommune()
	h.giveRoles()
	for _, mo := range []time.Month{1, 2, 3} {
		h.heldMeeting(h.ts(2026, mo, 5, 19, 30), storage.MeetingRegular, map[string]string{"phamvancuong": "u"})
	}
	mid := h.meetings()[2].ID
	summary := h.inbox["sec"][len(h.inbox["sec"])-1].Text
	if !strings.Contains(summary, h.vi("mt.sum_rate", "Rate", "75,0", "Verdict", h.vi("mt.fails"))) {
		t.Fatalf("the cell's summary: %s", summary)
	}
	err := h.db.Update(func(tx *storage.Tx) error {
		mt, err := tx.Meeting(mid)
		if err != nil {
			return err
		}
		mt.Score = &storage.QualityScore{Points: map[string]int{"a": 72}, By: h.member("sec").ID, At: h.now}
		return tx.PutMeeting(mt)
	})
	if err != nil {
		t.Fatal(err)
	}

	out := h.say("bithu", "/tongquan")
	screen := out[0].Text
	for _, want := range []string{
		h.vi("commune.ov_header", "Org", "Đảng bộ xã Thử", "Month", "03/2026"),
		h.vi("commune.ov_held", "Date", "05/03 19:30", "Rate", h.vi("commune.rate", "Rate", "75,0%", "Mark", h.vi("commune.mark_below")),
			"Band", h.vi("commune.band", "Score", 72, "Band", h.vi("mt.grade_fair"))),
		h.vi("commune.ov_year", "Year", 2026, "Held", 3, "Months", 3, "Rate", "75,0%", "RateOK", 0, "Closed", 3, "Good", 0),
		h.vi("commune.ov_art8", "N", 1),
		h.vi("commune.ov_none"),        // Chi bộ Hai has no meeting
		h.vi("commune.ov_no_follower"), // nor a follower
		h.vi("commune.ov_total", "Held", 1, "Count", 2),
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("overview lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "Phạm Văn Cường") {
		t.Fatalf("the overview names a member:\n%s", screen)
	}

	// The cell's page; the names on a tap, audited.
	out = h.tap("bithu", h.vi("commune.btn_cell", "N", 1, "Cell", "Chi bộ Thử"))
	h.wantContains(out, h.vi("commune.page_followers", "Names", "Nguyễn Văn Tâm"))
	h.wantContains(out, h.vi("commune.review_score", "When", "05/03/2026", "Total", 72, "Band", h.vi("mt.grade_fair"), "Name", "Nguyễn Văn Bí Thư", "Date", "05/03/2026"))
	out = h.tap("bithu", h.vi("commune.btn_names"))
	h.wantContains(out, "• Phạm Văn Cường")
	if h.auditCount("commune_view") != 1 {
		t.Fatalf("the view of names audited %d times, want 1", h.auditCount("commune_view"))
	}

	// The standing committee confirms the cell's score: kept beside it.
	out = h.tap("bithu", h.vi("commune.btn_confirm"))
	h.wantText(to(out, "bithu"), "vi", "commune.review_done_confirmed", "Cell", "Chi bộ Thử", "Total", 72)
	h.wantText(to(out, "sec"), "vi", "commune.review_to_leader_confirmed", "Name", "Hoàng Thị Thu", "Total", 72, "Cell", "Chi bộ Thử", "Date", "05/03/2026")
	// The follower comments.
	h.say("tam", "/phutrach")
	h.tap("tam", h.vi("commune.btn_cell", "N", 1, "Cell", "Chi bộ Thử"))
	h.tap("tam", h.vi("commune.btn_comment"))
	h.say("tam", "Cần ghi rõ nội dung thảo luận trong biên bản.")
	mt := h.meeting(mid)
	if mt.Score.Total() != 72 || len(mt.Reviews) != 2 || !mt.Reviews[0].Confirmed || mt.Reviews[1].Comment != "Cần ghi rõ nội dung thảo luận trong biên bản." {
		t.Fatalf("reviews not kept beside the cell's score: %+v %+v", mt.Score, mt.Reviews)
	}
	if h.auditCount("score_review") != 2 {
		t.Fatal("reviews not audited")
	}

	// The workbook has the same figures.
	h.say("bithu", "/tongquan")
	out = h.tap("bithu", h.vi("commune.btn_workbook"))
	if len(out) != 1 || out[0].Document == nil || len(out[0].Document.Data) == 0 {
		t.Fatalf("no workbook: %s", texts(out))
	}
	out = h.tap("bithu", h.vi("commune.btn_chart"))
	if len(out) != 1 || out[0].Document == nil || out[0].Document.Draw == nil {
		t.Fatalf("no chart: %s", texts(out))
	}
	err = h.db.View(func(tx *storage.Tx) error { return h.e.Draw(tx, out[0].Document) })
	if err != nil || len(out[0].Document.Data) == 0 {
		t.Fatalf("chart not drawn: %v", err)
	}
}

// An assigned committee member sees only their cells; the standing
// committee sees the commune; a cell's secretary sees no other cell, even
// with forged buttons; the office sees the commune but does not review.
func TestCommune_authorization(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An")
	two := h.seedCommune()
	h.giveRoles()
	mid := h.heldMeeting(h.ts(2026, 3, 5, 19, 30), storage.MeetingRegular, nil)
	err := h.db.Update(func(tx *storage.Tx) error {
		mt, err := tx.Meeting(mid)
		if err != nil {
			return err
		}
		mt.Score = &storage.QualityScore{Points: map[string]int{"a": 95}, By: h.member("sec").ID, At: h.now}
		return tx.PutMeeting(mt)
	})
	if err != nil {
		t.Fatal(err)
	}
	one := fmt.Sprintf("%d:2026-03", h.cell.ID)
	other := fmt.Sprintf("%d:2026-03", two.ID)

	before := h.snapshot()
	for _, c := range []struct{ user, data, want string }{
		{"sec2", "c.cell:" + one, "commune.not_allowed"},
		{"sec2", "c.names:" + one, "commune.not_allowed"},
		{"sec2", fmt.Sprintf("c.summary:%d", mid), "commune.not_allowed"},
		{"sec2", fmt.Sprintf("c.review:%d:y", mid), "commune.review_not_allowed"},
		{"sec2", fmt.Sprintf("c.files:%d:2026-03:x", h.cell.OrgID), "commune.not_standing"},
		{"tam", "c.cell:" + other, "commune.not_allowed"},
		{"tam", fmt.Sprintf("c.files:%d:2026-03:x", h.cell.OrgID), "commune.not_standing"},
		{"office", fmt.Sprintf("c.review:%d:y", mid), "commune.review_not_allowed"},
	} {
		out := h.press(c.user, c.data)
		h.wantText(out, "vi", c.want)
	}
	h.wantText(h.say("sec", "/tongquan"), "vi", "commune.roles_only")
	h.wantText(h.say("sec", "/phutrach"), "vi", "commune.roles_only")
	if strings.Contains(h.say("sec", "/help")[0].Text, "/tongquan") {
		t.Fatal("a cell's secretary is offered /tongquan")
	}
	if !strings.Contains(h.say("tam", "/help")[0].Text, "/phutrach") {
		t.Fatal("the committee member is not offered /phutrach")
	}
	h.wantText(h.say("tam", "/tongquan"), "vi", "commune.not_standing_follow")
	h.wantText(h.say("bithu", "/tongquan 13/2026"), "vi", "commune.bad_month", "Example", "03/2026")
	if h.snapshot() != before {
		t.Fatal("refused views changed what is stored")
	}

	// The follower's screen has their cell only.
	out := h.say("tam", "/phutrach")
	if !strings.Contains(out[0].Text, "Chi bộ Thử") || strings.Contains(out[0].Text, "Chi bộ Hai") {
		t.Fatalf("the follower's screen:\n%s", out[0].Text)
	}
	// The office and the standing committee see both cells.
	for _, u := range []string{"office", "bithu"} {
		out = h.say(u, "/tongquan")
		if !strings.Contains(out[0].Text, "Chi bộ Thử") || !strings.Contains(out[0].Text, "Chi bộ Hai") {
			t.Fatalf("%s's overview:\n%s", u, out[0].Text)
		}
	}
	// Viewing a summary is audited.
	out = h.press("tam", fmt.Sprintf("c.summary:%d", mid))
	h.wantContains(out, h.vi("commune.summary_header", "Cell", "Chi bộ Thử"))
	if h.auditCount("commune_view") != 1 {
		t.Fatal("the view of a summary is not audited")
	}
	// A bad comment is re-asked, nothing stored.
	h.press("tam", fmt.Sprintf("c.review:%d:c", mid))
	out = h.say("tam", strings.Repeat("a", 501))
	h.wantContains(out, h.vi("err.too_long", "Max", 500))
	if len(h.meeting(mid).Reviews) != 0 {
		t.Fatal("a refused comment was stored")
	}
}

// The briefing: scheduled by the standing committee, noticed a week before
// to every secretary with a prefilled report, moved after a report was sent
// (secretaries told, the report kept), reminded the day before to those
// without a report while the committee gets the compiled reports, and
// concluded per cell afterwards.
func TestCommune_briefing(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An")
	h.seedCommune()
	h.giveRoles()
	h.wantText(h.say("bithu", "/giaoban"), "vi", "commune.gb_no_schedule", "Org", "Đảng bộ xã Thử")
	before := h.snapshot()
	h.wantText(h.say("bithu", "/giaoban lich 0 8"), "vi", "commune.gb_bad_spec")
	h.wantText(h.say("bithu", "/giaoban lich 0 8 32 * *"), "vi", "commune.gb_bad_spec")
	h.wantText(h.say("sec", "/giaoban lich 0 8 25 * *"), "vi", "commune.roles_only")
	if h.snapshot() != before {
		t.Fatal("refused schedules changed what is stored")
	}
	out := h.say("bithu", "/giaoban lich 0 8 25 * * Hội trường Đảng ủy")
	h.wantContains(out, "Buổi tới: 08:00 ngày 25/03/2026 tại Hội trường Đảng ủy")

	// Too early for the notice; a week before, every secretary gets it once.
	if out := briefingOnly(h.due()); len(out) != 0 {
		t.Fatalf("notice three weeks early:\n%s", texts(out))
	}
	h.now = h.ts(2026, 3, 18, 9, 0)
	out = briefingOnly(h.due())
	h.wantContains(to(out, "sec"), "mời đồng chí dự giao ban với bí thư các chi bộ lúc 08:00 ngày 25/03/2026")
	h.wantContains(to(out, "sec2"), "Chi bộ Hai")
	if out := briefingOnly(h.due()); len(out) != 0 {
		t.Fatalf("the notice went twice:\n%s", texts(out))
	}
	h.tap("sec2", h.vi("mt.btn_yes"))
	out = h.tap("sec", h.vi("commune.btn_report"))
	h.wantContains(out, "Đảng phí tháng 03/2026")
	h.say("sec", "Tổ chức ra quân vệ sinh môi trường.")
	out = h.say("sec", "Đường liên ấp xuống cấp.")
	h.wantText(out, "vi", "commune.gb_report_saved", "When", "08:00 ngày 25/03/2026")

	// Moved: both secretaries told, the report kept.
	h.wantText(h.say("bithu", "/giaoban doi 17/03/2026 08:00"), "vi", "commune.gb_bad_move", "Example", "25/03/2026 08:00")
	out = h.say("bithu", "/giaoban doi 26/03/2026 08:00")
	h.wantText(to(out, "bithu"), "vi", "commune.gb_move_done", "When", "08:00 ngày 26/03/2026", "Told", 2)
	h.wantContains(to(out, "sec"), h.vi("commune.gb_report_kept"))
	h.wantContains(to(out, "sec2"), h.vi("commune.gb_report_none"))

	// The day before: the reminder to the cell without a report, the
	// compiled reports to the standing committee; nothing at night (the
	// eve began at 08:00 of the 25th, the scheduler first looks at 22:00),
	// then once the quiet hours end, once.
	h.now = h.ts(2026, 3, 25, 22, 0)
	if out := briefingOnly(h.due()); len(out) != 0 {
		t.Fatalf("sent in the quiet hours:\n%s", texts(out))
	}
	h.now = h.ts(2026, 3, 26, 6, 45)
	out = briefingOnly(h.due())
	if len(to(out, "sec")) != 0 || len(to(out, "sec2")) != 1 {
		t.Fatalf("the eve's reminders:\n%s", texts(out))
	}
	if again := briefingOnly(h.due()); len(again) != 0 {
		t.Fatalf("the eve's reminders went twice:\n%s", texts(again))
	}
	h.wantContains(to(out, "bithu"), "Việc đã làm: Tổ chức ra quân vệ sinh môi trường.")
	h.wantContains(to(out, "bithu"), "Chi bộ Hai: chưa gửi báo cáo.")

	// After it, the conclusion for a cell goes to its secretary.
	h.now = h.ts(2026, 3, 26, 11, 0)
	h.say("bithu", "/giaoban")
	h.tap("bithu", h.vi("commune.btn_conclude", "Cell", "Chi bộ Thử"))
	out = h.say("bithu", "Phối hợp với ban ấp sửa đường trước 30/4.")
	h.wantContains(to(out, "sec"), "Phối hợp với ban ấp sửa đường trước 30/4.")
	h.wantText(to(out, "bithu"), "vi", "commune.gb_conclusion_done", "Cell", "Chi bộ Thử", "Sent", 1)
	h.wantText(h.press("sec", fmt.Sprintf("c.gbconc:%d:1:%d", h.cell.OrgID, h.cell.ID)), "vi", "commune.gb_standing_only")

	out = h.press("bithu", fmt.Sprintf("c.files:%d:2026-03:b", h.cell.OrgID))
	if len(out) != 1 || out[0].Document == nil || !strings.HasPrefix(out[0].Document.Name, "giao-ban-") {
		t.Fatalf("no briefing workbook: %s", texts(out))
	}
	if h.auditCount("briefing") != 4 { // schedule, report, move, conclusion
		t.Fatalf("briefing changes audited %d times, want 4", h.auditCount("briefing"))
	}
}

// briefingOnly keeps the messages about the briefing (giao ban) among what
// the scheduler sent: the cells' meeting reminders go too.
func briefingOnly(msgs []chat.Message) []chat.Message {
	var out []chat.Message
	for _, m := range msgs {
		if strings.Contains(m.Text, "giao ban") || strings.Contains(m.Text, "GIAO BAN") {
			out = append(out, m)
		}
	}
	return out
}

// The overview counts each cell's tasks overdue as they stood at the end of
// the month shown: open after their last day, or done only later.
func TestCommune_overviewTasksOverdue(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Thị Bình")
	h.seedCommune()
	h.giveRoles()
	day := func(mo time.Month, d int) time.Time { return time.Date(2026, mo, d, 0, 0, 0, 0, h.zone) }
	err := h.db.Update(func(tx *storage.Tx) error {
		for _, task := range []storage.Task{
			{What: "quá hạn, còn mở", Due: day(2, 10), State: storage.TaskOpen},
			{What: "quá hạn, xong tháng 4", Due: day(2, 20), State: storage.TaskDone, DoneAt: day(4, 2)},
			{What: "xong đúng hạn", Due: day(2, 25), State: storage.TaskDone, DoneAt: day(2, 24)},
			{What: "chưa tới hạn", Due: day(4, 30), State: storage.TaskOpen},
		} {
			task.CellID, task.Created = h.cell.ID, day(1, 5)
			if err := tx.PutTask(&task); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.now = h.ts(2026, 4, 10, 9, 0)
	h.wantContains(h.say("bithu", "/tongquan 03/2026"), h.vi("commune.ov_tasks_overdue", "N", 2))
	h.wantContains(h.say("bithu", "/tongquan"), h.vi("commune.ov_tasks_overdue", "N", 1))
}

// Through the due-work index, tick by tick with a restart on the way: each
// secretary gets the notice once a week before, the eve's reminder once,
// the standing committee the compiled reports once, never in the quiet
// hours; an organization's briefing is worked out per cell.
func TestCommune_briefingRemindersOncePerTick(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Thị Bình")
	h.seedCommune()
	h.giveRoles()
	h.say("bithu", "/giaoban lich 0 6 25 * * Hội trường Đảng ủy") // the eve begins at 06:00, in the quiet hours
	var got []string
	for end := h.ts(2026, 3, 26, 12, 0); !h.now.After(end); h.advance(30 * time.Minute) {
		for _, m := range h.due() {
			if strings.HasPrefix(m.Key, "reminder/briefing") {
				got = append(got, m.Key+"@"+h.now.In(h.zone).Format("02/01 15:04"))
			}
		}
		if h.now.Equal(h.ts(2026, 3, 20, 12, 0)) {
			h.restart() // a restart mid-way sends nothing twice
		}
	}
	secs := []uint64{h.member("sec").ID, h.member("sec2").ID}
	var want []string
	for _, id := range secs {
		want = append(want, fmt.Sprintf("reminder/briefing/1/%d@18/03 06:30", id))
	}
	for _, id := range secs {
		want = append(want, fmt.Sprintf("reminder/briefing-eve/1/%d@24/03 06:30", id))
	}
	want = append(want, fmt.Sprintf("reminder/briefing-pack/1/%d@24/03 06:30", h.member("bithu").ID))
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("briefing reminders:\n got %v\nwant %v", got, want)
	}
}

// Roles end by date: from the day after a committee member's last day the
// commune's commands are refused and their menu is a member's, though the
// role stays on record; a role given today counts from today.
func TestCommune_endedRoleLeavesTheMenu(t *testing.T) {
	h := newHarness(t)
	h.now = h.ts(2026, 3, 3, 9, 0)
	h.seedCell("Trần Văn An")
	h.seedCommune()
	h.giveRoles()
	level := func(user string) core.MenuLevel {
		t.Helper()
		var l core.MenuLevel
		if err := h.db.View(func(tx *storage.Tx) error {
			l = core.MenuLevelOf(tx, h.member(user), h.now)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return l
	}
	if level("tam")&core.MenuCommune == 0 {
		t.Fatal("the committee member's menu has no commune commands")
	}
	if strings.Contains(h.say("tam", "/phutrach")[0].Text, h.vi("commune.roles_only")) {
		t.Fatal("the committee member is refused /phutrach")
	}
	// Ended on the 4th: the roles held until the 3rd, the last day.
	h.now = h.ts(2026, 3, 4, 9, 0)
	h.wantText(h.say("office", "/capuy Tâm thoi"), "vi", "commune.end_done", "Name", "Nguyễn Văn Tâm")
	if level("tam")&core.MenuCommune != 0 {
		t.Fatal("a former committee member keeps the commune commands in the menu")
	}
	before := h.snapshot()
	h.wantText(h.say("tam", "/phutrach"), "vi", "commune.roles_only")
	h.wantText(h.say("tam", "/tongquan"), "vi", "commune.roles_only")
	if h.snapshot() != before {
		t.Fatal("a refused command changed what is stored")
	}
	if strings.Contains(h.say("tam", "/help")[0].Text, "/phutrach") {
		t.Fatal("a former committee member is offered /phutrach")
	}
	// The menu, asked on the last day of the role, still has them.
	h.now = h.ts(2026, 3, 3, 23, 0)
	if level("tam")&core.MenuCommune == 0 {
		t.Fatal("the role's last day has no commune commands")
	}
	if l := level("bithu"); l&core.MenuCommune == 0 {
		t.Fatalf("the standing committee's menu level %v", l)
	}
}
