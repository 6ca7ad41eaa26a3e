package flows

import (
	"chibo/flows/core"
	"fmt"
	"testing"

	"chibo/storage"
)

// TestInput_wordsPeopleType: "hủy", "huỷ" and "thôi" cancel; "có" and
// "không" answer yes/no buttons; a command typed in the middle of a
// conversation says which one was left; text a waiting menu does not
// understand shows the menu again.
func TestInput_wordsPeopleType(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	for _, word := range []string{"hủy", "Huỷ", "thôi", "HUY"} {
		h.say("tranvanmot", "/lang")
		h.wantText(h.say("tranvanmot", word), "vi", "cancel.done")
		h.wantText(h.say("tranvanmot", "1"), "vi", "err.stale_button") // the question is gone
	}
	// "Thới" is a place, not "thôi".
	if out := h.say("tranvanmot", "Thới"); len(out) != 1 || out[0].Text == h.vi("cancel.done") {
		t.Fatalf("a place name cancelled: %q", texts(out))
	}

	// "không" answers the confirmation of /forget: nothing is erased.
	h.say("lethihai", "/forget")
	h.wantText(h.say("lethihai", "không"), "vi", "cancel.done")
	if h.member("lethihai").Name != "Lê Thị Hai" {
		t.Fatal("\"không\" erased the member")
	}

	// "có" answers a meeting notice.
	mt := h.meetings()
	if len(mt) == 0 {
		h.due()
		mt = h.meetings()
	}
	h.press("sec", fmt.Sprintf("mt:%d:n", mt[0].ID))
	h.say("tranvanmot", "có")
	if a := h.meetings()[0].Roll[h.member("tranvanmot").ID]; a == nil || a.RSVP != storage.RSVPYes {
		t.Fatalf("\"có\" did not answer the notice: %+v", a)
	}

	// A command in the middle of a conversation says what was left.
	h.say("tranvanmot", "/lang")
	out := h.say("tranvanmot", "/me")
	h.wantText(out[:1], "vi", "input.left", "What", h.vi("flow.lang"))

	// Text a waiting menu does not understand shows the menu again.
	menu := h.say("sec", "/meeting")
	out = h.say("sec", "xem lịch")
	h.wantText(out, "vi", "input.pick_from_menu")
	if got, want := len(out[0].Choices()), len(menu[len(menu)-1].Choices()); got != want || got == 0 {
		t.Fatalf("the menu shown again has %d choices, want %d", got, want)
	}
}

// TestInput_everyFlowHasATitle: a command typed in the middle of any flow
// can say, in words, what was left.
func TestInput_everyFlowHasATitle(t *testing.T) {
	h := newHarness(t)
	for name := range h.e.Flows {
		if _, ok := core.FlowTitles[name]; !ok {
			t.Errorf("flow %q has no title in flowTitles", name)
		}
	}
}
