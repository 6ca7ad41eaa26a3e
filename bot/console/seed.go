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
		if err := seedResidence(tx, cell, now, zone); err != nil {
			return err
		}
		return seedCommune(tx, org, cell, now, zone)
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

// seedCommune adds the commune's side (issue 17): two more cells, the Party
// Committee's secretary Huỳnh Thị Thu (also the organization's admin, who
// assigns with /capuy) and the committee member Trương Văn Tâm, who follows
// the demo cell and Phú Lợi; Phú Thạnh is followed by no one and its
// secretary does not use chibo. Phú Lợi held last month's meeting.
func seedCommune(tx *storage.Tx, org *storage.Organization, home *storage.Cell, now time.Time, zone *time.Location) error {
	y, mo, _ := now.In(zone).Date()
	listed := time.Date(y, mo-3, 1, 0, 0, 0, 0, zone) // on chibo for three months
	loi := &storage.Cell{OrgID: org.ID, Name: "Chi bộ ấp Phú Lợi", TZ: zone.String(), Created: listed}
	thanh := &storage.Cell{OrgID: org.ID, Name: "Chi bộ ấp Phú Thạnh", TZ: zone.String(), Created: listed}
	for _, c := range []*storage.Cell{loi, thanh} {
		if err := tx.PutCell(c); err != nil {
			return err
		}
	}
	people := []struct {
		user, name string
		cell       *storage.Cell
		role       storage.Role
	}{
		{"loi", "Mai Văn Lợi", loi, storage.RoleSecretary},
		{"tam", "Trương Văn Tâm", loi, storage.RoleMember},
		{"", "Đặng Văn Phúc", loi, storage.RoleMember},
		{"", "Bùi Thị Hoa", loi, storage.RoleMember},
		{"", "Ngô Văn Lộc", loi, storage.RoleMember},
		{"", "Lý Văn Thạnh", thanh, storage.RoleSecretary}, // not on chibo
		{"thu", "Huỳnh Thị Thu", thanh, storage.RoleMember},
	}
	ids := map[string]uint64{}
	var loiMembers []*storage.Member
	for _, p := range people {
		m := &storage.Member{Name: p.name, HomeCellID: p.cell.ID, Status: storage.Status{Kind: storage.StatusActive, SetAt: now},
			Lang: "vi", Contacts: map[string]string{}, Consent: storage.Consent{Given: true, At: now}, Joined: listed}
		if p.user != "" {
			m.Contacts[Transport] = p.user
		}
		m.AddRole(p.cell.ID, storage.RoleMember)
		m.AddRole(p.cell.ID, p.role)
		if p.user == "thu" {
			m.AdminOf = []uint64{org.ID}
		}
		if err := tx.PutMember(m); err != nil {
			return err
		}
		ids[p.name] = m.ID
		if p.cell == loi {
			loiMembers = append(loiMembers, m)
		}
	}
	from := time.Date(y, mo, 1, 0, 0, 0, 0, zone).AddDate(0, -1, 0)
	roles := []storage.CommuneRole{
		{Kind: storage.CommuneSecretary, MemberID: ids["Huỳnh Thị Thu"]},
		{Kind: storage.CommuneMember, MemberID: ids["Trương Văn Tâm"]},
		{Kind: storage.CommuneFollow, MemberID: ids["Trương Văn Tâm"], CellID: home.ID},
		{Kind: storage.CommuneFollow, MemberID: ids["Trương Văn Tâm"], CellID: loi.ID},
	}
	for i := range roles {
		roles[i].OrgID, roles[i].From, roles[i].At = org.ID, from, now
		if err := tx.PutCommuneRole(&roles[i]); err != nil {
			return err
		}
	}
	return seedHeldMeeting(tx, loi, loiMembers, from.AddDate(0, 0, 4).Add(19*time.Hour+30*time.Minute))
}

// seedHeldMeeting closes a regular meeting of the cell at at: everyone
// present but the last member (absent without excuse), scored 85.
func seedHeldMeeting(tx *storage.Tx, cell *storage.Cell, ms []*storage.Member, at time.Time) error {
	end := at.Add(100 * time.Minute)
	mt := &storage.Meeting{CellID: cell.ID, Kind: storage.MeetingRegular, Month: at.Format("2006-01"), At: at, State: storage.MeetingClosed,
		Place: "Nhà văn hóa ấp Phú Lợi", Noticed: at.AddDate(0, 0, -3), Started: at, Ended: end, HeldFrom: at, HeldTo: end,
		ClosedBy: ms[0].ID, Created: at.AddDate(0, 0, -7)}
	t := storage.MeetingTally{Total: len(ms), Minutes: 100, Need: 90, LengthOK: true}
	for i, m := range ms {
		a := mt.Att(m.ID)
		mt.Notified = append(mt.Notified, m.ID)
		if i == len(ms)-1 {
			a.Mark, a.MarkedBy, a.MarkedAt, a.MarkVia, a.Outcome = storage.MarkAbsent, ms[0].ID, at, "roll", storage.OutcomeUnexcused
			t.Unexcused++
			continue
		}
		a.Mark, a.MarkedBy, a.MarkedAt, a.MarkVia, a.Outcome = storage.MarkPresent, ms[0].ID, at, "roll", storage.OutcomePresent
		t.Present++
	}
	t.RateOK = t.Present*100 > t.Expected()*85
	t.Standard = t.RateOK && t.LengthOK
	mt.Tally = &t
	mt.Score = &storage.QualityScore{Points: map[string]int{"prep": 13, "attendance": 16, "duration": 10, "conduct": 28, "closing": 18}, By: ms[0].ID, At: end}
	return tx.PutMeeting(mt)
}
