package export

import (
	"bytes"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// Comment is a residence cell's annual comment on a member (phiếu nhận
// xét, Regulation 213-QĐ/TW), ready to print. Texts come localized.
type Comment struct {
	Year         int
	Org          string // the residence cell's party committee (đảng bộ)
	Cell         string // the residence cell
	Member       string
	Home         string // where the member's party activity is
	Workplace    string
	WorkplaceOrg string
	Fields       []Field
	By           string // who wrote it
	Role         string // their role: secretary or deputy
	At           time.Time
	Place        string // where it is signed (the locality), may be empty
}

// Field is one field of the form and its answer.
type Field struct{ Label, Value string }

// pdfFamily is the PDF's name of the embedded font.
const pdfFamily = "dejavu"

// CommentPDF is the comment as an A4 PDF: the heading of a party document,
// the form's fields, the date and the signature lines of the
// cell secretary and the head of the residents' Front work group.
func CommentPDF(t T, c *Comment) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetTitle(t("export.pdf_title", "Year", c.Year), true)
	p.SetCreator("chibo", true)
	p.SetMargins(20, 15, 15)
	p.SetAutoPageBreak(true, 15)
	p.AddUTF8FontFromBytes(pdfFamily, "", fontRegular)
	p.AddUTF8FontFromBytes(pdfFamily, "B", fontBold)
	p.AliasNbPages("")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont(pdfFamily, "", 8)
		p.CellFormat(0, 5, t("export.pdf_page", "Page", p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	w, _ := p.GetPageSize()
	left, _, right, _ := p.GetMargins()
	cp := commentPage{p: p, t: t, c: c, left: left, body: w - left - right}
	cp.half = cp.body / 2
	cp.heading()
	cp.member()
	cp.fields()
	cp.signatures()
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// commentPage lays out a comment's PDF, section by section, top to bottom.
type commentPage struct {
	p                *fpdf.Fpdf
	t                T
	c                *Comment
	left, body, half float64 // the left margin, the text's width, half of it
}

// heading writes the committee and cell on the left, the Party's name and
// the place and date on the right, then the document's title and year.
func (cp commentPage) heading() {
	p, t, c, half := cp.p, cp.t, cp.c, cp.half
	y := p.GetY()
	p.SetFont(pdfFamily, "", 10)
	p.MultiCell(half, 5, strings.ToUpper(c.Org), "", "C", false)
	p.SetFont(pdfFamily, "B", 10)
	p.MultiCell(half, 5, strings.ToUpper(c.Cell), "", "C", false)
	p.CellFormat(half, 4, "*", "", 1, "C", false, 0, "")
	yl := p.GetY()
	p.SetXY(cp.left+half, y)
	p.SetFont(pdfFamily, "B", 10)
	p.CellFormat(half, 5, t("export.pdf_party"), "", 2, "C", false, 0, "")
	p.SetFont(pdfFamily, "", 10)
	place := c.Place
	if place == "" {
		place = "……………"
	}
	date := t("export.pdf_date", "Place", place, "Day", c.At.Day(), "Month", int(c.At.Month()), "Year", c.At.Year())
	p.SetX(cp.left + half)
	p.MultiCell(half, 5, date, "", "C", false)
	p.SetY(max(yl, p.GetY()) + 6)

	p.SetFont(pdfFamily, "B", 13)
	p.MultiCell(cp.body, 6.5, t("export.pdf_heading"), "", "C", false)
	p.SetFont(pdfFamily, "B", 11)
	p.CellFormat(cp.body, 6, t("export.pdf_year", "Year", c.Year), "", 1, "C", false, 0, "")
	p.Ln(4)
}

// member writes who the comment is about: a bold label, then the value.
func (cp commentPage) member() {
	p, t, c := cp.p, cp.t, cp.c
	p.SetFont(pdfFamily, "", 11)
	line := func(label, value string) {
		p.SetFont(pdfFamily, "B", 11)
		lw := p.GetStringWidth(label + " ")
		p.CellFormat(lw, 6, label+" ", "", 0, "L", false, 0, "")
		p.SetFont(pdfFamily, "", 11)
		p.MultiCell(cp.body-lw, 6, value, "", "L", false)
	}
	line(t("export.pdf_member"), c.Member)
	line(t("export.pdf_home"), c.Home)
	line(t("export.pdf_workplace"), c.Workplace)
	line(t("export.pdf_workplace_org"), c.WorkplaceOrg)
	line(t("export.pdf_cell"), c.Cell)
	p.Ln(3)
}

// fields writes the form's fields, each numbered label with its answer
// indented under it.
func (cp commentPage) fields() {
	p, t := cp.p, cp.t
	p.SetFont(pdfFamily, "B", 11)
	p.MultiCell(cp.body, 6, t("export.pdf_fields"), "", "L", false)
	for i, f := range cp.c.Fields {
		p.SetFont(pdfFamily, "", 11)
		p.MultiCell(cp.body, 6, t("export.pdf_field", "N", i+1, "Label", f.Label), "", "L", false)
		p.SetFont(pdfFamily, "B", 11)
		p.SetX(cp.left + 8)
		p.MultiCell(cp.body-8, 6, f.Value, "", "L", false)
		p.Ln(1)
	}
	p.Ln(8)
}

// signatures writes the head of the residents' Front work group on the
// left, the cell on the right (Guide 33-HD/BTCTW 2020; DOMAIN.md §3), on a
// new page when too little is left, then the closing note.
func (cp commentPage) signatures() {
	p, t, c, half := cp.p, cp.t, cp.c, cp.half
	if p.GetY() > 230 {
		p.AddPage()
	}
	y := p.GetY()
	p.SetFont(pdfFamily, "B", 10)
	p.MultiCell(half, 5, t("export.pdf_sign_front"), "", "C", false)
	p.SetFont(pdfFamily, "", 9)
	p.MultiCell(half, 5, t("export.pdf_sign_hint"), "", "C", false)
	p.SetXY(cp.left+half, y)
	p.SetFont(pdfFamily, "B", 10)
	p.MultiCell(half, 5, t("export.pdf_sign_cell", "Role", strings.ToUpper(c.Role)), "", "C", false)
	p.SetX(cp.left + half)
	p.SetFont(pdfFamily, "", 9)
	p.MultiCell(half, 5, t("export.pdf_sign_hint"), "", "C", false)
	p.SetY(p.GetY() + 24)
	p.SetX(cp.left + half)
	p.SetFont(pdfFamily, "B", 11)
	p.MultiCell(half, 6, c.By, "", "C", false)
	p.Ln(6)
	p.SetFont(pdfFamily, "", 8)
	p.MultiCell(cp.body, 4.5, t("export.pdf_note"), "", "L", false)
}
