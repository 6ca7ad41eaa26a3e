package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Tx is a transaction with typed accessors. It is valid only inside the
// function given to DB.Update, DB.Batch or DB.View; records it returns are
// copies and stay valid after it.
type Tx struct {
	tx *bolt.Tx
}

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

func contactKey(transport, user string) string { return transport + ":" + user }

func getJSON[T any](b *bolt.Bucket, key []byte) (*T, error) {
	v := b.Get(key)
	if v == nil {
		return nil, ErrNotFound
	}
	var rec T
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("decode %x: %w", key, err)
	}
	return &rec, nil
}

func putJSON(b *bolt.Bucket, key []byte, rec any) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

// nextID assigns the next id of a bucket's sequence to *id when it is 0.
func nextID(b *bolt.Bucket, id *uint64) error {
	if *id != 0 {
		return nil
	}
	n, err := b.NextSequence()
	*id = n
	return err
}

func listJSON[T any](b *bolt.Bucket, keep func(*T) bool) ([]T, error) {
	var out []T
	err := b.ForEach(func(k, v []byte) error {
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode %x: %w", k, err)
		}
		if keep == nil || keep(&rec) {
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}

// Org returns the organization with the id.
func (tx *Tx) Org(id uint64) (*Organization, error) {
	return getJSON[Organization](tx.tx.Bucket(bucketOrgs), itob(id))
}

// PutOrg stores o, assigning an id when o.ID is 0.
func (tx *Tx) PutOrg(o *Organization) error {
	b := tx.tx.Bucket(bucketOrgs)
	if err := nextID(b, &o.ID); err != nil {
		return err
	}
	return putJSON(b, itob(o.ID), o)
}

// Orgs lists every organization.
func (tx *Tx) Orgs() ([]Organization, error) {
	return listJSON[Organization](tx.tx.Bucket(bucketOrgs), nil)
}

// Cell returns the cell with the id.
func (tx *Tx) Cell(id uint64) (*Cell, error) {
	return getJSON[Cell](tx.tx.Bucket(bucketCells), itob(id))
}

// PutCell stores c, assigning an id when c.ID is 0. The organization must exist.
func (tx *Tx) PutCell(c *Cell) error {
	if _, err := tx.Org(c.OrgID); err != nil {
		return fmt.Errorf("cell's organization %d: %w", c.OrgID, err)
	}
	b := tx.tx.Bucket(bucketCells)
	idx := tx.tx.Bucket(bucketOrgCells)
	var was *Cell
	if c.ID != 0 {
		if old, err := tx.Cell(c.ID); err == nil {
			was = old
			if old.OrgID != c.OrgID {
				if err := tx.reindexCellNames(c.ID, old.OrgID, c.OrgID); err != nil {
					return err
				}
				if err := idx.Delete(pairKey(old.OrgID, c.ID)); err != nil {
					return err
				}
			}
		}
	}
	if err := nextID(b, &c.ID); err != nil {
		return err
	}
	if err := idx.Put(pairKey(c.OrgID, c.ID), nil); err != nil {
		return err
	}
	if err := tx.TouchCell(c.ID); err != nil {
		return err
	}
	if was == nil || was.Name != c.Name {
		if err := reindexCellName(tx.tx, was, c); err != nil {
			return err
		}
	}
	return putJSON(b, itob(c.ID), c)
}

// Cells lists every cell.
func (tx *Tx) Cells() ([]Cell, error) {
	return listJSON[Cell](tx.tx.Bucket(bucketCells), nil)
}

// CellIDsAfter lists up to limit cell ids greater than after, in order, for
// work done over every cell a batch at a time.
func (tx *Tx) CellIDsAfter(after uint64, limit int) []uint64 {
	var out []uint64
	c := tx.tx.Bucket(bucketCells).Cursor()
	for k, _ := c.Seek(itob(after + 1)); k != nil && len(out) < limit; k, _ = c.Next() {
		out = append(out, btoi(k))
	}
	return out
}

// Group returns the group with the id.
func (tx *Tx) Group(id uint64) (*Group, error) {
	return getJSON[Group](tx.tx.Bucket(bucketGroups), itob(id))
}

// PutGroup stores g, assigning an id when g.ID is 0, and keeps the indexes
// of groups by cell and by leader in step.
func (tx *Tx) PutGroup(g *Group) error {
	b := tx.tx.Bucket(bucketGroups)
	if g.ID != 0 {
		if old, err := tx.Group(g.ID); err == nil {
			if err := tx.unindexGroup(old); err != nil {
				return err
			}
		}
	}
	if err := nextID(b, &g.ID); err != nil {
		return err
	}
	if err := tx.indexGroup(g); err != nil {
		return err
	}
	if err := tx.menusChanged(); err != nil {
		return err
	}
	if err := tx.TouchCell(g.CellID); err != nil {
		return err
	}
	return putJSON(b, itob(g.ID), g)
}

// Groups lists the groups of a cell, in id order, through the index.
func (tx *Tx) Groups(cellID uint64) ([]Group, error) {
	return indexed(tx, bucketGroupCells, cellID, tx.Group, "group %d of cell %d")
}

// Member returns the member with the id.
func (tx *Tx) Member(id uint64) (*Member, error) {
	return getJSON[Member](tx.tx.Bucket(bucketMembers), itob(id))
}

// PutMember stores m, assigning an id when m.ID is 0, and keeps the contacts
// index in step with m.Contacts. A contact of another member's is
// ErrContactTaken, and then nothing is written.
func (tx *Tx) PutMember(m *Member) error {
	b := tx.tx.Bucket(bucketMembers)
	idx := tx.tx.Bucket(bucketContacts)
	// Checked before any write, so that a caller that answers the conflict
	// and commits leaves no half-stored member.
	for t, u := range m.Contacts {
		k := []byte(contactKey(t, u))
		if owner := idx.Get(k); owner != nil && btoi(owner) != m.ID {
			return fmt.Errorf("contact %s of member %d: %w", k, btoi(owner), ErrContactTaken)
		}
	}
	homes := tx.tx.Bucket(bucketHomes)
	held := false // whether the member held a role before this change
	var was *Member
	if m.ID != 0 {
		if old, err := tx.Member(m.ID); err == nil {
			was = old
			held = holdsRole(old)
			for t, u := range old.Contacts {
				if m.Contacts[t] != u {
					if err := idx.Delete([]byte(contactKey(t, u))); err != nil {
						return err
					}
				}
			}
			if old.HomeCellID != m.HomeCellID && old.HomeCellID != 0 {
				if err := homes.Delete(homeKey(old.HomeCellID, m.ID)); err != nil {
					return err
				}
				if err := tx.TouchCell(old.HomeCellID); err != nil {
					return err
				}
			}
			if err := tx.tx.Bucket(bucketPeriodCells).Delete(homeKey(old.HomeCellID, m.ID)); err != nil {
				return err
			}
			for _, cellID := range old.LedCells() {
				if err := tx.tx.Bucket(bucketCellLeaders).Delete(homeKey(cellID, m.ID)); err != nil {
					return err
				}
			}
		}
	}
	if err := nextID(b, &m.ID); err != nil {
		return err
	}
	if err := tx.indexRoleHolder(m, held); err != nil {
		return err
	}
	if hasPeriodStatus(m) {
		if err := tx.tx.Bucket(bucketPeriodCells).Put(homeKey(m.HomeCellID, m.ID), nil); err != nil {
			return err
		}
	}
	if m.HomeCellID != 0 {
		if err := homes.Put(homeKey(m.HomeCellID, m.ID), nil); err != nil {
			return err
		}
	}
	if err := tx.touchMemberCells(m.ID, m.HomeCellID); err != nil {
		return err
	}
	for t, u := range m.Contacts {
		if err := idx.Put([]byte(contactKey(t, u)), itob(m.ID)); err != nil {
			return err
		}
	}
	if was == nil || was.Name != m.Name || was.HomeCellID != m.HomeCellID {
		if err := reindexName(tx.tx, was, m); err != nil {
			return err
		}
	}
	return putJSON(b, itob(m.ID), m)
}

// MemberByContact finds the member with that user id on that transport.
func (tx *Tx) MemberByContact(transport, user string) (*Member, error) {
	id := tx.tx.Bucket(bucketContacts).Get([]byte(contactKey(transport, user)))
	if id == nil {
		return nil, ErrNotFound
	}
	return tx.Member(btoi(id))
}

// Members lists the members whose home cell is cellID, in id order.
func (tx *Tx) Members(cellID uint64) ([]Member, error) {
	return indexed(tx, bucketHomes, cellID, tx.Member, "member %d of cell %d")
}

// homeKey is a key of the index of members by home cell.
func homeKey(cellID, memberID uint64) []byte {
	return append(itob(cellID), itob(memberID)...)
}

// AllMembers lists every member, in id order.
func (tx *Tx) AllMembers() ([]Member, error) {
	return listJSON[Member](tx.tx.Bucket(bucketMembers), nil)
}

// Invite returns the invite with the token.
func (tx *Tx) Invite(token string) (*Invite, error) {
	return getJSON[Invite](tx.tx.Bucket(bucketInvites), []byte(token))
}

// PutInvite stores the invite under its token.
func (tx *Tx) PutInvite(inv *Invite) error {
	if inv.Token == "" {
		return fmt.Errorf("invite without token")
	}
	if inv.Code != "" {
		codes := tx.tx.Bucket(bucketInviteCodes)
		if t := codes.Get([]byte(inv.Code)); t != nil && string(t) != inv.Token {
			return fmt.Errorf("invite code %s is taken", inv.Code)
		}
		if err := codes.Put([]byte(inv.Code), []byte(inv.Token)); err != nil {
			return err
		}
	}
	return putJSON(tx.tx.Bucket(bucketInvites), []byte(inv.Token), inv)
}

// InviteByCode returns the invite with the short code (Invite.Code).
func (tx *Tx) InviteByCode(code string) (*Invite, error) {
	t := tx.tx.Bucket(bucketInviteCodes).Get([]byte(code))
	if t == nil {
		return nil, ErrNotFound
	}
	return tx.Invite(string(t))
}

// ConvKey is the key of a conversation: one per (transport, chat, user).
func ConvKey(transport, chat, user string) string { return transport + ":" + chat + ":" + user }

// Conv returns the conversation stored under key.
func (tx *Tx) Conv(key string) (*Conv, error) {
	return getJSON[Conv](tx.tx.Bucket(bucketConvs), []byte(key))
}

// PutConv stores the conversation, bumping its version.
func (tx *Tx) PutConv(key string, c *Conv) error {
	c.Version++
	return putJSON(tx.tx.Bucket(bucketConvs), []byte(key), c)
}

// DeleteConv ends the conversation.
func (tx *Tx) DeleteConv(key string) error {
	return tx.tx.Bucket(bucketConvs).Delete([]byte(key))
}

// PruneConvs deletes conversations that expired before cutoff, with the
// answers half given in them, and returns how many.
func (tx *Tx) PruneConvs(cutoff time.Time) (int, error) {
	b := tx.tx.Bucket(bucketConvs)
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var c Conv
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("conversation %q: %w", k, err)
		}
		if c.Expires.Before(cutoff) {
			doomed = append(doomed, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return deleteKeys(b, doomed)
}

// CountConvs counts stored conversations.
func (tx *Tx) CountConvs() int { return count(tx.tx.Bucket(bucketConvs)) }

// count counts a bucket's keys. (Bucket.Stats misses writes not yet
// committed in a read-write transaction.)
func count(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// Offer returns the last choices shown in a chat.
func (tx *Tx) Offer(transport, chat string) (*Offer, error) {
	return getJSON[Offer](tx.tx.Bucket(bucketOffers), []byte(contactKey(transport, chat)))
}

// PutOffer records the choices last shown in a chat.
func (tx *Tx) PutOffer(transport, chat string, o *Offer) error {
	return putJSON(tx.tx.Bucket(bucketOffers), []byte(contactKey(transport, chat)), o)
}

// DeleteOffer forgets the choices shown in a chat.
func (tx *Tx) DeleteOffer(transport, chat string) error {
	return tx.tx.Bucket(bucketOffers).Delete([]byte(contactKey(transport, chat)))
}

// PutRefusal records that a person declined consent.
func (tx *Tx) PutRefusal(transport, user string, r *Refusal) error {
	return putJSON(tx.tx.Bucket(bucketRefusals), []byte(contactKey(transport, user)), r)
}

// Refusal returns a stored refusal.
func (tx *Tx) Refusal(transport, user string) (*Refusal, error) {
	return getJSON[Refusal](tx.tx.Bucket(bucketRefusals), []byte(contactKey(transport, user)))
}

// Processed reports whether the event key was already handled.
func (tx *Tx) Processed(key string) bool {
	return tx.tx.Bucket(bucketEvents).Get([]byte(key)) != nil
}

// MarkProcessed records the event key as handled at now.
func (tx *Tx) MarkProcessed(key string, now time.Time) error {
	return tx.tx.Bucket(bucketEvents).Put([]byte(key), itob(uint64(now.UnixNano())))
}

// PruneProcessed forgets event keys handled before cutoff (Telegram stops
// re-delivering updates after 24 hours) and returns how many it removed.
func (tx *Tx) PruneProcessed(cutoff time.Time) (int, error) {
	b := tx.tx.Bucket(bucketEvents)
	var doomed [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if int64(btoi(v)) < cutoff.UnixNano() {
			doomed = append(doomed, bytes.Clone(k))
		}
	}
	return deleteKeys(b, doomed)
}

// deleteKeys deletes keys from b. Deleting under a cursor while iterating
// can skip the next key in bbolt, so callers collect first.
func deleteKeys(b *bolt.Bucket, keys [][]byte) (int, error) {
	for i, k := range keys {
		if err := b.Delete(k); err != nil {
			return i, err
		}
	}
	return len(keys), nil
}

// Meta returns a setting stored under key, or nil.
func (tx *Tx) Meta(key string) []byte {
	return bytes.Clone(tx.tx.Bucket(bucketMeta).Get([]byte(key)))
}

// PutMeta stores a setting.
func (tx *Tx) PutMeta(key string, v []byte) error {
	if key == string(keySchemaVersion) {
		return fmt.Errorf("meta key %q is reserved", key)
	}
	return tx.tx.Bucket(bucketMeta).Put([]byte(key), v)
}

// MetaInt returns an integer setting, 0 when unset.
func (tx *Tx) MetaInt(key string) int64 {
	v := tx.tx.Bucket(bucketMeta).Get([]byte(key))
	if len(v) != 8 {
		return 0
	}
	return int64(btoi(v))
}

// PutMetaInt stores an integer setting.
func (tx *Tx) PutMetaInt(key string, v int64) error {
	return tx.PutMeta(key, itob(uint64(v)))
}

// indexed loads the records an index bucket lists under owner: its keys are
// owner's id then the record's id (8 bytes each), in id order. what names a
// record that cannot be loaded, with the record's id and owner's.
func indexed[T any](tx *Tx, bucket []byte, owner uint64, load func(uint64) (*T, error), what string) ([]T, error) {
	var out []T
	prefix := itob(owner)
	c := tx.tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		r, err := load(btoi(k[8:]))
		if err != nil {
			return nil, fmt.Errorf(what+": %w", btoi(k[8:]), owner, err)
		}
		out = append(out, *r)
	}
	return out, nil
}

// Size is the size in bytes of the database as this transaction sees it:
// its high-water mark of pages (the file may be larger, grown ahead).
func (tx *Tx) Size() int64 { return tx.tx.Size() }
