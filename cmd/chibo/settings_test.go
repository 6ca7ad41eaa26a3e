package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAdmin_settingsFiles(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CHIBO_DB": filepath.Join(dir, "chibo.db")}
	chibo(t, env, "", "admin", "create-org", "Đảng bộ xã Tân Phú")
	chibo(t, env, "", "admin", "create-cell", "--org", "1", "Chi bộ ấp 3")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	// The default template, named in both languages, ready to edit.
	code, out, errs := chibo(t, env, "", "admin", "quality-template", "--org", "1")
	if code != 0 || !strings.Contains(out, `"id": "prep"`) || !strings.Contains(out, `"vi": "Chuẩn bị`) || !strings.Contains(out, `"en":`) {
		t.Fatalf("print default: %d %q %q", code, out, errs)
	}
	bad := write("bad.json", `{"sections":[{"id":"prep","max":50,"label":{"vi":"Chuẩn bị","en":"Preparation"}},{"id":"att","max":40,"auto":"attendance","label":{"vi":"Dự họp","en":"Attendance"}}]}`)
	code, _, errs = chibo(t, env, "", "admin", "quality-template", "--org", "1", "--set", bad)
	if code != 1 || !strings.Contains(errs, "phải là 100 (hiện là 90)") {
		t.Fatalf("a template adding up to 90: %d %q", code, errs)
	}
	if _, out2, _ := chibo(t, env, "", "admin", "quality-template", "--org", "1"); out2 != out {
		t.Fatal("a refused template changed what is stored")
	}
	good := write("good.json", `{"sections":[{"id":"prep","max":20,"label":{"vi":"Chuẩn bị","en":"Preparation"}},{"id":"att","max":30,"auto":"attendance","label":{"vi":"Dự họp","en":"Attendance"}},{"id":"tu_phe_binh","max":50,"label":{"vi":"Tự phê bình và phê bình","en":"Criticism and self-criticism"}}]}`)
	if code, out, errs := chibo(t, env, "", "admin", "quality-template", "--org", "1", "--set", good); code != 0 || !strings.Contains(out, "Đã lưu") {
		t.Fatalf("a good template: %d %q %q", code, out, errs)
	}
	if _, out, _ := chibo(t, env, "", "admin", "quality-template", "--org", "1"); !strings.Contains(out, "Tự phê bình và phê bình") || strings.Contains(out, `"conduct"`) {
		t.Fatalf("stored template: %s", out)
	}

	// The residence comment round of a cell.
	code, out, _ = chibo(t, env, "", "admin", "residence-settings", "--cell", "1")
	if code != 0 || !strings.Contains(out, `"open_month": 11`) || !strings.Contains(out, `"deadline_day": 15`) {
		t.Fatalf("default round: %d %q", code, out)
	}
	late := write("late.json", `{"open_month":12,"open_day":20,"deadline_month":12,"deadline_day":1,"hour":8,"every_days":7}`)
	if code, _, errs := chibo(t, env, "", "admin", "residence-settings", "--cell", "1", "--set", late); code != 1 || !strings.Contains(errs, "Hạn chót phải sau ngày mở") {
		t.Fatalf("deadline before opening: %d %q", code, errs)
	}
	oct := write("oct.json", `{"open_month":10,"open_day":15,"deadline_month":11,"deadline_day":30,"hour":9,"every_days":5}`)
	if code, _, errs := chibo(t, env, "", "admin", "residence-settings", "--cell", "1", "--set", oct); code != 0 {
		t.Fatalf("a good round: %d %q", code, errs)
	}
	if _, out, _ := chibo(t, env, "", "admin", "residence-settings", "--cell", "1"); !strings.Contains(out, `"open_month": 10`) {
		t.Fatalf("stored round: %s", out)
	}
	if code, _, errs := chibo(t, env, "", "admin", "residence-settings", "--cell", "9"); code != 1 || !strings.Contains(errs, "Không có chi bộ 9") {
		t.Fatalf("unknown cell: %d %q", code, errs)
	}

	// The comment form: unknown fields and kinds are refused.
	code, out, _ = chibo(t, env, "", "admin", "residence-form", "--org", "1")
	if code != 0 || !strings.Contains(out, `"key": "overall"`) || !strings.Contains(out, `"levels"`) {
		t.Fatalf("default form: %d %q", code, out)
	}
	odd := write("odd.json", `{"fields":[{"key":"a","kind":"stars","label":{"vi":"A","en":"A"}}],"levels":[{"key":"x","label":{"vi":"X","en":"X"}},{"key":"y","label":{"vi":"Y","en":"Y"}}]}`)
	if code, _, errs := chibo(t, env, "", "admin", "residence-form", "--org", "1", "--set", odd); code != 1 || !strings.Contains(errs, "level hoặc text") {
		t.Fatalf("unknown kind: %d %q", code, errs)
	}
	extra := write("extra.json", `{"fields":[],"colour":"red"}`)
	if code, _, errs := chibo(t, env, "", "admin", "residence-form", "--org", "1", "--set", extra); code != 1 || !strings.Contains(errs, "JSON") {
		t.Fatalf("unknown field: %d %q", code, errs)
	}
}
