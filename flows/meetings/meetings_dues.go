package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
)

// meetingDuesMonth is the month whose dues a meeting's roll collects.
func meetingDuesMonth(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell) string {
	if mt.Month != "" {
		return mt.Month
	}
	return mt.At.In(c.CellZone(cell)).Format("2006-01")
}

// setRollDues records the dues of the meeting's month from the roll: "d"
// paid, "D" not paid. It reports whether anything changed.
func setRollDues(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, op string) (bool, error) {
	st := storage.DuesPaid
	if op == "D" {
		st = storage.DuesUnpaid
	}
	return members.RecordDues(c, m, &storage.Dues{MemberID: m.ID, CellID: cell.ID, Month: meetingDuesMonth(c, mt, cell), State: st,
		Via: storage.DuesViaRoll, By: c.Me.ID, At: c.Now, MeetingID: mt.ID})
}

// actRollDues records one member's dues from the roll: "rl:<meeting>:<member>:d|D".
func actRollDues(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, op string) error {
	changed, err := setRollDues(c, mt, cell, m, op)
	if err != nil {
		return members.SayInvalid(c, err)
	}
	if !changed {
		c.Say("mt.roll_no_change", "Name", m.Name)
		return nil
	}
	if c.Ev.MessageID == "" { // no message to edit in place: say what changed
		d, err := members.DuesOf(c.Tx, m.ID, meetingDuesMonth(c, mt, cell))
		if err != nil {
			return err
		}
		c.Say("dues.roll_set", "Name", m.Name, "Month", c.MonthLabel(d.Month), "State", members.DuesText(c, d))
	}
	return showRoll(c, mt, cell, true)
}

// rollAllPaid is "all present paid" for one member: only the present, and
// only those with nothing recorded for the month yet (a "not paid" ticked
// first, or a far-away member's own answer, is not overwritten by the bulk
// tick). Absent, excused and exempt members are never ticked: dues are not
// inferred from presence.
func rollAllPaid(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, m *storage.Member, st RollState) (bool, error) {
	if st != RsPresent {
		return false, nil
	}
	month := meetingDuesMonth(c, mt, cell)
	if members.CheckDuesMonth(c, m, month) != nil {
		return false, nil // joined after the month
	}
	d, err := members.DuesOf(c.Tx, m.ID, month)
	if err != nil || d != nil {
		return false, err
	}
	return setRollDues(c, mt, cell, m, "d")
}
