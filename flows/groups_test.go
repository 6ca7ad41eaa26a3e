package flows

import (
	"chibo/flows/members"
	"strings"
	"testing"

	"chibo/flows/chat"
	"chibo/storage"
)

func TestLinkGroup(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	group := chat.Event{Kind: chat.EventText, Chat: "-1001", ChatKind: chat.ChatGroup}

	ev := group
	ev.User, ev.Text = "tranthibinh", "/linkgroup"
	h.wantText(h.event(ev), "vi", "err.leaders_only")
	h.wantText(h.say("sec", "/linkgroup"), "vi", "group.only_in_group")

	ev.User = "sec"
	h.wantText(h.event(ev), "vi", "group.linked", "Cell", "Chi bộ Thử")
	h.wantText(h.event(ev), "vi", "group.already_linked", "Cell", "Chi bộ Thử")
	cell := func() *storage.Cell {
		var c *storage.Cell
		_ = h.db.View(func(tx *storage.Tx) error { c, _ = tx.Cell(h.cell.ID); return nil })
		return c
	}
	if cell().GroupChats[tr] != "-1001" {
		t.Fatalf("group not linked: %+v", cell())
	}
	removed := group
	removed.Kind, removed.User, removed.Text = chat.EventBotRemoved, "sec", ""
	h.event(removed)
	if len(cell().GroupChats) != 0 {
		t.Fatalf("group still linked after the bot was removed: %+v", cell().GroupChats)
	}
}

func TestUnreachable_shownAndCleared(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	err := h.db.Update(func(tx *storage.Tx) error { return members.MarkUnreachable(tx, tr, "tranthibinh", h.now) })
	if err != nil {
		t.Fatal(err)
	}
	list := h.say("sec", "/members")[0].Text
	if !strings.Contains(list, h.T("vi", "members.unreachable", "Date", "01/03/2026")) {
		t.Fatalf("the list does not show who cannot be reached:\n%s", list)
	}
	h.say("tranthibinh", "/help") // writing again means they unblocked the bot
	if !h.member("tranthibinh").Unreachable.IsZero() {
		t.Fatal("still marked unreachable after writing")
	}
	// A stranger's chat blocking the bot changes nothing.
	before := h.snapshot()
	if err := h.db.Update(func(tx *storage.Tx) error { return members.MarkUnreachable(tx, tr, "nobody", h.now) }); err != nil {
		t.Fatal(err)
	}
	if h.snapshot() != before {
		t.Fatal("a stranger's block changed stored data")
	}
}
