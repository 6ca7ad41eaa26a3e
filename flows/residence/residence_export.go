package residence

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/export"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"fmt"
	"slices"
)

func exportCommentFiles(c *core.Ctx, cell *storage.Cell, req core.ExportRequest) ([]chat.Document, error) {
	if req.Format == core.FormatPDF {
		return commentPDFs(c, cell, req.Year)
	}
	y, err := commentYear(c, cell, req.Year)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("phieu-nhan-xet-%d-%s", req.Year, export.Slug(cell.Name))
	return core.TableFiles(c, req, base, export.CommentTable(c.Tr(), y))
}

// yearComments are the comments the residence cell gave for the year.
func yearComments(c *core.Ctx, cell *storage.Cell, year int) ([]*storage.ResidenceComment, []storage.Member, error) {
	links, err := members.LinkedMembers(c.Tx, cell.ID, "")
	if err != nil {
		return nil, nil, err
	}
	var cms []*storage.ResidenceComment
	var ms []storage.Member
	for _, lm := range links {
		cm, err := db(c).ResidenceComment(lm.M.ID, year)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && cm.CellID != cell.ID) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		cms, ms = append(cms, cm), append(ms, lm.M)
	}
	return cms, ms, nil
}

func commentYear(c *core.Ctx, cell *storage.Cell, year int) (*export.CommentYear, error) {
	cms, ms, err := yearComments(c, cell, year)
	if err != nil {
		return nil, err
	}
	y := &export.CommentYear{Cell: cell.Name, Year: year, Made: c.Now.In(c.CellZone(cell))}
	// The columns are the fields of every form used, in the order met.
	var keys []string
	for _, cm := range cms {
		for _, f := range cm.Form.Fields {
			if !slices.Contains(keys, f.Key) {
				keys = append(keys, f.Key)
				y.Fields = append(y.Fields, resFieldLabel(c, f))
			}
		}
	}
	for i, cm := range cms {
		l := export.CommentLine{Name: ms[i].Name, At: cm.At.In(c.CellZone(cell))}
		if lk, err := db(c).ResidenceLink(ms[i].ID); err == nil {
			l.Workplace, l.WorkplaceOrg, l.Home = lk.Workplace, lk.WorkplaceOrg, homeLabel(c, &ms[i], lk)
		}
		if b, err := db(c).Member(cm.By); err == nil {
			l.By = b.Name
		}
		for _, k := range keys {
			v := ""
			for _, f := range cm.Form.Fields {
				if f.Key == k {
					v = resAnswerText(c, &cm.Form, f, cm.Answers[k])
				}
			}
			l.Answers = append(l.Answers, v)
		}
		y.Lines = append(y.Lines, l)
	}
	return y, nil
}

// commentDoc is a comment as the printable form: the PDF.
func commentDoc(c *core.Ctx, cm *storage.ResidenceComment, m *storage.Member) (*chat.Document, error) {
	data, err := export.CommentPDF(c.Tr(), CommentForm(c, cm, m))
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("phieu-nhan-xet-%d-%s.pdf", cm.Year, export.Slug(m.Name))
	return &chat.Document{Name: name, MIME: export.MIMEPDF, Data: data}, nil
}

// commentForm is what the printed form says: the official form's heading,
// the member, the cells by name and the fields, nothing of chibo's own.
func CommentForm(c *core.Ctx, cm *storage.ResidenceComment, m *storage.Member) *export.Comment {
	d := &export.Comment{Year: cm.Year, Member: m.Name, At: cm.At.In(c.Zone()), Role: c.T("role.secretary")}
	if rc, err := db(c).Cell(cm.CellID); err == nil {
		d.Cell, d.At = rc.Name, cm.At.In(c.CellZone(rc))
		if o, err := db(c).Org(rc.OrgID); err == nil {
			d.Org = o.Name
		}
	}
	if l, err := db(c).ResidenceLink(m.ID); err == nil {
		d.Workplace, d.WorkplaceOrg, d.Home = l.Workplace, l.WorkplaceOrg, homeLabel(c, m, l)
	}
	if b, err := db(c).Member(cm.By); err == nil {
		d.By = b.Name
		if !b.HasRole(cm.CellID, storage.RoleSecretary) {
			d.Role = c.T("role.deputy")
		}
	}
	// The official form carries the fields only: chibo's figures are in it
	// when the secretary took them as the free comment.
	for _, f := range cm.Form.Fields {
		v := resAnswerText(c, &cm.Form, f, cm.Answers[f.Key])
		d.Fields = append(d.Fields, export.Field{Label: resFieldLabel(c, f), Value: v})
	}
	return d
}

func commentPDFs(c *core.Ctx, cell *storage.Cell, year int) ([]chat.Document, error) {
	cms, ms, err := yearComments(c, cell, year)
	if err != nil {
		return nil, err
	}
	if len(cms) == 0 {
		return nil, &core.ErrExport{MsgID: "exp.no_comments", KV: []any{"Year", year}}
	}
	var out []chat.Document
	for i := range cms {
		d, err := commentDoc(c, cms[i], &ms[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// attachCommentPDF puts the comment's PDF, in r's language, on the last
// message queued in c (the member's copy, or the secretary's note that it
// was sent).
func attachCommentPDF(r *core.Ctx, c *core.Ctx, cm *storage.ResidenceComment, m *storage.Member) error {
	if len(c.Out) == 0 {
		return nil
	}
	d, err := commentDoc(r, cm, m)
	if err != nil {
		return err
	}
	c.Out[len(c.Out)-1].Document = d
	return nil
}

func myResidence(c *core.Ctx, m *storage.Member) ([]string, error) {
	var lines []string
	if l, err := db(c).ResidenceLink(m.ID); err == nil {
		name := ""
		if cell, err := db(c).Cell(l.CellID); err == nil {
			name = cell.Name
		}
		lines = append(lines, c.T("privacy.residence_link", "Cell", name, "Workplace", l.Workplace, "Org", l.WorkplaceOrg, "Status", resStatusName(c, l.Status), "Date", c.Date(l.Introduced)))
	}
	for y := 2000; y <= c.Now.Year(); y++ {
		reps, err := db(c).ResidenceReports(m.ID, y)
		if err != nil {
			return nil, err
		}
		for _, r := range reps {
			lines = append(lines, c.T("privacy.residence_report", "Date", r.Date, "Kind", resKindName(c, r.Kind), "Text", r.Text))
		}
	}
	comments, err := db(c).ResidenceComments(m.ID)
	if err != nil {
		return nil, err
	}
	for _, rc := range comments {
		lines = append(lines, c.T("privacy.residence_comment", "Year", rc.Year, "By", c.PersonName(rc.By)))
		for _, f := range rc.Form.Fields {
			lines = append(lines, "  "+resFieldLabel(c, f)+": "+resAnswerText(c, &rc.Form, f, rc.Answers[f.Key]))
		}
	}
	return lines, nil
}
