package residence

import (
	"chibo/flows/core"
	"chibo/locales"
	"chibo/storage"
	"errors"
	"slices"
	"time"
)

// resDefaultForm is the default form (DOMAIN.md §3: fields from practice,
// unverified; organizations can store their own).
var resDefaultForm = storage.ResidenceTemplate{Fields: []storage.ResidenceField{
	{Key: "contact", Kind: "level"},
	{Key: "citizen", Kind: "level"},
	{Key: "activities", Kind: "level"},
	{Key: "example", Kind: "level"},
	{Key: "note", Kind: "text", Optional: true},
	{Key: "overall", Kind: "level"},
}}

var resDefaultLabels = map[string]string{
	"contact":    "res.f_contact",
	"citizen":    "res.f_citizen",
	"activities": "res.f_activities",
	"example":    "res.f_example",
	"note":       "res.f_note",
	"overall":    "res.f_overall",
}

// resDefaultLevels are the choices of a level field when the form names none.
var resDefaultLevels = []storage.ResidenceLevel{{Key: "good"}, {Key: "pass"}, {Key: "fail"}}

var resLevelLabels = map[string]string{
	"good": "res.level_good",
	"pass": "res.level_pass",
	"fail": "res.level_fail",
}

// resFactFields are the default fields chibo's records say something about:
// the facts suggest a level for them.
var resFactFields = map[string]bool{"contact": true, "activities": true}

// resFormOf is the comment form of the cell's organization.
func resFormOf(tx store, cell *storage.Cell) (*storage.ResidenceTemplate, error) {
	t, err := tx.ResidenceTemplate(cell.OrgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && len(t.Fields) == 0) {
		f := resDefaultForm
		return &f, nil
	}
	return t, err
}

func levelsOf(form *storage.ResidenceTemplate) []storage.ResidenceLevel {
	if len(form.Levels) == 0 {
		return resDefaultLevels
	}
	return form.Levels
}

// resFieldLabel is the name of a form field in the reader's language.
func resFieldLabel(c *core.Ctx, f storage.ResidenceField) string {
	if id, ok := resDefaultLabels[f.Key]; ok && len(f.Label) == 0 {
		return c.T(id)
	}
	return c.PickLabel(f.Label, f.Key)
}

// resLevelLabel is the name of a level in the reader's language.
func resLevelLabel(c *core.Ctx, l storage.ResidenceLevel) string {
	if id, ok := resLevelLabels[l.Key]; ok && len(l.Label) == 0 {
		return c.T(id)
	}
	return c.PickLabel(l.Label, l.Key)
}

// resAnswerText shows an answer of a comment in the reader's language.
func resAnswerText(c *core.Ctx, form *storage.ResidenceTemplate, f storage.ResidenceField, v string) string {
	if v == "" {
		return c.T("res.v_none")
	}
	if f.Kind == "level" {
		for _, l := range levelsOf(form) {
			if l.Key == v {
				return resLevelLabel(c, l)
			}
		}
	}
	return v
}

// ResidenceFormOf is the organization's annual comment form with every
// field and level named, the default one when it has none of its own.
func ResidenceFormOf(tx store, cat *locales.Catalog, orgID uint64) (*storage.ResidenceTemplate, error) {
	t, err := tx.ResidenceTemplate(orgID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if t == nil || len(t.Fields) == 0 {
		t = &storage.ResidenceTemplate{Fields: slices.Clone(resDefaultForm.Fields)}
	}
	out := &storage.ResidenceTemplate{}
	for _, f := range t.Fields {
		if len(f.Label) == 0 {
			f.Label = core.LabelsIn(cat, resDefaultLabels[f.Key])
		}
		out.Fields = append(out.Fields, f)
	}
	for _, l := range levelsOf(t) {
		if len(l.Label) == 0 {
			l.Label = core.LabelsIn(cat, resLevelLabels[l.Key])
		}
		out.Levels = append(out.Levels, l)
	}
	return out, nil
}

// ParseResidenceForm reads and checks an annual comment form file: named
// fields of kind "level" or "text", and two to six named levels, best first.
func ParseResidenceForm(data []byte) (*storage.ResidenceTemplate, error) {
	var t storage.ResidenceTemplate
	if err := core.DecodeStrict(data, &t); err != nil {
		return nil, err
	}
	if len(t.Fields) == 0 || len(t.Fields) > 12 {
		return nil, core.FormErr("settings.err_sections", "Max", 12)
	}
	seen := map[string]bool{}
	for i, f := range t.Fields {
		if err := core.CheckNamed(i+1, f.Key, f.Label); err != nil {
			return nil, err
		}
		if seen[f.Key] {
			return nil, core.FormErr("settings.err_dup_key", "N", i+1, "Key", f.Key)
		}
		seen[f.Key] = true
		if f.Kind != "level" && f.Kind != "text" {
			return nil, core.FormErr("settings.err_field_kind", "N", i+1, "Key", f.Key)
		}
	}
	if len(t.Levels) < 2 || len(t.Levels) > 6 {
		return nil, core.FormErr("settings.err_levels")
	}
	seen = map[string]bool{}
	for i, l := range t.Levels {
		if err := core.CheckNamed(i+1, l.Key, l.Label); err != nil {
			return nil, err
		}
		if seen[l.Key] {
			return nil, core.FormErr("settings.err_dup_key", "N", i+1, "Key", l.Key)
		}
		seen[l.Key] = true
	}
	return &t, nil
}

// ParseResidenceSettings reads and checks a residence cell's comment round
// file: real calendar days, a deadline after the opening in the same year,
// reminders in daytime hours and at most every 31 days.
func ParseResidenceSettings(data []byte) (storage.ResidenceSettings, error) {
	var s storage.ResidenceSettings
	if err := core.DecodeStrict(data, &s); err != nil {
		return s, err
	}
	day := func(m, d int) bool { // a day every year has (no 29 February)
		t := time.Date(2025, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		return m >= 1 && m <= 12 && d >= 1 && t.Day() == d
	}
	switch {
	case !day(s.OpenMonth, s.OpenDay) || !day(s.DeadlineMonth, s.DeadlineDay):
		return s, core.FormErr("settings.err_day")
	case s.DeadlineMonth*100+s.DeadlineDay <= s.OpenMonth*100+s.OpenDay:
		return s, core.FormErr("settings.err_order")
	case s.Hour < 6 || s.Hour > 20:
		return s, core.FormErr("settings.err_hour")
	case s.EveryDays < 1 || s.EveryDays > 31:
		return s, core.FormErr("settings.err_every")
	}
	return s, nil
}
