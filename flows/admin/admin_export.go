package admin

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/export"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

func exportAudit(c *core.Ctx, cell *storage.Cell, req core.ExportRequest) ([]chat.Document, error) {
	tb, err := auditTable(c, cell)
	if err != nil {
		return nil, err
	}
	return core.TableFiles(c, req, fmt.Sprintf("nhat-ky-%s", export.Slug(cell.Name)), tb)
}

func registerExport(e *core.Engine) {
	e.Command(&core.Command{Name: "export", Need: core.NeedGroupLeader, PrivateOnly: true, HelpID: "exp.help", MenuID: "exp.menu", Run: runExport})
	e.Register(&core.Flow{Name: "export", Need: core.NeedGroupLeader, First: expWhat, State: func() any { return &exportState{} },
		Steps: map[core.StepName]core.Step{
			expWhat:    {Ask: askExportWhat, Answer: answerExportWhat, Next: []core.StepName{expMonth, expMeeting, expFormat}},
			expMeeting: {Ask: askExportMeeting, Answer: answerExportMeeting, Next: []core.StepName{expFormat}},
			expMonth:   {Ask: askExportMonth, Answer: answerExportMonth, Next: []core.StepName{expFormat}},
			expFormat:  {Ask: askExportFormat, Answer: answerExportFormat, Next: []core.StepName{}},
		}})
}

// The steps of /export.
const (
	expWhat    core.StepName = "what"    // which table
	expMeeting core.StepName = "meeting" // the meeting of a roll
	expMonth   core.StepName = "month"   // the month of check-ins
	expFormat  core.StepName = "format"  // xlsx, csv or pdf
)

// exportState is what /export carries. Its JSON keys are those of the map
// kept before typed state.
type exportState struct {
	Cell    uint64 `json:"cell,string"`
	Year    int    `json:"year,string"`
	What    string `json:"what,omitempty"`           // core.Export*
	Meeting uint64 `json:"meeting,string,omitempty"` // for a roll
	Month   string `json:"month,omitempty"`          // "2006-01", for check-ins
}

// exportCell is the cell an export is of: the first cell the caller leads,
// else (a group leader) their home cell.
func exportCell(c *core.Ctx) (*storage.Cell, bool, error) {
	if led := c.Me.LedCells(); len(led) > 0 {
		id := led[0]
		if c.Me.Leads(c.Me.HomeCellID) {
			id = c.Me.HomeCellID
		}
		cell, err := db(c).Cell(id)
		return cell, true, err
	}
	cell, err := db(c).Cell(c.Me.HomeCellID)
	return cell, false, err
}

func runExport(c *core.Ctx, args string) error {
	cell, _, err := exportCell(c)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.leaders_only")
		return nil
	}
	if err != nil {
		return err
	}
	return c.StartWith("export", expWhat, &exportState{Cell: cell.ID, Year: core.YearArg(c, args)})
}

// exportCtx reads the conversation's cell and year and whether the caller
// still leads the cell (a group leader exports their members' check-ins).
func exportCtx(c *core.Ctx) (*storage.Cell, int, bool, error) {
	st := core.StateOf[exportState](c)
	year := st.Year
	cell, err := db(c).Cell(st.Cell)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, 0, false, core.Invalid("err.stale_button")
	}
	if err != nil {
		return nil, 0, false, err
	}
	if c.Me.Leads(cell.ID) {
		return cell, year, true, nil
	}
	if c.Me.HomeCellID == cell.ID && core.LeadsGroup(c.Tx, c.Me) {
		return cell, year, false, nil
	}
	return nil, 0, false, core.Invalid("err.leaders_only")
}

func askExportWhat(c *core.Ctx) error {
	cell, year, leads, err := exportCtx(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	opts := []core.Opt{{Label: c.T("exp.what_checkins"), Value: core.ExportCheckins}}
	if leads {
		opts = []core.Opt{{Label: c.T("exp.what_attendance", "Year", year), Value: core.ExportAttendance}, {Label: c.T("exp.what_roll"), Value: core.ExportRoll},
			opts[0], {Label: c.T("exp.what_comments", "Year", year), Value: core.ExportComments}, {Label: c.T("exp.what_quality", "Year", year), Value: core.ExportQuality},
			{Label: c.T("exp.what_audit"), Value: core.ExportAudit}}
	}
	c.Ask(c.T("exp.ask_what", "Cell", cell.Name), 1, opts...)
	return nil
}

func answerExportWhat(c *core.Ctx, in core.Input) (core.StepName, error) {
	_, _, leads, err := exportCtx(c)
	if err != nil {
		return "", err
	}
	switch in.Choice {
	case core.ExportCheckins:
		core.StateOf[exportState](c).What = in.Choice
		return expMonth, nil
	case core.ExportAttendance, core.ExportComments, core.ExportQuality, core.ExportRoll, core.ExportAudit:
		if !leads {
			return "", core.Invalid("err.choose_option")
		}
		core.StateOf[exportState](c).What = in.Choice
		if in.Choice == core.ExportRoll {
			return expMeeting, nil
		}
		return expFormat, nil
	}
	return "", core.Invalid("err.choose_option")
}

func askExportMeeting(c *core.Ctx) error {
	cell, _, _, err := exportCtx(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	ms, err := db(c).Meetings(cell.ID)
	if err != nil {
		return err
	}
	var opts []core.Opt
	for i := len(ms) - 1; i >= 0 && len(opts) < core.MaxExportMeetings; i-- {
		if ms[i].State == storage.MeetingClosed {
			opts = append(opts, core.Opt{Label: c.T("exp.meeting_label", "Date", ms[i].At.In(c.CellZone(cell)).Format("02/01/2006"), "Kind", c.KindName(&ms[i])), Value: fmt.Sprint(ms[i].ID)})
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

func answerExportMeeting(c *core.Ctx, in core.Input) (core.StepName, error) {
	cell, _, _, err := exportCtx(c)
	if err != nil {
		return "", err
	}
	id, err := strconv.ParseUint(in.Choice, 10, 64)
	if err != nil {
		return "", core.Invalid("err.choose_option")
	}
	if mt, err := db(c).Meeting(id); err != nil || mt.CellID != cell.ID {
		return "", core.Invalid("err.choose_option")
	}
	core.StateOf[exportState](c).Meeting = id
	return expFormat, nil
}

func askExportMonth(c *core.Ctx) error {
	cell, _, _, err := exportCtx(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	p, err := c.CheckinPeriod(cell)
	if err != nil {
		return err
	}
	c.Ask(c.T("exp.ask_month"), 2, core.Opt{Label: p.Label(), Value: p.String()}, core.Opt{Label: p.Add(-1).Label(), Value: p.Add(-1).String()})
	return nil
}

func answerExportMonth(c *core.Ctx, in core.Input) (core.StepName, error) {
	v := in.Choice
	if v == "" { // typed as on the button, mm/yyyy
		if mo, y, ok := strings.Cut(in.Text, "/"); ok {
			v = y + "-" + mo
		}
	}
	if _, ok := core.ParsePeriod(v); !ok {
		return "", core.Invalid("err.choose_option")
	}
	core.StateOf[exportState](c).Month = v
	return expFormat, nil
}

func askExportFormat(c *core.Ctx) error {
	opts := []core.Opt{{Label: c.T("exp.format_xlsx"), Value: core.FormatXLSX}, {Label: c.T("exp.format_csv"), Value: core.FormatCSV}}
	if core.StateOf[exportState](c).What == core.ExportComments {
		opts = append(opts, core.Opt{Label: c.T("exp.format_pdf"), Value: core.FormatPDF})
	}
	c.Ask(c.T("exp.ask_format"), 2, opts...)
	return nil
}

func answerExportFormat(c *core.Ctx, in core.Input) (core.StepName, error) {
	cell, year, leads, err := exportCtx(c)
	if err != nil {
		return "", err
	}
	f := in.Choice
	if f == "" {
		f = core.FoldForSearch(in.Text)
	}
	switch f {
	case core.FormatXLSX, "excel":
		f = core.FormatXLSX
	case core.FormatCSV:
	case core.FormatPDF:
		if core.StateOf[exportState](c).What != core.ExportComments {
			return "", core.Invalid("err.choose_option")
		}
	default:
		return "", core.Invalid("err.choose_option")
	}
	st := core.StateOf[exportState](c)
	req := core.ExportRequest{What: st.What, Format: f, CellID: cell.ID, Year: year, Month: st.Month, Meeting: st.Meeting}
	if !leads {
		req.Leader = c.Me.ID
	}
	docs, err := core.MakeExport(c, cell, req)
	var ee *core.ErrExport
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
		c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.MeID(),
			Text: c.T("exp.caption", "Name", docs[i].Name, "Cell", cell.Name), Document: &docs[i]})
	}
	return "", nil
}
