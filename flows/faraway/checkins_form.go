package faraway

import (
	"bytes"
	"chibo/flows/core"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"chibo/locales"
	"chibo/storage"
)

// An organization's check-in form as an operator edits it (issue 5: "fields
// are a template per organization so a province can change them without
// code"): JSON with, per question, a stable key, a kind, the question in
// every language chibo speaks, whether an answer is required, and for a
// "choice" question its buttons. "{month}" in a question is replaced by the
// month being reported (mm/yyyy).

// CheckinForm is the JSON file of an organization's check-in form.
type CheckinForm struct {
	Fields []CheckinFormField `json:"fields"`
}

// CheckinFormField is one question of a CheckinForm.
type CheckinFormField struct {
	Key      string              `json:"key"`
	Kind     string              `json:"kind"`
	Label    map[string]string   `json:"label"`
	Required *bool               `json:"required"` // must be given: forgetting it must not make a question optional
	Choices  []CheckinFormChoice `json:"choices,omitempty"`
}

// CheckinFormChoice is one button of a "choice" question.
type CheckinFormChoice struct {
	Value string            `json:"value"`
	Label map[string]string `json:"label"`
}

// CheckinFormKinds are the kinds of question a form may have, in the order
// an error message lists them.
var CheckinFormKinds = []string{"place", "yesno", "text", "phone", "return", "dues", "note", "choice"}

// Limits of a form: a check-in is answered on a phone, one question at a
// time, and a choice value travels in a button's 64 bytes.
const (
	maxFormFields   = 20
	maxFormChoices  = 8
	maxQuestionLen  = 300
	maxChoiceLabel  = 40
	monthMarker     = "{month}"
	formFieldKeyMax = 24
)

var (
	formKeyShape    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,23}$`)
	formChoiceShape = regexp.MustCompile(`^[a-z0-9_]{1,16}$`)
)

// CheckinFormOf returns the organization's check-in form as a file: its
// custom form, or the default one with the questions from cat in every
// language, ready to be edited.
func CheckinFormOf(tx store, cat *locales.Catalog, orgID uint64) (*CheckinForm, error) {
	t, err := tx.CheckinTemplate(orgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && len(t.Fields) == 0) {
		t = &ckDefaultForm
	} else if err != nil {
		return nil, err
	}
	form := &CheckinForm{}
	for _, f := range t.Fields {
		required := !f.Optional
		ff := CheckinFormField{Key: f.Key, Kind: f.Kind, Label: f.Label, Required: &required}
		if id, ok := defaultQuestions[f.Key]; ok && len(f.Label) == 0 {
			ff.Label = map[string]string{}
			for _, lang := range locales.Languages {
				ff.Label[lang] = cat.T(lang, id, "Month", monthMarker)
			}
		}
		for _, ch := range f.Choices {
			ff.Choices = append(ff.Choices, CheckinFormChoice(ch))
		}
		form.Fields = append(form.Fields, ff)
	}
	return form, nil
}

// ParseCheckinForm reads and checks a check-in form file. Any mistake is a
// *FormError naming the question; nothing is half-accepted.
func ParseCheckinForm(data []byte) (*storage.CheckinTemplate, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var form CheckinForm
	if err := dec.Decode(&form); err != nil {
		return nil, core.FormErr("ckform.err_json", "Err", err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, core.FormErr("ckform.err_json", "Err", "trailing data")
	}
	if len(form.Fields) == 0 || len(form.Fields) > maxFormFields {
		return nil, core.FormErr("ckform.err_fields", "Max", maxFormFields)
	}
	t := &storage.CheckinTemplate{}
	seen := map[string]bool{}
	for i, f := range form.Fields {
		n := i + 1
		if !formKeyShape.MatchString(f.Key) {
			return nil, core.FormErr("ckform.err_key", "N", n, "Key", f.Key, "Max", formFieldKeyMax)
		}
		if seen[f.Key] {
			return nil, core.FormErr("ckform.err_dup_key", "N", n, "Key", f.Key)
		}
		seen[f.Key] = true
		if !slices.Contains(CheckinFormKinds, f.Kind) {
			return nil, core.FormErr("ckform.err_kind", "N", n, "Key", f.Key, "Kind", f.Kind, "Kinds", strings.Join(CheckinFormKinds, ", "))
		}
		if err := checkLabels(f.Label, maxQuestionLen, n, f.Key, ""); err != nil {
			return nil, err
		}
		if f.Required == nil {
			return nil, core.FormErr("ckform.err_required", "N", n, "Key", f.Key)
		}
		field := storage.CheckinField{Key: f.Key, Kind: f.Kind, Label: f.Label, Optional: !*f.Required}
		switch {
		case f.Kind == "choice" && (len(f.Choices) < 2 || len(f.Choices) > maxFormChoices):
			return nil, core.FormErr("ckform.err_choices_count", "N", n, "Key", f.Key, "Max", maxFormChoices)
		case f.Kind != "choice" && f.Choices != nil:
			return nil, core.FormErr("ckform.err_choices_kind", "N", n, "Key", f.Key)
		}
		values := map[string]bool{}
		for _, ch := range f.Choices {
			if !formChoiceShape.MatchString(ch.Value) || values[ch.Value] {
				return nil, core.FormErr("ckform.err_choice_value", "N", n, "Key", f.Key, "Value", ch.Value)
			}
			values[ch.Value] = true
			if err := checkLabels(ch.Label, maxChoiceLabel, n, f.Key, ch.Value); err != nil {
				return nil, err
			}
			field.Choices = append(field.Choices, storage.CheckinChoice(ch))
		}
		t.Fields = append(t.Fields, field)
	}
	return t, nil
}

// checkLabels wants a label in every language chibo speaks and no other,
// each at most max characters. choice is "" for a question.
func checkLabels(labels map[string]string, max, n int, key, choice string) error {
	for _, lang := range locales.Languages {
		if strings.TrimSpace(labels[lang]) == "" {
			if choice != "" {
				return core.FormErr("ckform.err_choice_label_missing", "N", n, "Key", key, "Value", choice, "Lang", lang)
			}
			return core.FormErr("ckform.err_label_missing", "N", n, "Key", key, "Lang", lang)
		}
	}
	for lang, l := range labels {
		if !slices.Contains(locales.Languages, lang) {
			return core.FormErr("ckform.err_label_lang", "N", n, "Key", key, "Lang", lang, "Langs", strings.Join(locales.Languages, ", "))
		}
		if utf8.RuneCountInString(l) > max {
			return core.FormErr("ckform.err_label_long", "N", n, "Key", key, "Max", max)
		}
	}
	return nil
}
