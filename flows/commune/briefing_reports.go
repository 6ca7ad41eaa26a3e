package commune

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"slices"
	"strconv"
	"strings"
	"time"
)

func actBriefingRSVP(c *core.Ctx, args string) error {
	b, rest, ok := briefingFor(c, args)
	if !ok || len(rest) != 1 {
		c.Say("err.stale_button")
		return nil
	}
	if !secretaryOf(c, b, 0) {
		c.Say("commune.gb_secretaries_only")
		return nil
	}
	if b.Cancelled || !c.Now.Before(b.At) {
		c.Say("commune.gb_closed")
		return nil
	}
	if b.RSVP == nil {
		b.RSVP = map[uint64]storage.RSVP{}
	}
	ans := storage.RSVPYes
	if rest[0] == "n" {
		ans = storage.RSVPNo
	}
	b.RSVP[c.Me.ID] = ans
	if err := db(c).PutBriefing(b); err != nil {
		return err
	}
	if ans == storage.RSVPYes {
		c.Say("commune.gb_rsvp_yes", "When", briefingWhen(c, b))
	} else {
		c.Say("commune.gb_rsvp_no")
	}
	return nil
}

func actBriefingReport(c *core.Ctx, args string) error {
	b, rest, ok := briefingFor(c, args)
	if !ok || len(rest) != 1 {
		c.Say("err.stale_button")
		return nil
	}
	cellID, _ := strconv.ParseUint(rest[0], 10, 64)
	if !secretaryOf(c, b, cellID) {
		c.Say("commune.gb_secretaries_only")
		return nil
	}
	if b.Cancelled || !c.Now.Before(b.At.Add(4*time.Hour)) {
		c.Say("commune.gb_closed")
		return nil
	}
	return c.StartWith("gbreport", stepReportDone, &briefingForm{Org: b.OrgID, Briefing: b.ID, Cell: cellID})
}

// reportContext is the briefing and cell of the report flow, checked again.
func reportContext(c *core.Ctx) (*storage.Briefing, *storage.Cell, error) {
	f := core.StateOf[briefingForm](c)
	b, _, ok := briefingFor(c, f.key())
	cellID := f.Cell
	if !ok || !secretaryOf(c, b, cellID) {
		return nil, nil, core.Invalid("commune.gb_secretaries_only")
	}
	cell, err := db(c).Cell(cellID)
	return b, cell, err
}

func askReportDone(c *core.Ctx) error {
	b, cell, err := reportContext(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	figures, err := cellFigures(c, cell, b)
	if err != nil {
		return err
	}
	c.Say("commune.gb_ask_done", "Cell", cell.Name, "Figures", figures, "Max", maxReport)
	return nil
}

func reportText(in core.Input) (string, error) {
	t := strings.TrimSpace(in.Text)
	switch {
	case t == "":
		return "", core.Invalid("err.empty")
	case core.Utf8Len(t) > maxReport:
		return "", core.Invalid("err.too_long", "Max", maxReport)
	}
	return t, nil
}

func answerReportDone(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := reportText(in)
	if err != nil {
		return "", err
	}
	core.StateOf[briefingForm](c).Done = t
	return stepReportHard, nil
}

func askReportHard(c *core.Ctx) error {
	c.Say("commune.gb_ask_hard", "Max", maxReport)
	return nil
}

func answerReportHard(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := reportText(in)
	if err != nil {
		return "", err
	}
	b, cell, err := reportContext(c)
	if err != nil {
		return "", err
	}
	figures, err := cellFigures(c.ReaderOf(nil), cell, b)
	if err != nil {
		return "", err
	}
	if b.Reports == nil {
		b.Reports = map[uint64]*storage.BriefingReport{}
	}
	before := b.Reports[cell.ID]
	b.Reports[cell.ID] = &storage.BriefingReport{Figures: figures, Done: core.StateOf[briefingForm](c).Done, Difficulties: t, By: c.Me.ID, At: c.Now}
	if err := db(c).PutBriefing(b); err != nil {
		return "", err
	}
	if err := c.Audit("briefing", cell.ID, 0, before, briefingAudit{What: "report", Cell: cell.ID}); err != nil {
		return "", err
	}
	c.Say("commune.gb_report_saved", "When", briefingWhen(c, b))
	return "", nil
}

func actBriefingView(c *core.Ctx, args string) error {
	b, _, ok := briefingFor(c, args)
	if !ok {
		c.Say("err.stale_button")
		return nil
	}
	s, err := standingScope(c)
	if err != nil {
		return err
	}
	if s == nil || s.org.ID != b.OrgID {
		c.Say("commune.not_standing")
		return nil
	}
	text, err := compiledText(c, &s.org, b)
	if err != nil {
		return err
	}
	c.Reply(text)
	return nil
}

// mayConclude: the conclusions are the standing committee's.
func mayConclude(c *core.Ctx, orgID uint64) (bool, error) {
	scopes, err := scopesOf(c)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(scopes, func(s scope) bool { return s.org.ID == orgID && s.standing }), nil
}

func actBriefingConclude(c *core.Ctx, args string) error {
	b, rest, ok := briefingFor(c, args)
	if !ok || len(rest) != 1 {
		c.Say("err.stale_button")
		return nil
	}
	if ok, err := mayConclude(c, b.OrgID); err != nil || !ok {
		if err == nil {
			c.Say("commune.gb_standing_only")
		}
		return err
	}
	cellID, _ := strconv.ParseUint(rest[0], 10, 64)
	return c.StartWith("gbconc", stepConclusion, &briefingForm{Org: b.OrgID, Briefing: b.ID, Cell: cellID})
}

func askConclusion(c *core.Ctx) error {
	cell, err := db(c).Cell(core.StateOf[briefingForm](c).Cell)
	if err != nil {
		c.End()
		c.Say("err.stale_button")
		return nil
	}
	c.Say("commune.gb_ask_conclusion", "Cell", cell.Name, "Max", maxReport)
	return nil
}

func answerConclusion(c *core.Ctx, in core.Input) (core.StepName, error) {
	t, err := reportText(in)
	if err != nil {
		return "", err
	}
	f := core.StateOf[briefingForm](c)
	b, _, ok := briefingFor(c, f.key())
	cell, cerr := db(c).Cell(f.Cell)
	if !ok || cerr != nil || cell.OrgID != b.OrgID {
		return "", core.Invalid("err.stale_button")
	}
	if ok, err := mayConclude(c, b.OrgID); err != nil || !ok {
		if err == nil {
			err = core.Invalid("commune.gb_standing_only")
		}
		return "", err
	}
	if b.Conclusions == nil {
		b.Conclusions = map[uint64]*storage.BriefingConclusion{}
	}
	before := b.Conclusions[f.Cell]
	b.Conclusions[f.Cell] = &storage.BriefingConclusion{Text: t, By: c.Me.ID, At: c.Now}
	if err := db(c).PutBriefing(b); err != nil {
		return "", err
	}
	if err := c.Audit("briefing", f.Cell, 0, before, briefingAudit{What: "conclusion", Cell: f.Cell}); err != nil {
		return "", err
	}
	_, secs, err := secretaries(c, b.OrgID)
	if err != nil {
		return "", err
	}
	sent := 0
	for i := range secs[f.Cell] {
		m := &secs[f.Cell][i]
		if c.SendTo(m, "commune.gb_conclusion_to_secretary", "Name", c.Me.Name, "When", c.ReaderOf(m).Date(b.At), "Cell", cell.Name, "Text", t) {
			sent++
		}
	}
	c.Say("commune.gb_conclusion_done", "Cell", cell.Name, "Sent", sent)
	return "", nil
}
