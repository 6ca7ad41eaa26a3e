package commune

import (
	"errors"
	"strconv"
	"strings"

	"chibo/flows/core"
	"chibo/storage"
)

// The committee's view of a meeting's quality score: the cell scores; a
// committee member who follows the cell (or the standing committee)
// confirms the score or comments on it. Both are kept, each with who and
// when, and audited; chibo never changes the cell's score.

func registerReview(e *core.Engine) {
	e.Register(&core.Flow{Name: "cqcomment", Need: core.NeedMember, First: stepReviewText, State: func() any { return &reviewForm{} },
		Steps: map[core.StepName]core.Step{
			stepReviewText: {Ask: askReviewComment, Answer: answerReviewComment, Next: []core.StepName{}},
		}})
}

// stepReviewText asks the committee member's comment on a score.
const stepReviewText core.StepName = "text"

// reviewForm is the state of the comment on a score: the meeting.
type reviewForm struct {
	Meeting uint64 `json:"meeting"`
}

// maxComment is the longest comment on a score, in characters.
const maxComment = 500

// reviewable is the latest closed meeting of the year up to the month,
// when the cell scored it.
func reviewable(c *core.Ctx, f *core.CellFigures) *storage.Meeting {
	if f.LastClosedID == 0 {
		return nil
	}
	mt, err := db(c).Meeting(f.LastClosedID)
	if err != nil || mt.Score == nil {
		return nil
	}
	return mt
}

// mayReview: the committee reviews, not the organization's office.
func mayReview(c *core.Ctx, s *scope, cell *storage.Cell) bool {
	return s.standing || s.cells[cell.ID]
}

// reviewLines are the cell's score of its latest meeting and the
// committee's views of it.
func reviewLines(c *core.Ctx, mt *storage.Meeting, f *core.CellFigures) []string {
	lines := []string{c.T("commune.review_score", "When", c.Date(mt.At), "Total", mt.Score.Total(), "Band", c.T(f.LastBandID), "Name", c.PersonName(mt.Score.By), "Date", c.Date(mt.Score.At))}
	for _, r := range mt.Reviews {
		if r.Confirmed {
			lines = append(lines, c.T("commune.review_confirmed", "Name", c.PersonName(r.By), "Date", c.Date(r.At), "Total", r.Total))
		} else {
			lines = append(lines, c.T("commune.review_commented", "Name", c.PersonName(r.By), "Date", c.Date(r.At), "Total", r.Total, "Comment", r.Comment))
		}
	}
	return lines
}

// reviewMeeting loads the meeting of a review and checks that the caller
// may review it; ok false when they are told why not.
func reviewMeeting(c *core.Ctx, idText string) (*storage.Meeting, *storage.Cell, bool, error) {
	id, _ := strconv.ParseUint(idText, 10, 64)
	mt, err := db(c).Meeting(id)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	cell, err := db(c).Cell(mt.CellID)
	if err != nil {
		return nil, nil, false, err
	}
	s, ok, err := scopeFor(c, cell)
	if err != nil {
		return nil, nil, false, err
	}
	if !ok || !mayReview(c, s, cell) {
		c.Say("commune.review_not_allowed")
		return nil, nil, false, nil
	}
	if mt.State != storage.MeetingClosed || mt.Score == nil {
		c.Say("commune.review_unscored")
		return nil, nil, false, nil
	}
	return mt, cell, true, nil
}

func actReview(c *core.Ctx, args string) error {
	idText, op, _ := strings.Cut(args, ":")
	mt, cell, ok, err := reviewMeeting(c, idText)
	if !ok || err != nil {
		return err
	}
	if op == "c" {
		return c.StartWith("cqcomment", stepReviewText, &reviewForm{Meeting: mt.ID})
	}
	return recordReview(c, mt, cell, storage.ScoreReview{Confirmed: true})
}

func askReviewComment(c *core.Ctx) error {
	c.Say("commune.review_ask", "Max", maxComment)
	return nil
}

func answerReviewComment(c *core.Ctx, in core.Input) (core.StepName, error) {
	mt, cell, ok, err := reviewMeeting(c, strconv.FormatUint(core.StateOf[reviewForm](c).Meeting, 10))
	if err != nil {
		return "", err
	}
	if !ok {
		c.End()
		return "", nil
	}
	text := strings.TrimSpace(in.Text)
	if text == "" {
		return "", core.Invalid("err.empty")
	}
	if core.Utf8Len(text) > maxComment {
		return "", core.Invalid("err.too_long", "Max", maxComment)
	}
	return "", recordReview(c, mt, cell, storage.ScoreReview{Comment: text})
}

// recordReview keeps the review beside the cell's score, audits it, and
// tells the cell's secretary and deputy.
func recordReview(c *core.Ctx, mt *storage.Meeting, cell *storage.Cell, r storage.ScoreReview) error {
	r.By, r.At, r.Total = c.Me.ID, c.Now, mt.Score.Total()
	mt.Reviews = append(mt.Reviews, r)
	if err := db(c).PutMeeting(mt); err != nil {
		return err
	}
	if err := c.AuditMeeting("score_review", mt, 0, nil, r); err != nil {
		return err
	}
	leaders, err := db(c).CellLeaders(cell.ID)
	if err != nil {
		return err
	}
	for i := range leaders {
		m := &leaders[i]
		if m.ID == c.Me.ID {
			continue
		}
		kv := []any{"Name", c.Me.Name, "Cell", cell.Name, "Date", c.ReaderOf(m).Date(mt.At), "Total", r.Total, "Comment", r.Comment}
		if r.Confirmed {
			c.SendTo(m, "commune.review_to_leader_confirmed", kv...)
		} else {
			c.SendTo(m, "commune.review_to_leader_comment", kv...)
		}
	}
	if r.Confirmed {
		c.Say("commune.review_done_confirmed", "Cell", cell.Name, "Total", r.Total)
	} else {
		c.Say("commune.review_done_comment", "Cell", cell.Name)
	}
	return nil
}

// ---- the audit in words ----

func auditRole(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var before, after storage.CommuneRole
	core.DecodeAudit(e.Before, &before)
	core.DecodeAudit(e.After, &after)
	what := titleName(c, after.Kind)
	if after.Kind == storage.CommuneFollow {
		name := ""
		if cell, err := db(c).Cell(after.CellID); err == nil {
			name = cell.Name
		}
		what = c.T("commune.audit_follow", "Cell", name)
	}
	v := core.AuditView{What: c.T("commune.audit_role", "Name", c.PersonName(after.MemberID), "Role", what)}
	if e.Before == nil {
		v.After = c.T("commune.audit_from", "Date", c.Date(after.From))
	} else {
		v.Before, v.After = c.T("commune.audit_from", "Date", c.Date(before.From)), c.T("commune.audit_to", "Date", c.Date(after.To))
	}
	return v
}

func auditView(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var r viewRecord
	core.DecodeAudit(e.After, &r)
	if r.What == "summary" {
		return core.AuditView{What: c.T("commune.audit_view_summary")}
	}
	return core.AuditView{What: c.N("commune.audit_view_art8", r.Count)}
}

func auditReview(c *core.Ctx, e *storage.AuditEntry) core.AuditView {
	var r storage.ScoreReview
	core.DecodeAudit(e.After, &r)
	if r.Confirmed {
		return core.AuditView{What: c.T("commune.audit_review_confirmed"), After: strconv.Itoa(r.Total)}
	}
	return core.AuditView{What: c.T("commune.audit_review_comment"), After: r.Comment}
}
