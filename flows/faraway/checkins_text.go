package faraway

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"regexp"
	"strings"
)

// The default check-in form (DOMAIN.md §3, "Check-in fields"). Each field's
// question and short label are literal message ids.
var ckDefaultForm = storage.CheckinTemplate{Fields: []storage.CheckinField{
	{Key: "place", Kind: "place"},
	{Key: "residence", Kind: "yesno"},
	{Key: "employer", Kind: "text"},
	{Key: "job", Kind: "text"},
	{Key: "phone", Kind: "phone"},
	{Key: "party_org", Kind: "yesno"},
	{Key: "return", Kind: "return"},
	{Key: "dues", Kind: "dues"},
	{Key: "thoughts", Kind: "note", Optional: true},
}}

var defaultQuestions = map[string]string{
	"place":     "checkins.q_place",
	"residence": "checkins.q_residence",
	"employer":  "checkins.q_employer",
	"job":       "checkins.q_job",
	"phone":     "checkins.q_phone",
	"party_org": "checkins.q_party_org",
	"return":    "checkins.q_return",
	"dues":      "checkins.q_dues",
	"thoughts":  "checkins.q_thoughts",
}

var defaultLabels = map[string]string{
	"place":     "checkins.f_place",
	"residence": "checkins.f_residence",
	"employer":  "checkins.f_employer",
	"job":       "checkins.f_job",
	"phone":     "checkins.f_phone",
	"party_org": "checkins.f_party_org",
	"return":    "checkins.f_return",
	"dues":      "checkins.f_dues",
	"thoughts":  "checkins.f_thoughts",
}

// ckFormOf is the check-in form of the cell's organization.
func ckFormOf(tx store, cell *storage.Cell) (*storage.CheckinTemplate, error) {
	t, err := tx.CheckinTemplate(cell.OrgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && len(t.Fields) == 0) {
		return &ckDefaultForm, nil
	}
	return t, err
}

// question is the text asking for field f.
func fieldQuestion(c *core.Ctx, f storage.CheckinField, p core.Period) string {
	if id, ok := defaultQuestions[f.Key]; ok && len(f.Label) == 0 {
		return c.T(id, "Month", p.Label(), "Example", p.Add(6).Label())
	}
	return strings.ReplaceAll(customLabel(c, f), monthMarker, p.Label())
}

// fieldLabel is the short name of field f in summaries of month p.
func fieldLabel(c *core.Ctx, f storage.CheckinField, p string) string {
	if id, ok := defaultLabels[f.Key]; ok && len(f.Label) == 0 {
		return c.T(id)
	}
	if q, ok := core.ParsePeriod(p); ok {
		return strings.ReplaceAll(customLabel(c, f), monthMarker, q.Label())
	}
	return customLabel(c, f)
}

func customLabel(c *core.Ctx, f storage.CheckinField) string {
	if l := f.Label[c.Lang]; l != "" {
		return l
	}
	if l := f.Label["vi"]; l != "" {
		return l
	}
	return f.Key
}

// answerText shows a stored answer to f in the reader's language.
func answerText(c *core.Ctx, f storage.CheckinField, v string) string {
	switch f.Kind {
	case "choice":
		for _, ch := range f.Choices {
			if ch.Value == v {
				return choiceLabel(c, ch)
			}
		}
	case "yesno":
		switch v {
		case "yes":
			return c.T("checkins.v_yes")
		case "no":
			return c.T("checkins.v_no")
		}
	case "return":
		if v == "unknown" {
			return c.T("checkins.v_unknown")
		}
		if p, ok := core.ParsePeriod(v); ok {
			return p.Label()
		}
	case "dues":
		if t, ok := members.DuesAnswerText(c, v); ok {
			return t
		}
	}
	if v == "" {
		return c.T("checkins.v_none")
	}
	return v
}

// choiceLabel is a choice's button in the reader's language.
func choiceLabel(c *core.Ctx, ch storage.CheckinChoice) string {
	if l := ch.Label[c.Lang]; l != "" {
		return l
	}
	if l := ch.Label["vi"]; l != "" {
		return l
	}
	return ch.Value
}

// ckSummary lists a check-in's answers for period (yyyy-mm), one "label: answer" per line.
func ckSummary(c *core.Ctx, form *storage.CheckinTemplate, period string, answers map[string]string) string {
	lines := make([]string, 0, len(form.Fields))
	for _, f := range form.Fields {
		lines = append(lines, c.T("checkins.summary_line", "Label", fieldLabel(c, f, period), "Value", answerText(c, f, answers[f.Key])))
	}
	return strings.Join(lines, "\n")
}

// NormalizePhone turns a Vietnamese phone number typed in any usual way
// (+84 90 123 4567, 84901234567, 090.123.4567) into 0xxxxxxxxx. Mobile
// numbers have 10 digits, landlines 11 (02x…); anything else is refused.
func NormalizePhone(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '(', ')':
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(s, "+84"):
		s = "0" + s[3:]
	case strings.HasPrefix(s, "0084"):
		s = "0" + s[4:]
	case strings.HasPrefix(s, "84") && (len(s) == 11 || len(s) == 12):
		s = "0" + s[2:]
	}
	if !phoneShape.MatchString(s) {
		return "", false
	}
	return s, true
}

var phoneShape = regexp.MustCompile(`^(0[35789][0-9]{8}|02[0-9]{9})$`)

// sayState explains why a period takes no answer from the member now.
func sayState(c *core.Ctx, r ckRules, st checkinState, p core.Period) {
	switch st {
	case stateClosed:
		c.Say("checkins.closed", "Month", p.Label(), "Current", r.current(c.Now).Label())
	case stateNotFarAway:
		c.Say("checkins.not_far_away")
	default:
		c.Say("err.stale_button")
	}
}
