package flows

import (
	"chibo/flows/core"
	"chibo/flows/meetings"
	"chibo/flows/residence"
	"testing"

	"chibo/storage"
)

func TestSectionName_customTemplateLabels(t *testing.T) {
	h := newHarness(t)
	s := storage.QualitySection{ID: "tu_phe_binh", Max: 50, Label: map[string]string{"vi": "Tự phê bình và phê bình", "en": "Criticism and self-criticism"}}
	for lang, want := range map[string]string{"vi": "Tự phê bình và phê bình", "en": "Criticism and self-criticism"} {
		c := &core.Ctx{E: h.e, Lang: lang}
		if got := meetings.SectionName(c, s); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	c := &core.Ctx{E: h.e, Lang: "en"}
	if got := meetings.SectionName(c, storage.QualitySection{ID: "prep"}); got != h.T("en", "mt.sec_prep") {
		t.Errorf("default section: %q", got)
	}
}

func TestParseResidenceSettings(t *testing.T) {
	for _, c := range []struct {
		json, err string
	}{
		{`{"open_month":11,"open_day":1,"deadline_month":12,"deadline_day":31,"hour":8,"every_days":7}`, ""},
		{`{"open_month":2,"open_day":29,"deadline_month":3,"deadline_day":1,"hour":8,"every_days":7}`, "settings.err_day"},
		{`{"open_month":11,"open_day":1,"deadline_month":12,"deadline_day":15,"hour":23,"every_days":7}`, "settings.err_hour"},
		{`{"open_month":11,"open_day":1,"deadline_month":12,"deadline_day":15,"hour":8,"every_days":0}`, "settings.err_every"},
		{`{"open_month":11,"open_day":1}{}`, "settings.err_json"},
	} {
		_, err := residence.ParseResidenceSettings([]byte(c.json))
		fe, _ := err.(*core.FormError)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.json, err)
		case c.err != "" && (fe == nil || fe.MsgID != c.err):
			t.Errorf("%s: %v, want %s", c.json, err, c.err)
		}
	}
}
