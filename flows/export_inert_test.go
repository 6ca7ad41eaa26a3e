package flows

import (
	"bytes"
	"chibo/flows/core"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"chibo/flows/chat"
	"chibo/storage"
)

// TestExport_noFormulaFromPeople: text people typed (a cell's name, a
// member's name) that begins like a formula is written as text in every
// export kind, CSV and Excel: a secretary opening the file runs nothing.
func TestExport_noFormulaFromPeople(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	h.closeMarch("lethihai")
	const evilCell, evilName = `=HYPERLINK("http://evil.example/x","Bam")`, "+cmd|' /C calc'!A0"
	err := h.db.Update(func(tx *storage.Tx) error {
		cell, err := tx.Cell(h.cell.ID)
		if err != nil {
			return err
		}
		cell.Name = evilCell
		if err := tx.PutCell(cell); err != nil {
			return err
		}
		m, err := tx.Member(h.member("tranvanmot").ID)
		if err != nil {
			return err
		}
		m.Name = evilName
		return tx.PutMember(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	mid := h.meetings()[0].ID
	for _, what := range []string{core.ExportAttendance, core.ExportRoll, core.ExportCheckins, core.ExportComments, core.ExportQuality, core.ExportAudit} {
		for _, format := range []string{core.FormatCSV, core.FormatXLSX} {
			t.Run(what+"."+format, func(t *testing.T) {
				var docs []chat.Document
				err := h.db.View(func(tx *storage.Tx) error {
					var err error
					docs, err = h.e.Export(tx, "vi", core.ExportRequest{What: what, Format: format, CellID: h.cell.ID, Year: 2026, Meeting: mid, Month: "2026-03"})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(docs) == 0 {
					t.Fatal("no file")
				}
				values := cellValues(t, &docs[0])
				found := false
				for _, v := range values {
					if strings.Contains(v, "HYPERLINK") {
						found = true
					}
					if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
						t.Errorf("a value a spreadsheet runs: %q", v)
					}
				}
				if !found {
					t.Fatalf("the cell's name is not in the file: %q", values)
				}
			})
		}
	}
}

// cellValues lists every value of a CSV file, or every cell of every sheet
// of a workbook (failing on a formula that holds people's text).
func cellValues(t *testing.T, d *chat.Document) []string {
	t.Helper()
	var out []string
	if strings.HasSuffix(d.Name, ".csv") {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(d.Data, []byte("\ufeff"))))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			out = append(out, row...)
		}
		return out
	}
	f, err := excelize.OpenReader(bytes.NewReader(d.Data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				name, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if formula, _ := f.GetCellFormula(sheet, name); formula != "" && strings.Contains(formula, "evil") {
					t.Errorf("%s!%s is a formula of people's text: %q", sheet, name, formula)
				}
				out = append(out, v)
			}
		}
	}
	return out
}
