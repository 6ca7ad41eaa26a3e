package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The year rating's rule file is printed (the default, ready to edit),
// refused when bad (nothing stored changes) and stored when good; the
// year's workbook is written by `chibo export --org N --what year`.
func TestAdmin_ratingRulesAndYearExport(t *testing.T) {
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
	code, out, errs := chibo(t, env, "", "admin", "rating-rules", "--org", "1")
	if code != 0 || !strings.Contains(out, `"figure": "meetings_held"`) || !strings.Contains(out, `"vi": "Hoàn thành xuất sắc nhiệm vụ"`) {
		t.Fatalf("print default: %d %q %q", code, out, errs)
	}
	bad := write("bad.json", `{"criteria":[{"key":"meetings","label":{"vi":"Sinh hoạt tốt","en":"Good meetings"},"figures":[{"figure":"meetings","op":">=","value":10}]}],"levels":[{"key":"a","label":{"vi":"A","en":"A"}},{"key":"b","label":{"vi":"B","en":"B"}}]}`)
	code, _, errs = chibo(t, env, "", "admin", "rating-rules", "--org", "1", "--set", bad)
	if code != 1 || !strings.Contains(errs, `không có số liệu "meetings"`) {
		t.Fatalf("an unknown figure: %d %q", code, errs)
	}
	if _, again, _ := chibo(t, env, "", "admin", "rating-rules", "--org", "1"); again != out {
		t.Fatal("a refused rule file changed what is stored")
	}
	good := write("good.json", strings.Replace(string(mustRead(t, bad)), `"figure":"meetings"`, `"figure":"meetings_held"`, 1))
	if code, out, errs := chibo(t, env, "", "admin", "rating-rules", "--org", "1", "--set", good); code != 0 || !strings.Contains(out, "Đã lưu") {
		t.Fatalf("a good file: %d %q %q", code, out, errs)
	}
	if _, out, _ := chibo(t, env, "", "admin", "rating-rules", "--org", "1"); !strings.Contains(out, `"value": 10`) || strings.Contains(out, "attendance_pct") {
		t.Fatalf("stored rules: %s", out)
	}

	dest := filepath.Join(dir, "xep-loai.xlsx")
	code, out, errs = chibo(t, env, "", "export", "--org", "1", "--what", "year", "--year", "2025", "--out", dest)
	if code != 0 || !strings.Contains(out, dest) {
		t.Fatalf("export: %d %q %q", code, out, errs)
	}
	f, err := excelize.OpenFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[0] != "Căn cứ" || sheets[1] != "Xếp loại" {
		t.Fatalf("sheets %v", sheets)
	}
	code, _, errs = chibo(t, env, "", "export", "--org", "1", "--what", "year", "--year", "9999")
	if code != 1 || !strings.Contains(errs, "--what overview|briefing|year") {
		t.Fatalf("a year to come: %d %q", code, errs)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
