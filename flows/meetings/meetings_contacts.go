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

// contact is one counted contact meeting: when, and the group's name.
type contact struct {
	group string
	at    time.Time
}

// orgGroupsOf lists the far groups of the cell's organization: a member
// keeps the contact meetings of a group they have since left.
func orgGroupsOf(c *core.Ctx, cellID uint64) ([]storage.FarGroup, error) {
	cell, err := db(c).Cell(cellID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return db(c).OrgFarGroups(cell.OrgID)
}

// countedContacts are the member's contact meetings of the year that count
// under the pilot, in any of groups (their group's or a former one), oldest
// first.
func countedContacts(groups []storage.FarGroup, memberID uint64, year int, zone *time.Location) []contact {
	var out []contact
	for _, g := range groups {
		for _, k := range g.Contacts {
			if k.Online && slices.Contains(k.Counted, memberID) && k.At.In(zone).Year() == year {
				out = append(out, contact{group: g.Name, at: k.At})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b contact) int { return a.at.Compare(b.at) })
	return out
}

// contactLines are the member's counted contact meetings of the year in
// words, one line each; named adds the member's name (the cell's view).
func contactLines(c *core.Ctx, m *storage.Member, groups []storage.FarGroup, year int, zone *time.Location, named bool) []string {
	var out []string
	for _, k := range countedContacts(groups, m.ID, year, zone) {
		line := c.T("fgyear.contact", "Group", k.group, "Date", k.at.In(zone).Format("02/01/2006"))
		if named {
			line = c.T("fgyear.contact_of", "Name", c.MemberName(m), "Line", line)
		}
		out = append(out, line)
	}
	return out
}

// yearContacts counts the cell's members' contact meetings of month's year,
// up to the month, that count under the pilot (the commune's figures).
func yearContacts(c *core.Ctx, cell *storage.Cell, month core.Period, zone *time.Location) (int, error) {
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return 0, err
	}
	groups, err := db(c).OrgFarGroups(cell.OrgID)
	if err != nil || len(groups) == 0 {
		return 0, err
	}
	n := 0
	for i := range ms {
		for _, k := range countedContacts(groups, ms[i].ID, month.Y, zone) {
			if k.at.In(zone).Month() <= month.M {
				n++
			}
		}
	}
	return n, nil
}
