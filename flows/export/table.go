package export

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Cell is one value of a table. V is what the CSV shows and the workbook
// stores, unless F is set: then the workbook holds the formula F and V is
// its value (computed here, so the CSV and the tests can check it).
//
// In F, "{r}" is the cell's row, "{c}" its column letter, and "{r0}" and
// "{r1}" the first and last data rows of the table.
type Cell struct {
	V    any    // string, int, float64, time.Time (a date) or nil
	F    string // formula, without "="
	Fill string // background colour "RRGGBB", or ""
	Bold bool
}

// Column is a column of a table.
type Column struct {
	Header string
	Width  float64 // in characters; 0 means 12
	Date   bool    // values are dates, shown dd/mm/yyyy
	Pct    bool    // values are fractions, shown as percentages
	Center bool
}

// Table is one sheet: a title, a header row (frozen, repeated on each
// printed page), data rows, rows after the data (totals) and notes.
type Table struct {
	Sheet    string // the sheet's name, at most 31 characters
	Title    string
	Subtitle string
	Columns  []Column
	Rows     [][]Cell
	Foot     [][]Cell
	Notes    []string
}

// headerRow is the row of the column headers: title, subtitle, a blank row.
const headerRow = 4

// firstRow is the first data row.
const firstRow = headerRow + 1

func (t *Table) lastRow() int { return firstRow + len(t.Rows) - 1 }

// expand fills the placeholders of a formula for the cell at (col, row).
func (t *Table) expand(f string, col, row int) string {
	name, _ := excelize.ColumnNumberToName(col)
	last := t.lastRow()
	if last < firstRow {
		last = firstRow
	}
	return strings.NewReplacer("{r}", strconv.Itoa(row), "{c}", name, "{r0}", strconv.Itoa(firstRow), "{r1}", strconv.Itoa(last)).Replace(f)
}

// CSVRows are the table as CSV rows: the title, the header, the rows, the
// foot and the notes, with values (never formulas).
func (t *Table) CSVRows(tr T) [][]string {
	var out [][]string
	out = append(out, []string{t.Title})
	if t.Subtitle != "" {
		out = append(out, []string{t.Subtitle})
	}
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Header
	}
	out = append(out, head)
	for _, rows := range [][][]Cell{t.Rows, t.Foot} {
		for _, r := range rows {
			line := make([]string, len(r))
			for i, c := range r {
				line[i] = t.csvValue(tr, i, c)
			}
			out = append(out, line)
		}
	}
	for _, n := range t.Notes {
		out = append(out, []string{n})
	}
	return out
}

func (t *Table) csvValue(tr T, col int, c Cell) string {
	switch v := c.V.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case time.Time:
		return Date(v)
	case float64:
		if col < len(t.Columns) && t.Columns[col].Pct {
			return percent(tr, v)
		}
		return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", tr("export.decimal_mark"), 1)
	}
	return fmt.Sprint(c.V)
}

// styleKey names a cell style; styles are made once per workbook.
type styleKey struct {
	kind   string // "title", "subtitle", "head", "cell", "note"
	date   bool
	pct    bool
	center bool
	bold   bool
	fill   string
}

type book struct {
	f      *excelize.File
	styles map[styleKey]int
	sheets int
}

func newBook(t T) *book {
	f := excelize.NewFile()
	_ = f.SetDocProps(&excelize.DocProperties{Creator: "chibo", Language: t("export.doc_lang")})
	return &book{f: f, styles: map[styleKey]int{}}
}

func (b *book) style(k styleKey) (int, error) {
	if id, ok := b.styles[k]; ok {
		return id, nil
	}
	s := &excelize.Style{Font: &excelize.Font{Family: "Arial", Size: 11, Bold: k.bold}, Alignment: &excelize.Alignment{Vertical: "center"}}
	border := []excelize.Border{{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1}}
	switch k.kind {
	case "title":
		s.Font.Size, s.Font.Bold = 14, true
	case "subtitle":
		s.Font.Italic = true
	case "head":
		s.Font.Bold = true
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}
		s.Alignment.Horizontal, s.Alignment.WrapText = "center", true
		s.Border = border
	case "cell":
		s.Border = border
	}
	if k.date {
		f := "dd/mm/yyyy"
		s.CustomNumFmt = &f
	}
	if k.pct {
		f := "0.0%"
		s.CustomNumFmt = &f
	}
	if k.center || k.date || k.pct {
		s.Alignment.Horizontal = "center"
	}
	if k.fill != "" {
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{k.fill}}
	}
	id, err := b.f.NewStyle(s)
	if err != nil {
		return 0, err
	}
	b.styles[k] = id
	return id, nil
}

// add writes a table as a sheet. The first table takes the default sheet.
// Styles are made when first used: title, subtitle, head, cells, note.
func (b *book) add(t *Table) error {
	sw, err := b.newSheet(t)
	if err != nil {
		return err
	}
	if err := b.writeHeading(sw, t); err != nil {
		return err
	}
	row := firstRow
	for _, rows := range [][][]Cell{t.Rows, t.Foot} {
		for _, r := range rows {
			if err := b.writeRow(sw, t, r, row); err != nil {
				return err
			}
			row++
		}
	}
	if err := b.writeNotes(sw, t, row); err != nil {
		return err
	}
	return sw.Flush()
}

// newSheet makes the table's sheet, set up for printing, with its column
// widths and the header row frozen, and returns its stream writer.
func (b *book) newSheet(t *Table) (*excelize.StreamWriter, error) {
	name := sheetName(t.Sheet)
	b.sheets++
	if b.sheets == 1 {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	// The stream writer copies the sheet's settings when it is made:
	// set them first.
	if err := b.printSetup(name, t); err != nil {
		return nil, err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, c := range t.Columns {
		w := c.Width
		if w == 0 {
			w = 12
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	// The header row stays in view while scrolling.
	top, _ := excelize.CoordinatesToCellName(1, firstRow)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: top, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}}}); err != nil {
		return nil, err
	}
	return sw, nil
}

// writeHeading writes the title, the subtitle and the header row.
func (b *book) writeHeading(sw *excelize.StreamWriter, t *Table) error {
	title, err := b.style(styleKey{kind: "title"})
	if err != nil {
		return err
	}
	sub, err := b.style(styleKey{kind: "subtitle"})
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: title, Value: Inert(t.Title)}}, excelize.RowOpts{Height: 22}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", []any{excelize.Cell{StyleID: sub, Value: Inert(t.Subtitle)}}); err != nil {
		return err
	}
	head, err := b.style(styleKey{kind: "head"})
	if err != nil {
		return err
	}
	hv := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		hv[i] = excelize.Cell{StyleID: head, Value: Inert(c.Header)}
	}
	return sw.SetRow(fmt.Sprintf("A%d", headerRow), hv, excelize.RowOpts{Height: 32})
}

// writeRow writes one row of the body or the foot at row: dates as
// wall-clock days, text as inert text, formulas expanded.
func (b *book) writeRow(sw *excelize.StreamWriter, t *Table, r []Cell, row int) error {
	vals := make([]any, len(r))
	for i, c := range r {
		var col Column
		if i < len(t.Columns) {
			col = t.Columns[i]
		}
		id, err := b.style(styleKey{kind: "cell", date: col.Date, pct: col.Pct, center: col.Center, bold: c.Bold, fill: c.Fill})
		if err != nil {
			return err
		}
		v := c.V
		if d, ok := v.(time.Time); ok {
			// Excel dates have no zone: store the wall-clock day.
			v = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		}
		if str, ok := v.(string); ok {
			v = Inert(str) // stored as text, and shown as text
		}
		cell := excelize.Cell{StyleID: id, Value: v}
		if c.F != "" {
			cell.Formula = t.expand(c.F, i+1, row)
		}
		vals[i] = cell
	}
	return sw.SetRow(fmt.Sprintf("A%d", row), vals)
}

// writeNotes writes the notes under the table after an empty row, from
// row on.
func (b *book) writeNotes(sw *excelize.StreamWriter, t *Table, row int) error {
	note, err := b.style(styleKey{kind: "note"})
	if err != nil {
		return err
	}
	if len(t.Notes) > 0 {
		row++
	}
	for _, n := range t.Notes {
		if err := sw.SetRow(fmt.Sprintf("A%d", row), []any{excelize.Cell{StyleID: note, Value: Inert(n)}}); err != nil {
			return err
		}
		row++
	}
	return nil
}

// printSetup prints the sheet on A4 landscape, as wide as one page, with
// the header row on every page and the title and page number in the margins.
func (b *book) printSetup(name string, t *Table) error {
	size, orient, one, free := 9, "landscape", 1, 0 // 9 is A4 in SpreadsheetML
	if err := b.f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &free}); err != nil {
		return err
	}
	fit := true
	if err := b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	m := 0.4
	if err := b.f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &m, Right: &m, Top: &m, Bottom: &m}); err != nil {
		return err
	}
	if err := b.f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddFooter: "&L" + strings.ReplaceAll(t.Title, "&", "&&") + "&R&P/&N"}); err != nil {
		return err
	}
	return b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$%d:$%d", name, headerRow, headerRow), Scope: name})
}

func (b *book) bytes() ([]byte, error) {
	buf, err := b.f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), b.f.Close()
}

// sheetName makes a valid sheet name: at most 31 characters, none of : \ / ? * [ ].
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]'`, r) {
			return '-'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s == "" {
		s = "Sheet"
	}
	return s
}

// Workbook writes tables as the sheets of one workbook, in order.
func Workbook(t T, tables ...*Table) ([]byte, error) {
	b := newBook(t)
	for _, tb := range tables {
		if err := b.add(tb); err != nil {
			return nil, err
		}
	}
	return b.bytes()
}

// TableCSV writes a table as CSV (see CSV).
func TableCSV(t T, tb *Table) []byte { return CSV(tb.CSVRows(t)) }
