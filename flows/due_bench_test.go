package flows

import (
	"fmt"
	"testing"
	"time"

	"chibo/storage"
)

// BenchmarkDueTick times one scheduler tick's look for what is due (the
// work done every minute in a write transaction) in an organization of 10
// cells of 200 members, a day before the monthly meetings, once the day's
// reminders went out.
func BenchmarkDueTick(b *testing.B) {
	h := newHarness(b)
	h.seedCell()
	err := h.db.Update(func(tx *storage.Tx) error {
		for c := range 10 {
			cell := &storage.Cell{OrgID: h.cell.OrgID, Name: fmt.Sprintf("Chi bộ ấp %d", c+1), Created: h.now}
			if c == 0 {
				cell = h.cell
			} else if err := tx.PutCell(cell); err != nil {
				return err
			}
			for i := range 200 {
				m := &storage.Member{Name: fmt.Sprintf("Đảng viên %d-%d", c, i), HomeCellID: cell.ID, Lang: "vi", Contacts: map[string]string{tr: fmt.Sprintf("u%d-%d", c, i)},
					Status: storage.Status{Kind: storage.StatusActive, SetAt: h.now}, Consent: storage.Consent{Given: true, At: h.now}, Joined: h.now}
				m.AddRole(cell.ID, storage.RoleMember)
				if i == 0 {
					m.AddRole(cell.ID, storage.RoleSecretary)
				}
				if err := tx.PutMember(m); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	h.now = time.Date(2026, 3, 2, 19, 0, 0, 0, h.zone) // the day before the meetings
	h.due()                                            // the reminders of the day go out
	h.now = h.now.Add(time.Minute)
	b.ResetTimer()
	for b.Loop() {
		if err := h.db.View(func(tx *storage.Tx) error {
			_, err := h.e.Due(tx, h.now)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
