package faraway

import (
	"fmt"
	"slices"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/export"
	"chibo/storage"
)

// exportFarGroups is the organization's far-away groups, a row per member:
// the group, its leader, the member's cell, the contact meetings attended
// and how many counted as the cell's meeting (the online pilot).
func exportFarGroups(c *core.Ctx, org *storage.Organization, req core.ExportRequest) ([]chat.Document, error) {
	gs, err := db(c).OrgFarGroups(org.ID)
	if err != nil {
		return nil, err
	}
	tb := &export.Table{Sheet: c.T("fargroup.x_sheet"), Title: c.T("fargroup.x_title", "Org", org.Name), Subtitle: c.T("tasks.x_subtitle", "Date", c.Date(c.Now)),
		Columns: []export.Column{{Header: c.T("fargroup.x_group"), Width: 28}, {Header: c.T("fargroup.x_leader"), Width: 22}, {Header: c.T("fargroup.x_member"), Width: 22},
			{Header: c.T("tasks.x_cell"), Width: 22}, {Header: c.T("fargroup.x_attended"), Center: true}, {Header: c.T("fargroup.x_counted"), Center: true}}}
	for _, g := range gs {
		for _, id := range g.MemberIDs {
			m, err := db(c).Member(id)
			if err != nil {
				continue
			}
			attended, counted := 0, 0
			for _, k := range g.Contacts {
				if slices.Contains(k.Present, id) {
					attended++
				}
				if slices.Contains(k.Counted, id) {
					counted++
				}
			}
			tb.Rows = append(tb.Rows, []export.Cell{{V: g.Name}, {V: c.PersonName(g.LeaderID)}, {V: c.MemberName(m)}, {V: cellName(c, m.HomeCellID)},
				{V: fmt.Sprintf("%d/%d", attended, len(g.Contacts))}, {V: counted}})
		}
	}
	return core.TableFiles(c, req, fmt.Sprintf("to-dang-lam-viec-xa-%s", export.Slug(org.Name)), tb)
}
