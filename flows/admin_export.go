package flows

import (
	"chibo/flows/export"
	"chibo/storage"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

func exportAudit(c *Ctx, cell *storage.Cell, req ExportRequest) ([]Document, error) {
	tb, err := c.auditTable(cell)
	if err != nil {
		return nil, err
	}
	return TableFiles(c, req, fmt.Sprintf("nhat-ky-%s", export.Slug(cell.Name)), tb)
}

func (e *Engine) registerExport() {
	e.command(&Command{Name: "export", Need: NeedGroupLeader, PrivateOnly: true, HelpID: "exp.help", MenuID: "exp.menu", Run: runExport})
	e.register(&Flow{Name: "export", Need: NeedGroupLeader, Steps: map[string]Step{
		"what":    {Ask: askExportWhat, Answer: answerExportWhat},
		"meeting": {Ask: askExportMeeting, Answer: answerExportMeeting},
		"month":   {Ask: askExportMonth, Answer: answerExportMonth},
		"format":  {Ask: askExportFormat, Answer: answerExportFormat},
	}})
}

// exportCell is the cell an export is of: the first cell the caller leads,
// else (a group leader) their home cell.
func exportCell(c *Ctx) (*storage.Cell, bool, error) {
	if led := c.Me.LedCells(); len(led) > 0 {
		id := led[0]
		if c.Me.Leads(c.Me.HomeCellID) {
			id = c.Me.HomeCellID
		}
		cell, err := c.Tx.Cell(id)
		return cell, true, err
	}
	cell, err := c.Tx.Cell(c.Me.HomeCellID)
	return cell, false, err
}

func runExport(c *Ctx, args string) error {
	cell, _, err := exportCell(c)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.leaders_only")
		return nil
	}
	if err != nil {
		return err
	}
	return c.Start("export", "what", map[string]string{"cell": fmt.Sprint(cell.ID), "year": fmt.Sprint(yearArg(c, args))})
}

// exportCtx reads the conversation's cell and year and whether the caller
// still leads the cell (a group leader exports their members' check-ins).
func exportCtx(c *Ctx) (*storage.Cell, int, bool, error) {
	id, _ := strconv.ParseUint(c.Data()["cell"], 10, 64)
	year, _ := strconv.Atoi(c.Data()["year"])
	cell, err := c.Tx.Cell(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, 0, false, invalid("err.stale_button")
	}
	if err != nil {
		return nil, 0, false, err
	}
	if c.Me.Leads(cell.ID) {
		return cell, year, true, nil
	}
	if c.Me.HomeCellID == cell.ID && leadsGroup(c.Tx, c.Me) {
		return cell, year, false, nil
	}
	return nil, 0, false, invalid("err.leaders_only")
}

func askExportWhat(c *Ctx) error {
	cell, year, leads, err := exportCtx(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	opts := []Opt{{Label: c.T("exp.what_checkins"), Value: ExportCheckins}}
	if leads {
		opts = []Opt{{Label: c.T("exp.what_attendance", "Year", year), Value: ExportAttendance}, {Label: c.T("exp.what_roll"), Value: ExportRoll},
			opts[0], {Label: c.T("exp.what_comments", "Year", year), Value: ExportComments}, {Label: c.T("exp.what_quality", "Year", year), Value: ExportQuality},
			{Label: c.T("exp.what_audit"), Value: ExportAudit}}
	}
	c.Ask(c.T("exp.ask_what", "Cell", cell.Name), 1, opts...)
	return nil
}

func answerExportWhat(c *Ctx, in Input) (string, error) {
	_, _, leads, err := exportCtx(c)
	if err != nil {
		return "", err
	}
	switch in.Choice {
	case ExportCheckins:
		c.Data()["what"] = in.Choice
		return "month", nil
	case ExportAttendance, ExportComments, ExportQuality, ExportRoll, ExportAudit:
		if !leads {
			return "", invalid("err.choose_option")
		}
		c.Data()["what"] = in.Choice
		if in.Choice == ExportRoll {
			return "meeting", nil
		}
		return "format", nil
	}
	return "", invalid("err.choose_option")
}

func askExportMeeting(c *Ctx) error {
	cell, _, _, err := exportCtx(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	ms, err := c.Tx.Meetings(cell.ID)
	if err != nil {
		return err
	}
	var opts []Opt
	for i := len(ms) - 1; i >= 0 && len(opts) < maxExportMeetings; i-- {
		if ms[i].State == storage.MeetingClosed {
			opts = append(opts, Opt{Label: c.T("exp.meeting_label", "Date", ms[i].At.In(c.cellZone(cell)).Format("02/01/2006"), "Kind", c.kindName(&ms[i])), Value: fmt.Sprint(ms[i].ID)})
		}
	}
	if len(opts) == 0 {
		c.Say("exp.no_meeting")
		c.End()
		return nil
	}
	c.Ask(c.T("exp.ask_meeting"), 1, opts...)
	return nil
}

func answerExportMeeting(c *Ctx, in Input) (string, error) {
	cell, _, _, err := exportCtx(c)
	if err != nil {
		return "", err
	}
	id, err := strconv.ParseUint(in.Choice, 10, 64)
	if err != nil {
		return "", invalid("err.choose_option")
	}
	if mt, err := c.Tx.Meeting(id); err != nil || mt.CellID != cell.ID {
		return "", invalid("err.choose_option")
	}
	c.Data()["meeting"] = in.Choice
	return "format", nil
}

func askExportMonth(c *Ctx) error {
	cell, _, _, err := exportCtx(c)
	if err != nil {
		c.End()
		return sayInvalid(c, err)
	}
	p, err := c.CheckinPeriod(cell)
	if err != nil {
		return err
	}
	c.Ask(c.T("exp.ask_month"), 2, Opt{Label: p.label(), Value: p.String()}, Opt{Label: p.add(-1).label(), Value: p.add(-1).String()})
	return nil
}

func answerExportMonth(c *Ctx, in Input) (string, error) {
	v := in.Choice
	if v == "" { // typed as on the button, mm/yyyy
		if mo, y, ok := strings.Cut(in.Text, "/"); ok {
			v = y + "-" + mo
		}
	}
	if _, ok := parsePeriod(v); !ok {
		return "", invalid("err.choose_option")
	}
	c.Data()["month"] = v
	return "format", nil
}

func askExportFormat(c *Ctx) error {
	opts := []Opt{{Label: c.T("exp.format_xlsx"), Value: FormatXLSX}, {Label: c.T("exp.format_csv"), Value: FormatCSV}}
	if c.Data()["what"] == ExportComments {
		opts = append(opts, Opt{Label: c.T("exp.format_pdf"), Value: FormatPDF})
	}
	c.Ask(c.T("exp.ask_format"), 2, opts...)
	return nil
}

func answerExportFormat(c *Ctx, in Input) (string, error) {
	cell, year, leads, err := exportCtx(c)
	if err != nil {
		return "", err
	}
	f := in.Choice
	if f == "" {
		f = FoldForSearch(in.Text)
	}
	switch f {
	case FormatXLSX, "excel":
		f = FormatXLSX
	case FormatCSV:
	case FormatPDF:
		if c.Data()["what"] != ExportComments {
			return "", invalid("err.choose_option")
		}
	default:
		return "", invalid("err.choose_option")
	}
	req := ExportRequest{What: c.Data()["what"], Format: f, CellID: cell.ID, Year: year, Month: c.Data()["month"]}
	req.Meeting, _ = strconv.ParseUint(c.Data()["meeting"], 10, 64)
	if !leads {
		req.Leader = c.Me.ID
	}
	docs, err := makeExport(c, cell, req)
	var ee *ErrExport
	if errors.As(err, &ee) {
		c.Say(ee.MsgID, ee.KV...)
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if err := c.Audit("export_made", cell.ID, 0, nil, map[string]any{"what": req.What, "format": req.Format, "year": req.Year,
		"month": req.Month, "meeting": req.Meeting, "files": len(docs)}); err != nil {
		return "", err
	}
	for i := range docs {
		c.Emit(Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.meID(),
			Text: c.T("exp.caption", "Name", docs[i].Name, "Cell", cell.Name), Document: &docs[i]})
	}
	return "", nil
}
