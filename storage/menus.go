package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Who sees more than the members' menu, and which menu each chat was last
// given (schema 6): a start or a role change reads these, never every member.

// holdsRole reports whether m has a role beyond member: secretary, deputy,
// group leader or organization admin.
func holdsRole(m *Member) bool {
	if len(m.AdminOf) > 0 {
		return true
	}
	for _, r := range m.Roles {
		if r.Role != RoleMember {
			return true
		}
	}
	return false
}

// indexRoleHolder keeps m's entries in the indexes of role holders and of
// the leaders of each cell in step (PutMember deleted the old ones of the
// cells m led). held says m held a role before; a change to a member who
// holds or held one, or leads a group, may change their menu.
func (tx *Tx) indexRoleHolder(m *Member, held bool) error {
	if held || holdsRole(m) || tx.leadsAnyGroup(m.ID) {
		if err := tx.menusChanged(); err != nil {
			return err
		}
	}
	for _, cellID := range m.LedCells() {
		if err := tx.tx.Bucket(bucketCellLeaders).Put(homeKey(cellID, m.ID), nil); err != nil {
			return err
		}
	}
	b := tx.tx.Bucket(bucketRoleHolders)
	if holdsRole(m) {
		return b.Put(itob(m.ID), nil)
	}
	return b.Delete(itob(m.ID))
}

// CellLeaders lists the secretaries and deputies of the cell, in id order.
func (tx *Tx) CellLeaders(cellID uint64) ([]Member, error) {
	return indexed(tx, bucketCellLeaders, cellID, tx.Member, "leader %d of cell %d")
}

// leadsAnyGroup reports whether the member leads a group.
func (tx *Tx) leadsAnyGroup(memberID uint64) bool {
	k, _ := tx.tx.Bucket(bucketLeaders).Cursor().Seek(itob(memberID))
	return k != nil && bytes.HasPrefix(k, itob(memberID))
}

// menusChanged notes that someone's menu may have changed.
func (tx *Tx) menusChanged() error {
	_, err := tx.tx.Bucket(bucketRoleHolders).NextSequence()
	return err
}

// MenusVersion changes whenever a change to a member or a group may have
// changed someone's menu: a look at the menus can be skipped while it stays
// the same.
func (tx *Tx) MenusVersion() uint64 { return tx.tx.Bucket(bucketRoleHolders).Sequence() }

// RoleHolders lists, in id order, the members who may see more than the
// members' menu: those with a role beyond member and the leaders of groups.
func (tx *Tx) RoleHolders() []uint64 {
	var ids []uint64
	c := tx.tx.Bucket(bucketRoleHolders).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		ids = append(ids, btoi(k))
	}
	c = tx.tx.Bucket(bucketLeaders).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Seek(itob(btoi(k[:8]) + 1)) {
		ids = append(ids, btoi(k[:8]))
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// indexRoleHolders builds the indexes of role holders and of each cell's
// leaders, which schema 5 did not have: finding them read every member.
func indexRoleHolders(tx *bolt.Tx) error {
	idx, leaders := tx.Bucket(bucketRoleHolders), tx.Bucket(bucketCellLeaders)
	return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("member %x: %w", k, err)
		}
		for _, cellID := range m.LedCells() {
			if err := leaders.Put(homeKey(cellID, m.ID), nil); err != nil {
				return err
			}
		}
		if !holdsRole(&m) {
			return nil
		}
		return idx.Put(k, nil)
	})
}

// ChatMenu returns what was recorded of the menu last set in a chat, or nil.
func (tx *Tx) ChatMenu(transport, chat string) []byte {
	return bytes.Clone(tx.tx.Bucket(bucketChatMenus).Get([]byte(contactKey(transport, chat))))
}

// PutChatMenu records the menu set in a chat.
func (tx *Tx) PutChatMenu(transport, chat string, v []byte) error {
	return tx.tx.Bucket(bucketChatMenus).Put([]byte(contactKey(transport, chat)), v)
}

// ChatMenus returns the menus recorded for the chats of a transport, by chat.
func (tx *Tx) ChatMenus(transport string) map[string][]byte {
	out := map[string][]byte{}
	prefix := []byte(transport + ":")
	c := tx.tx.Bucket(bucketChatMenus).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		out[string(k[len(prefix):])] = bytes.Clone(v)
	}
	return out
}
