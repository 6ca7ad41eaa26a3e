package flows

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"chibo/storage"
)

// dues returns the member's dues record for month, nil when none.
func (h *harness) dues(user, month string) *storage.Dues {
	h.t.Helper()
	var d *storage.Dues
	err := h.db.View(func(tx *storage.Tx) error {
		var err error
		d, err = tx.Dues(h.member(user).ID, month)
		if errors.Is(err, storage.ErrNotFound) {
			d, err = nil, nil
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// duesAudits counts the audit entries of dues changes about the member.
func (h *harness) duesAudits(user string) int {
	h.t.Helper()
	id := h.member(user).ID
	n := 0
	err := h.db.View(func(tx *storage.Tx) error {
		es, err := tx.AuditLog(1000, func(e *storage.AuditEntry) bool { return e.Action == "dues_set" && e.SubjectID == id })
		n = len(es)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// Issue 11 item 2: Hùng's one tap "Như tháng trước" on 25/12 recorded
// "Đảng phí: Đã nộp" for December though he was never asked. Now the
// situation carries over and December's dues are asked: one more tap.
func TestDues_sameAsLastMonthAsksThisMonthsDues(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	g := h.farGroup()
	h.markFar("dovanhung", g.ID, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.at(25, 11, 8, 0)
	h.checkinDue()
	h.fullForm("dovanhung", "Báo cáo ngay", "") // November: paid to the group leader
	if d := h.dues("dovanhung", "2026-11"); d == nil || d.State != storage.DuesPaid || d.Via != storage.DuesViaCheckin || d.PaidTo != "leader" {
		t.Fatalf("November's reported dues did not reach the dues record: %+v", d)
	}

	h.at(25, 12, 8, 0)
	h.checkinDue()
	out := h.tap("dovanhung", "Như tháng trước")
	if ck := h.checkin("dovanhung", "2026-12"); ck != nil {
		t.Fatalf("December saved with dues nobody declared: %q", ck.Answers)
	}
	if d := h.dues("dovanhung", "2026-12"); d != nil {
		t.Fatalf("December's dues claimed without an answer: %+v", d)
	}
	h.wantContains(out, h.vi("checkins.q_dues", "Month", "12/2026"))
	last := h.last("dovanhung")
	for _, b := range last.Choices() {
		if strings.Contains(b.Label, h.vi("checkins.v_paid_leader")) && strings.HasPrefix(b.Label, "Giữ nguyên") {
			t.Fatalf("last month's dues offered to keep: %q", b.Label)
		}
	}
	// Text where a reason is expected after the button: asked again.
	h.tap("dovanhung", "Chưa nộp, có lý do")
	h.wantText(h.say("dovanhung", "   "), "vi", "dues.q_checkin_reason", "Month", "12/2026")
	if h.checkin("dovanhung", "2026-12") != nil {
		t.Fatal("an empty reason saved the report")
	}
	out = h.say("dovanhung", "Chưa nhận lương tháng 12")
	h.wantText(out, "vi", "checkins.saved", "Month", "12/2026", "Date", "03/01/2027")
	ck := h.checkin("dovanhung", "2026-12")
	if ck == nil || !ck.Same || ck.Answers["employer"] != "Công ty TNHH Giày Mẫu, KCN Sóng Thần" || ck.Answers["phone"] != "0912345678" ||
		ck.Answers["dues"] != "no:Chưa nhận lương tháng 12" {
		t.Fatalf("December's one-tap report: %+v", ck)
	}
	d := h.dues("dovanhung", "2026-12")
	if d == nil || d.State != storage.DuesUnpaid || d.Reason != "Chưa nhận lương tháng 12" || d.Via != storage.DuesViaCheckin || d.By != h.member("dovanhung").ID {
		t.Fatalf("December's dues record: %+v", d)
	}
	if n := h.duesAudits("dovanhung"); n != 2 {
		t.Fatalf("dues changes audited %d times, want 2", n)
	}
	// The group leader's board history shows what he said, not "paid".
	out = h.press("cuong", fmt.Sprintf("bh:%d", h.member("dovanhung").ID))
	h.wantContains(out, h.vi("dues.unpaid_reason", "Reason", "Chưa nhận lương tháng 12"))
}

// Issue 11 item 10: "all present paid" ticked only those present, and the
// year then flagged excused and far-away members "N tháng chưa nộp đảng
// phí"; the far-away report's dues answer never reached the record.
func TestDues_allPresentPaidInfersNothingForTheAbsent(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai", "Đỗ Văn Hùng", "Võ Thị Bốn")
	g := h.farGroup()
	h.markFar("dovanhung", g.ID, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.say("sec", "/meeting")
	mid := h.meetings()[0].ID
	h.now = time.Date(2026, 3, 3, 19, 40, 0, 0, h.zone)
	h.press("sec", fmt.Sprintf("rl:%d:%d:e", mid, h.member("lethihai").ID))
	h.press("sec", fmt.Sprintf("rla:%d:p", mid))
	// Bốn is present and says she has not paid: recorded before the bulk tick,
	// which leaves it alone.
	h.press("sec", fmt.Sprintf("rl:%d:%d:D", mid, h.member("vothibon").ID))
	out := h.press("sec", fmt.Sprintf("rla:%d:d", mid))
	h.wantContains(out, h.e.Cat.N("vi", "mt.roll_all_done", 3)) // Một, Cường and the secretary
	h.now = time.Date(2026, 3, 3, 21, 15, 0, 0, h.zone)
	h.press("sec", fmt.Sprintf("mt:%d:cl", mid))
	sum := texts(to(h.tap("sec", h.vi("close.btn_ok")), "sec"))
	for _, who := range []string{"Lê Thị Hai", "Đỗ Văn Hùng"} {
		if strings.Contains(sum, h.e.Cat.N("vi", "mt.flag_unpaid", 1, "Name", who, "Months", "3")) {
			t.Errorf("%s flagged unpaid from attendance:\n%s", who, sum)
		}
	}
	for _, want := range []string{
		h.e.Cat.N("vi", "mt.flag_unpaid", 1, "Name", "Võ Thị Bốn", "Months", "3"),
		h.e.Cat.N("vi", "dues.flag_unknown", 1, "Name", "Lê Thị Hai", "Months", "3"),
		h.vi("mt.sum_dues", "Paid", 3, "Liable", 6),
		h.vi("dues.sum_rest", "Unpaid", 1, "None", 2),
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}

	// Hùng reports March from Bình Dương: his dues answer is the record.
	h.at(25, 3, 8, 0)
	h.checkinDue()
	h.fullForm("dovanhung", "Báo cáo ngay", "")
	if d := h.dues("dovanhung", "2026-03"); d == nil || d.State != storage.DuesPaid || d.Via != storage.DuesViaCheckin {
		t.Fatalf("the far-away report's dues did not reach the record: %+v", d)
	}
	year := texts(h.say("sec", "/attendance"))
	if strings.Contains(year, "Đỗ Văn Hùng: 1 tháng") {
		t.Errorf("Hùng, who reported paying, is still flagged:\n%s", year)
	}
	for _, want := range []string{
		h.e.Cat.N("vi", "mt.flag_unpaid", 1, "Name", "Võ Thị Bốn", "Months", "3"),
		h.e.Cat.N("vi", "dues.flag_unknown", 1, "Name", "Lê Thị Hai", "Months", "3"),
	} {
		if !strings.Contains(year, want) {
			t.Errorf("year view lacks %q:\n%s", want, year)
		}
	}
	if d := h.dues("vothibon", "2026-03"); d == nil || d.State != storage.DuesUnpaid || d.Via != storage.DuesViaRoll || d.MeetingID != mid {
		t.Errorf("Bốn's dues record: %+v", d)
	}
	// The roll file says the same as the record: paid, not paid, or nothing.
	doc := h.exportFile("sec", h.vi("exp.what_roll"), h.vi("exp.meeting_label", "Date", "03/03/2026", "Kind", h.vi("mt.kind_regular")), h.vi("exp.format_csv"))
	duesCol := map[string]string{} // name → the "Đảng phí" column
	for _, l := range strings.Split(string(doc.Data), "\r\n") {
		if f := strings.Split(l, ","); len(f) == 9 {
			duesCol[f[1]] = f[7]
		}
	}
	for name, want := range map[string]string{"Trần Văn Một": h.vi("export.dues_paid"), "Võ Thị Bốn": h.vi("dues.exp_unpaid"),
		"Đỗ Văn Hùng": h.vi("export.dues_paid"), "Lê Thị Hai": ""} {
		if got, ok := duesCol[name]; !ok || got != want {
			t.Errorf("roll file: dues of %s %q, want %q\n%s", name, got, want, doc.Data)
		}
	}
}

// The group leader records a far-away member's dues from /board; bad months
// are answered and change nothing; a plain member may not record dues.
func TestDues_officerRecordsAMonth(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	g := h.farGroup()
	h.markFar("dovanhung", g.ID, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.at(10, 4, 9, 0)
	hung := h.member("dovanhung")

	before := h.snapshot()
	h.wantText(h.press("tranthibinh", fmt.Sprintf("du:%d", hung.ID)), "vi", "dues.not_allowed")
	if h.snapshot() != before {
		t.Fatal("a refused dues button changed data")
	}

	h.say("cuong", "/board")
	out := h.tap("cuong", h.vi("dues.btn_record", "Name", "Đỗ Văn Hùng"))
	h.wantContains(out, h.vi("dues.month_line", "Month", "03/2026", "State", h.vi("dues.none")))
	if strings.Contains(texts(out), "02/2026") {
		t.Fatalf("a month before Hùng joined is offered:\n%s", texts(out))
	}
	before = h.snapshot("convs")
	h.wantText(h.say("cuong", "13/2026"), "vi", "dues.err_month", "Example", "04/2026")
	h.wantText(h.say("cuong", "tháng trước"), "vi", "dues.err_month", "Example", "04/2026")
	h.wantText(h.say("cuong", "02/2026"), "vi", "dues.err_before_joined", "Name", "Đỗ Văn Hùng", "Month", "02/2026", "Joined", "03/2026")
	h.wantText(h.say("cuong", "06/2026"), "vi", "dues.err_future", "Month", "06/2026", "Latest", "05/2026")
	if h.snapshot("convs") != before {
		t.Fatal("a refused month changed data")
	}
	h.tap("cuong", "03/2026")
	h.tap("cuong", h.vi("dues.btn_unpaid_reason"))
	out = h.say("cuong", "Chưa nhận lương")
	want := h.vi("dues.unpaid_reason", "Reason", "Chưa nhận lương")
	h.wantText(out, "vi", "dues.saved", "Name", "Đỗ Văn Hùng", "Month", "03/2026", "State", want)
	d := h.dues("dovanhung", "2026-03")
	if d == nil || d.State != storage.DuesUnpaid || d.Via != storage.DuesViaLeader || d.By != h.member("cuong").ID {
		t.Fatalf("leader's record: %+v", d)
	}
	// One month ahead is allowed (paid in advance), and a repeat changes nothing.
	for range 2 {
		h.say("cuong", "/board")
		h.tap("cuong", h.vi("dues.btn_record", "Name", "Đỗ Văn Hùng"))
		h.say("cuong", "05/2026")
		out = h.tap("cuong", h.vi("dues.btn_paid"))
	}
	h.wantText(out, "vi", "dues.no_change", "Name", "Đỗ Văn Hùng", "Month", "05/2026", "State", h.vi("dues.paid"))
	if n := h.duesAudits("dovanhung"); n != 2 {
		t.Fatalf("dues changes audited %d times, want 2", n)
	}

	// /mydata shows the member his dues; /forget keeps the cell's record
	// under his number without the reason.
	doc := string(h.say("dovanhung", "/mydata")[0].Document.Data)
	if !strings.Contains(doc, h.vi("dues.sec_mydata")) || !strings.Contains(doc, h.vi("dues.mydata_line", "Month", "03/2026", "State", want,
		"Via", h.vi("dues.via_leader"), "By", "Lê Văn Cường", "Date", "10/04/2026")) {
		t.Fatalf("/mydata lacks the dues:\n%s", doc)
	}
	h.say("dovanhung", "/forget")
	h.tap("dovanhung", "Rút lại và xóa dữ liệu")
	var kept *storage.Dues
	_ = h.db.View(func(tx *storage.Tx) error {
		kept, _ = tx.Dues(hung.ID, "2026-03")
		return nil
	})
	if kept == nil || kept.State != storage.DuesUnpaid || kept.Reason != "" {
		t.Fatalf("after /forget the dues record is %+v", kept)
	}
}

// A roll of a meeting more than a month ahead records no dues.
func TestDues_rollRefusesAMonthTooFarAhead(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một")
	err := h.db.Update(func(tx *storage.Tx) error {
		return tx.PutMeeting(&storage.Meeting{CellID: h.cell.ID, Kind: storage.MeetingExtra, State: storage.MeetingPlanned,
			At: time.Date(2026, 6, 10, 19, 30, 0, 0, h.zone), Created: h.now, By: h.member("sec").ID,
			Roll: map[uint64]*storage.Attendance{h.member("tranvanmot").ID: {Mark: storage.MarkPresent}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	var mid uint64
	for _, mt := range h.meetings() {
		if mt.Kind == storage.MeetingExtra {
			mid = mt.ID
		}
	}
	before := h.snapshot()
	h.wantText(h.press("sec", fmt.Sprintf("rla:%d:d", mid)), "vi", "dues.err_future", "Month", "06/2026", "Latest", "04/2026")
	h.wantText(h.press("sec", fmt.Sprintf("rl:%d:%d:d", mid, h.member("tranvanmot").ID)), "vi", "dues.err_future", "Month", "06/2026", "Latest", "04/2026")
	if h.snapshot() != before {
		t.Fatal("a refused dues tick changed data")
	}
}

// A correction of a report that leaves its dues answer alone does not write
// that answer again over what the group leader recorded since.
func TestDues_correctionKeepsTheLeadersRecord(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	g := h.farGroup()
	h.markFar("dovanhung", g.ID, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.at(25, 3, 8, 0)
	h.checkinDue()
	h.fullForm("dovanhung", "Báo cáo ngay", "") // "paid to the group leader"
	h.at(26, 3, 9, 0)
	h.say("cuong", "/board")
	h.tap("cuong", h.vi("dues.btn_record", "Name", "Đỗ Văn Hùng"))
	h.tap("cuong", "03/2026")
	h.tap("cuong", h.vi("dues.btn_unpaid")) // the leader has not received it

	h.at(27, 3, 9, 0)
	h.say("dovanhung", "/checkin")
	h.tap("dovanhung", h.vi("checkins.btn_correct"))
	for range 9 { // keep every answer but the phone
		last := h.last("dovanhung")
		if strings.Contains(last.Text, h.vi("checkins.q_phone")) {
			h.say("dovanhung", "0987654321")
			continue
		}
		var keep string
		for _, b := range last.Choices() {
			if strings.HasPrefix(b.Label, "Giữ nguyên") {
				keep = b.Label
			}
		}
		if keep == "" {
			t.Fatalf("no keep button: %q", last.Text)
		}
		h.tap("dovanhung", keep)
	}
	h.wantContains(h.tap("dovanhung", h.vi("checkins.btn_send")), "Đã sửa báo cáo")
	if ck := h.checkin("dovanhung", "2026-03"); ck.Answers["phone"] != "0987654321" || ck.Answers["dues"] != "leader" {
		t.Fatalf("corrected report %+v", ck.Answers)
	}
	if d := h.dues("dovanhung", "2026-03"); d == nil || d.State != storage.DuesUnpaid || d.Via != storage.DuesViaLeader {
		t.Fatalf("the correction overwrote the leader's record: %+v", d)
	}
}
