package core

import (
	"hash/fnv"

	"chibo/storage"
)

// ChatLevels lists the users of a transport who see more than the members'
// menu (secretaries, deputies, group leaders, organization admins), by user
// id, with their level. It reads the role holders, not every member.
func ChatLevels(tx *storage.Tx, transport string) (map[string]MenuLevel, error) {
	out := map[string]MenuLevel{}
	for _, id := range append(tx.RoleHolders(), tx.CommuneHolders()...) {
		m, err := tx.Member(id)
		if err != nil {
			return nil, err
		}
		if user := m.Contacts[transport]; user != "" {
			if level := MenuLevelOf(tx, m); level != MenuMember {
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
