package console

import (
	"time"

	"chibo/storage"
)

// Seed fills an empty database with the demo commune, cell and people, and
// reports whether it did. A database that already has an organization is
// left alone, so the demo's state persists between runs.
func Seed(db *storage.DB, now time.Time, zone *time.Location) (bool, error) {
	seeded := false
	err := db.Update(func(tx *storage.Tx) error {
		orgs, err := tx.Orgs()
		if err != nil || len(orgs) > 0 {
			return err
		}
		seeded = true
		org := &storage.Organization{Name: "Đảng bộ xã Tân Phú", Created: now}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		cell := &storage.Cell{OrgID: org.ID, Name: "Chi bộ ấp Phú Hòa", TZ: zone.String(), Created: now}
		if err := tx.PutCell(cell); err != nil {
			return err
		}
		far := &storage.Group{CellID: cell.ID, Name: "Tổ đảng viên đi làm ăn xa"}
		if err := tx.PutGroup(far); err != nil {
			return err
		}
		day := func(months int) time.Time {
			y, m, _ := now.In(zone).Date()
			return time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, zone)
		}
		people := []struct {
			user, name string
			roles      []storage.Role
			status     storage.Status
			group      uint64
		}{
			{"an", "Nguyễn Văn An", []storage.Role{storage.RoleSecretary}, storage.Status{Kind: storage.StatusActive}, 0},
			{"binh", "Trần Thị Bình", []storage.Role{storage.RoleDeputy}, storage.Status{Kind: storage.StatusActive}, 0},
			{"cuong", "Lê Văn Cường", []storage.Role{storage.RoleGroupLeader}, storage.Status{Kind: storage.StatusActive}, far.ID},
			{"dung", "Phạm Thị Dung", nil, storage.Status{Kind: storage.StatusActive}, 0},
			{"hung", "Đỗ Văn Hùng", nil, storage.Status{Kind: storage.StatusFarAway, From: day(-2), To: day(4), Exempt: true, Reason: "Làm công nhân tại KCN Sóng Thần, phường Dĩ An, TP. Hồ Chí Minh"}, far.ID},
			{"lan", "Võ Thị Lan", nil, storage.Status{Kind: storage.StatusExempt, Reason: "Tuổi cao, sức yếu (nghị quyết chi bộ)"}, 0},
		}
		for _, p := range people {
			p.status.SetAt = now
			m := &storage.Member{
				Name:       p.name,
				HomeCellID: cell.ID,
				GroupID:    p.group,
				Status:     p.status,
				Lang:       "vi",
				Contacts:   map[string]string{Transport: p.user},
				Consent:    storage.Consent{Given: true, At: now},
				Joined:     day(-3), // on the list before the cell used chibo: statuses may start then
			}
			m.AddRole(cell.ID, storage.RoleMember)
			for _, r := range p.roles {
				m.AddRole(cell.ID, r)
			}
			if err := tx.PutMember(m); err != nil {
				return err
			}
			if p.user == "cuong" {
				far.LeaderID = m.ID
				if err := tx.PutGroup(far); err != nil {
					return err
				}
			}
		}
		return seedResidence(tx, cell, now, zone)
	})
	return seeded, err
}

// seedResidence adds a member working at a provincial agency, linked to the
// demo cell as the cell where they live (Regulation 213): "/as minh"
// reports an activity, the secretary gives the annual comment. Their
// workplace's cell does not use chibo (no home cell here), which also keeps
// the ids of the demo's organization and cell the only ones seeded.
func seedResidence(tx *storage.Tx, residence *storage.Cell, now time.Time, zone *time.Location) error {
	m := &storage.Member{
		Name:     "Hoàng Văn Minh",
		Status:   storage.Status{Kind: storage.StatusActive, SetAt: now},
		Lang:     "vi",
		Contacts: map[string]string{Transport: "minh"},
		Consent:  storage.Consent{Given: true, At: now},
		Joined:   now,
	}
	if err := tx.PutMember(m); err != nil {
		return err
	}
	y, mo, d := now.In(zone).AddDate(0, -2, 0).Date()
	return tx.PutResidenceLink(&storage.ResidenceLink{MemberID: m.ID, CellID: residence.ID, Workplace: "Sở Tài chính tỉnh",
		WorkplaceOrg: "Chi bộ Phòng Kế hoạch, Đảng bộ Sở Tài chính", Introduced: time.Date(y, mo, d, 0, 0, 0, 0, zone),
		Status: storage.ResidenceWithComment, RequestedAt: now, ConfirmedAt: now})
}
