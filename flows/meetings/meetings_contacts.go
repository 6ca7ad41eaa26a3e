package meetings

import (
	"errors"
	"slices"
	"time"

	"chibo/flows/core"
	"chibo/storage"
)

// Issue 17: a far group's online contact meeting counts as a cell meeting
// for a member only where the party committee approved the online pilot
// for the member's cell on that day. Which members it counts for was fixed
// when it was recorded (storage.GroupContact.Counted); the year views show
// those contact meetings beside the cell's closed meetings, never in their
// tallies.

// countedContacts are the member's contact meetings of the year that count
// under the pilot, oldest first, with the group's name.
func countedContacts(c *core.Ctx, memberID uint64, year int, zone *time.Location) (string, []time.Time, error) {
	g, err := db(c).FarGroupOf(memberID)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	var out []time.Time
	for _, k := range g.Contacts {
		if k.Online && slices.Contains(k.Counted, memberID) && k.At.In(zone).Year() == year {
			out = append(out, k.At)
		}
	}
	return g.Name, out, nil
}

// contactLines are the member's counted contact meetings of the year in
// words, one line each; named adds the member's name (the cell's view).
func contactLines(c *core.Ctx, m *storage.Member, year int, zone *time.Location, named bool) ([]string, error) {
	group, ats, err := countedContacts(c, m.ID, year, zone)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, at := range ats {
		line := c.T("fgyear.contact", "Group", group, "Date", at.In(zone).Format("02/01/2006"))
		if named {
			line = c.T("fgyear.contact_of", "Name", c.MemberName(m), "Line", line)
		}
		out = append(out, line)
	}
	return out, nil
}

// yearContacts counts the cell's members' contact meetings of month's year,
// up to the month, that count under the pilot (the commune's figures).
func yearContacts(c *core.Ctx, cell *storage.Cell, month core.Period, zone *time.Location) (int, error) {
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range ms {
		_, ats, err := countedContacts(c, ms[i].ID, month.Y, zone)
		if err != nil {
			return 0, err
		}
		for _, at := range ats {
			if at.In(zone).Month() <= month.M {
				n++
			}
		}
	}
	return n, nil
}
