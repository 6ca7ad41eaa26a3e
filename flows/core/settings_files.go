package core

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"

	"chibo/locales"
)

// Files an organization (or the server's operator for it) edits to change
// rules without code: the meeting quality template and the residence
// comment form, per organization, and a residence cell's comment round
// dates. `chibo admin …` prints them as JSON and stores a checked file.

var settingKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// decodeStrict reads exactly one JSON value with no unknown fields.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return FormErr("settings.err_json", "Err", err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return FormErr("settings.err_json", "Err", "trailing data")
	}
	return nil
}

// labelsIn fills labels for every language from ids, for a default that the
// file shows ready to edit.
func LabelsIn(cat *locales.Catalog, id string) map[string]string {
	out := map[string]string{}
	for _, lang := range locales.Languages {
		out[lang] = cat.T(lang, id)
	}
	return out
}

// checkNamed checks a key and its labels (every language, not blank).
func CheckNamed(n int, key string, label map[string]string) error {
	if !settingKey.MatchString(key) {
		return FormErr("settings.err_key", "N", n, "Key", key)
	}
	for _, lang := range locales.Languages {
		if NormalizeText(label[lang]) == "" || Utf8Len(label[lang]) > MaxNameLen {
			return FormErr("settings.err_label", "N", n, "Key", key, "Lang", lang, "Max", MaxNameLen)
		}
	}
	for lang := range label {
		if !locales.Supported(lang) {
			return FormErr("settings.err_label", "N", n, "Key", key, "Lang", lang, "Max", MaxNameLen)
		}
	}
	return nil
}

// FormError is a mistake in a check-in form file: a message id and its data,
// for the edge (the command line) to render in the operator's language.
type FormError struct {
	MsgID string
	KV    []any
}

func FormErr(id string, kv ...any) error { return &FormError{MsgID: id, KV: kv} }

func (e *FormError) Error() string { return "check-in form: " + e.MsgID }
