package flows

import (
	"bytes"
	"chibo/flows/core"
	"chibo/flows/residence"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chibo/flows/chat"
	"chibo/flows/export"
	"chibo/storage"
)

// closeMarch holds March's meeting with everyone present but unexcused
// and closes it, as the secretary would; it returns the close's messages.
func (h *harness) closeMarch(absent ...string) []chat.Message {
	h.t.Helper()
	h.say("sec", "/meeting")
	mid := h.meetings()[0].ID
	h.now = time.Date(2026, 3, 3, 19, 40, 0, 0, h.zone)
	h.press("sec", fmt.Sprintf("rla:%d:p", mid))
	for _, u := range absent {
		h.press("sec", fmt.Sprintf("rl:%d:%d:u", mid, h.member(u).ID))
	}
	h.now = time.Date(2026, 3, 3, 21, 15, 0, 0, h.zone)
	h.press("sec", fmt.Sprintf("mt:%d:cl", mid))
	return h.tap("sec", h.vi("close.btn_ok"))
}

// exportFile runs /export as user, taps the labels, and returns the document sent.
func (h *harness) exportFile(user string, labels ...string) *chat.Document {
	h.t.Helper()
	out := h.say(user, "/export")
	for _, l := range labels {
		out = h.tap(user, l)
	}
	for _, m := range out {
		if m.Document != nil {
			return m.Document
		}
	}
	h.t.Fatalf("no document in %s", texts(out))
	return nil
}

func TestExport_chartWithSummary(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai", "Phạm Văn Ba")
	// The deputy reads English: their summary carries the chart in English;
	// the summary forwarded to the secretary has it in Vietnamese.
	if err := h.db.Update(func(tx *storage.Tx) error {
		m, err := h.addMember(tx, "pho", "Phạm Thị Phó", storage.RoleDeputy)
		if err != nil {
			return err
		}
		m.Lang = "en"
		return tx.PutMember(m)
	}); err != nil {
		t.Fatal(err)
	}
	// The deputy closes the meeting; the secretary gets the summary too.
	h.say("sec", "/meeting")
	mid := h.meetings()[0].ID
	h.now = time.Date(2026, 3, 3, 19, 40, 0, 0, h.zone)
	h.press("sec", fmt.Sprintf("rla:%d:p", mid))
	h.press("sec", fmt.Sprintf("rl:%d:%d:u", mid, h.member("lethihai").ID))
	h.now = time.Date(2026, 3, 3, 21, 15, 0, 0, h.zone)
	h.press("pho", fmt.Sprintf("mt:%d:cl", mid))
	out := h.tap("pho", h.T("en", "close.btn_ok"))
	var doc, deputys *chat.Document
	for _, m := range out {
		switch {
		case m.Document != nil && m.Chat == "sec":
			doc = m.Document
			if !strings.Contains(m.Text, h.vi("mt.sum_counts", "Total", 5, "Exempt", 0, "Expected", 5)) {
				t.Errorf("the chart is not on the summary forwarded to the secretary: %q", m.Text)
			}
		case m.Document != nil && m.Chat == "pho":
			deputys = m.Document
			if !strings.Contains(m.Text, h.T("en", "mt.sum_counts", "Total", 5, "Exempt", 0, "Expected", 5)) {
				t.Errorf("the chart is not on the deputy's summary: %q", m.Text)
			}
		case m.Document != nil:
			t.Errorf("a chart went to %s", m.Chat)
		}
	}
	if doc == nil || doc.MIME != "image/png" || deputys == nil || deputys.MIME != "image/png" {
		t.Fatalf("no chart with the summaries: %s", texts(out))
	}
	// The charts are drawn at delivery, not in the close's transaction.
	want := chat.Drawing{Kind: chat.DrawYearChart, CellID: h.cell.ID, Year: 2026, Lang: "vi"}
	if doc.Data != nil || doc.Draw == nil || *doc.Draw != want {
		t.Fatalf("the secretary's chart to draw: %+v", doc.Draw)
	}
	if want.Lang = "en"; deputys.Data != nil || deputys.Draw == nil || *deputys.Draw != want {
		t.Fatalf("the deputy's chart to draw: %+v", deputys.Draw)
	}
	if err := h.db.View(func(tx *storage.Tx) error {
		if err := h.e.Draw(tx, doc); err != nil {
			return err
		}
		return h.e.Draw(tx, deputys)
	}); err != nil {
		t.Fatal(err)
	}
	if doc.Draw != nil || deputys.Draw != nil {
		t.Error("a drawn document still says what to draw")
	}
	if bytes.Equal(doc.Data, deputys.Data) {
		t.Error("the deputy's chart is not in their language")
	}
	img, err := png.Decode(bytes.NewReader(doc.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != export.ChartWidth || b.Dy() != export.ChartHeight(5) {
		t.Errorf("chart %v", b)
	}
}

func TestExport_attendanceWorkbookAndCSV(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("Nguyễn Thị Ánh ", 14)[:200] // 200 bytes
	h.seedCell("Trần Văn Một", "Lê Thị Hai", long)
	h.closeMarch("lethihai")
	before := h.snapshot("convs", "audit")
	doc := h.exportFile("sec", h.vi("exp.what_attendance", "Year", 2026), h.vi("exp.format_xlsx"))
	if doc.Name != "diem-danh-2026-chi-bo-thu.xlsx" || doc.MIME != export.MIMEXLSX {
		t.Errorf("document %q %q", doc.Name, doc.MIME)
	}
	f, err := excelize.OpenReader(bytes.NewReader(doc.Data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Điểm danh cả năm")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, r := range rows[4:] {
		if len(r) > 2 {
			found[r[1]] = r[2] // March's meeting
		}
	}
	if found["Lê Thị Hai"] != "K" || found["Trần Văn Một"] != "C" || found[long] != "C" || found["Nguyễn Văn Bí Thư"] != "C" {
		t.Errorf("March column %q", found)
	}
	// CSV: with a BOM.
	doc = h.exportFile("sec", h.vi("exp.what_attendance", "Year", 2026), h.vi("exp.format_csv"))
	if !bytes.HasPrefix(doc.Data, []byte("\ufeff")) || !bytes.Contains(doc.Data, []byte("Lê Thị Hai,K,")) {
		t.Errorf("CSV %q", doc.Data[:min(300, len(doc.Data))])
	}
	if h.snapshot("convs", "audit") != before {
		t.Error("an export changed stored data")
	}
}

func TestExport_rollQualityCommentsAndEmptyYear(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	// Before any meeting: the year's file still reads well, the roll says why not.
	doc := h.exportFile("sec", h.vi("exp.what_attendance", "Year", 2026), h.vi("exp.format_xlsx"))
	f, err := excelize.OpenReader(bytes.NewReader(doc.Data))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Điểm danh cả năm")
	f.Close()
	if !strings.Contains(fmt.Sprint(rows), h.vi("export.att_empty", "Year", 2026)) {
		t.Errorf("empty year rows %q", rows)
	}
	h.say("sec", "/export")
	h.wantText(h.tap("sec", h.vi("exp.what_roll")), "vi", "exp.no_meeting")
	h.say("sec", "/export")
	h.tap("sec", h.vi("exp.what_comments", "Year", 2026))
	h.wantText(h.tap("sec", h.vi("exp.format_pdf")), "vi", "exp.no_comments", "Year", 2026)

	h.closeMarch("lethihai")
	doc = h.exportFile("sec", h.vi("exp.what_roll"), h.vi("exp.meeting_label", "Date", "03/03/2026", "Kind", h.vi("mt.kind_regular")), h.vi("exp.format_csv"))
	if !bytes.Contains(doc.Data, []byte("Lê Thị Hai,K,")) || !bytes.Contains(doc.Data, []byte("Trần Văn Một,C,")) {
		t.Errorf("roll CSV %s", doc.Data)
	}
	doc = h.exportFile("sec", h.vi("exp.what_quality", "Year", 2026), h.vi("exp.format_csv"))
	if !bytes.Contains(doc.Data, []byte(h.vi("export.unscored"))) {
		t.Errorf("quality CSV %s", doc.Data)
	}
}

func TestExport_whoMay(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	g := h.farGroup()
	h.markFar("lethihai", g.ID, h.date(1, 1, 2026), h.date(31, 12, 2026), true)
	// Another cell's secretary, who exports their own cell only.
	other := h.otherCellMember("Bí Thư Chi Bộ Khác")
	if err := h.db.Update(func(tx *storage.Tx) error {
		m, err := tx.MemberByContact(tr, other)
		if err != nil {
			return err
		}
		m.AddRole(m.HomeCellID, storage.RoleSecretary)
		return tx.PutMember(m)
	}); err != nil {
		t.Fatal(err)
	}
	h.now = time.Date(2026, 3, 26, 9, 0, 0, 0, h.zone) // March's check-in is open
	before := h.snapshot("convs", "audit")
	// A member may not export.
	h.wantText(h.say("tranvanmot", "/export"), "vi", "err.group_leaders_only")
	// A group leader exports only check-ins, of their group's members.
	out := h.say("cuong", "/export")
	if got := out[len(out)-1].Choices(); len(got) != 1 || got[0].Label != h.vi("exp.what_checkins") {
		t.Fatalf("group leader offered %v", got)
	}
	h.tap("cuong", h.vi("exp.what_checkins"))
	out = h.tap("cuong", "03/2026")
	doc := h.exportFile2(out, "cuong", h.vi("exp.format_csv"))
	if !bytes.Contains(doc.Data, []byte("Lê Thị Hai,Tổ đảng viên đi làm ăn xa,chưa báo cáo")) || bytes.Contains(doc.Data, []byte("Trần Văn Một")) {
		t.Errorf("group leader's CSV %s", doc.Data)
	}
	doc = h.exportFile(other, h.vi("exp.what_attendance", "Year", 2026), h.vi("exp.format_csv"))
	if bytes.Contains(doc.Data, []byte("Lê Thị Hai")) || bytes.Contains(doc.Data, []byte("Chi bộ Thử")) {
		t.Errorf("another cell's data in %s", doc.Data)
	}
	if h.snapshot("convs", "audit") != before {
		t.Error("exports changed stored data")
	}
}

// exportFile2 taps label after out and returns the document sent.
func (h *harness) exportFile2(_ []chat.Message, user, label string) *chat.Document {
	h.t.Helper()
	for _, m := range h.tap(user, label) {
		if m.Document != nil {
			return m.Document
		}
	}
	h.t.Fatal("no document")
	return nil
}

func TestExport_residenceCommentPDF(t *testing.T) {
	w := newResWorld(t)
	h := w.h
	w.link(w.minh, storage.ResidenceWithComment)
	h.now = time.Date(2026, 6, 10, 9, 0, 0, 0, h.zone)
	for _, kind := range []string{"Tham gia phong trào, cuộc vận động ở địa phương", "Đóng góp cho địa phương"} {
		h.say("minh", "/residence")
		h.tap("minh", "Báo cáo hoạt động")
		h.tap("minh", kind)
		h.tap("minh", "Hôm nay")
	}
	h.now = time.Date(2026, 11, 12, 9, 0, 0, 0, h.zone)
	w.button("sec", fmt.Sprintf("rs:cm:%d", h.cell.ID))
	for _, l := range []string{"Tốt (theo số liệu)", "Tốt", "Tốt (theo số liệu)", "Đạt", "Dùng số liệu đã tổng hợp", "Tốt"} {
		h.tap("sec", l)
	}
	out := h.tap("sec", "Gửi phiếu")
	var toMember, toSec *chat.Document
	for _, m := range out {
		switch {
		case m.Chat == "minh" && m.Document != nil:
			toMember = m.Document
		case m.Chat == "sec" && m.Document != nil && m.Text == h.vi("res.comment_sent", "Name", "Hoàng Văn Minh"):
			toSec = m.Document
		}
	}
	if toMember == nil || toSec == nil || toMember.MIME != export.MIMEPDF || !bytes.HasPrefix(toSec.Data, []byte("%PDF-")) {
		t.Fatalf("the comment's PDF went to member %v, secretary %v", toMember != nil, toSec != nil)
	}
	if toMember.Name != "phieu-nhan-xet-2026-hoang-van-minh.pdf" {
		t.Errorf("name %q", toMember.Name)
	}
	// The printed form is the official one (issue 12): the cells by name,
	// no internal code, no chibo note, and the figures (taken here as the
	// free comment) said once, without a label of chibo's.
	err := h.db.View(func(tx *storage.Tx) error {
		c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
		cm, err := tx.ResidenceComment(w.minh.ID, 2026)
		if err != nil {
			return err
		}
		form := residence.CommentForm(c, cm, w.minh)
		all := form.Home + "|" + form.Cell + "|" + form.Org
		for _, f := range form.Fields {
			all += "|" + f.Label + ": " + f.Value
		}
		for _, bad := range []string{"#", "mã ", "trên chibo", "Ghi nhận", "Lý do: Lý do"} {
			if strings.Contains(all, bad) {
				t.Errorf("the printed form says %q: %s", bad, all)
			}
		}
		if !strings.Contains(all, "Năm 2026 dự ") {
			t.Errorf("the figures taken as the comment are missing: %s", all)
		}
		text := residence.CommentText(c, cm, w.minh)
		if strings.Contains(text, "mã #") || strings.Contains(text, "trên chibo") {
			t.Errorf("the comment as text:\n%s", text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The year's comments: one PDF per member, or one workbook.
	doc := h.exportFile("sec", h.vi("exp.what_comments", "Year", 2026), h.vi("exp.format_pdf"))
	if doc.Name != toMember.Name {
		t.Errorf("exported %q", doc.Name)
	}
	doc = h.exportFile("sec", h.vi("exp.what_comments", "Year", 2026), h.vi("exp.format_xlsx"))
	f, err := excelize.OpenReader(bytes.NewReader(doc.Data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Phiếu nhận xét")
	if len(rows) < 5 || rows[4][1] != "Hoàng Văn Minh" || !strings.Contains(strings.Join(rows[3], "|"), "Giữ mối liên hệ với chi ủy, chi bộ nơi cư trú") {
		t.Errorf("comments sheet %q", rows)
	}
}

func TestDraw_refusesWhatItCannotDraw(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	err := h.db.View(func(tx *storage.Tx) error {
		for _, d := range []chat.Drawing{{Kind: chat.DrawYearChart, CellID: 99, Year: 2026, Lang: "vi"}, {Kind: "pie", CellID: h.cell.ID}} {
			doc := &chat.Document{Name: "x.png", Draw: &d}
			if err := h.e.Draw(tx, doc); err == nil || doc.Data != nil {
				t.Errorf("%+v drawn: %v", d, err)
			}
		}
		// A year without meetings is an empty chart, not an error.
		doc := &chat.Document{Name: "x.png", Draw: &chat.Drawing{Kind: chat.DrawYearChart, CellID: h.cell.ID, Year: 2030, Lang: "xx"}}
		if err := h.e.Draw(tx, doc); err != nil || len(doc.Data) == 0 {
			t.Errorf("empty year: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// PDF is offered only where it exists, the residence comment form (issue
// 12), and /help says so.
func TestExport_pdfOnlyForComments(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một")
	for what, pdf := range map[string]bool{h.vi("exp.what_attendance", "Year", 2026): false, h.vi("exp.what_audit"): false,
		h.vi("exp.what_quality", "Year", 2026): false, h.vi("exp.what_comments", "Year", 2026): true} {
		h.say("sec", "/export")
		out := h.tap("sec", what)
		var labels []string
		for _, o := range out[len(out)-1].Choices() {
			labels = append(labels, o.Label)
		}
		if got := slices.Contains(labels, h.vi("exp.format_pdf")); got != pdf {
			t.Errorf("%s: formats %q", what, labels)
		}
		h.say("sec", "/cancel")
	}
	help := texts(h.say("sec", "/help export"))
	if strings.Contains(help, "CSV hoặc PDF") || !strings.Contains(help, "PDF để in") {
		t.Errorf("/help on exports:\n%s", help)
	}
}
