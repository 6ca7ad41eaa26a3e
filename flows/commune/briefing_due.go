package commune

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"fmt"
	"strings"
	"time"
)

// dueBriefings does a cell's part of its organization's giao ban: the
// notice and report request to the cell's secretaries a week before, the
// eve's reminder and, for the organization's first cell only (so it is
// worked out once), the compiled reports to the standing committee. It
// looks again when the next of those falls due: a briefing's schedule or
// move touches every cell of the organization (storage.PutBriefing).
func dueBriefings(c *core.Ctx, cell *storage.Cell) (time.Time, error) {
	if _, err := db(c).BriefingSettingsOf(cell.OrgID); errors.Is(err, storage.ErrNotFound) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	b, err := upcoming(c, cell.OrgID)
	if err != nil || b == nil {
		return time.Time{}, err
	}
	notice, eve, over := b.At.Add(-noticeBefore), b.At.Add(-eveBefore), b.At.Add(4*time.Hour+time.Minute)
	switch {
	case c.Now.Before(notice):
		return notice, nil
	case !c.Now.Before(b.At):
		return over, nil // the next briefing is made once this one is over
	}
	if end, quiet, err := c.QuietUntil(cell, c.Now); err != nil || quiet {
		return end, err // the cell's night: looked at again when it ends
	}
	isEve := !c.Now.Before(eve)
	if err := noticeBriefing(c, b, cell, isEve); err != nil {
		return time.Time{}, err
	}
	if isEve {
		return over, nil
	}
	return eve, nil
}

// noticeBriefing sends the notice and report request to every secretary not
// told yet and, on the eve, the reminder to those without a report and the
// compiled reports to the standing committee.
func noticeBriefing(c *core.Ctx, b *storage.Briefing, cell *storage.Cell, eve bool) error {
	org, err := db(c).Org(b.OrgID)
	if err != nil {
		return err
	}
	secs, err := cellSecretaries(c, cell)
	if err != nil {
		return err
	}
	until := b.At.Add(24 * time.Hour)
	noticed := false
	for i := range secs {
		m := &secs[i]
		r := c.ReaderOf(m)
		figures, err := cellFigures(r, cell, b)
		if err != nil {
			return err
		}
		sent, err := c.RemindUntil(until, fmt.Sprintf("reminder/briefing/%d/%d", b.ID, m.ID), m, briefingButtons(r, b, cell.ID), "commune.gb_notice",
			"Org", org.Name, "When", briefingWhen(r, b), "Place", placeText(r, b), "Cell", cell.Name, "Figures", figures)
		if err != nil {
			return err
		}
		noticed = noticed || sent
		if eve && b.Reports[cell.ID] == nil {
			if _, err := c.RemindUntil(until, fmt.Sprintf("reminder/briefing-eve/%d/%d", b.ID, m.ID), m, briefingButtons(r, b, cell.ID),
				"commune.gb_eve", "Org", org.Name, "When", briefingWhen(r, b), "Cell", cell.Name); err != nil {
				return err
			}
		}
	}
	if noticed && b.Noticed.IsZero() {
		b.Noticed = c.Now
		if err := db(c).PutBriefing(b); err != nil {
			return err
		}
	}
	if first, ok := db(c).FirstOrgCellID(b.OrgID); !eve || !ok || first != cell.ID {
		return nil
	}
	standing, err := standingMembers(c, b.OrgID)
	if err != nil {
		return err
	}
	for i := range standing {
		m := &standing[i]
		r := c.ReaderOf(m)
		text, err := compiledText(r, org, b)
		if err != nil {
			return err
		}
		if _, err := c.RemindUntil(until, fmt.Sprintf("reminder/briefing-pack/%d/%d", b.ID, m.ID), m,
			[][]chat.Button{{core.ActionButton(r.T("commune.btn_workbook"), codeFiles, fmt.Sprintf("%d:%s:b", b.OrgID, briefingMonth(r, b)))}}, "commune.gb_pack", "Text", text); err != nil {
			return err
		}
	}
	return nil
}

func briefingButtons(c *core.Ctx, b *storage.Briefing, cellID uint64) [][]chat.Button {
	arg := fmt.Sprintf("%d:%d", b.OrgID, b.ID)
	return [][]chat.Button{{core.ActionButton(c.T("mt.btn_yes"), codeBriefingRSVP, arg+":y"), core.ActionButton(c.T("mt.btn_no"), codeBriefingRSVP, arg+":n")},
		{core.ActionButton(c.T("commune.btn_report"), codeBriefingReport, fmt.Sprintf("%s:%d", arg, cellID))}}
}

func briefingMonth(c *core.Ctx, b *storage.Briefing) core.Period {
	t := b.At.In(c.Zone())
	return core.Period{Y: t.Year(), M: t.Month()}
}

// cellFigures is a cell's report as chibo prefills it: the overview's
// figures for the briefing's month, and the month's dues.
func cellFigures(c *core.Ctx, cell *storage.Cell, b *storage.Briefing) (string, error) {
	month := briefingMonth(c, b)
	f, err := c.FiguresOf(cell, month)
	if err != nil {
		return "", err
	}
	lines := []string{c.T("commune.page_month", "Line", monthLine(c, f)), yearLine(c, f)}
	if f.FarAway > 0 {
		lines = append(lines, c.T("commune.page_far", "Count", f.FarAway, "Reported", f.Reported, "Late", f.Late, "Silent", f.Silent))
	}
	lines = append(lines, c.T("commune.page_comments", "Received", f.CommentsReceived, "Owed", f.CommentsOwed))
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return "", err
	}
	paid, recorded := 0, 0
	for i := range ms {
		d, err := members.DuesOf(c.Tx, ms[i].ID, month.String())
		if err != nil {
			return "", err
		}
		if d != nil {
			recorded++
			if d.State == storage.DuesPaid {
				paid++
			}
		}
	}
	lines = append(lines, c.T("commune.gb_dues", "Month", month.Label(), "Paid", paid, "Recorded", recorded, "Count", len(ms)))
	return strings.Join(lines, "\n"), nil
}

// compiledText is every cell's report (or its absence) for the committee.
func compiledText(c *core.Ctx, org *storage.Organization, b *storage.Briefing) (string, error) {
	cells, err := db(c).OrgCells(org.ID)
	if err != nil {
		return "", err
	}
	parts := []string{c.T("commune.gb_compiled_header", "Org", org.Name, "When", briefingWhen(c, b), "Count", len(b.Reports), "Cells", len(cells))}
	for _, cell := range cells {
		r := b.Reports[cell.ID]
		if r == nil {
			parts = append(parts, c.T("commune.gb_compiled_missing", "Cell", cell.Name))
			continue
		}
		parts = append(parts, c.T("commune.gb_compiled_cell", "Cell", cell.Name, "Name", c.PersonName(r.By), "Figures", r.Figures, "Done", r.Done, "Hard", r.Difficulties))
	}
	return strings.Join(parts, "\n\n"), nil
}
