package flows

import (
	"chibo/storage"
	"encoding/json"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

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

// meetingPlace is a meeting's time and place as audited when it is created,
// moved or cancelled.
type meetingPlace struct {
	At       time.Time           `json:"at"`
	Place    string              `json:"place,omitempty"`
	Kind     storage.MeetingKind `json:"kind,omitempty"`
	Combined bool                `json:"combined,omitempty"`
}

func auditNotice(c *Ctx, e *storage.AuditEntry) AuditView {
	var after struct {
		Sent int `json:"sent"`
	}
	decodeAudit(e.After, &after)
	return AuditView{What: c.T("audit.w_notice", "Meeting", c.auditOfMeeting(e.MeetingID)), After: c.N("audit.notice_count", after.Sent)}
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

// kindNameLower is the meeting's kind in the middle of a sentence.
func (c *Ctx) kindNameLower(mt *storage.Meeting) string {
	name := c.kindName(mt)
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToLower(r)) + name[n:]
}
