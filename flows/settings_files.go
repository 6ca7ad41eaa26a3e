package flows

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"time"

	"chibo/locales"
	"chibo/storage"
)

// Files an organization (or the server's operator for it) edits to change
// rules without code: the meeting quality template and the residence
// comment form, per organization, and a residence cell's comment round
// dates. `chibo admin …` prints them as JSON and stores a checked file.

var settingKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// decodeStrict reads exactly one JSON value with no unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return formErr("settings.err_json", "Err", err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return formErr("settings.err_json", "Err", "trailing data")
	}
	return nil
}

// labelsIn fills labels for every language from ids, for a default that the
// file shows ready to edit.
func labelsIn(cat *locales.Catalog, id string) map[string]string {
	out := map[string]string{}
	for _, lang := range locales.Languages {
		out[lang] = cat.T(lang, id)
	}
	return out
}

// checkNamed checks a key and its labels (every language, not blank).
func checkNamed(n int, key string, label map[string]string) error {
	if !settingKey.MatchString(key) {
		return formErr("settings.err_key", "N", n, "Key", key)
	}
	for _, lang := range locales.Languages {
		if NormalizeText(label[lang]) == "" || utf8Len(label[lang]) > MaxNameLen {
			return formErr("settings.err_label", "N", n, "Key", key, "Lang", lang, "Max", MaxNameLen)
		}
	}
	for lang := range label {
		if !locales.Supported(lang) {
			return formErr("settings.err_label", "N", n, "Key", key, "Lang", lang, "Max", MaxNameLen)
		}
	}
	return nil
}

// QualityTemplateOf is the organization's meeting quality template with
// every section named, the default one when it has none of its own.
func QualityTemplateOf(tx *storage.Tx, cat *locales.Catalog, orgID uint64) (*storage.QualityTemplate, error) {
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
	for _, s := range defaultTemplate {
		s.Label = labelsIn(cat, defaultSectionNames[s.ID])
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
	if err := decodeStrict(data, &t); err != nil {
		return nil, err
	}
	if len(t.Sections) == 0 || len(t.Sections) > 12 {
		return nil, formErr("settings.err_sections", "Max", 12)
	}
	seen, auto, sum := map[string]bool{}, map[string]bool{}, 0
	for i, s := range t.Sections {
		if err := checkNamed(i+1, s.ID, s.Label); err != nil {
			return nil, err
		}
		if seen[s.ID] {
			return nil, formErr("settings.err_dup_key", "N", i+1, "Key", s.ID)
		}
		seen[s.ID] = true
		if s.Max <= 0 || s.Max > 100 {
			return nil, formErr("settings.err_max", "N", i+1, "Key", s.ID)
		}
		if (s.Auto != "" && s.Auto != "attendance" && s.Auto != "duration") || (s.Auto != "" && auto[s.Auto]) {
			return nil, formErr("settings.err_auto", "N", i+1, "Key", s.ID)
		}
		auto[s.Auto] = s.Auto != ""
		sum += s.Max
	}
	if sum != 100 {
		return nil, formErr("settings.err_sum", "Sum", sum)
	}
	if l := t.Length; l != nil {
		for _, v := range []int{l.Regular, l.Combined, l.SmallRegular, l.SmallCombined} {
			if v != 0 && (v < 15 || v > 480) {
				return nil, formErr("close.err_length", "Min", 15, "Max", 480)
			}
		}
		if l.SmallBelow < 0 || (l.SmallBelow > 0 && l.SmallRegular == 0 && l.SmallCombined == 0) {
			return nil, formErr("close.err_length_small")
		}
	}
	return &t, nil
}

// ResidenceFormOf is the organization's annual comment form with every
// field and level named, the default one when it has none of its own.
func ResidenceFormOf(tx *storage.Tx, cat *locales.Catalog, orgID uint64) (*storage.ResidenceTemplate, error) {
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
			f.Label = labelsIn(cat, resDefaultLabels[f.Key])
		}
		out.Fields = append(out.Fields, f)
	}
	for _, l := range levelsOf(t) {
		if len(l.Label) == 0 {
			l.Label = labelsIn(cat, resLevelLabels[l.Key])
		}
		out.Levels = append(out.Levels, l)
	}
	return out, nil
}

// ParseResidenceForm reads and checks an annual comment form file: named
// fields of kind "level" or "text", and two to six named levels, best first.
func ParseResidenceForm(data []byte) (*storage.ResidenceTemplate, error) {
	var t storage.ResidenceTemplate
	if err := decodeStrict(data, &t); err != nil {
		return nil, err
	}
	if len(t.Fields) == 0 || len(t.Fields) > 12 {
		return nil, formErr("settings.err_sections", "Max", 12)
	}
	seen := map[string]bool{}
	for i, f := range t.Fields {
		if err := checkNamed(i+1, f.Key, f.Label); err != nil {
			return nil, err
		}
		if seen[f.Key] {
			return nil, formErr("settings.err_dup_key", "N", i+1, "Key", f.Key)
		}
		seen[f.Key] = true
		if f.Kind != "level" && f.Kind != "text" {
			return nil, formErr("settings.err_field_kind", "N", i+1, "Key", f.Key)
		}
	}
	if len(t.Levels) < 2 || len(t.Levels) > 6 {
		return nil, formErr("settings.err_levels")
	}
	seen = map[string]bool{}
	for i, l := range t.Levels {
		if err := checkNamed(i+1, l.Key, l.Label); err != nil {
			return nil, err
		}
		if seen[l.Key] {
			return nil, formErr("settings.err_dup_key", "N", i+1, "Key", l.Key)
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
	if err := decodeStrict(data, &s); err != nil {
		return s, err
	}
	day := func(m, d int) bool { // a day every year has (no 29 February)
		t := time.Date(2025, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		return m >= 1 && m <= 12 && d >= 1 && t.Day() == d
	}
	switch {
	case !day(s.OpenMonth, s.OpenDay) || !day(s.DeadlineMonth, s.DeadlineDay):
		return s, formErr("settings.err_day")
	case s.DeadlineMonth*100+s.DeadlineDay <= s.OpenMonth*100+s.OpenDay:
		return s, formErr("settings.err_order")
	case s.Hour < 6 || s.Hour > 20:
		return s, formErr("settings.err_hour")
	case s.EveryDays < 1 || s.EveryDays > 31:
		return s, formErr("settings.err_every")
	}
	return s, nil
}
