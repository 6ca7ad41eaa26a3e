package flows

import (
	"fmt"
	"strings"
	"testing"

	"chibo/flows/chat"
	"chibo/flows/core"

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
	if n > core.DefaultCaps.MaxButtons || n < core.PageSize {
		t.Fatalf("first page has %d buttons", n)
	}
	for _, row := range first.Buttons {
		if len(row) > core.DefaultCaps.MaxPerRow {
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

// A messenger that takes fewer buttons and shorter texts than Telegram
// gets pages and limits from its own Caps, not from Telegram's numbers.
func TestPages_fromTheTransportsCaps(t *testing.T) {
	h := newHarness(t)
	h.caps = map[string]chat.Caps{tr: {MaxText: 200, Buttons: true, MaxButtons: 10, MaxPerRow: 3, ButtonData: 64}}
	h.restart()
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("Đảng Viên Số %03d", i+1))
	}
	h.seedCell(names...)
	seen := map[string]bool{}
	out := h.say("sec", "/status")
	for page := 1; ; page++ {
		m := out[len(out)-1]
		if n := len(m.Choices()); n > 10 {
			t.Fatalf("page %d has %d buttons, the transport takes 10", page, n)
		}
		next := ""
		for _, row := range m.Buttons {
			if len(row) > 3 {
				t.Fatalf("page %d has a row of %d buttons, the transport takes 3", page, len(row))
			}
			for _, b := range row {
				if strings.HasPrefix(b.Label, "Trang sau") {
					next = b.Label
				} else if strings.HasPrefix(b.Label, "Đảng Viên Số") {
					seen[b.Label] = true
				}
			}
		}
		if next == "" {
			break
		}
		if page > 10 {
			t.Fatal("the pages never end")
		}
		out = h.tap("sec", next)
	}
	if len(seen) != 30 {
		t.Errorf("the pages show %d of the 30 members", len(seen))
	}
	// A member on a later page is chosen by its label.
	h.wantContains(h.tap("sec", "Đảng Viên Số 030"), "Đảng Viên Số 030")

	// Text longer than the transport's messages is refused with its limit.
	h.say("sec", "/cancel")
	out = h.say("sec", strings.Repeat("a", 201))
	h.wantText(out, "vi", "err.too_long", "Max", 200)
}

// A button whose data is longer than the transport it goes to takes is a
// fault: nothing is sent or stored, whatever Telegram would take.
func TestEngine_buttonDataFromCaps(t *testing.T) {
	h := newHarness(t)
	h.caps = map[string]chat.Caps{tr: {MaxText: 4096, Buttons: true, MaxButtons: 100, MaxPerRow: 8, ButtonData: 10}}
	h.restart()
	h.seedCell()
	before := h.snapshot("convs")
	err := h.db.Update(func(tx *storage.Tx) error {
		// The language question's buttons carry "c:<nonce>:vi", 11 bytes.
		_, err := h.e.Handle(tx, chat.Event{Key: "k1", Transport: tr, Kind: chat.EventText, Chat: "sec", ChatKind: chat.ChatPrivate, User: "sec", Text: "/lang"})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "over 10 bytes") {
		t.Fatalf("Handle = %v, want a fault for button data over 10 bytes", err)
	}
	if after := h.snapshot("convs"); after != before {
		t.Errorf("a conversation was stored:\n%s", after)
	}
}
