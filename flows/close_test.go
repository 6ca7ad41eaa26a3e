package flows

import (
	"bytes"
	"chibo/flows/core"
	"chibo/flows/meetings"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chibo/flows/chat"
	"chibo/flows/export"
	"chibo/storage"
)

// heldMeeting stores a meeting at at, marks the roll (user → p|e|u), marks
// everyone else present, and closes it two hours later, confirming the
// times offered. It returns the meeting's id.
func (h *harness) heldMeeting(at time.Time, kind storage.MeetingKind, marks map[string]string) uint64 {
	h.t.Helper()
	mt := &storage.Meeting{CellID: h.cell.ID, Kind: kind, At: at, State: storage.MeetingPlanned, Created: h.now}
	if kind == storage.MeetingRegular {
		mt.Month = at.In(h.zone).Format("2006-01")
	}
	if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutMeeting(mt) }); err != nil {
		h.t.Fatal(err)
	}
	h.now = at.Add(10 * time.Minute)
	for user, op := range marks {
		h.press("sec", fmt.Sprintf("rl:%d:%d:%s", mt.ID, h.member(user).ID, op))
	}
	h.press("sec", fmt.Sprintf("rla:%d:p", mt.ID))
	h.now = at.Add(2 * time.Hour)
	h.press("sec", fmt.Sprintf("mt:%d:cl", mt.ID))
	h.tap("sec", h.vi("close.btn_ok"))
	if got := h.meeting(mt.ID); got.State != storage.MeetingClosed {
		h.t.Fatalf("meeting %d not closed: %s", mt.ID, got.State)
	}
	return mt.ID
}

func (h *harness) ts(y int, mo time.Month, d, hh, mm int) time.Time {
	return time.Date(y, mo, d, hh, mm, 0, 0, h.zone)
}

// Item 3: an exempt member who checks in is "có mặt (thuộc diện miễn)" in
// the chat, the roll, the summary and the books, and stays out of the rate.
func TestClose_exemptAttendeeShownPresent(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Võ Thị Bốn")
	h.setStatus("vothibon", storage.Status{Kind: storage.StatusExempt, Reason: "Tuổi cao"})
	h.openMeeting("03/03")
	h.now = h.ts(2026, 3, 3, 19, 15)
	out := h.tap("sec", h.vi("mt.btn_checkin"))
	var code string
	for _, m := range out {
		if s := checkinLink.FindStringSubmatch(m.Text); s != nil {
			code = s[1]
		}
	}
	out = h.say("vothibon", "/code "+code)
	h.wantText(out, "vi", "close.code_done_exempt", "Kind", "sinh hoạt chi bộ thường kỳ", "When", "19:30 ngày 03/03/2026")
	out = h.tap("sec", h.vi("mt.btn_roll"))
	h.wantContains(out, h.vi("mt.roll_line", "N", 3, "Name", "Võ Thị Bốn", "State", h.vi("close.rs_exempt_present"), "Dues", ""))
	mid := h.meetings()[0].ID
	h.press("sec", fmt.Sprintf("rla:%d:p", mid))
	h.now = h.ts(2026, 3, 3, 21, 15)
	h.press("sec", fmt.Sprintf("mt:%d:cl", mid))
	out = h.tap("sec", h.vi("close.btn_ok"))
	h.wantContains(out, h.vi("mt.sum_counts", "Total", 3, "Exempt", 1, "Expected", 2))
	h.wantContains(out, h.e.Cat.N("vi", "close.sum_exempt_present", 1))
	h.wantContains(out, h.vi("mt.sum_rate", "Rate", "100,0", "Verdict", h.vi("mt.meets")))
	doc := h.exportFile("sec", h.vi("exp.what_attendance", "Year", 2026), h.vi("exp.format_csv"))
	if !bytes.Contains(doc.Data, []byte("Võ Thị Bốn,CM,0,0,0,0,0,")) {
		t.Errorf("CSV does not show her present while exempt: %q", doc.Data)
	}
	out = h.say("sec", "/attendance")
	h.wantContains(out, h.vi("mt.att_cell_member", "Name", "Võ Thị Bốn", "Months", "CM"))
}

// Item 4: two meetings in December at 80 % each are two columns at 80 %,
// in the chat, the CSV, the workbook and the chart's data alike; Dung,
// excused at one and present at the other, shows P and C.
func TestClose_yearPerMeetingAgreesEverywhere(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Văn Bình", "Phạm Thị Chi", "Nguyễn Văn Dung")
	h.heldMeeting(h.ts(2026, 12, 3, 19, 30), storage.MeetingRegular, map[string]string{"nguyenvandung": "e"})
	h.heldMeeting(h.ts(2026, 12, 17, 19, 30), storage.MeetingExtra, map[string]string{"phamthichi": "u"})

	out := h.say("sec", "/attendance")
	for _, d := range []string{"03/12", "17/12"} {
		h.wantContains(out, d+" ")
	}
	if n := strings.Count(texts(out), "4/5 (80,0%)"); n != 2 {
		t.Errorf("chat shows %d meetings at 4/5 (80,0%%):\n%s", n, texts(out))
	}
	h.wantContains(out, h.vi("mt.att_cell_member", "Name", "Nguyễn Văn Dung", "Months", "P C"))
	h.wantContains(out, h.vi("mt.att_cell_member", "Name", "Phạm Thị Chi", "Months", "C K"))

	csv := h.exportFile("sec", h.vi("exp.what_attendance", "Year", 2026), h.vi("exp.format_csv"))
	if !bytes.Contains(csv.Data, []byte(`Nguyễn Văn Dung,P,C,1,1,0,0,2,"50,0%"`)) || !bytes.Contains(csv.Data, []byte(",03/12,17/12,")) {
		t.Errorf("CSV: %s", csv.Data)
	}
	if !bytes.Contains(csv.Data, []byte(`,Tỷ lệ,"0,8","0,8"`)) {
		t.Errorf("CSV rates are not 80%% each: %s", csv.Data)
	}
	xl := h.exportFile("sec", h.vi("exp.what_attendance", "Year", 2026), h.vi("exp.format_xlsx"))
	f, err := excelize.OpenReader(bytes.NewReader(xl.Data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, ref := range []string{"K5", "K6"} {
		if v, _ := f.GetCellValue("Các buổi sinh hoạt", ref); v != "80.0%" && v != "0.8" && v != "80%" {
			t.Errorf("meetings sheet %s = %q", ref, v)
		}
	}
	// The chart draws from the same data.
	if err := h.db.View(func(tx *storage.Tx) error {
		c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
		a, err := meetings.AttendanceYear(c, h.cell, 2026)
		if err != nil {
			return err
		}
		if len(a.Meetings) != 2 {
			return fmt.Errorf("chart has %d columns", len(a.Meetings))
		}
		for i, x := range a.Meetings {
			if r, ok := x.Rate(); !ok || r != 0.8 {
				return fmt.Errorf("chart rate %v %v", r, ok)
			}
			// The year equals the meetings: the marks of a column add up
			// to the counts stored with its meeting.
			var n [6]int
			for _, m := range a.Members {
				n[m.Marks[i]]++
			}
			if n[export.MarkPresent] != x.Present || n[export.MarkExcused] != x.Excused || n[export.MarkUnexcused] != x.Unexcused {
				return fmt.Errorf("column %d marks %v, meeting %+v", i, n, x)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Item 5: January's summary opened in June says what it said at close,
// though a member was excused four times in a row since.
func TestClose_verdictFrozenAtClose(t *testing.T) {
	h := newHarness(t)
	h.now = h.ts(2025, 12, 1, 9, 0)
	h.seedCell("Một", "Hai", "Ba", "Bốn", "Năm", "Sáu", "Bảy", "Tám")
	jan := h.heldMeeting(h.ts(2026, 1, 3, 19, 30), storage.MeetingRegular, nil)
	want := h.vi("mt.sum_standard", "Verdict", h.vi("mt.meets"))
	for mo := time.February; mo <= time.May; mo++ {
		h.heldMeeting(h.ts(2026, mo, 3, 19, 30), storage.MeetingRegular, map[string]string{"hai": "e"})
	}
	h.now = h.ts(2026, 6, 10, 9, 0)
	out := h.press("sec", fmt.Sprintf("mt:%d:s", jan))
	h.wantContains(out, want)
	if tl := h.meeting(jan).Tally; tl == nil || !tl.Standard || !tl.RateOK || tl.Present != 9 {
		t.Fatalf("stored tally %+v", tl)
	}
}

// Item 6: a meeting nobody was expected at has no rate and no points.
func TestClose_nobodyExpectedHasNoRate(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Võ Thị Bốn")
	for _, u := range []string{"sec", "vothibon"} {
		h.setStatus(u, storage.Status{Kind: storage.StatusExempt, Reason: "Tuổi cao"})
	}
	id := h.heldMeeting(h.ts(2026, 3, 3, 19, 30), storage.MeetingRegular, nil)
	out := h.press("sec", fmt.Sprintf("mt:%d:s", id))
	h.wantContains(out, h.vi("close.none_expected"))
	if strings.Contains(texts(out), "100,0") {
		t.Errorf("a rate is shown: %s", texts(out))
	}
	tl := h.meeting(id).Tally
	if tl == nil || tl.RateOK || tl.Standard {
		t.Fatalf("tally %+v", tl)
	}
	if p := meetings.AutoPoints(meetings.DefaultTemplate[1], *tl); p != 0 {
		t.Errorf("attendance points %d", p)
	}
	out = h.say("sec", "/attendance")
	h.wantContains(out, h.vi("close.att_meeting_none_expected", "Date", "03/03", "Kind", h.vi("mt.kind_regular")))
}

// Item 7: the length runs from the start the secretary confirms, not from
// when check-in opened; the minimum is the organization's rule.
func TestClose_confirmedTimesAndLengthRule(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An")
	h.openMeeting("03/03")
	h.now = h.ts(2026, 3, 3, 19, 35)
	h.tap("sec", h.vi("mt.btn_checkin"))
	mid := h.meetings()[0].ID
	h.press("sec", fmt.Sprintf("rla:%d:p", mid))
	h.now = h.ts(2026, 3, 3, 21, 5)
	out := h.press("sec", fmt.Sprintf("mt:%d:cl", mid))
	h.wantText(out, "vi", "close.ask_times", "Start", "19:30", "End", "21:05", "Minutes", 95)
	// Bad input is refused and changes nothing.
	before := h.snapshot("convs")
	h.wantText(h.say("sec", "25:99"), "vi", "close.bad_times")
	h.wantText(h.say("sec", "21:00 20:00"), "vi", "close.bad_order", "Now", "21:05")
	h.wantText(h.say("sec", "19:30 22:00"), "vi", "close.bad_order", "Now", "21:05")
	if h.snapshot("convs") != before {
		t.Fatal("refused times changed data")
	}
	out = h.say("sec", "19:40")
	h.wantText(out, "vi", "close.ask_times", "Start", "19:40", "End", "21:05", "Minutes", 85)
	out = h.say("sec", "19:30")
	h.wantText(out, "vi", "close.ask_times", "Start", "19:30", "End", "21:05", "Minutes", 95)
	out = h.tap("sec", h.vi("close.btn_ok"))
	h.wantContains(out, h.vi("mt.sum_duration", "Minutes", 95, "Need", 90, "Verdict", h.vi("mt.meets"), "Start", "19:30", "End", "21:05"))

	// A province that lets cells of fewer than 10 members meet 60 minutes.
	if err := h.db.Update(func(tx *storage.Tx) error {
		return tx.PutQualityTemplate(&storage.QualityTemplate{OrgID: h.cell.OrgID, Sections: meetings.DefaultTemplate,
			Length: &storage.MeetingLength{SmallBelow: 10, SmallRegular: 60}})
	}); err != nil {
		t.Fatal(err)
	}
	id := h.heldMeeting(h.ts(2026, 4, 8, 19, 30), storage.MeetingExtra, nil)
	out = h.press("sec", fmt.Sprintf("mt:%d:s", id))
	h.wantContains(out, h.vi("mt.sum_duration", "Minutes", 120, "Need", 60, "Verdict", h.vi("mt.meets"), "Start", "19:30", "End", "21:30"))
}

// Item 13: a cancelled regular month is offered a make-up day, shown as
// "không sinh hoạt" in the year, and keeps the year from Tốt.
func TestClose_cancelledMonth(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An")
	h.now = h.ts(2026, 1, 1, 9, 0)
	for mo := time.January; mo <= time.December; mo++ {
		if mo == time.May {
			continue
		}
		id := h.heldMeeting(h.ts(2026, mo, 3, 19, 30), storage.MeetingRegular, nil)
		if err := h.db.Update(func(tx *storage.Tx) error {
			mt, err := tx.Meeting(id)
			if err != nil {
				return err
			}
			mt.Score = &storage.QualityScore{Points: map[string]int{"all": 95}, By: 1, At: h.now}
			return tx.PutMeeting(mt)
		}); err != nil {
			t.Fatal(err)
		}
		if mo == time.April {
			// May's meeting is cancelled on 2 May; the secretary is offered another day.
			h.now = h.ts(2026, 5, 2, 9, 0)
			may := &storage.Meeting{CellID: h.cell.ID, Kind: storage.MeetingRegular, Month: "2026-05", At: h.ts(2026, 5, 3, 19, 30), State: storage.MeetingPlanned, Created: h.now}
			if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutMeeting(may) }); err != nil {
				t.Fatal(err)
			}
			h.event(chat.Event{Kind: chat.EventButton, User: "sec", Data: fmt.Sprintf("mt:%d:x", may.ID)})
			out := h.tap("sec", h.vi("mt.btn_cancel_yes"))
			h.wantText(out, "vi", "close.cancel_reschedule", "Month", "05/2026")
			out = h.tap("sec", h.vi("close.btn_reschedule"))
			h.wantText(out, "vi", "close.ask_reschedule", "Month", "05/2026", "Time", "19:30")
			h.wantText(h.say("sec", "03/06/2026"), "vi", "close.bad_reschedule", "Month", "05/2026")
			h.say("sec", "/cancel") // the secretary does not hold it after all
		}
	}
	h.now = h.ts(2026, 12, 31, 9, 0)
	out := h.press("sec", fmt.Sprintf("ml:%d:y", h.cell.ID))
	h.wantContains(out, h.vi("close.att_not_held", "Month", 5))
	h.wantContains(out, h.e.Cat.N("vi", "close.tally_missing", 1, "Months", "5"))
	h.now = h.ts(2027, 1, 5, 9, 0)
	out = h.press("sec", fmt.Sprintf("att:%d:2026", h.cell.ID))
	h.wantContains(out, h.vi("close.att_not_held", "Month", 5))
	if err := h.db.View(func(tx *storage.Tx) error {
		c := &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"}
		y, err := meetings.YearRecord(c, h.cell, 2026)
		if err != nil {
			return err
		}
		v := meetings.TallyVerdict(c, h.cell, y)
		if strings.Contains(v, h.vi("mt.tally_good", "Good", 11, "Count", 11)) || !strings.Contains(v, h.e.Cat.N("vi", "close.tally_missing", 1, "Months", "5")) {
			return fmt.Errorf("verdict %q", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A make-up day within the month makes a new regular meeting of the month.
func TestClose_rescheduleWithinMonth(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An")
	h.openMeeting("03/03")
	h.tap("sec", h.vi("mt.btn_cancel"))
	h.tap("sec", h.vi("mt.btn_cancel_yes"))
	h.tap("sec", h.vi("close.btn_reschedule"))
	out := h.tap("sec", "05/03")
	h.wantContains(out, h.vi("close.rescheduled", "When", "19:30 ngày 05/03/2026"))
	ms := h.meetings()
	if len(ms) != 3 || ms[1].State != storage.MeetingPlanned || ms[1].Month != "2026-03" || ms[0].State != storage.MeetingCancelled {
		t.Fatalf("meetings %+v", ms)
	}
	// The old button does nothing more.
	h.wantText(h.press("sec", fmt.Sprintf("mrs:%d", ms[0].ID)), "vi", "close.already_rescheduled")
}

// A change after closing is an amendment: stored with who, when and the
// counts before and after, audited, shown in the summary and the year.
func TestClose_amendment(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Phạm Thị Chi")
	id := h.heldMeeting(h.ts(2026, 3, 3, 19, 30), storage.MeetingRegular, map[string]string{"phamthichi": "u"})
	h.now = h.ts(2026, 3, 5, 8, 0)
	h.press("sec", fmt.Sprintf("rl:%d:%d:e", id, h.member("phamthichi").ID))
	mt := h.meeting(id)
	if len(mt.Amendments) != 1 || mt.Tally.Excused != 1 || mt.Tally.Unexcused != 0 {
		t.Fatalf("amendments %+v tally %+v", mt.Amendments, mt.Tally)
	}
	am := mt.Amendments[0]
	if am.By != h.member("sec").ID || am.From != storage.OutcomeUnexcused || am.To != storage.OutcomeExcused || am.Before.Unexcused != 1 {
		t.Fatalf("amendment %+v", am)
	}
	out := h.press("sec", fmt.Sprintf("mt:%d:s", id))
	h.wantContains(out, h.vi("close.amended_line", "At", "08:00 05/03/2026", "By", "Nguyễn Văn Bí Thư", "Name", "Phạm Thị Chi",
		"From", h.vi("mt.rs_unexcused"), "To", h.vi("mt.rs_excused"), "Before", 2, "After", 2, "Expected", 3))
	out = h.say("sec", "/attendance")
	h.wantContains(out, h.vi("close.att_amended"))
	out = h.say("sec", "/audit")
	h.wantContains(out, "Đồng chí Nguyễn Văn Bí Thư: sửa kết quả của Phạm Thị Chi sau khi kết thúc buổi sinh hoạt (họp 03/03/2026) – vắng không lý do → vắng có lý do")
}

// A meeting closed by the previous release has no stored tally: it shows
// the figures it showed then, computed from its frozen outcomes.
func TestClose_oldMeetingWithoutTally(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Phạm Thị Chi")
	sec, an, chi := h.member("sec").ID, h.member("tranvanan").ID, h.member("phamthichi").ID
	mt := &storage.Meeting{CellID: h.cell.ID, Kind: storage.MeetingRegular, Month: "2026-03", At: h.ts(2026, 3, 3, 19, 30),
		State: storage.MeetingClosed, Started: h.ts(2026, 3, 3, 19, 10), Ended: h.ts(2026, 3, 3, 21, 15), ClosedBy: sec, Created: h.now,
		Roll: map[uint64]*storage.Attendance{
			sec: {Mark: storage.MarkPresent, Outcome: storage.OutcomePresent},
			an:  {Mark: storage.MarkPresent, Outcome: storage.OutcomePresent},
			chi: {Mark: storage.MarkAbsent, Outcome: storage.OutcomeUnexcused},
		}}
	if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutMeeting(mt) }); err != nil {
		t.Fatal(err)
	}
	h.now = h.ts(2026, 6, 1, 9, 0)
	out := h.press("sec", fmt.Sprintf("mt:%d:s", mt.ID))
	for _, want := range []string{
		h.vi("mt.sum_counts", "Total", 3, "Exempt", 0, "Expected", 3),
		h.vi("mt.sum_attend", "Present", 2, "Excused", 0, "Unexcused", 1),
		h.vi("mt.sum_rate", "Rate", "66,7", "Verdict", h.vi("mt.fails")),
		h.vi("mt.sum_duration", "Minutes", 105, "Need", 90, "Verdict", h.vi("mt.meets"), "Start", "19:30", "End", "21:15"),
	} {
		h.wantContains(out, want)
	}
	csv := h.exportFile("sec", h.vi("exp.what_attendance", "Year", 2026), h.vi("exp.format_csv"))
	if !bytes.Contains(csv.Data, []byte("Phạm Thị Chi,K,")) {
		t.Errorf("CSV %s", csv.Data)
	}
}

// The length rule is part of the organization's quality template file,
// checked when the file is stored.
func TestClose_lengthRuleInTemplateFile(t *testing.T) {
	secs := `"sections":[{"id":"prep","max":15,"label":{"vi":"Chuẩn bị","en":"Preparation"}},{"id":"att","max":85,"auto":"attendance","label":{"vi":"Dự họp","en":"Attendance"}}]`
	tpl, err := meetings.ParseQualityTemplate([]byte(`{` + secs + `,"length":{"small_below":10,"small_regular":60,"small_combined":90}}`))
	if err != nil || tpl.Length == nil || tpl.Length.SmallRegular != 60 {
		t.Fatalf("template %+v: %v", tpl, err)
	}
	for _, bad := range []string{`{"regular":5}`, `{"combined":600}`, `{"small_below":10}`} {
		_, err := meetings.ParseQualityTemplate([]byte(`{` + secs + `,"length":` + bad + `}`))
		fe, ok := err.(*core.FormError)
		if !ok || !strings.HasPrefix(fe.MsgID, "close.err_length") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// An excuse accepted after the meeting closed is an amendment of it: the
// stored counts change with it, and the summary says who changed what.
func TestClose_excuseAcceptedAfterClosingIsAnAmendment(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	h.openMeeting("03/03")
	h.tap("sec", h.vi("mt.btn_notify"))
	h.tap("lethihai", h.vi("mt.btn_no"))
	h.say("lethihai", "1")
	mid := h.meetings()[0].ID
	h.now = h.ts(2026, 3, 3, 19, 40)
	h.press("sec", fmt.Sprintf("rla:%d:p", mid))
	h.now = h.ts(2026, 3, 3, 21, 15)
	h.press("sec", fmt.Sprintf("mt:%d:cl", mid))
	out := h.tap("sec", h.vi("close.btn_ok"))
	h.wantContains(out, h.vi("mt.sum_attend", "Present", 2, "Excused", 0, "Unexcused", 1))
	h.now = h.ts(2026, 3, 4, 8, 30)
	h.tap("sec", h.vi("mt.btn_accept"))
	mt := h.meeting(mid)
	if mt.Tally == nil || mt.Tally.Excused != 1 || mt.Tally.Unexcused != 0 || len(mt.Amendments) != 1 || mt.Amendments[0].What != "excuse" {
		t.Fatalf("tally %+v amendments %+v", mt.Tally, mt.Amendments)
	}
	out = h.press("sec", fmt.Sprintf("mt:%d:s", mid))
	h.wantContains(out, h.vi("mt.sum_attend", "Present", 2, "Excused", 1, "Unexcused", 0))
	h.wantContains(out, h.vi("close.amended_line", "At", "08:30 04/03/2026", "By", "Nguyễn Văn Bí Thư", "Name", "Lê Thị Hai",
		"From", h.vi("mt.rs_unexcused"), "To", h.vi("mt.rs_excused"), "Before", 2, "After", 2, "Expected", 3))
}
