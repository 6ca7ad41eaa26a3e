package commune

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/export"
	"chibo/storage"
)

// The year's rating as files: a workbook of every cell's evidence and
// decisions (`chibo export --org N --what year`, and a button of the
// rating screen) and a one-page PDF per cell.

// ExportYear is the year's rating workbook of a commune.
const ExportYear = "year"

// actRatingFiles sends the workbook ("c.rfiles:<org>:<year>") or a cell's
// PDF ("c.rfiles:<org>:<year>:<cell>") to the standing committee.
func actRatingFiles(c *core.Ctx, args string) error {
	parts := strings.Split(args, ":")
	id, _ := strconv.ParseUint(parts[0], 10, 64)
	s, err := wholeScope(c, id)
	if s == nil || err != nil {
		return err
	}
	if len(parts) < 2 {
		c.Say("err.stale_button")
		return nil
	}
	year := yearArg(parts[1])
	if _, ok := ratingMonth(c, year); !ok {
		c.Say("err.stale_button")
		return nil
	}
	var docs []chat.Document
	if len(parts) == 3 {
		cellID, _ := strconv.ParseUint(parts[2], 10, 64)
		cell, err := db(c).Cell(cellID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err != nil || cell.OrgID != s.org.ID {
			c.Say("err.stale_button")
			return nil
		}
		y, err := Evidence(c, &s.org, []storage.Cell{*cell}, year)
		if err != nil {
			return err
		}
		data, err := export.RatingPDF(ratingSheet(c, y, &y.Cells[0]))
		if err != nil {
			return err
		}
		docs = append(docs, chat.Document{Name: fmt.Sprintf("xep-loai-%s-%d.pdf", export.Slug(cell.Name), year), MIME: export.MIMEPDF, Data: data})
	} else {
		if docs, err = YearFiles(c, &s.org, year); err != nil {
			return err
		}
	}
	for i := range docs {
		c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.MeID(),
			Text: c.T("rating.files_caption", "Org", s.org.Name, "Year", year), Document: &docs[i]})
	}
	return nil
}

// YearFiles is the year's rating workbook of the organization: a sheet of
// the evidence (a row per cell and figure) and one of the decisions. Nothing
// stored changes; the caller audits.
func YearFiles(c *core.Ctx, org *storage.Organization, year int) ([]chat.Document, error) {
	y, err := OrgEvidence(c, org, year)
	if err != nil {
		return nil, err
	}
	col := func(id string, w float64) export.Column { return export.Column{Header: c.T(id), Width: w} }
	ev := &export.Table{
		Sheet:    c.T("rating.sheet_evidence"),
		Title:    c.T("rating.header", "Org", org.Name, "Year", year, "Month", y.Month.Label()),
		Subtitle: c.T("rating.note"),
		Columns: []export.Column{col("commune.col_cell", 28), col("rating.col_criterion", 30), col("rating.col_figure", 34),
			col("rating.col_value", 10), col("rating.col_rule", 10), col("rating.col_met", 12), col("rating.col_decision", 40)},
	}
	dec := &export.Table{
		Sheet:   c.T("rating.sheet_decisions"),
		Title:   c.T("rating.header", "Org", org.Name, "Year", year, "Month", y.Month.Label()),
		Columns: []export.Column{col("commune.col_cell", 28)},
	}
	for _, cr := range y.Rules.Criteria {
		dec.Columns = append(dec.Columns, export.Column{Header: c.PickLabel(cr.Label, cr.Key), Width: 30})
	}
	dec.Columns = append(dec.Columns, col("rating.col_overall", 40))
	for _, ce := range y.Cells {
		row := []export.Cell{{V: ce.Row.Cell.Name}}
		for _, cr := range ce.Criteria {
			d := decisionText(c, y.Rules, ce.Rating, cr.Key)
			if cr.Dropped { // no figure, no column of the rules: its decision on the evidence sheet
				ev.Rows = append(ev.Rows, []export.Cell{{V: ce.Row.Cell.Name}, {V: cr.Label}, {}, {}, {}, {}, {V: d}})
				continue
			}
			for i, fe := range cr.Figures {
				r := []export.Cell{{V: ce.Row.Cell.Name}, {V: cr.Label}, {V: fe.Label}, {V: fe.valueText(c)}, {V: fe.ruleText(c)}, {V: fe.markText(c)}, {}}
				if i == 0 {
					r[6] = export.Cell{V: d}
				}
				ev.Rows = append(ev.Rows, r)
			}
			row = append(row, export.Cell{V: d})
		}
		row = append(row, export.Cell{V: decisionText(c, y.Rules, ce.Rating, storage.RatingOverall)})
		dec.Rows = append(dec.Rows, row)
	}
	data, err := export.Workbook(c.Tr(), ev, dec)
	if err != nil {
		return nil, err
	}
	return []chat.Document{{Name: fmt.Sprintf("xep-loai-%s-%d.xlsx", export.Slug(org.Name), year), MIME: export.MIMEXLSX, Data: data}}, nil
}

// ratingSheet is a cell's evidence and decisions for its PDF.
func ratingSheet(c *core.Ctx, y *YearEvidence, ce *CellEvidence) *export.RatingSheet {
	s := &export.RatingSheet{Org: y.Org.Name, Cell: ce.Row.Cell.Name,
		Title: c.T("rating.pdf_title", "Year", y.Year), Sub: c.T("rating.pdf_sub", "Month", y.Month.Label()), Note: c.T("rating.note")}
	for _, cr := range ce.Criteria {
		b := export.RatingBlock{Label: cr.Label, Decision: decisionText(c, y.Rules, ce.Rating, cr.Key)}
		for i := range cr.Figures {
			b.Lines = append(b.Lines, cr.Figures[i].line(c))
		}
		s.Criteria = append(s.Criteria, b)
	}
	s.Overall = c.T("rating.overall", "Text", overallText(c, y, ce))
	return s
}
