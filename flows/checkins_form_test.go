package flows

import (
	"chibo/flows/core"
	"chibo/flows/faraway"
	"errors"
	"strings"
	"testing"

	"chibo/storage"
)

const validForm = `{"fields": [
  {"key": "place", "kind": "place", "label": {"vi": "Đồng chí đang ở đâu?", "en": "Where do you live?"}, "required": true},
  {"key": "work", "kind": "choice", "label": {"vi": "Tình hình việc làm tháng {month}?", "en": "Your work in {month}?"}, "required": true,
   "choices": [{"value": "stable", "label": {"vi": "Ổn định", "en": "Steady"}}, {"value": "seeking", "label": {"vi": "Đang tìm việc", "en": "Looking for work"}}]},
  {"key": "phone", "kind": "phone", "label": {"vi": "Số điện thoại?", "en": "Phone number?"}, "required": true},
  {"key": "note", "kind": "note", "label": {"vi": "Tâm tư, nguyện vọng?", "en": "Thoughts?"}, "required": false}
]}`

func TestParseCheckinForm(t *testing.T) {
	tmpl, err := faraway.ParseCheckinForm([]byte(validForm))
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.Fields) != 4 || tmpl.Fields[1].Kind != "choice" || len(tmpl.Fields[1].Choices) != 2 || tmpl.Fields[3].Optional != true || tmpl.Fields[0].Optional {
		t.Fatalf("parsed %+v", tmpl)
	}
	field := func(f string) string { return `{"fields": [` + f + `]}` }
	ok := `"key": "a", "kind": "text", "label": {"vi": "Hỏi", "en": "Ask"}, "required": true`
	cases := []struct{ name, in, want string }{
		{"not json", `{"fields": [`, "ckform.err_json"},
		{"unknown field", field(`{` + ok + `, "colour": "red"}`), "ckform.err_json"},
		{"trailing data", field(`{`+ok+`}`) + `{}`, "ckform.err_json"},
		{"no fields", `{"fields": []}`, "ckform.err_fields"},
		{"bad key", field(`{"key": "Nơi ở", "kind": "text", "label": {"vi": "a", "en": "b"}, "required": true}`), "ckform.err_key"},
		{"duplicate key", field(`{` + ok + `}, {` + ok + `}`), "ckform.err_dup_key"},
		{"unknown kind", field(`{"key": "a", "kind": "date", "label": {"vi": "a", "en": "b"}, "required": true}`), "ckform.err_kind"},
		{"no english", field(`{"key": "a", "kind": "text", "label": {"vi": "Hỏi"}, "required": true}`), "ckform.err_label_missing"},
		{"blank vietnamese", field(`{"key": "a", "kind": "text", "label": {"vi": "  ", "en": "Ask"}, "required": true}`), "ckform.err_label_missing"},
		{"unknown language", field(`{"key": "a", "kind": "text", "label": {"vi": "Hỏi", "en": "Ask", "fr": "Demander"}, "required": true}`), "ckform.err_label_lang"},
		{"too long", field(`{"key": "a", "kind": "text", "label": {"vi": "` + strings.Repeat("ă", 301) + `", "en": "Ask"}, "required": true}`), "ckform.err_label_long"},
		{"required missing", field(`{"key": "a", "kind": "text", "label": {"vi": "Hỏi", "en": "Ask"}}`), "ckform.err_required"},
		{"one choice", field(`{"key": "a", "kind": "choice", "label": {"vi": "Hỏi", "en": "Ask"}, "required": true, "choices": [{"value": "x", "label": {"vi": "X", "en": "X"}}]}`), "ckform.err_choices_count"},
		{"choices on text", field(`{` + ok + `, "choices": [{"value": "x", "label": {"vi": "X", "en": "X"}}, {"value": "y", "label": {"vi": "Y", "en": "Y"}}]}`), "ckform.err_choices_kind"},
		{"repeated choice", field(`{"key": "a", "kind": "choice", "label": {"vi": "Hỏi", "en": "Ask"}, "required": true, "choices": [{"value": "x", "label": {"vi": "X", "en": "X"}}, {"value": "x", "label": {"vi": "Y", "en": "Y"}}]}`), "ckform.err_choice_value"},
		{"choice without english", field(`{"key": "a", "kind": "choice", "label": {"vi": "Hỏi", "en": "Ask"}, "required": true, "choices": [{"value": "x", "label": {"vi": "X", "en": "X"}}, {"value": "y", "label": {"vi": "Y"}}]}`), "ckform.err_choice_label_missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := faraway.ParseCheckinForm([]byte(c.in))
			var fe *core.FormError
			if !errors.As(err, &fe) || fe.MsgID != c.want {
				t.Fatalf("got %v, want %s", err, c.want)
			}
		})
	}
}

// A custom form with a choice question, answered in a check-in; the
// one-tap "same as last month" asks the form again when it gained a
// required question.
func TestCheckin_customFormWithChoice(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.markFar("dovanhung", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	tmpl, err := faraway.ParseCheckinForm([]byte(validForm))
	if err != nil {
		t.Fatal(err)
	}
	put := func(tmpl *storage.CheckinTemplate) {
		if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutCheckinTemplate(h.cell.OrgID, tmpl) }); err != nil {
			t.Fatal(err)
		}
	}
	put(&storage.CheckinTemplate{Fields: []storage.CheckinField{tmpl.Fields[0], tmpl.Fields[2]}})
	h.at(25, 3, 9, 0)
	h.say("dovanhung", "/checkin")
	h.tap("dovanhung", "Báo cáo ngay")
	if got := h.last("dovanhung").Text; !strings.Contains(got, "Câu 1/2\nĐồng chí đang ở đâu?") {
		t.Fatalf("custom question: %q", got)
	}
	h.say("dovanhung", "Dĩ An, Bình Dương")
	h.say("dovanhung", "0912345678")
	h.tap("dovanhung", "Gửi báo cáo")

	put(tmpl) // April: the form gained a required choice question
	h.at(25, 4, 9, 0)
	h.say("dovanhung", "/checkin")
	h.tap("dovanhung", "Như tháng trước")
	if got := h.last("dovanhung").Text; !strings.Contains(got, "Câu 1/4") {
		t.Fatalf("one tap with a new question should ask the form: %q", got)
	}
	h.tap("dovanhung", "Giữ nguyên: Dĩ An, Bình Dương")
	if got := h.last("dovanhung").Text; !strings.Contains(got, "Tình hình việc làm tháng 04/2026?") {
		t.Fatalf("month in a custom question: %q", got)
	}
	h.wantText(h.say("dovanhung", "ổn"), "vi", "err.choose_option") // text where a choice is expected
	h.tap("dovanhung", "Đang tìm việc")
	h.tap("dovanhung", "Giữ nguyên: 0912345678")
	h.tap("dovanhung", "Không có")
	if got := h.last("dovanhung").Text; !strings.Contains(got, "• Tình hình việc làm tháng 04/2026?: Đang tìm việc") {
		t.Fatalf("review: %q", got)
	}
	h.tap("dovanhung", "Gửi báo cáo")
	if ck := h.checkin("dovanhung", "2026-04"); ck == nil || ck.Answers["work"] != "seeking" || ck.Same {
		t.Fatalf("stored %+v", ck)
	}
}
