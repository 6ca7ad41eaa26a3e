package core

import (
	"hash/fnv"
	"time"

	"chibo/storage"
)

// ChatLevels lists the users of a transport who see more than the members'
// menu (secretaries, deputies, group leaders, organization admins, the
// commune's committee), by user id, with their level at now. It reads the
// role holders, not every member.
func ChatLevels(tx *storage.Tx, transport string, now time.Time) (map[string]MenuLevel, error) {
	out := map[string]MenuLevel{}
	for _, id := range append(tx.RoleHolders(), tx.CommuneHolders()...) {
		m, err := tx.Member(id)
		if err != nil {
			return nil, err
		}
		if user := m.Contacts[transport]; user != "" {
			if level := MenuLevelOf(tx, m, now); level != MenuMember {
				out[user] = level
			}
		}
	}
	return out, nil
}

// MenuStamp is what is remembered of a menu set in a chat: its level and a
// hash of its commands in each of langs, so that a chat whose menu is
// already right is not sent it again, and a release that changes a menu
// sends the new one.
func (e *Engine) MenuStamp(level MenuLevel, langs []string) []byte {
	h := fnv.New64a()
	for _, lang := range langs {
		for _, it := range e.Menu(lang, level) {
			h.Write([]byte(lang + "\x00" + it.Command + "\x00" + it.Description + "\x00"))
		}
	}
	return h.Sum([]byte{byte(level)})
}

// MenuItem is one command in a messenger's "/" menu.
type MenuItem struct {
	Command     string // without the slash
	Description string
}

// MenuLevel is what a person's command menu holds beyond everyone's: a set
// of roles, since an organization admin need not lead a cell.
type MenuLevel uint8

// MenuLevelOf is the menu level of a member at now: a commune role counts
// from its first day to its last.
func MenuLevelOf(tx *storage.Tx, m *storage.Member, now time.Time) MenuLevel {
	var l MenuLevel
	if len(m.LedCells()) > 0 {
		l |= MenuLeader
	} else if LeadsGroup(tx, m) {
		l |= MenuGroupLeader
	}
	if len(m.AdminOf) > 0 {
		l |= MenuAdmin
	}
	if tx.HoldsCommuneRole(m.ID, now) {
		l |= MenuCommune
	}
	return l
}

// Menu lists the commands for the messenger's "/" menu in lang: those the
// roles in level may run, in the order /help gives them.
func (e *Engine) Menu(lang string, level MenuLevel) []MenuItem {
	var items []MenuItem
	for _, name := range e.order {
		cmd := e.commands[name]
		var needs MenuLevel // roles of which any one may run cmd
		switch cmd.Need {
		case NeedAdmin:
			needs = MenuAdmin
		case NeedLeader:
			needs = MenuLeader
		case NeedLeaderOrAdmin:
			needs = MenuLeader | MenuAdmin
		case NeedCommune:
			needs = MenuCommune | MenuAdmin
		case NeedGroupLeader:
			needs = MenuGroupLeader | MenuLeader
		}
		if needs != 0 && level&needs == 0 {
			continue
		}
		items = append(items, MenuItem{Command: name, Description: e.Cat.T(lang, cmd.MenuID)})
	}
	return items
}

// The roles a menu is made for; MenuMember (no role) is everyone's menu.
const (
	MenuMember      MenuLevel = 0
	MenuGroupLeader MenuLevel = 1 << (iota - 1) // group leaders (tổ trưởng)
	MenuLeader                                  // secretaries and deputies
	MenuAdmin                                   // organization admins
	MenuCommune                                 // the commune committee's members
)
