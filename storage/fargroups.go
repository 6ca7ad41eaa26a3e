package storage

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// FarGroup is a party group (tổ đảng) of an organization's members working
// far away in the same area, from several of its cells ("Tổ đảng nơi đảng
// viên đi lao động, làm việc xa nơi cư trú", issue 17). Its leader follows
// their check-ins; each member stays a member of their home cell.
type FarGroup struct {
	ID        uint64         `json:"id"`
	OrgID     uint64         `json:"org_id"`
	Name      string         `json:"name"`
	LeaderID  uint64         `json:"leader_id"`
	MemberIDs []uint64       `json:"member_ids"`
	Created   time.Time      `json:"created"`
	CreatedBy uint64         `json:"created_by"`
	Contacts  []GroupContact `json:"contacts,omitempty"` // contact meetings, oldest first
}

// GroupContact is one contact meeting of a far group, online or in person.
// Its attendance is kept here, apart from the cells' meetings: it counts
// for a cell only where the committee approved the online pilot.
type GroupContact struct {
	At       time.Time `json:"at"`
	Online   bool      `json:"online"`
	Present  []uint64  `json:"present,omitempty"`
	Counted  []uint64  `json:"counted,omitempty"` // present members whose cell had the online pilot that day
	By       uint64    `json:"by"`
	Recorded time.Time `json:"recorded"`
}

// Errors of far groups, for the caller to word.
var (
	ErrLeaderNotInGroup = errors.New("the group leader is not a member of the group")
	ErrInOtherFarGroup  = errors.New("a member is already in another far group")
)

// FarGroup returns the far group with the id.
func (tx *Tx) FarGroup(id uint64) (*FarGroup, error) {
	return getJSON[FarGroup](tx.tx.Bucket(bucketFarGroups), itob(id))
}

// FarGroupOf returns the far group the member is in, or ErrNotFound.
func (tx *Tx) FarGroupOf(memberID uint64) (*FarGroup, error) {
	v := tx.tx.Bucket(bucketFarGroupMembers).Get(itob(memberID))
	if v == nil {
		return nil, ErrNotFound
	}
	return tx.FarGroup(btoi(v))
}

// PutFarGroup stores g, assigning an id when g.ID is 0, and keeps its
// indexes in step. It refuses a leader who is not a member of g
// (ErrLeaderNotInGroup) and a member already in another far group
// (ErrInOtherFarGroup, wrapped with the member's id).
func (tx *Tx) PutFarGroup(g *FarGroup) error {
	if g.OrgID == 0 || g.Name == "" || len(g.MemberIDs) == 0 {
		return fmt.Errorf("far group without organization, name or members")
	}
	if !slices.Contains(g.MemberIDs, g.LeaderID) {
		return ErrLeaderNotInGroup
	}
	members := tx.tx.Bucket(bucketFarGroupMembers)
	for _, id := range g.MemberIDs {
		if v := members.Get(itob(id)); v != nil && btoi(v) != g.ID {
			return fmt.Errorf("member %d: %w", id, ErrInOtherFarGroup)
		}
	}
	b := tx.tx.Bucket(bucketFarGroups)
	if g.ID != 0 {
		if old, err := tx.FarGroup(g.ID); err == nil {
			for _, id := range old.MemberIDs {
				if err := members.Delete(itob(id)); err != nil {
					return err
				}
			}
			if err := tx.tx.Bucket(bucketFarGroupLeaders).Delete(pairKey(old.LeaderID, old.ID)); err != nil {
				return err
			}
		}
	}
	if err := nextID(b, &g.ID); err != nil {
		return err
	}
	for _, id := range g.MemberIDs {
		if err := members.Put(itob(id), itob(g.ID)); err != nil {
			return err
		}
	}
	if err := tx.tx.Bucket(bucketFarGroupLeaders).Put(pairKey(g.LeaderID, g.ID), nil); err != nil {
		return err
	}
	if err := tx.tx.Bucket(bucketFarGroupOrgs).Put(pairKey(g.OrgID, g.ID), nil); err != nil {
		return err
	}
	if err := tx.menusChanged(); err != nil {
		return err
	}
	return putJSON(b, itob(g.ID), g)
}

// LedFarGroups lists the far groups the member leads, in id order.
func (tx *Tx) LedFarGroups(memberID uint64) ([]FarGroup, error) {
	return indexed(tx, bucketFarGroupLeaders, memberID, tx.FarGroup, "far group %d led by %d")
}

// OrgFarGroups lists an organization's far groups, in id order.
func (tx *Tx) OrgFarGroups(orgID uint64) ([]FarGroup, error) {
	return indexed(tx, bucketFarGroupOrgs, orgID, tx.FarGroup, "far group %d of organization %d")
}
