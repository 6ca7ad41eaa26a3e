package flows

import (
	"testing"
	"time"

	"chibo/flows/members"
	"chibo/storage"
)

// MakeInvite refuses an invite for nothing, for both a cell and an
// organization, without a role or with no lifetime, and stores nothing then.
func TestMakeInvite_refusesIncompleteInvites(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	for _, f := range []members.InviteFor{
		{Role: storage.RoleMember, TTL: time.Hour},
		{CellID: h.cell.ID, OrgID: h.cell.OrgID, Role: storage.RoleMember, TTL: time.Hour},
		{CellID: h.cell.ID, TTL: time.Hour},
		{CellID: h.cell.ID, Role: storage.RoleMember},
	} {
		before := h.snapshot()
		err := h.db.Update(func(tx *storage.Tx) error {
			inv, err := members.MakeInvite(tx, f, h.now, 0)
			if err == nil {
				t.Errorf("%+v: made %+v", f, inv)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if h.snapshot() != before {
			t.Errorf("%+v: the refusal stored something", f)
		}
	}
}
