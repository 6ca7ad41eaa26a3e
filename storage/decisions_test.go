package storage

import (
	"errors"
	"testing"
	"time"
)

// A refused link request leaves the cell's list but is kept, with who
// refused it and when, until the member's records are erased.
func TestRefuseResidenceLink_keptUntilErased(t *testing.T) {
	db := MustOpenDB(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	err := db.Update(func(tx *Tx) error {
		org := &Organization{Name: "Đảng bộ phường"}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		cell := &Cell{OrgID: org.ID, Name: "A"}
		if err := tx.PutCell(cell); err != nil {
			return err
		}
		if err := tx.RefuseResidenceLink(5, 1, at); !errors.Is(err, ErrNotFound) {
			t.Errorf("refusing no request: %v", err)
		}
		if err := tx.PutResidenceLink(&ResidenceLink{MemberID: 5, CellID: cell.ID, Status: ResidenceWithComment, Pending: true, RequestedAt: at}); err != nil {
			return err
		}
		if err := tx.RefuseResidenceLink(5, 7, at.Add(time.Hour)); err != nil {
			return err
		}
		if _, err := tx.ResidenceLink(5); !errors.Is(err, ErrNotFound) {
			t.Errorf("the refused link is still a link: %v", err)
		}
		if ls, err := tx.ResidenceLinks(cell.ID); err != nil || len(ls) != 0 {
			t.Errorf("the cell still lists %+v (%v)", ls, err)
		}
		r, err := tx.ResidenceRefusal(5)
		if err != nil || r.RefusedBy != 7 || !r.RefusedAt.Equal(at.Add(time.Hour)) || r.Link.CellID != cell.ID || !r.Link.RequestedAt.Equal(at) {
			t.Errorf("refusal %+v (%v)", r, err)
		}
		if err := tx.EraseMemberRecords(5); err != nil {
			return err
		}
		if _, err := tx.ResidenceRefusal(5); !errors.Is(err, ErrNotFound) {
			t.Errorf("the refusal outlived the member's erasure: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
