package faraway

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/export"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"fmt"
	"strings"
)

func exportCheckins(c *core.Ctx, cell *storage.Cell, req core.ExportRequest) ([]chat.Document, error) {
	m, err := checkinMonth(c, cell, req.Month, req.Leader)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("bao-cao-%s-%s", strings.ReplaceAll(m.Month, "/", "-"), export.Slug(cell.Name))
	return core.TableFiles(c, req, base, export.CheckinTable(c.Tr(), m))
}

// checkinMonth is a month of check-ins of the cell's far-away members; a
// leader other than 0 keeps the members of the groups they lead.
func checkinMonth(c *core.Ctx, cell *storage.Cell, month string, leader uint64) (*export.CheckinMonth, error) {
	r, err := ckRulesOf(c, cell)
	if err != nil {
		return nil, err
	}
	p := r.current(c.Now)
	if month != "" {
		q, ok := core.ParsePeriod(month)
		if !ok {
			return nil, &core.ErrExport{MsgID: "exp.bad_month"}
		}
		p = q
	}
	form, err := ckFormOf(db(c), cell)
	if err != nil {
		return nil, err
	}
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return nil, err
	}
	out := &export.CheckinMonth{Cell: cell.Name, Month: p.Label(), Made: c.Now.In(r.zone)}
	for _, f := range form.Fields {
		out.Fields = append(out.Fields, fieldLabel(c, f, p.String()))
	}
	for i := range ms {
		m := &ms[i]
		if leader != 0 && members.CkGroupLeader(c.Tx, m) != leader {
			continue
		}
		ck, err := db(c).Checkin(m.ID, p.String())
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		if ck == nil && !r.expected(m, p, c.Now) {
			continue
		}
		l := export.CheckinLine{Name: c.MemberName(m), State: c.T("exp.ck_missing")}
		if g, err := db(c).Group(m.GroupID); err == nil {
			l.Group = g.Name
		}
		if ck != nil {
			l.Done, l.At, l.State = true, ck.At.In(r.zone), c.T("exp.ck_done")
			if ck.Late {
				l.State = c.T("exp.ck_late")
			}
			for _, f := range form.Fields {
				l.Answers = append(l.Answers, answerText(c, f, ck.Answers[f.Key]))
			}
		}
		out.Lines = append(out.Lines, l)
	}
	return out, nil
}

func myCheckins(c *core.Ctx, m *storage.Member) ([]string, error) {
	var lines []string
	if f, err := db(c).FarAway(m.ID); err == nil {
		lines = append(lines, c.T("privacy.faraway_line", "Province", f.Province, "Resolution", f.Resolution, "Date", c.Date(f.SetAt)))
	}
	if r, err := db(c).FarAwayRequest(m.ID); err == nil {
		lines = append(lines, c.T("privacy.faraway_request_line", "Province", r.Province, "From", c.Date(r.From), "To", c.Date(r.To), "Reason", r.Reason, "Date", c.Date(r.At)))
	}
	cks, err := db(c).Checkins(m.ID)
	if err != nil || len(cks) == 0 {
		return lines, err
	}
	cell, err := db(c).Cell(cks[len(cks)-1].CellID)
	if err != nil {
		return nil, err
	}
	form, err := ckFormOf(db(c), cell)
	if err != nil {
		return nil, err
	}
	for _, ck := range cks {
		lines = append(lines, c.T("privacy.checkin_header", "Period", c.MonthLabel(ck.Period), "Date", c.Date(ck.At)), ckSummary(c, form, ck.Period, ck.Answers))
		if ck.Lat != nil && ck.Lon != nil {
			lines = append(lines, c.T("privacy.checkin_point", "Lat", fmt.Sprintf("%.6f", *ck.Lat), "Lon", fmt.Sprintf("%.6f", *ck.Lon)))
		}
	}
	return lines, nil
}
