package export

import (
	"bytes"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// RatingSheet is a cell's year rating as one page (issue 17): the evidence
// per criterion and the committee's decisions with who decided. Texts come
// localized.
type RatingSheet struct {
	Org, Cell string
	Title     string // e.g. "Year 2026 rating: evidence and decision"
	Sub       string // the month of the figures
	Criteria  []RatingBlock
	Overall   string // the overall decision with who and when, or "not decided"
	Note      string // chibo gathers figures; the committee decides
}

// RatingBlock is a criterion: its label, its figure lines, its decision.
type RatingBlock struct {
	Label    string
	Lines    []string
	Decision string
}

// RatingPDF is the sheet as an A4 PDF with the embedded font: one page for
// the default rules, more when a rule file names many criteria.
func RatingPDF(s *RatingSheet) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetTitle(s.Title, true)
	p.SetCreator("chibo", true)
	p.SetMargins(20, 15, 15)
	p.SetAutoPageBreak(true, 15)
	p.AddUTF8FontFromBytes(pdfFamily, "", fontRegular)
	p.AddUTF8FontFromBytes(pdfFamily, "B", fontBold)
	p.AddPage()
	w, _ := p.GetPageSize()
	left, _, right, _ := p.GetMargins()
	body := w - left - right
	p.SetFont(pdfFamily, "", 10)
	p.MultiCell(body, 5, strings.ToUpper(s.Org), "", "L", false)
	p.SetFont(pdfFamily, "B", 10)
	p.MultiCell(body, 5, strings.ToUpper(s.Cell), "", "L", false)
	p.Ln(4)
	p.SetFont(pdfFamily, "B", 13)
	p.MultiCell(body, 6.5, s.Title, "", "C", false)
	p.SetFont(pdfFamily, "", 10)
	p.MultiCell(body, 5, s.Sub, "", "C", false)
	p.Ln(4)
	for _, b := range s.Criteria {
		p.SetFont(pdfFamily, "B", 11)
		p.MultiCell(body, 6, b.Label, "", "L", false)
		p.SetFont(pdfFamily, "", 10)
		for _, l := range b.Lines {
			p.SetX(left + 6)
			p.MultiCell(body-6, 5, l, "", "L", false)
		}
		if b.Decision != "" {
			p.SetX(left + 6)
			p.SetFont(pdfFamily, "B", 10)
			p.MultiCell(body-6, 5, b.Decision, "", "L", false)
		}
		p.Ln(2)
	}
	p.Ln(2)
	p.SetFont(pdfFamily, "B", 11)
	p.MultiCell(body, 6, s.Overall, "", "L", false)
	p.Ln(4)
	p.SetFont(pdfFamily, "", 9)
	p.MultiCell(body, 4.5, s.Note, "", "L", false)
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
