package flows

import (
	"strings"
	"testing"
	"time"
)

// Dates as people type them (issue 12): the question's example is computed
// from today, "20/03" is the next 20/03, "31/02" names the month, and an
// ISO date from a phone's date picker is understood.
func TestMeetings_newMeetingDateAsTyped(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một")
	h.now = time.Date(2026, 3, 10, 9, 0, 0, 0, h.zone)
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_new_thematic"))
	out := h.say("sec", "Chuyên đề về xây dựng Đảng")
	h.wantText(out, "vi", "mt.ask_date", "Example", "17/03/2026")
	h.wantText(h.say("sec", "31/02"), "vi", "err.date_no_day", "Month", 2, "Day", 31)
	h.wantContains(h.say("sec", "ngày mai"), "ví dụ 17/03/2026")
	h.say("sec", "20/03")
	h.tap("sec", "19:30")
	h.say("sec", "Hội trường xã")
	if at := h.meetingOn("Chuyên đề về xây dựng Đảng"); !at.Equal(time.Date(2026, 3, 20, 19, 30, 0, 0, h.zone)) {
		t.Fatalf("20/03 typed on 10/03/2026 scheduled %v", at)
	}
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_new_thematic"))
	h.say("sec", "Chuyên đề hai")
	h.say("sec", "2026-04-21")
	h.tap("sec", "19:30")
	h.say("sec", "Hội trường xã")
	if at := h.meetingOn("Chuyên đề hai"); !at.Equal(time.Date(2026, 4, 21, 19, 30, 0, 0, h.zone)) {
		t.Fatalf("2026-04-21 scheduled %v", at)
	}
}

// meetingOn is when the meeting with topic is, zero when there is none.
func (h *harness) meetingOn(topic string) time.Time {
	for _, mt := range h.meetings() {
		if mt.Topic == topic {
			return mt.At
		}
	}
	return time.Time{}
}

// When the buttons are values (scores, days), a typed number is the value,
// never the position of a button: "5" on the report-day buttons is day 5,
// not the fifth button (day 20), and the buttons show the values only.
func TestInput_typedValueIsTheValue(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.say("sec", "/checkinsettings")
	out := h.tap("sec", "Ngày báo cáo")
	q := out[len(out)-1]
	if got := q.Choices(); len(got) < 2 || got[0].Label != "1" || got[1].Label != "5" {
		t.Fatalf("day buttons %+v", got)
	}
	h.say("sec", "5")
	if d := h.checkinSettings().Day; d != 5 {
		t.Fatalf("typed 5: report day %d", d)
	}
}

// Free text says its limit, and a place must have letters (issue 12).
func TestInput_freeTextLimitAndPlaceLetters(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một")
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_new_thematic"))
	h.wantText(h.say("sec", strings.Repeat("Nội dung dài ", 60)), "vi", "mt.topic_too_long", "Max", 200)
	h.say("sec", "Chuyên đề về xây dựng Đảng")
	h.say("sec", "20/03/2026")
	h.tap("sec", "19:30")
	h.wantText(h.say("sec", "😀😀"), "vi", "err.place_letters", "Max", 200)
	h.wantText(h.say("sec", "12345"), "vi", "err.place_letters", "Max", 200)
	h.wantText(h.say("sec", strings.Repeat("Hội trường ", 30)), "vi", "err.reason_too_long", "Max", 200)
	if !h.meetingOn("Chuyên đề về xây dựng Đảng").IsZero() {
		t.Fatal("a meeting was made with a place that is not one")
	}
	h.say("sec", "Hội trường xã")
	if h.meetingOn("Chuyên đề về xây dựng Đảng").IsZero() {
		t.Fatal("no meeting after a real place")
	}
}
