package members

import (
	"chibo/flows/core"
	"fmt"
	"slices"
	"time"

	"chibo/storage"
)

// Member statuses beyond the /status flow itself (flows/secretary.go): the
// name a forgotten member is shown under, a member received by another cell
// after an official transfer, and the reminder before a temporary transfer
// ends. What was in effect on a day is storage.Member.StatusOn, everywhere.

// transferNoticeDays is how long before a temporary transfer ends the
// secretary is reminded to receive the member back or record an extension.
const transferNoticeDays = 14

// receiveByInvite lets a member officially transferred out of their cell be
// received by the cell whose member invite they tapped: their home cell
// moves, their roles in the old cell end, and their contacts, language and
// history go with them (the old cell's closed meetings keep their marks).
// It reports false, having answered, when the member may not move.
func receiveByInvite(c *core.Ctx, inv *storage.Invite, t joinTarget) (bool, error) {
	m := c.Me
	now := m.StatusOn(c.Now)
	if now.Kind != storage.StatusLeft {
		if m.Status.Kind == storage.StatusLeft && m.Status.Effective().After(c.Now) {
			c.Say("transfer.not_yet", "Date", c.Date(m.Status.Effective()))
		} else {
			c.Say("err.other_home_cell")
		}
		return false, nil
	}
	oldCell := m.HomeCellID
	before := map[string]any{"cell": oldCell, "status": m.Status, "roles": m.Roles, "group": m.GroupID}
	m.Roles = slices.DeleteFunc(m.Roles, func(r storage.CellRole) bool { return r.CellID == oldCell })
	m.HomeCellID, m.GroupID, m.Received = 0, 0, c.Now
	grant(m, inv, t)
	m.SetStatus(storage.Status{Kind: storage.StatusActive, From: core.DayStart(c.Now.In(c.Zone())), SetBy: inv.CreatedBy, SetAt: c.Now})
	inv.UsedBy = append(inv.UsedBy, m.ID)
	if err := db(c).PutInvite(inv); err != nil {
		return false, err
	}
	if err := db(c).PutMember(m); err != nil {
		return false, err
	}
	after := map[string]any{"cell": m.HomeCellID, "from_cell": oldCell, "status": m.Status, "roles": m.Roles}
	for _, cell := range []uint64{t.cellID, oldCell} {
		if err := c.Audit("member_received", cell, m.ID, before, after); err != nil {
			return false, err
		}
	}
	c.Say("transfer.received", "Cell", t.name)
	if leaders, err := LeadersOf(c, oldCell, false); err == nil {
		for i := range leaders {
			c.SendTo(&leaders[i], "transfer.received_old_cell", "Name", m.Name, "Cell", t.name)
		}
	} else {
		return false, err
	}
	if inv.CreatedBy != 0 {
		if by, err := db(c).Member(inv.CreatedBy); err == nil {
			c.SendTo(by, "transfer.received_inviter", "Name", m.Name, "Cell", t.name)
		}
	}
	return true, nil
}

// remindTransferEnd reminds the secretaries, two weeks before a temporary
// transfer (out or in) ends, to receive the member back or record what
// follows.
func RemindTransferEnd(c *core.Ctx, zone *time.Location, hour int, m *storage.Member, secs func() ([]*storage.Member, error)) error {
	s := m.StatusOn(c.Now)
	if (s.Kind != storage.StatusTransferredOut && s.Kind != storage.StatusTransferredIn) || s.To.IsZero() {
		return nil
	}
	end := core.DayStart(s.To.In(zone))
	notice := end.AddDate(0, 0, -transferNoticeDays).Add(time.Duration(hour) * time.Hour)
	if c.Now.Before(notice) || !c.Now.Before(end.AddDate(0, 0, 1)) {
		return nil
	}
	secretaries, err := secs()
	if err != nil {
		return err
	}
	for _, sec := range secretaries {
		if sec.ID == m.ID {
			continue
		}
		key := fmt.Sprintf("reminder/transfer-end/%s/%d/%d", end.Format("2006-01-02"), m.ID, sec.ID)
		id := "transfer.ending_out"
		if s.Kind == storage.StatusTransferredIn {
			id = "transfer.ending_in"
		}
		if _, err := c.Remind(key, sec, nil, id, "Name", m.Name, "To", c.Date(end)); err != nil {
			return err
		}
	}
	return nil
}

// TransferEndNotice is when RemindTransferEnd tells the secretaries that
// the status s (a temporary transfer with an end) ends, or the zero time.
func TransferEndNotice(zone *time.Location, hour int, s storage.Status) time.Time {
	if (s.Kind != storage.StatusTransferredOut && s.Kind != storage.StatusTransferredIn) || s.To.IsZero() {
		return time.Time{}
	}
	return core.DayStart(s.To.In(zone)).AddDate(0, 0, -transferNoticeDays).Add(time.Duration(hour) * time.Hour)
}

func AskFarExempt(c *core.Ctx) error {
	c.Ask(c.T("faraway.ask_exempt"), 1,
		core.Opt{Label: c.T("faraway.btn_exempt"), Value: "yes"},
		core.Opt{Label: c.T("faraway.btn_not_exempt"), Value: "no"})
	return nil
}
