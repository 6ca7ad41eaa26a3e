package meetings

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/locales"
	"chibo/storage"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
)

// defaultTemplate is the 100-point template of an organization without its
// own (DOMAIN.md §3: preparation 15, attendance 20, conduct 45, closing 20;
// the duration part of conduct and the attendance part are scored from
// chibo's records).
var DefaultTemplate = []storage.QualitySection{
	{ID: "prep", Max: 15},
	{ID: "attendance", Max: 20, Auto: "attendance"},
	{ID: "duration", Max: 10, Auto: "duration"},
	{ID: "conduct", Max: 35},
	{ID: "closing", Max: 20},
}

func template(c *core.Ctx, cell *storage.Cell) ([]storage.QualitySection, error) {
	t, err := db(c).QualityTemplate(cell.OrgID)
	if err != nil || t == nil {
		return DefaultTemplate, err
	}
	return t.Sections, nil
}

func SectionName(c *core.Ctx, s storage.QualitySection) string {
	if len(s.Label) > 0 {
		return c.PickLabel(s.Label, s.ID)
	}
	switch s.ID {
	case "prep":
		return c.T("mt.sec_prep")
	case "attendance":
		return c.T("mt.sec_attendance")
	case "duration":
		return c.T("mt.sec_duration")
	case "conduct":
		return c.T("mt.sec_conduct")
	case "closing":
		return c.T("mt.sec_closing")
	}
	return c.T("mt.sec_custom", "ID", s.ID)
}

// autoPoints scores a section from the records: attendance by the 85 %
// standard and unexcused absences, duration by the 90/120-minute minimum.
func AutoPoints(s storage.QualitySection, n storage.MeetingTally) int {
	var frac float64
	switch s.Auto {
	case "attendance":
		r, has := rateOf(n)
		switch {
		case !has: // nobody expected: no rate, no points
		case r > 85 && n.Unexcused == 0:
			frac = 1
		case r > 85:
			frac = 0.75
		case r >= 70:
			frac = 0.5
		case r >= 50:
			frac = 0.25
		}
	case "duration":
		switch mins, need := n.Minutes, n.Need; {
		case mins >= need:
			frac = 1
		case mins*3 >= need*2:
			frac = 0.5
		}
	}
	return int(math.Round(frac * float64(s.Max)))
}

// grade names a score: Tốt ≥ 90, Khá ≥ 70, Trung bình ≥ 50, Kém below.
func grade(c *core.Ctx, total int) string { return c.T(gradeID(total)) }

// gradeID is the message id of a score's band.
func gradeID(total int) string {
	switch {
	case total >= 90:
		return "mt.grade_good"
	case total >= 70:
		return "mt.grade_fair"
	case total >= 50:
		return "mt.grade_average"
	}
	return "mt.grade_poor"
}

func manualSections(all []storage.QualitySection) []storage.QualitySection {
	var out []storage.QualitySection
	for _, s := range all {
		if s.Auto == "" {
			out = append(out, s)
		}
	}
	return out
}

// scoreMeeting is the closed meeting of the scoring flow, checked on every step.
func scoreMeeting(c *core.Ctx) (*storage.Meeting, *storage.Cell, []storage.QualitySection, error) {
	id := core.StateOf[scoreState](c).Meeting
	mt, err := db(c).Meeting(id)
	if err != nil {
		return nil, nil, nil, core.Invalid("err.stale_button")
	}
	if !c.Me.Leads(mt.CellID) {
		return nil, nil, nil, core.Invalid("err.leaders_only")
	}
	if mt.State != storage.MeetingClosed {
		return nil, nil, nil, core.Invalid("mt.not_closed")
	}
	cell, err := db(c).Cell(mt.CellID)
	if err != nil {
		return nil, nil, nil, err
	}
	secs, err := template(c, cell)
	return mt, cell, secs, err
}

func askScoreSection(c *core.Ctx) error {
	_, _, secs, err := scoreMeeting(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	manual := manualSections(secs)
	i := core.StateOf[scoreState](c).Index
	if i >= len(manual) {
		c.End()
		return nil
	}
	s := manual[i]
	var opts []core.Opt
	for _, f := range []float64{1, 0.9, 0.8, 0.7, 0.5, 0} {
		p := int(math.Round(f * float64(s.Max)))
		if !slices.ContainsFunc(opts, func(o core.Opt) bool { return o.Value == strconv.Itoa(p) }) {
			opts = append(opts, core.Opt{Label: strconv.Itoa(p), Value: strconv.Itoa(p)})
		}
	}
	c.Ask(c.T("mt.score_ask", "N", i+1, "Of", len(manual), "Section", SectionName(c, s), "Max", s.Max), 3, opts...)
	return nil
}

func answerScoreSection(c *core.Ctx, in core.Input) (core.StepName, error) {
	mt, cell, secs, err := scoreMeeting(c)
	if err != nil {
		return "", err
	}
	manual := manualSections(secs)
	i := core.StateOf[scoreState](c).Index
	if i >= len(manual) {
		return "", nil
	}
	v := in.Choice
	if v == "" {
		v = strings.TrimSpace(in.Text)
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > manual[i].Max {
		return "", core.Invalid("mt.score_bad", "Max", manual[i].Max)
	}
	st := core.StateOf[scoreState](c)
	st.give(manual[i].ID, p)
	if i+1 < len(manual) {
		st.Index = i + 1
		return stepSection, nil
	}
	tally, err := tallyOf(c, mt, cell)
	if err != nil {
		return "", err
	}
	score := &storage.QualityScore{Points: map[string]int{}, By: c.Me.ID, At: c.Now}
	var b strings.Builder
	for _, s := range secs {
		var pts int
		if s.Auto != "" {
			pts = AutoPoints(s, tally)
		} else {
			pts = st.Points[s.ID]
		}
		score.Points[s.ID] = pts
		b.WriteString("\n")
		b.WriteString(c.T("mt.score_line", "Section", SectionName(c, s), "Points", pts, "Max", s.Max))
	}
	prev := mt.Score
	mt.Score = score
	if err := db(c).PutMeeting(mt); err != nil {
		return "", err
	}
	if err := c.AuditMeeting("meeting_score", mt, 0, prev, score); err != nil {
		return "", err
	}
	total := score.Total()
	c.Reply(c.T("mt.score_done", "When", when(c, mt.At, cell), "Total", total, "Grade", grade(c, total)) + b.String())
	return "", nil
}

// tallyVerdict is the year's meeting quality in words: Tốt when every
// regular meeting is at least Khá and at least 7 are Tốt (Phú Thọ
// framework); "" without a regular meeting.
func TallyVerdict(c *core.Ctx, cell *storage.Cell, y *yearRec) string {
	good, belowFair, unscored, regular := 0, 0, 0, 0
	for i := range y.meetings {
		mt := &y.meetings[i]
		if mt.Kind != storage.MeetingRegular {
			continue
		}
		regular++
		switch {
		case mt.Score == nil:
			unscored++
		case mt.Score.Total() >= 90:
			good++
		case mt.Score.Total() < 70:
			belowFair++
		}
	}
	missing := monthsWithoutRegular(c, cell, y)
	switch {
	case regular == 0:
		return ""
	case belowFair == 0 && unscored == 0 && good >= 7 && len(missing) == 0:
		return c.T("mt.tally_good", "Good", good, "Count", regular)
	}
	v := c.T("mt.tally_not_good", "Good", good, "Count", regular, "Below", belowFair, "Unscored", unscored)
	if len(missing) > 0 {
		v += "\n" + c.N("close.tally_missing", len(missing), "Months", monthList(missing))
	}
	return v
}

// yearTally shows the year's meeting quality, meeting by meeting.
func yearTally(c *core.Ctx, cell *storage.Cell, year int) error {
	y, err := yearHeaders(c, cell, year)
	if err != nil {
		return err
	}
	notHeld, err := monthsNotHeld(c, cell, y)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(c.T("mt.tally_header", "Cell", cell.Name, "Year", year))
	shown := map[int]bool{}
	for i := range y.meetings {
		mt := &y.meetings[i]
		for mo := 1; mo < y.month(mt); mo++ {
			if notHeld[mo] && !shown[mo] {
				shown[mo] = true
				b.WriteString("\n")
				b.WriteString(c.T("close.att_not_held", "Month", mo))
			}
		}
		b.WriteString("\n")
		if mt.Score == nil {
			b.WriteString(c.T("mt.tally_line_unscored", "Date", mt.At.In(y.zone).Format("02/01"), "Kind", c.KindName(mt)))
		} else {
			t := mt.Score.Total()
			b.WriteString(c.T("mt.tally_line", "Date", mt.At.In(y.zone).Format("02/01"), "Kind", c.KindName(mt), "Total", t, "Grade", grade(c, t)))
		}
	}
	for mo := 1; mo <= 12; mo++ {
		if notHeld[mo] && !shown[mo] {
			b.WriteString("\n")
			b.WriteString(c.T("close.att_not_held", "Month", mo))
		}
	}
	b.WriteString("\n")
	if v := TallyVerdict(c, cell, y); v != "" {
		b.WriteString(v)
	} else {
		b.WriteString(c.T("mt.att_none"))
	}
	c.Reply(b.String())
	return nil
}

// QualityTemplateOf is the organization's meeting quality template with
// every section named, the default one when it has none of its own.
func QualityTemplateOf(tx store, cat *locales.Catalog, orgID uint64) (*storage.QualityTemplate, error) {
	t, err := tx.QualityTemplate(orgID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if t != nil && len(t.Sections) > 0 {
		if t.Length == nil { // shown with the defaults, ready to edit
			t.Length = &storage.MeetingLength{Regular: 90, Combined: 120}
		}
		return t, nil
	}
	out := &storage.QualityTemplate{OrgID: orgID, Length: &storage.MeetingLength{Regular: 90, Combined: 120}}
	for _, s := range DefaultTemplate {
		s.Label = core.LabelsIn(cat, defaultSectionNames[s.ID])
		out.Sections = append(out.Sections, s)
	}
	return out, nil
}

var defaultSectionNames = map[string]string{
	"prep":       "mt.sec_prep",
	"attendance": "mt.sec_attendance",
	"duration":   "mt.sec_duration",
	"conduct":    "mt.sec_conduct",
	"closing":    "mt.sec_closing",
}

// ParseQualityTemplate reads and checks a quality template file: named
// sections with unique keys whose maxima add up to 100 (DOMAIN.md §3), at
// most one scored from attendance and one from duration.
func ParseQualityTemplate(data []byte) (*storage.QualityTemplate, error) {
	var t storage.QualityTemplate
	if err := core.DecodeStrict(data, &t); err != nil {
		return nil, err
	}
	if len(t.Sections) == 0 || len(t.Sections) > 12 {
		return nil, core.FormErr("settings.err_sections", "Max", 12)
	}
	seen, auto, sum := map[string]bool{}, map[string]bool{}, 0
	for i, s := range t.Sections {
		if err := core.CheckNamed(i+1, s.ID, s.Label); err != nil {
			return nil, err
		}
		if seen[s.ID] {
			return nil, core.FormErr("settings.err_dup_key", "N", i+1, "Key", s.ID)
		}
		seen[s.ID] = true
		if s.Max <= 0 || s.Max > 100 {
			return nil, core.FormErr("settings.err_max", "N", i+1, "Key", s.ID)
		}
		if (s.Auto != "" && s.Auto != "attendance" && s.Auto != "duration") || (s.Auto != "" && auto[s.Auto]) {
			return nil, core.FormErr("settings.err_auto", "N", i+1, "Key", s.ID)
		}
		auto[s.Auto] = s.Auto != ""
		sum += s.Max
	}
	if sum != 100 {
		return nil, core.FormErr("settings.err_sum", "Sum", sum)
	}
	if l := t.Length; l != nil {
		for _, v := range []int{l.Regular, l.Combined, l.SmallRegular, l.SmallCombined} {
			if v != 0 && (v < 15 || v > 480) {
				return nil, core.FormErr("close.err_length", "Min", 15, "Max", 480)
			}
		}
		if l.SmallBelow < 0 || (l.SmallBelow > 0 && l.SmallRegular == 0 && l.SmallCombined == 0) {
			return nil, core.FormErr("close.err_length_small")
		}
	}
	return &t, nil
}
