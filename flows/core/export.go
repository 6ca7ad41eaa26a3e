package core

import (
	"errors"

	"chibo/flows/chat"
	"chibo/flows/export"
	"chibo/locales"
	"chibo/storage"
)

// Exports: the secretary's books as files (issue 7). /export asks what and
// in which format, then sends the file; `chibo export` makes the same files
// on the command line through Engine.Export.

// What can be exported.
const (
	ExportAttendance = "attendance" // the year's attendance: members × months
	ExportRoll       = "roll"       // one meeting's roll
	ExportCheckins   = "checkins"   // a month of far-away members' check-ins
	ExportComments   = "comments"   // the year's residence comments
	ExportQuality    = "quality"    // the year's meeting quality scores
	ExportAudit      = "audit"      // the cell's audit log: who changed what
)

// Formats of an export.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
	FormatPDF  = "pdf" // residence comments only: one PDF per member
)

// ExportRequest says which file to make.
type ExportRequest struct {
	What    string
	Format  string // empty means xlsx
	CellID  uint64
	Year    int    // zero means the current year
	Month   string // yyyy-mm, for check-ins; empty means the current period
	Meeting uint64 // for a roll; zero means the cell's last closed meeting
	// Leader, when not zero, limits check-ins to the members whose group
	// this member leads (a group leader's export).
	Leader uint64
}

// ErrExport is an export that cannot be made; MsgID says why, in words for
// the reader.
type ErrExport struct {
	MsgID string
	KV    []any
}

func (e *ErrExport) Error() string { return "export: " + e.MsgID }

// Export makes the files of req in lang, as the command line asks them: the
// operator may export any cell. Nothing stored changes.
func (e *Engine) Export(tx *storage.Tx, lang string, req ExportRequest) ([]chat.Document, error) {
	c := &Ctx{E: e, Tx: tx, Now: e.Cfg.Now(), Lang: lang}
	cell, err := tx.Cell(req.CellID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &ErrExport{MsgID: "exp.no_cell", KV: []any{"ID", req.CellID}}
	}
	if err != nil {
		return nil, err
	}
	return MakeExport(c, cell, req)
}

// tr is the export package's translator in the reader's language.
func (c *Ctx) Tr() export.T { return c.T }

func MakeExport(c *Ctx, cell *storage.Cell, req ExportRequest) ([]chat.Document, error) {
	zone := c.CellZone(cell)
	if req.Year == 0 {
		req.Year = c.Now.In(zone).Year()
	}
	if req.Format == "" {
		req.Format = FormatXLSX
	}
	if req.Format != FormatXLSX && req.Format != FormatCSV && !(req.Format == FormatPDF && req.What == ExportComments) {
		return nil, &ErrExport{MsgID: "exp.bad_format"}
	}
	f, ok := c.E.exportOf(req.What)
	if !ok {
		return nil, &ErrExport{MsgID: "exp.bad_what"}
	}
	return f(c, cell, req)
}

// TableFiles is one table (and more sheets) as the file req asks: CSV of
// the first, or an Excel workbook of all, named base.
func TableFiles(c *Ctx, req ExportRequest, base string, tb *export.Table, extra ...*export.Table) ([]chat.Document, error) {
	t := c.Tr()
	if req.Format == FormatCSV {
		return []chat.Document{{Name: base + ".csv", MIME: export.MIMECSV, Data: export.TableCSV(t, tb)}}, nil
	}
	data, err := export.Workbook(t, append([]*export.Table{tb}, extra...)...)
	if err != nil {
		return nil, err
	}
	return []chat.Document{{Name: base + ".xlsx", MIME: export.MIMEXLSX, Data: data}}, nil
}

// ---- the chart after a meeting closes ----

// Draw draws d.Draw into d.Data from the records in tx.
func (e *Engine) Draw(tx *storage.Tx, d *chat.Document) error {
	if d.Draw == nil {
		return nil
	}
	lang := d.Draw.Lang
	if !locales.Supported(lang) {
		lang = e.Cfg.DefaultLang
	}
	c := &Ctx{E: e, Tx: tx, Now: e.Cfg.Now(), Lang: lang}
	png, err := e.draw(c, d.Draw)
	if err != nil {
		return err
	}
	d.Data, d.Draw = png, nil
	return nil
}

// ---- /export ----

// maxExportMeetings is how many recent meetings the roll export offers.
const MaxExportMeetings = 6
