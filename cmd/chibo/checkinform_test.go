package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAdmin_checkinForm(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CHIBO_DB": filepath.Join(dir, "chibo.db")}
	if code, _, errs := chibo(t, env, "", "admin", "create-org", "Đảng bộ xã Tân Phú"); code != 0 {
		t.Fatalf("create-org: %d %q", code, errs)
	}
	// Without a custom form, the default one is printed, in both languages, ready to edit.
	show := func() []map[string]any {
		t.Helper()
		code, out, errs := chibo(t, env, "", "admin", "checkin-form", "--org", "1")
		if code != 0 {
			t.Fatalf("print: %d %q", code, errs)
		}
		var form struct{ Fields []map[string]any }
		if err := json.Unmarshal([]byte(out), &form); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		return form.Fields
	}
	def := show()
	if len(def) != 9 || def[0]["key"] != "place" || def[8]["required"] != false {
		t.Fatalf("default form: %+v", def)
	}
	dues := def[7]["label"].(map[string]any)
	if !strings.Contains(dues["vi"].(string), "Đảng phí tháng {month}") || !strings.Contains(dues["en"].(string), "{month}") {
		t.Fatalf("dues question: %+v", dues)
	}

	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	q := func(key, kind, vi, en string) string {
		return `{"key": "` + key + `", "kind": "` + kind + `", "label": {"vi": "` + vi + `", "en": "` + en + `"}, "required": true}`
	}
	bad := []struct{ name, content, want string }{
		{"dup.json", `{"fields": [` + q("place", "place", "Ở đâu?", "Where?") + `, ` + q("place", "text", "Ở đâu?", "Where?") + `]}`,
			"Câu 2: mã «place» trùng với một câu trước."},
		{"kind.json", `{"fields": [` + q("born", "date", "Ngày sinh?", "Born?") + `]}`,
			"Câu 1 (born): không có loại «date». Các loại dùng được: place, yesno, text, phone, return, dues, note, choice."},
		{"en.json", `{"fields": [{"key": "job", "kind": "text", "label": {"vi": "Công việc?"}, "required": true}]}`,
			"Câu 1 (job): thiếu nội dung câu hỏi bằng ngôn ngữ «en» trong «label»."},
		{"broken.json", `{"fields": [`, "Tệp không đúng dạng JSON của mẫu báo cáo"},
	}
	for _, b := range bad {
		p := write(b.name, b.content)
		code, out, errs := chibo(t, env, "", "admin", "checkin-form", "--org", "1", "--set", p)
		if code == 0 || out != "" || !strings.Contains(errs, "chưa đúng nên chưa lưu gì") || !strings.Contains(errs, b.want) {
			t.Errorf("%s: %d %q %q", b.name, code, out, errs)
		}
	}
	if got := show(); len(got) != 9 {
		t.Fatalf("a refused form was stored: %+v", got)
	}
	// Errors in the operator's language.
	p := write("dup-en.json", bad[0].content)
	env["CHIBO_LANG"] = "en"
	if code, _, errs := chibo(t, env, "", "admin", "checkin-form", "--org", "1", "--set", p); code == 0 || !strings.Contains(errs, "Question 2: key «place» is used by an earlier question.") {
		t.Errorf("English: %d %q", code, errs)
	}
	delete(env, "CHIBO_LANG")

	good := write("good.json", `{"fields": [`+q("place", "place", "Đồng chí đang ở đâu?", "Where do you live?")+`,
	  {"key": "work", "kind": "choice", "label": {"vi": "Việc làm tháng {month}?", "en": "Work in {month}?"}, "required": false,
	   "choices": [{"value": "stable", "label": {"vi": "Ổn định", "en": "Steady"}}, {"value": "seeking", "label": {"vi": "Đang tìm việc", "en": "Looking"}}]}]}`)
	code, out, errs := chibo(t, env, "", "admin", "checkin-form", "--org", "1", "--set", good)
	if code != 0 || !strings.Contains(out, "Đã lưu mẫu báo cáo hằng tháng của Đảng bộ xã Tân Phú: 2 câu hỏi.") {
		t.Fatalf("set: %d %q %q", code, out, errs)
	}
	got := show()
	if len(got) != 2 || got[1]["kind"] != "choice" || got[1]["required"] != false || len(got[1]["choices"].([]any)) != 2 {
		t.Fatalf("stored form: %+v", got)
	}

	// A missing organization, or no --org: told, nothing done.
	if code, _, errs := chibo(t, env, "", "admin", "checkin-form", "--org", "9", "--set", good); code == 0 || !strings.Contains(errs, "Không có đảng bộ 9") {
		t.Errorf("missing org: %d %q", code, errs)
	}
	if code, _, errs := chibo(t, env, "", "admin", "checkin-form"); code == 0 || !strings.Contains(errs, "chibo admin checkin-form --org ID --set TỆP") {
		t.Errorf("no org: %d %q", code, errs)
	}
	if code, _, errs := chibo(t, env, "", "admin", "checkin-form", "--org", "1", "--set", filepath.Join(dir, "nothere.json")); code == 0 || !strings.Contains(errs, "Không đọc được tệp") {
		t.Errorf("missing file: %d %q", code, errs)
	}
}
