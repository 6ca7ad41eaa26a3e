package storage

import (
	"errors"
	"testing"
)

// A far group's leader is one of it, and a member is in one far group at
// most; changing a group moves its indexes.
func TestPutFarGroup_rules(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		g := &FarGroup{OrgID: 1, Name: "Tổ TP. Hồ Chí Minh", LeaderID: 9, MemberIDs: []uint64{3, 4}}
		if err := tx.PutFarGroup(g); !errors.Is(err, ErrLeaderNotInGroup) {
			t.Errorf("a leader outside the group: %v", err)
		}
		g.LeaderID = 3
		if err := tx.PutFarGroup(g); err != nil {
			return err
		}
		other := &FarGroup{OrgID: 1, Name: "Tổ Bình Dương", LeaderID: 5, MemberIDs: []uint64{5, 4}}
		if err := tx.PutFarGroup(other); !errors.Is(err, ErrInOtherFarGroup) {
			t.Errorf("a member in two groups: %v", err)
		}
		g.LeaderID, g.MemberIDs = 4, []uint64{4, 6}
		if err := tx.PutFarGroup(g); err != nil {
			return err
		}
		if _, err := tx.FarGroupOf(3); !errors.Is(err, ErrNotFound) {
			t.Errorf("member 3 left the group but is still indexed: %v", err)
		}
		if led, _ := tx.LedFarGroups(3); len(led) != 0 {
			t.Errorf("the old leader still leads %+v", led)
		}
		if got, err := tx.FarGroupOf(6); err != nil || got.ID != g.ID {
			t.Errorf("member 6: %+v %v", got, err)
		}
		if gs, _ := tx.OrgFarGroups(1); len(gs) != 1 {
			t.Errorf("organization's groups: %+v", gs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
