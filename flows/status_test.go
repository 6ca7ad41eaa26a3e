package flows

import (
	"chibo/flows/core"
	"chibo/flows/meetings"
	"slices"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// backdateJoined records that the member joined the cell's list at t.
func (h *harness) backdateJoined(user string, t time.Time) {
	h.t.Helper()
	err := h.db.Update(func(tx *storage.Tx) error {
		m, err := tx.MemberByContact(tr, user)
		if err != nil {
			return err
		}
		m.Joined, m.Status.SetAt = t, t
		return tx.PutMember(m)
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// recordStatus runs the secretary's /status flow for user; extra are the
// answers after the kind (dates, exemption, reason), each typed or tapped.
func (h *harness) recordStatus(user string, kind storage.StatusKind, answers ...string) []chat.Message {
	h.t.Helper()
	h.say("sec", "/status")
	h.tap("sec", h.member(user).Name)
	out := h.tap("sec", h.vi("status."+map[storage.StatusKind]string{storage.StatusExempt: "exempt", storage.StatusFarAway: "far_away",
		storage.StatusTransferredOut: "transfer_out", storage.StatusTransferredIn: "transfer_in", storage.StatusLeft: "left"}[kind]))
	for _, a := range answers {
		if h.hasButton("sec", a) {
			out = h.tap("sec", a)
		} else {
			out = h.say("sec", a)
		}
	}
	return out
}

// hasButton reports whether the latest message to user offers label.
func (h *harness) hasButton(user, label string) bool {
	last := h.last(user)
	for _, b := range last.Choices() {
		if b.Label == label {
			return true
		}
	}
	return false
}

// secondCell makes another cell of the organization with its own secretary
// and returns the secretary's user id.
func (h *harness) secondCell() (string, *storage.Cell) {
	h.t.Helper()
	cell := &storage.Cell{OrgID: h.cell.OrgID, Name: "Chi bộ ấp Mới", Created: h.now}
	err := h.db.Update(func(tx *storage.Tx) error {
		if err := tx.PutCell(cell); err != nil {
			return err
		}
		m := &storage.Member{Name: "Phan Văn Bí Thư Mới", HomeCellID: cell.ID, Lang: "vi", Contacts: map[string]string{tr: "sec2"},
			Status: storage.Status{Kind: storage.StatusActive, SetAt: h.now}, Consent: storage.Consent{Given: true, At: h.now}, Joined: h.now}
		m.AddRole(cell.ID, storage.RoleMember)
		m.AddRole(cell.ID, storage.RoleSecretary)
		return tx.PutMember(m)
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return "sec2", cell
}

// inviteBy makes a member invite as the leader user and returns its token.
func (h *harness) inviteBy(user string) string {
	h.t.Helper()
	const prefix = "https://t.me/chibo_test_bot?start="
	for _, m := range h.say(user, "/invite") {
		if i := strings.Index(m.Text, prefix); i >= 0 {
			return strings.Fields(m.Text[i+len(prefix):])[0]
		}
	}
	h.t.Fatalf("no invite link for %s", user)
	return ""
}

// Item 8: only a granted temporary exemption takes a far-away member out of
// the meeting's count. Hùng asked to be recorded far away without one: he
// is expected, gets the notice and can be excused; Bình, exempted, is not.
func TestStatus_farAwayWithoutExemptionIsExpected(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình", "Lê Văn Cường")
	h.requestAway("dovanhung", "")
	h.tap("sec", "Xác nhận")
	h.requestAway("tranthibinh", "Làm việc xa, không về được")
	h.tap("sec", "Xác nhận")
	if s := h.member("dovanhung").Status; s.Kind != storage.StatusFarAway || s.Exempt {
		t.Fatalf("Hùng's status %+v", s)
	}
	if s := h.member("tranthibinh").Status; s.Kind != storage.StatusFarAway || !s.Exempt {
		t.Fatalf("Bình's status %+v", s)
	}

	h.openMeeting("03/03")
	out := h.tap("sec", h.vi("mt.btn_notify"))
	// The secretary, Hùng and Cường; not Bình.
	h.wantContains(out, h.e.Cat.N("vi", "mt.notice_sent", 3, "Unreachable", 0))
	if !strings.Contains(h.last("dovanhung").Text, "03/03/2026") {
		t.Fatalf("Hùng got no notice: %q", h.last("dovanhung").Text)
	}

	h.now = time.Date(2026, 3, 3, 19, 15, 0, 0, h.zone)
	h.openMeeting("03/03")
	h.tap("sec", h.vi("mt.btn_checkin"))
	out = h.tap("sec", h.vi("mt.btn_roll"))
	h.wantContains(out, h.vi("mt.roll_line", "N", 2, "Name", "Đỗ Văn Hùng", "State", h.vi("mt.rs_unmarked"), "Dues", ""))
	h.wantContains(out, h.vi("mt.roll_line", "N", 3, "Name", "Trần Thị Bình", "State", h.vi("mt.rs_exempt"), "Dues", ""))
}

// Item 9: on 1 December the secretary records Hùng far away from 1
// November. The effective date decides: his November report is owed (its
// deadline is still ahead) and the board lists him.
func TestStatus_recordedAfterItsEffectiveDate(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	h.now = time.Date(2026, 12, 1, 9, 0, 0, 0, h.zone)
	h.say("sec", "/faraway")
	h.tap("sec", "Đỗ Văn Hùng")
	h.say("sec", "Bình Dương")
	h.say("sec", "01/11/2026")
	h.say("sec", "30/04/2027")
	h.tap("sec", h.vi("faraway.no_group"))
	h.tap("sec", h.vi("faraway.btn_exempt"))
	h.say("sec", "Nghị quyết 12")
	h.tap("sec", "Xác nhận")

	out := h.say("dovanhung", "/checkin")
	for _, m := range out {
		if m.Text == h.vi("checkins.not_far_away") {
			t.Fatalf("/checkin after the status was recorded: %q", m.Text)
		}
	}
	h.say("dovanhung", "/cancel")
	h.wantContains(h.say("sec", "/board"), "Đỗ Văn Hùng")
	// Every rule asks the same question.
	if got := h.member("dovanhung").StatusOn(time.Date(2026, 11, 15, 0, 0, 0, 0, h.zone)); got.Kind != storage.StatusFarAway || !got.Exempt {
		t.Fatalf("status on 15/11: %+v", got)
	}
}

// Item 9, after the deadline: recorded on 7 December far away from 1
// November, Hùng owes no November report (nobody asked in time) but is far
// away: /checkin takes his report and the board shows him.
func TestStatus_recordedAfterTheDeadline(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.now = time.Date(2026, 12, 7, 9, 0, 0, 0, h.zone)
	h.recordStatus("dovanhung", storage.StatusFarAway, "01/11/2026", "30/04/2027", h.vi("faraway.btn_exempt"), "Nghị quyết 12", "Xác nhận")
	out := h.say("dovanhung", "/checkin")
	for _, m := range out {
		if m.Text == h.vi("checkins.not_far_away") {
			t.Fatalf("/checkin: %q", m.Text)
		}
	}
	h.say("dovanhung", "/cancel")
	h.wantContains(h.say("sec", "/board"), h.vi("board.not_asked_line", "Name", "Đỗ Văn Hùng"))
}

// Item 9 for /status: every kind asks from when; the effective date and
// the date decided are stored and audited; a status that starts later
// leaves today alone.
func TestStatus_effectiveDateForEveryKind(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Võ Thị Lan")
	out := h.recordStatus("vothilan", storage.StatusExempt, "15/03/2026", "Tuổi cao, sức yếu", "Xác nhận")
	h.wantText(out, "vi", "status.done", "Name", "Võ Thị Lan", "Status", h.vi("status.since", "Status", h.vi("status.exempt"), "From", "15/03/2026"))
	m := h.member("vothilan")
	if s := m.Status; !s.From.Equal(h.date(15, 3, 2026)) || !s.SetAt.Equal(h.now) {
		t.Fatalf("status %+v", s)
	}
	if k := m.StatusOn(h.date(14, 3, 2026)).Kind; k != storage.StatusActive {
		t.Fatalf("on 14/03: %s", k)
	}
	var e storage.AuditEntry
	_ = h.db.View(func(tx *storage.Tx) error {
		entries, err := tx.AuditLog(1, nil)
		if err == nil && len(entries) == 1 {
			e = entries[0]
		}
		return err
	})
	if e.Action != "status_set" || !strings.Contains(string(e.After), `"from":"2026-03-15T00:00:00+07:00"`) {
		t.Fatalf("audit %+v after %s", e, e.After)
	}
}

// Bad effective dates get a clear answer and change nothing.
func TestStatus_badEffectiveDates(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Võ Thị Lan")
	h.say("sec", "/status")
	h.tap("sec", "Võ Thị Lan")
	h.tap("sec", h.vi("status.exempt"))
	before := h.snapshot("convs")
	h.wantText(h.say("sec", "28/02/2026"), "vi", "status.err_before_joined", "Date", "01/03/2026")
	h.wantText(h.say("sec", "02/03/2027"), "vi", "status.err_too_late", "Date", "01/03/2027")
	if after := h.snapshot("convs"); after != before {
		t.Fatal("a bad date changed what is stored")
	}
	// Still asking: a good date goes on.
	h.wantText(h.say("sec", "01/03/2027"), "vi", "status.ask_reason")
}

// Item 11: after /forget the member stays on the roll as a numbered party
// member and no bulk mark touches them: the secretary marks them alone.
func TestStatus_forgottenMemberOnTheRoll(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	id := h.member("dovanhung").ID
	h.say("dovanhung", "/forget")
	h.tap("dovanhung", h.vi("privacy.btn_forget"))

	h.now = time.Date(2026, 3, 3, 19, 15, 0, 0, h.zone)
	h.openMeeting("03/03")
	h.tap("sec", h.vi("mt.btn_checkin"))
	name := h.vi("status.forgotten_name", "N", id)
	out := h.tap("sec", h.vi("mt.btn_roll"))
	h.wantContains(out, h.vi("mt.roll_line", "N", 2, "Name", name, "State", h.vi("mt.rs_unmarked"), "Dues", ""))
	out = h.tap("sec", h.vi("mt.btn_all_present"))
	h.wantContains(out, h.vi("mt.roll_line", "N", 2, "Name", name, "State", h.vi("mt.rs_unmarked"), "Dues", ""))
	h.wantContains(out, h.vi("mt.roll_line", "N", 3, "Name", "Trần Thị Bình", "State", h.vi("mt.rs_present"), "Dues", ""))
	if a := h.meetings()[0].Roll[id]; a != nil && a.Mark != storage.MarkNone {
		t.Fatalf("bulk-marked: %+v", a)
	}
	// One by one still works.
	h.tap("sec", h.vi("mt.btn_person", "N", 2, "Name", name))
	out = h.tap("sec", h.vi("mt.btn_mark_present"))
	h.wantText(out, "vi", "mt.roll_set", "Name", name, "State", h.vi("mt.rs_present"))
}

// Item 12: a member officially transferred out is received by the cell
// whose invite they tap: the home cell moves, contacts, language and history
// go with them, the old cell's roles end, and both cells' audits say so.
func TestStatus_officialTransferReceivedByAnotherCell(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	sec2, cell2 := h.secondCell()
	tok := h.inviteBy(sec2)

	// Not transferred yet: refused, nothing changes.
	before := h.snapshot()
	h.wantText(h.say("dovanhung", "/start "+tok), "vi", "err.other_home_cell")
	if h.snapshot() != before {
		t.Fatal("a refused transfer changed what is stored")
	}
	// An invite of his own cell is no transfer either.
	own := h.inviteToken()
	before = h.snapshot()
	h.wantText(h.say("dovanhung", "/start "+own), "vi", "start.already_member", "Cell", "Chi bộ Thử")
	if h.snapshot() != before {
		t.Fatal("an invite to the same cell changed what is stored")
	}

	// Recorded on 1 March, in effect from 10 March: not before.
	h.recordStatus("dovanhung", storage.StatusLeft, "10/03/2026", "Chuyển về ấp Mới", "Xác nhận")
	before = h.snapshot()
	h.wantText(h.say("dovanhung", "/start "+tok), "vi", "transfer.not_yet", "Date", "10/03/2026")
	if h.snapshot() != before {
		t.Fatal("a transfer before its date changed what is stored")
	}
	h.now = time.Date(2026, 3, 10, 8, 0, 0, 0, h.zone)
	old := h.member("dovanhung")
	out := h.say("dovanhung", "/start "+tok)
	h.wantText(out, "vi", "transfer.received", "Cell", cell2.Name)
	h.wantText(out, "vi", "transfer.received_inviter", "Name", "Đỗ Văn Hùng", "Cell", cell2.Name)
	h.wantText(out, "vi", "transfer.received_old_cell", "Name", "Đỗ Văn Hùng", "Cell", cell2.Name)

	m := h.member("dovanhung")
	if m.ID != old.ID || m.HomeCellID != cell2.ID || m.Lang != old.Lang || m.Contacts[tr] != "dovanhung" {
		t.Fatalf("received member %+v", m)
	}
	if m.HasRole(h.cell.ID, storage.RoleMember) || !m.HasRole(cell2.ID, storage.RoleMember) {
		t.Fatalf("roles %+v", m.Roles)
	}
	if len(m.History) == 0 || m.History[len(m.History)-1].Kind != storage.StatusLeft || m.StatusOn(h.now).Kind != storage.StatusActive {
		t.Fatalf("history %+v, status %+v", m.History, m.Status)
	}
	// In the new cell no status of his starts before he arrived.
	h.say(sec2, "/status")
	h.tap(sec2, "Đỗ Văn Hùng")
	h.tap(sec2, h.vi("status.exempt"))
	h.wantText(h.say(sec2, "05/03/2026"), "vi", "status.err_before_joined", "Date", "10/03/2026")
	h.say(sec2, "/cancel")
	err := h.db.View(func(tx *storage.Tx) error {
		for _, cell := range []uint64{h.cell.ID, cell2.ID} {
			entries, err := tx.AuditLog(1, func(e *storage.AuditEntry) bool { return e.CellID == cell })
			if err != nil {
				return err
			}
			if len(entries) != 1 || entries[0].Action != "member_received" {
				t.Errorf("cell %d audit %+v", cell, entries)
			}
		}
		ms, err := tx.Members(h.cell.ID)
		for _, x := range ms {
			if x.ID == m.ID {
				t.Error("still on the old cell's list")
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Item 12: a temporary transfer needs an end date 3 months to 1 year (2
// for study) after its start, and the secretary is reminded two weeks
// before it ends, once.
func TestStatus_temporaryTransferEndAndReminder(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.recordStatus("dovanhung", storage.StatusTransferredOut, "Hôm nay")
	before := h.snapshot("convs")
	h.wantText(h.say("sec", "01/04/2026"), "vi", "status.err_transfer_length", "From", "01/03/2026")
	h.wantText(h.say("sec", "02/03/2028"), "vi", "status.err_transfer_length", "From", "01/03/2026")
	if h.snapshot("convs") != before {
		t.Fatal("a bad end date changed what is stored")
	}
	h.say("sec", "31/08/2026")
	h.say("sec", "Học lớp trung cấp lý luận chính trị")
	h.tap("sec", "Xác nhận")
	if s := h.member("dovanhung").Status; s.Kind != storage.StatusTransferredOut || !s.To.Equal(h.date(31, 8, 2026)) {
		t.Fatalf("status %+v", s)
	}

	want := h.vi("transfer.ending_out", "Name", "Đỗ Văn Hùng", "To", "31/08/2026")
	reminded := func() int {
		n := 0
		for _, m := range h.due() {
			if m.Text == want && m.Chat == "sec" {
				n++
			}
		}
		return n
	}
	h.now = time.Date(2026, 8, 16, 12, 0, 0, 0, h.zone)
	if n := reminded(); n != 0 {
		t.Fatalf("reminded %d times 15 days before", n)
	}
	h.now = time.Date(2026, 8, 17, 12, 0, 0, 0, h.zone)
	if n := reminded(); n != 1 {
		t.Fatalf("reminded %d times 14 days before", n)
	}
	h.advance(24 * time.Hour)
	if n := reminded(); n != 0 {
		t.Fatalf("reminded again: %d", n)
	}
}

// TestStatus_yearKeepsAMemberWhoMovedCell: a member received by another
// cell after March still has March in the old cell's year, where it was made.
func TestStatus_yearKeepsAMemberWhoMovedCell(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	h.closeMarch()
	err := h.db.Update(func(tx *storage.Tx) error {
		other := &storage.Cell{OrgID: h.cell.OrgID, Name: "Chi bộ Mới", Created: h.now}
		if err := tx.PutCell(other); err != nil {
			return err
		}
		m, err := tx.Member(h.member("lethihai").ID)
		if err != nil {
			return err
		}
		m.HomeCellID = other.ID
		return tx.PutMember(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	err = h.db.View(func(tx *storage.Tx) error {
		c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
		a, err := meetings.AttendanceYear(c, h.cell, 2026)
		for _, r := range a.Members {
			names = append(names, r.Name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "Lê Thị Hai") {
		t.Fatalf("the year lost the member who moved: %q", names)
	}
}

// TestStatus_reportAfterTheDeadlineNamesADateAhead: a member recorded far
// away after the month's deadline may still report, and is never told to
// correct by a day already past.
func TestStatus_reportAfterTheDeadlineNamesADateAhead(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.now = time.Date(2026, 12, 7, 9, 0, 0, 0, h.zone)
	err := h.db.Update(func(tx *storage.Tx) error {
		m, err := tx.Member(h.member("dovanhung").ID)
		if err != nil {
			return err
		}
		m.Joined = time.Date(2026, 1, 1, 0, 0, 0, 0, h.zone)
		m.SetStatus(storage.Status{Kind: storage.StatusFarAway, Exempt: true, From: time.Date(2026, 11, 1, 0, 0, 0, 0, h.zone), SetAt: h.now})
		return tx.PutMember(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := texts(h.say("dovanhung", "/checkin"))
	for _, past := range []string{"04/12/2026", "03/12/2026"} {
		if strings.Contains(out, past) {
			t.Fatalf("the prompt names a day already past (%s):\n%s", past, out)
		}
	}
	if !strings.Contains(out, "11/2026") {
		t.Fatalf("no November report asked:\n%s", out)
	}
}
