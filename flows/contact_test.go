package flows

import (
	"chibo/flows/chat"
	"testing"

	"chibo/storage"
)

// An account that became another member's while its owner was registering
// (a link code from /me typed in another private chat of the same account)
// gets a clear answer when the registration ends, and nothing is stored:
// before, the contact conflict was an internal error.
func TestRegistration_accountTakenMeanwhile(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Lê Văn Em")
	tok := h.inviteToken()
	h.names["em"] = "Hoàng Văn Em"
	h.say("em", "/start "+tok)
	h.tap("em", "Đúng")
	h.tap("em", "Tôi đồng ý")

	h.say("levanem", "/me")
	code := h.codeIn(h.tap("levanem", "Liên kết ứng dụng nhắn tin khác"))
	out := h.event(chat.Event{Kind: chat.EventText, User: "em", Chat: "em-2", Text: code, UserName: "Hoàng Văn Em"})
	h.wantText(out, "vi", "zalo.link_done", "Name", "Lê Văn Em", "Transport", tr)
	before := h.snapshot("convs")

	out = h.tap("em", "Tiếng Việt")
	h.wantText(out, "vi", "reg.contact_taken")
	if h.snapshot("convs") != before {
		t.Error("the refused registration changed stored data")
	}
	if ms := h.membersOf(h.cell.ID); len(ms) != 2 { // the secretary and Lê Văn Em
		t.Errorf("%d members, want 2: %+v", len(ms), ms)
	}
}

func (h *harness) membersOf(cellID uint64) []storage.Member {
	h.t.Helper()
	var ms []storage.Member
	if err := h.db.View(func(tx *storage.Tx) (err error) {
		ms, err = tx.Members(cellID)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return ms
}
