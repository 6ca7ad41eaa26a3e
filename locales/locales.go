// Package locales holds chibo's user-visible text: one message file per
// language (vi is the default, en the second), embedded in the binary and
// loaded once into a go-i18n bundle.
package locales

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Message files are named <lang>.json or <area>.<lang>.json (one area per
// feature, e.g. meetings.vi.json), so features can keep their text apart.
//
//go:embed *.json
var files embed.FS

// Default is the language used when a person has not chosen one.
const Default = "vi"

// Languages lists the supported languages, default first.
var Languages = []string{"vi", "en"}

// Data is the data a message template renders with.
type Data = map[string]any

// Catalog renders messages. It is safe for concurrent use.
type Catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	// OnError, when set, is told about every message that failed to render
	// (unknown id, missing template data). Tests set it to fail; in
	// production the reader sees the message id instead of broken text.
	OnError func(id string, err error)
}

// Load parses the embedded message files.
func Load() (*Catalog, error) {
	b := i18n.NewBundle(language.Vietnamese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		mf, err := b.LoadMessageFileFS(files, name)
		if err != nil {
			return nil, fmt.Errorf("load locale %s: %w", name, err)
		}
		if !Supported(mf.Tag.String()) {
			return nil, fmt.Errorf("load locale %s: language %q is not one of %v", name, mf.Tag, Languages)
		}
	}
	c := &Catalog{bundle: b, localizers: map[string]*i18n.Localizer{}}
	for _, lang := range Languages {
		c.localizers[lang] = i18n.NewLocalizer(b, lang)
	}
	return c, nil
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// T renders message id in lang with data. kv are alternating keys and values.
func (c *Catalog) T(lang, id string, kv ...any) string {
	return c.render(lang, id, nil, kv)
}

// N renders a plural message id for count in lang; the template sees the
// count as .Count.
func (c *Catalog) N(lang, id string, count int, kv ...any) string {
	return c.render(lang, id, count, append(kv, "Count", count))
}

func (c *Catalog) render(lang, id string, count any, kv []any) string {
	l, ok := c.localizers[lang]
	if !ok {
		l = c.localizers[Default]
	}
	data := Data{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err == nil && strings.Contains(s, "<no value>") {
		err = fmt.Errorf("template data missing a field: %v", keys(data))
	}
	if err != nil {
		if c.OnError != nil {
			c.OnError(id, err)
		}
		return id
	}
	return s
}

func keys(d Data) []string {
	var ks []string
	for k := range d {
		ks = append(ks, k)
	}
	return ks
}
