package tasks

import (
	"fmt"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/export"
	"chibo/storage"
)

// exportTasks is the organization's tasks, cell by cell: what, who, the
// meeting that decided it, by when, and its outcome (the commune follows
// "rõ người, rõ việc" from it).
func exportTasks(c *core.Ctx, org *storage.Organization, req core.ExportRequest) ([]chat.Document, error) {
	cells, err := c.OrgCells(org.ID)
	if err != nil {
		return nil, err
	}
	tb := &export.Table{Sheet: c.T("tasks.x_sheet"), Title: c.T("tasks.x_title", "Org", org.Name), Subtitle: c.T("tasks.x_subtitle", "Date", c.Date(c.Now)),
		Columns: []export.Column{{Header: c.T("tasks.x_cell"), Width: 22}, {Header: c.T("tasks.x_meeting"), Date: true}, {Header: c.T("tasks.x_what"), Width: 40},
			{Header: c.T("tasks.x_who"), Width: 22}, {Header: c.T("tasks.x_due"), Date: true}, {Header: c.T("tasks.x_state"), Width: 24}, {Header: c.T("tasks.x_done"), Date: true}}}
	for _, cell := range cells {
		ts, err := db(c).CellTasks(cell.ID)
		if err != nil {
			return nil, err
		}
		for i := range ts {
			t := &ts[i]
			var meeting, done any
			if t.MeetingID != 0 {
				if mt, err := db(c).Meeting(t.MeetingID); err == nil {
					meeting = core.DayStart(mt.At.In(c.CellZone(&cell)))
				}
			}
			if !t.DoneAt.IsZero() {
				done = core.DayStart(t.DoneAt.In(c.CellZone(&cell)))
			}
			tb.Rows = append(tb.Rows, []export.Cell{{V: cell.Name}, {V: meeting}, {V: t.What}, {V: whoName(c, t)}, {V: t.Due}, {V: stateName(c, t)}, {V: done}})
		}
	}
	return core.TableFiles(c, req, fmt.Sprintf("nhiem-vu-%s", export.Slug(org.Name)), tb)
}
