package flows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"chibo/storage"
)

// The audit log for people (issue 12). Stored entries keep their JSON, with
// codes and UTC times, so that nothing stored changes meaning; every reader
// sees them translated here: who did what to whom, and the change in words,
// in the reader's language and the cell's local time.

// AuditView is one audit entry in words: what was done (to whom, about which
// meeting) and the values before and after ("" for none).
type AuditView struct {
	What, Before, After string
}

// auditText is the entry as one line for /audit: "dd/mm/yyyy hh:mm –
// Đồng chí X: what – before → after".
func (c *Ctx) auditText(e *storage.AuditEntry) string {
	return c.T("audit.text", "When", c.auditWhen(e), "Who", c.auditActor(e.ActorID), "Change", c.auditChange(e))
}

// auditChange is what the entry changed, in words: "what – before → after".
func (c *Ctx) auditChange(e *storage.AuditEntry) string {
	v := c.AuditView(e)
	return c.T("audit.change", "What", v.What, "Before", v.Before, "After", v.After)
}

// auditWhen is the entry's time in its cell's zone.
func (c *Ctx) auditWhen(e *storage.AuditEntry) string {
	var cell *storage.Cell
	if e.CellID != 0 {
		cell, _ = c.Tx.Cell(e.CellID)
	}
	return e.At.In(c.cellZone(cell)).Format("02/01/2006 15:04")
}

// auditActor names the person who acted: "Đồng chí X", or the server's
// operator for changes made on the command line.
func (c *Ctx) auditActor(id uint64) string {
	if id == 0 {
		return c.T("audit.operator")
	}
	if m, err := c.Tx.Member(id); err == nil {
		return c.T("audit.comrade", "Name", m.Name)
	}
	return c.T("audit.unknown_member")
}

// AuditView renders the entry; an entry whose values cannot be read still
// says who acted and on whom.
func (c *Ctx) AuditView(e *storage.AuditEntry) AuditView {
	if r, ok := c.e.hooks.audit[e.Action]; ok {
		return r(c, e)
	}
	return AuditView{What: c.T("audit.w_other", "Name", c.auditSubject(e))}
}

// auditSubject is the name of the member the entry is about, "" for none.
func (c *Ctx) auditSubject(e *storage.AuditEntry) string {
	if e.SubjectID == 0 {
		return ""
	}
	return c.personName(e.SubjectID)
}

// auditOfMeeting is " (họp dd/mm/yyyy)" for the entry's meeting, "" when the
// entry names none or the meeting is gone.
func (c *Ctx) auditOfMeeting(id uint64) string {
	if id == 0 {
		return ""
	}
	mt, err := c.Tx.Meeting(id)
	if err != nil {
		return ""
	}
	cell, _ := c.Tx.Cell(mt.CellID)
	return c.T("audit.of_meeting", "Date", mt.At.In(c.cellZone(cell)).Format("02/01/2006"))
}

// decodeAudit reads one side of an entry; false when it is empty or does not
// decode as v.
func decodeAudit(raw json.RawMessage, v any) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

func auditPlain(id string) func(c *Ctx, e *storage.AuditEntry) AuditView {
	return func(c *Ctx, e *storage.AuditEntry) AuditView {
		return AuditView{What: c.T(id, "Name", c.auditSubject(e))}
	}
}

// meetingPlace is a meeting's time and place as audited when it is created,
// moved or cancelled.
type meetingPlace struct {
	At       time.Time           `json:"at"`
	Place    string              `json:"place,omitempty"`
	Kind     storage.MeetingKind `json:"kind,omitempty"`
	Combined bool                `json:"combined,omitempty"`
}

func auditMeetingPlace(id string) func(c *Ctx, e *storage.AuditEntry) AuditView {
	return func(c *Ctx, e *storage.AuditEntry) AuditView {
		var cell *storage.Cell
		if e.CellID != 0 {
			cell, _ = c.Tx.Cell(e.CellID)
		}
		side := func(raw json.RawMessage) string {
			var p meetingPlace
			if !decodeAudit(raw, &p) {
				return ""
			}
			return c.T("audit.meeting_at", "Kind", c.kindNameLower(&storage.Meeting{Kind: p.Kind, Combined: p.Combined}),
				"When", c.when(p.At, cell), "Place", p.Place)
		}
		return AuditView{What: c.T(id), Before: side(e.Before), After: side(e.After)}
	}
}

func auditStatus(c *Ctx, e *storage.AuditEntry) AuditView {
	v := AuditView{What: c.T("audit.w_status", "Name", c.auditSubject(e))}
	var before, after storage.Status
	if decodeAudit(e.Before, &before) {
		v.Before = c.statusLine(before)
	}
	if decodeAudit(e.After, &after) {
		v.After = c.statusLine(after)
	}
	return v
}

func auditFarAway(c *Ctx, e *storage.AuditEntry) AuditView {
	v := AuditView{What: c.T("audit.w_status", "Name", c.auditSubject(e))}
	var before, after struct {
		Status *storage.Status `json:"status"`
	}
	if decodeAudit(e.Before, &before) && before.Status != nil {
		v.Before = c.statusLine(*before.Status)
	}
	if decodeAudit(e.After, &after) && after.Status != nil {
		v.After = c.statusLine(*after.Status)
	}
	return v
}

func auditExcuse(c *Ctx, e *storage.AuditEntry) AuditView {
	v := AuditView{What: c.T("audit.w_excuse", "Name", c.auditSubject(e), "Meeting", c.auditOfMeeting(e.MeetingID))}
	var before, after storage.ExcuseState
	if decodeAudit(e.Before, &before) {
		v.Before = c.excuseName(before)
	}
	if decodeAudit(e.After, &after) {
		v.After = c.excuseName(after)
	}
	return v
}

func auditDecision(c *Ctx, e *storage.AuditEntry) AuditView {
	var before, after decisionRecord
	decodeAudit(e.Before, &before)
	decodeAudit(e.After, &after)
	name := c.auditSubject(e)
	switch after.Kind {
	case "excuse":
		return AuditView{What: c.T("audit.w_excuse", "Name", name, "Meeting", c.auditOfMeeting(after.Meeting)),
			Before: c.excuseName(storage.ExcuseState(before.Decision)), After: c.excuseName(storage.ExcuseState(after.Decision))}
	case "residence":
		return AuditView{What: c.T("audit.w_link_request", "Name", name), Before: c.linkDecisionName(before.Decision), After: c.linkDecisionName(after.Decision)}
	case "away":
		return AuditView{What: c.T("audit.w_away_request", "Name", name), Before: c.awayDecisionName(before.Decision), After: c.awayDecisionName(after.Decision)}
	}
	return AuditView{What: c.T("audit.w_other", "Name", name)}
}

// auditRoll is one member's roll entry (a meeting of the home cell or of
// the residence cell), or a whole roll marked at once.
func auditRoll(c *Ctx, e *storage.AuditEntry) AuditView {
	var all struct {
		Meeting uint64 `json:"meeting"`
		All     string `json:"all"`
		Changed int    `json:"changed"`
	}
	if decodeAudit(e.After, &all) && all.All != "" {
		id := e.MeetingID
		if id == 0 {
			id = all.Meeting
		}
		return AuditView{What: c.T("audit.w_roll_all", "Meeting", c.auditOfMeeting(id)), After: c.N(auditRollOp(all.All), all.Changed)}
	}
	var before, after struct {
		storage.Attendance
		MeetingID uint64 `json:"meeting_id"` // a residence meeting's entry
	}
	hasBefore := decodeAudit(e.Before, &before)
	decodeAudit(e.After, &after)
	id, what := e.MeetingID, "audit.w_roll"
	if after.MeetingID != 0 {
		id, what = after.MeetingID, "audit.w_roll_residence"
	}
	v := AuditView{What: c.T(what, "Name", c.auditSubject(e), "Meeting", c.auditOfMeeting(id)), After: c.markName(after.Mark)}
	switch {
	case !hasBefore:
	case before.Mark != after.Mark:
		v.Before = c.markName(before.Mark)
	case before.Outcome != after.Outcome:
		v.Before, v.After = c.outcomeName(before.Outcome), c.outcomeName(after.Outcome)
	case before.Excuse != after.Excuse:
		v.Before, v.After = c.excuseName(before.Excuse), c.excuseName(after.Excuse)
	default:
		v.Before = v.After
	}
	return v
}

func auditRollOp(op string) string {
	switch op {
	case "p":
		return "audit.roll_all_present"
	case "a":
		return "audit.roll_all_absent"
	}
	return "audit.roll_all_dues"
}

// markName is a roll mark in words.
func (c *Ctx) markName(m storage.Mark) string {
	switch m {
	case storage.MarkPresent:
		return c.T("mt.rs_present")
	case storage.MarkAbsent:
		return c.T("audit.mark_absent")
	}
	return c.T("mt.rs_unmarked")
}

func auditDues(c *Ctx, e *storage.AuditEntry) AuditView {
	var before, after storage.Dues
	decodeAudit(e.After, &after)
	v := AuditView{What: c.T("audit.w_dues", "Name", c.auditSubject(e), "Month", c.monthLabel(after.Month)), After: c.duesText(&after)}
	if decodeAudit(e.Before, &before) {
		v.Before = c.duesText(&before)
	}
	return v
}

func auditScore(c *Ctx, e *storage.AuditEntry) AuditView {
	v := AuditView{What: c.T("audit.w_score", "Meeting", c.auditOfMeeting(e.MeetingID))}
	var before, after storage.QualityScore
	if decodeAudit(e.Before, &before) {
		v.Before = c.N("audit.points", before.Total())
	}
	if decodeAudit(e.After, &after) {
		v.After = c.N("audit.points", after.Total())
	}
	return v
}

func auditClose(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Meeting uint64               `json:"meeting"`
		Tally   storage.MeetingTally `json:"tally"`
	}
	decodeAudit(e.After, &after)
	id := e.MeetingID
	if id == 0 {
		id = after.Meeting
	}
	return AuditView{What: c.T("audit.w_close", "Meeting", c.auditOfMeeting(id)),
		After: c.T("audit.close_tally", "Present", after.Tally.Present, "Expected", after.Tally.Expected())}
}

func auditAmend(c *Ctx, e *storage.AuditEntry) AuditView {
	var am storage.Amendment
	decodeAudit(e.After, &am)
	return AuditView{What: c.T("audit.w_amend", "Name", c.auditSubject(e), "Meeting", c.auditOfMeeting(e.MeetingID)),
		Before: c.outcomeName(am.From), After: c.outcomeName(am.To)}
}

func auditResched(c *Ctx, e *storage.AuditEntry) AuditView {
	var before, after struct {
		Meeting uint64    `json:"meeting"`
		At      time.Time `json:"at"`
	}
	decodeAudit(e.Before, &before)
	decodeAudit(e.After, &after)
	var cell *storage.Cell
	if e.CellID != 0 {
		cell, _ = c.Tx.Cell(e.CellID)
	}
	return AuditView{What: c.T("audit.w_resched"), Before: c.when(before.At, cell), After: c.when(after.At, cell)}
}

func auditNotice(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Sent int `json:"sent"`
	}
	decodeAudit(e.After, &after)
	return AuditView{What: c.T("audit.w_notice", "Meeting", c.auditOfMeeting(e.MeetingID)), After: c.N("audit.notice_count", after.Sent)}
}

func auditLink(c *Ctx, e *storage.AuditEntry) AuditView {
	var before, after storage.ResidenceLink
	v := AuditView{What: c.T("audit.w_link", "Name", c.auditSubject(e)), Before: c.T("audit.link_none"), After: c.T("audit.link_none")}
	if decodeAudit(e.Before, &before) {
		v.Before = c.auditLinkState(&before)
	}
	if decodeAudit(e.After, &after) {
		v.After = c.auditLinkState(&after)
	}
	return v
}

// auditLinkState is a residence link in a few words: its cell and whether
// it was confirmed.
func (c *Ctx) auditLinkState(l *storage.ResidenceLink) string {
	name := ""
	if cell, err := c.Tx.Cell(l.CellID); err == nil {
		name = cell.Name
	}
	if l.Pending {
		return c.T("audit.link_pending", "Cell", name)
	}
	return c.T("audit.link_active", "Cell", name, "Status", c.resStatusName(l.Status))
}

func auditNote(c *Ctx, e *storage.AuditEntry) AuditView {
	return AuditView{What: c.T("audit.w_note", "Name", c.auditSubject(e)), After: c.T("audit.note_saved")}
}

// auditSettings names the settings changed: the meeting schedule (with the
// day and time before and after), reminders, check-ins, or a settings file.
func auditSettings(c *Ctx, e *storage.AuditEntry) AuditView {
	var keys map[string]json.RawMessage
	decodeAudit(e.After, &keys)
	var before, after struct {
		Schedule string `json:"schedule"`
	}
	switch {
	case decodeAudit(e.After, &after) && after.Schedule != "":
		decodeAudit(e.Before, &before)
		return AuditView{What: c.T("audit.w_schedule"), Before: c.scheduleWords(before.Schedule), After: c.scheduleWords(after.Schedule)}
	case keys["checkins"] != nil:
		return AuditView{What: c.T("audit.w_settings_checkins")}
	case keys["quiet_from"] != nil:
		return AuditView{What: c.T("audit.w_settings_reminders")}
	case e.ActorID == 0:
		return AuditView{What: c.T("audit.w_settings_file")}
	}
	return AuditView{What: c.T("audit.w_settings")}
}

// scheduleWords is a monthly schedule "M H D * *" as "19:30 ngày 3 hằng
// tháng"; "" for none.
func (c *Ctx) scheduleWords(spec string) string {
	day, hour, minute, ok := specDayTime(spec)
	if !ok {
		return ""
	}
	return c.T("audit.schedule", "Time", fmt.Sprintf("%02d:%02d", hour, minute), "Day", day)
}

func auditCellCreate(c *Ctx, e *storage.AuditEntry) AuditView {
	var cell storage.Cell
	decodeAudit(e.After, &cell)
	return AuditView{What: c.T("audit.w_cell_create", "Cell", cell.Name)}
}

func auditInvite(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Role    storage.Role `json:"role"`
		Expires time.Time    `json:"expires"`
	}
	decodeAudit(e.After, &after)
	v := AuditView{What: c.T("audit.w_invite", "Role", c.roleName(after.Role))}
	if !after.Expires.IsZero() {
		v.After = c.T("audit.invite_expires", "Date", c.Date(after.Expires))
	}
	return v
}

func auditJoin(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Role storage.Role `json:"role"`
	}
	decodeAudit(e.After, &after)
	return AuditView{What: c.T("audit.w_join", "Name", c.auditSubject(e)), After: c.roleName(after.Role)}
}

func auditExport(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		What   string `json:"what"`
		Format string `json:"format"`
		Year   int    `json:"year"`
	}
	decodeAudit(e.After, &after)
	return AuditView{What: c.T("audit.w_export", "What", c.exportKindName(after.What, after.Year)), After: strings.ToUpper(after.Format)}
}

// exportKindName is what an export holds, as the /export menu names it.
func (c *Ctx) exportKindName(what string, year int) string {
	switch what {
	case ExportAttendance:
		return c.T("exp.what_attendance", "Year", year)
	case ExportRoll:
		return c.T("exp.what_roll")
	case ExportCheckins:
		return c.T("exp.what_checkins")
	case ExportComments:
		return c.T("exp.what_comments", "Year", year)
	case ExportQuality:
		return c.T("exp.what_quality", "Year", year)
	case ExportAudit:
		return c.T("exp.what_audit")
	}
	return c.T("audit.export_other")
}

// kindNameLower is the meeting's kind in the middle of a sentence.
func (c *Ctx) kindNameLower(mt *storage.Meeting) string {
	name := c.kindName(mt)
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToLower(r)) + name[n:]
}

func auditLocationExact(c *Ctx, e *storage.AuditEntry) AuditView {
	var before, after bool
	decodeAudit(e.Before, &before)
	decodeAudit(e.After, &after)
	return AuditView{What: c.T("audit.w_location_exact"), Before: c.onOff(before), After: c.onOff(after)}
}

func (c *Ctx) onOff(on bool) string {
	if on {
		return c.T("audit.on")
	}
	return c.T("audit.off")
}

// auditRulesFile names the rules file an operator stored.
func auditRulesFile(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		File string `json:"file"`
	}
	decodeAudit(e.After, &after)
	id := "audit.rules_other"
	switch after.File {
	case "quality-template":
		id = "audit.rules_quality"
	case "residence-form":
		id = "audit.rules_residence_form"
	case "residence-settings":
		id = "audit.rules_residence_settings"
	}
	return AuditView{What: c.T("audit.w_rules_file", "File", c.T(id))}
}

// auditReceived is a member received by the cell whose invite they tapped.
func auditReceived(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Cell     uint64 `json:"cell"`
		FromCell uint64 `json:"from_cell"`
	}
	decodeAudit(e.After, &after)
	cellName := func(id uint64) string {
		if cell, err := c.Tx.Cell(id); err == nil {
			return cell.Name
		}
		return c.T("audit.unknown_cell")
	}
	return AuditView{What: c.T("audit.w_received", "Name", c.auditSubject(e)), Before: cellName(after.FromCell), After: cellName(after.Cell)}
}

// auditContactLink is a messenger linked to a member's record: the
// messengers before and after.
func auditContactLink(c *Ctx, e *storage.AuditEntry) AuditView {
	side := func(raw json.RawMessage) string {
		var v struct {
			Transports []string `json:"transports"`
		}
		decodeAudit(raw, &v)
		names := make([]string, 0, len(v.Transports))
		for _, t := range v.Transports {
			names = append(names, messengerName(t))
		}
		slices.Sort(names)
		return strings.Join(names, ", ")
	}
	return AuditView{What: c.T("audit.w_contact_link", "Name", c.auditSubject(e)), Before: side(e.Before), After: side(e.After)}
}

// auditLinkCode is a one-time code made to link another messenger.
func auditLinkCode(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Expires time.Time `json:"expires"`
	}
	decodeAudit(e.After, &after)
	v := AuditView{What: c.T("audit.w_link_code", "Name", c.auditSubject(e))}
	if !after.Expires.IsZero() {
		v.After = c.T("audit.invite_expires", "Date", c.Date(after.Expires))
	}
	return v
}
