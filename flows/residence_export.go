package flows

import (
	"chibo/flows/export"
	"chibo/storage"
	"errors"
	"fmt"
	"slices"
)

func exportCommentFiles(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	if req.Format == FormatPDF {
		return c.commentPDFs(cell, req.Year)
	}
	y, err := c.commentYear(cell, req.Year)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("phieu-nhan-xet-%d-%s", req.Year, export.Slug(cell.Name))
	return TableFiles(c, req, base, export.CommentTable(c.tr(), y))
}

// yearComments are the comments the residence cell gave for the year.
func (c *Ctx) yearComments(cell *storage.Cell, year int) ([]*storage.ResidenceComment, []storage.Member, error) {
	links, err := linkedMembers(c.Tx, cell.ID, "")
	if err != nil {
		return nil, nil, err
	}
	var cms []*storage.ResidenceComment
	var ms []storage.Member
	for _, lm := range links {
		cm, err := c.Tx.ResidenceComment(lm.m.ID, year)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && cm.CellID != cell.ID) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		cms, ms = append(cms, cm), append(ms, lm.m)
	}
	return cms, ms, nil
}

func (c *Ctx) commentYear(cell *storage.Cell, year int) (*export.CommentYear, error) {
	cms, ms, err := c.yearComments(cell, year)
	if err != nil {
		return nil, err
	}
	y := &export.CommentYear{Cell: cell.Name, Year: year, Made: c.Now.In(c.cellZone(cell))}
	// The columns are the fields of every form used, in the order met.
	var keys []string
	for _, cm := range cms {
		for _, f := range cm.Form.Fields {
			if !slices.Contains(keys, f.Key) {
				keys = append(keys, f.Key)
				y.Fields = append(y.Fields, c.resFieldLabel(f))
			}
		}
	}
	for i, cm := range cms {
		l := export.CommentLine{Name: ms[i].Name, At: cm.At.In(c.cellZone(cell))}
		if lk, err := c.Tx.ResidenceLink(ms[i].ID); err == nil {
			l.Workplace, l.WorkplaceOrg, l.Home = lk.Workplace, lk.WorkplaceOrg, c.homeLabel(&ms[i], lk)
		}
		if b, err := c.Tx.Member(cm.By); err == nil {
			l.By = b.Name
		}
		for _, k := range keys {
			v := ""
			for _, f := range cm.Form.Fields {
				if f.Key == k {
					v = c.resAnswerText(&cm.Form, f, cm.Answers[k])
				}
			}
			l.Answers = append(l.Answers, v)
		}
		y.Lines = append(y.Lines, l)
	}
	return y, nil
}

// commentDoc is a comment as the printable form: the PDF.
func (c *Ctx) commentDoc(cm *storage.ResidenceComment, m *storage.Member) (*Document, error) {
	data, err := export.CommentPDF(c.tr(), c.commentForm(cm, m))
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("phieu-nhan-xet-%d-%s.pdf", cm.Year, export.Slug(m.Name))
	return &Document{Name: name, MIME: export.MIMEPDF, Data: data}, nil
}

// commentForm is what the printed form says: the official form's heading,
// the member, the cells by name and the fields, nothing of chibo's own.
func (c *Ctx) commentForm(cm *storage.ResidenceComment, m *storage.Member) *export.Comment {
	d := &export.Comment{Year: cm.Year, Member: m.Name, At: cm.At.In(c.Zone()), Role: c.T("role.secretary")}
	if rc, err := c.Tx.Cell(cm.CellID); err == nil {
		d.Cell, d.At = rc.Name, cm.At.In(c.cellZone(rc))
		if o, err := c.Tx.Org(rc.OrgID); err == nil {
			d.Org = o.Name
		}
	}
	if l, err := c.Tx.ResidenceLink(m.ID); err == nil {
		d.Workplace, d.WorkplaceOrg, d.Home = l.Workplace, l.WorkplaceOrg, c.homeLabel(m, l)
	}
	if b, err := c.Tx.Member(cm.By); err == nil {
		d.By = b.Name
		if !b.HasRole(cm.CellID, storage.RoleSecretary) {
			d.Role = c.T("role.deputy")
		}
	}
	// The official form carries the fields only: chibo's figures are in it
	// when the secretary took them as the free comment.
	for _, f := range cm.Form.Fields {
		v := c.resAnswerText(&cm.Form, f, cm.Answers[f.Key])
		d.Fields = append(d.Fields, export.Field{Label: c.resFieldLabel(f), Value: v})
	}
	return d
}

func (c *Ctx) commentPDFs(cell *storage.Cell, year int) ([]Document, error) {
	cms, ms, err := c.yearComments(cell, year)
	if err != nil {
		return nil, err
	}
	if len(cms) == 0 {
		return nil, &ErrExport{MsgID: "exp.no_comments", KV: []any{"Year", year}}
	}
	var out []Document
	for i := range cms {
		d, err := c.commentDoc(cms[i], &ms[i])
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
func (r *Ctx) attachCommentPDF(c *Ctx, cm *storage.ResidenceComment, m *storage.Member) error {
	if len(c.out) == 0 {
		return nil
	}
	d, err := r.commentDoc(cm, m)
	if err != nil {
		return err
	}
	c.out[len(c.out)-1].Document = d
	return nil
}

func (c *Ctx) myResidence(m *storage.Member) ([]string, error) {
	var lines []string
	if l, err := c.Tx.ResidenceLink(m.ID); err == nil {
		name := ""
		if cell, err := c.Tx.Cell(l.CellID); err == nil {
			name = cell.Name
		}
		lines = append(lines, c.T("privacy.residence_link", "Cell", name, "Workplace", l.Workplace, "Org", l.WorkplaceOrg, "Status", c.resStatusName(l.Status), "Date", c.Date(l.Introduced)))
	}
	for y := 2000; y <= c.Now.Year(); y++ {
		reps, err := c.Tx.ResidenceReports(m.ID, y)
		if err != nil {
			return nil, err
		}
		for _, r := range reps {
			lines = append(lines, c.T("privacy.residence_report", "Date", r.Date, "Kind", c.resKindName(r.Kind), "Text", r.Text))
		}
	}
	comments, err := c.Tx.ResidenceComments(m.ID)
	if err != nil {
		return nil, err
	}
	for _, rc := range comments {
		lines = append(lines, c.T("privacy.residence_comment", "Year", rc.Year, "By", c.personName(rc.By)))
		for _, f := range rc.Form.Fields {
			lines = append(lines, "  "+c.resFieldLabel(f)+": "+c.resAnswerText(&rc.Form, f, rc.Answers[f.Key]))
		}
	}
	return lines, nil
}
