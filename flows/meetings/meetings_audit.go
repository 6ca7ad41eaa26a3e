package meetings

import (
	"chibo/flows/core"
	"chibo/storage"
	"encoding/json"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

func auditExcuse(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	v := core.AuditView{What: c.T("audit.w_excuse", "Name", c.AuditSubject(e), "Meeting", c.AuditOfMeeting(e.MeetingID))}
	var before, after storage.ExcuseState
	if core.DecodeAudit(e.Before, &before) {
		v.Before = c.ExcuseName(before)
	}
	if core.DecodeAudit(e.After, &after) {
		v.After = c.ExcuseName(after)
	}
	return v
}

// auditRoll is one member's roll entry (a meeting of the home cell or of
// the residence cell), or a whole roll marked at once.
func auditRoll(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var all struct {
		Meeting uint64 `json:"meeting"`
		All     string `json:"all"`
		Changed int    `json:"changed"`
	}
	if core.DecodeAudit(e.After, &all) && all.All != "" {
		id := e.MeetingID
		if id == 0 {
			id = all.Meeting
		}
		return core.AuditView{What: c.T("audit.w_roll_all", "Meeting", c.AuditOfMeeting(id)), After: c.N(auditRollOp(all.All), all.Changed)}
	}
	var before, after struct {
		storage.Attendance
		MeetingID uint64 `json:"meeting_id"` // a residence meeting's entry
	}
	hasBefore := core.DecodeAudit(e.Before, &before)
	core.DecodeAudit(e.After, &after)
	id, what := e.MeetingID, "audit.w_roll"
	if after.MeetingID != 0 {
		id, what = after.MeetingID, "audit.w_roll_residence"
	}
	v := core.AuditView{What: c.T(what, "Name", c.AuditSubject(e), "Meeting", c.AuditOfMeeting(id)), After: markName(c, after.Mark)}
	switch {
	case !hasBefore:
	case before.Mark != after.Mark:
		v.Before = markName(c, before.Mark)
	case before.Outcome != after.Outcome:
		v.Before, v.After = outcomeName(c, before.Outcome), outcomeName(c, after.Outcome)
	case before.Excuse != after.Excuse:
		v.Before, v.After = c.ExcuseName(before.Excuse), c.ExcuseName(after.Excuse)
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
func markName(c *core.Ctx, m storage.Mark) string {
	switch m {
	case storage.MarkPresent:
		return c.T("mt.rs_present")
	case storage.MarkAbsent:
		return c.T("audit.mark_absent")
	}
	return c.T("mt.rs_unmarked")
}

func auditScore(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	v := core.AuditView{What: c.T("audit.w_score", "Meeting", c.AuditOfMeeting(e.MeetingID))}
	var before, after storage.QualityScore
	if core.DecodeAudit(e.Before, &before) {
		v.Before = c.N("audit.points", before.Total())
	}
	if core.DecodeAudit(e.After, &after) {
		v.After = c.N("audit.points", after.Total())
	}
	return v
}

func auditClose(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after struct {
		Meeting uint64               `json:"meeting"`
		Tally   storage.MeetingTally `json:"tally"`
	}
	core.DecodeAudit(e.After, &after)
	id := e.MeetingID
	if id == 0 {
		id = after.Meeting
	}
	return core.AuditView{What: c.T("audit.w_close", "Meeting", c.AuditOfMeeting(id)),
		After: c.T("audit.close_tally", "Present", after.Tally.Present, "Expected", after.Tally.Expected())}
}

func auditAmend(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var am storage.Amendment
	core.DecodeAudit(e.After, &am)
	return core.AuditView{What: c.T("audit.w_amend", "Name", c.AuditSubject(e), "Meeting", c.AuditOfMeeting(e.MeetingID)),
		Before: outcomeName(c, am.From), After: outcomeName(c, am.To)}
}

func auditResched(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var before, after struct {
		Meeting uint64    `json:"meeting"`
		At      time.Time `json:"at"`
	}
	core.DecodeAudit(e.Before, &before)
	core.DecodeAudit(e.After, &after)
	var cell *storage.Cell
	if e.CellID != 0 {
		cell, _ = db(c).Cell(e.CellID)
	}
	return core.AuditView{What: c.T("audit.w_resched"), Before: when(c, before.At, cell), After: when(c, after.At, cell)}
}

func auditMeetingPlace(id string) func(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	return func(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
		var cell *storage.Cell
		if e.CellID != 0 {
			cell, _ = db(c).Cell(e.CellID)
		}
		side := func(raw json.RawMessage) string {
			var p meetingPlace
			if !core.DecodeAudit(raw, &p) {
				return ""
			}
			return c.T("audit.meeting_at", "Kind", kindNameLower(c, &storage.Meeting{Kind: p.Kind, Combined: p.Combined}),
				"When", when(c, p.At, cell), "Place", p.Place)
		}
		return core.AuditView{What: c.T(id), Before: side(e.Before), After: side(e.After)}
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

func auditNotice(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var after struct {
		Sent int `json:"sent"`
	}
	core.DecodeAudit(e.After, &after)
	return core.AuditView{What: c.T("audit.w_notice", "Meeting", c.AuditOfMeeting(e.MeetingID)), After: c.N("audit.notice_count", after.Sent)}
}

// auditSettings names the settings changed: the meeting schedule (with the
// day and time before and after), reminders, check-ins, or a settings file.
func auditSettings(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var keys map[string]json.RawMessage
	core.DecodeAudit(e.After, &keys)
	var before, after struct {
		Schedule string `json:"schedule"`
	}
	switch {
	case core.DecodeAudit(e.After, &after) && after.Schedule != "":
		core.DecodeAudit(e.Before, &before)
		return core.AuditView{What: c.T("audit.w_schedule"), Before: scheduleWords(c, before.Schedule), After: scheduleWords(c, after.Schedule)}
	case keys["checkins"] != nil:
		return core.AuditView{What: c.T("audit.w_settings_checkins")}
	case keys["quiet_from"] != nil:
		return core.AuditView{What: c.T("audit.w_settings_reminders")}
	case e.ActorID == 0:
		return core.AuditView{What: c.T("audit.w_settings_file")}
	}
	return core.AuditView{What: c.T("audit.w_settings")}
}

// scheduleWords is a monthly schedule "M H D * *" as "19:30 ngày 3 hằng
// tháng"; "" for none.
func scheduleWords(c *core.Ctx, spec string) string {
	day, hour, minute, ok := specDayTime(spec)
	if !ok {
		return ""
	}
	return c.T("audit.schedule", "Time", fmt.Sprintf("%02d:%02d", hour, minute), "Day", day)
}

// kindNameLower is the meeting's kind in the middle of a sentence.
func kindNameLower(c *core.Ctx, mt *storage.Meeting) string {
	name := c.KindName(mt)
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToLower(r)) + name[n:]
}
