package flows

import (
	"chibo/flows/core"
	"fmt"
	"testing"

	"chibo/storage"
)

func TestPages_longListsFitTelegramsKeyboard(t *testing.T) {
	h := newHarness(t)
	var names []string
	for i := range 130 {
		names = append(names, fmt.Sprintf("Đảng Viên Số %03d", i+1))
	}
	h.seedCell(names...)
	out := h.say("sec", "/status")
	first := out[len(out)-1]
	n := len(first.Choices())
	if n > core.MaxButtons || n < core.PageSize {
		t.Fatalf("first page has %d buttons", n)
	}
	for _, row := range first.Buttons {
		if len(row) > core.MaxPerRow {
			t.Fatalf("a row of %d buttons", len(row))
		}
	}
	// Turning the page edits the message in place and shows the next members.
	out = h.tap("sec", "Trang sau › (2/3)")
	if len(out) != 1 || out[0].Text != first.Text || out[0].Choices()[0].Label != "Đảng Viên Số 048" {
		t.Fatalf("page 2: %+v", out)
	}
	// A member on page 2 is chosen as from page 1 (the secretary is member 1 of the list).
	out = h.tap("sec", "Đảng Viên Số 050")
	h.wantContains(out, "Đảng Viên Số 050")
	h.tap("sec", "miễn công tác và sinh hoạt đảng")
	h.tap("sec", "Hôm nay")
	h.say("sec", "Tuổi cao")
	h.tap("sec", "Xác nhận")
	if m := h.member(userOf("Đảng Viên Số 050")); m.Status.Kind != storage.StatusExempt {
		t.Fatalf("status %+v", m.Status)
	}
	// A typed number refers to the buttons shown (a transport without buttons).
	h.say("sec", "/status")
	h.tap("sec", "Trang sau › (2/3)")
	out = h.say("sec", "3")
	h.wantContains(out, "Đảng Viên Số 050")
}
