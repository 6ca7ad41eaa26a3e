package members

import (
	"chibo/flows/core"
	"errors"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// MarkUnreachable records that the messenger refused messages to user (they
// blocked the bot), so secretaries see it in lists and summaries. The outbox
// sender calls it in the transaction that marks the message failed. A user
// who is not a member (or a group chat) is ignored.
func MarkUnreachable(tx store, transport, user string, now time.Time) error {
	m, err := tx.MemberByContact(transport, user)
	if errors.Is(err, storage.ErrNotFound) {
		return unlinkGroup(tx, transport, user)
	}
	if err != nil {
		return err
	}
	if !m.Unreachable.IsZero() {
		return nil
	}
	m.Unreachable = now
	return tx.PutMember(m)
}

func registerGroups(e *core.Engine) {
	e.Command(&core.Command{Name: "linkgroup", Need: core.NeedLeader, HelpID: "help.linkgroup", MenuID: "menu.linkgroup", Run: runLinkGroup})
	e.OnMembership(onMembership)
}

// runLinkGroup links the group chat it is sent in to the cell the caller
// leads, so meeting notices also go there.
func runLinkGroup(c *core.Ctx, _ string) error {
	if c.Ev.ChatKind != chat.ChatGroup {
		c.Say("group.only_in_group")
		return nil
	}
	cells := c.Me.LedCells()
	cell, err := db(c).Cell(cells[0])
	if err != nil {
		return err
	}
	if cell.GroupChats[c.Ev.Transport] == c.Ev.Chat {
		c.Say("group.already_linked", "Cell", cell.Name)
		return nil
	}
	if cell.GroupChats == nil {
		cell.GroupChats = map[string]string{}
	}
	cell.GroupChats[c.Ev.Transport] = c.Ev.Chat
	if err := db(c).PutCell(cell); err != nil {
		return err
	}
	if err := c.Audit("group_link", cell.ID, 0, nil, map[string]string{"transport": c.Ev.Transport, "chat": c.Ev.Chat}); err != nil {
		return err
	}
	c.Say("group.linked", "Cell", cell.Name)
	return nil
}

// unlinkGroup forgets a group chat the bot was removed from.
func unlinkGroup(tx store, transport, chat string) error {
	cells, err := tx.Cells()
	if err != nil {
		return err
	}
	for _, cell := range cells {
		if cell.GroupChats[transport] != chat {
			continue
		}
		delete(cell.GroupChats, transport)
		if err := tx.PutCell(&cell); err != nil {
			return err
		}
	}
	return nil
}

// onMembership handles the bot being added to or removed from a chat.
func onMembership(c *core.Ctx) error {
	if c.Ev.Kind == chat.EventBotRemoved {
		if c.Ev.ChatKind == chat.ChatGroup {
			return unlinkGroup(db(c), c.Ev.Transport, c.Ev.Chat)
		}
		return MarkUnreachable(db(c), c.Ev.Transport, c.Ev.User, c.Now)
	}
	if c.Ev.ChatKind == chat.ChatGroup {
		c.Say("group.hello")
	}
	return nil
}

// CkGroupLeader is the id of the leader who follows the member's check-ins,
// or 0: the leader of their far-away group (a tổ đảng across the
// organization's cells) when they are in one, else of their cell's group.
func CkGroupLeader(tx store, m *storage.Member) uint64 {
	if g, err := tx.FarGroupOf(m.ID); err == nil {
		return g.LeaderID
	}
	if m.GroupID == 0 {
		return 0
	}
	g, err := tx.Group(m.GroupID)
	if err != nil {
		return 0
	}
	return g.LeaderID
}
