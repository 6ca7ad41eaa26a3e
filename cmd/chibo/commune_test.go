package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The operator assigns and lists the commune's roles on the demo's
// commune, is refused clearly on bad input (nothing changes), and writes
// the overview workbook; the demo shows the overview to the Party
// Committee's secretary and the followed cells to the committee member.
func TestCommune_commandLineAndDemo(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CHIBO_DB": filepath.Join(dir, "demo.db")}
	code, out, errs := chibo(t, env, "/as Thu\n/tongquan\n/as Tâm\n/phutrach\n/quit\n")
	if code != 0 {
		t.Fatalf("demo: %d %s", code, errs)
	}
	for _, want := range []string{"TỔNG QUAN Đảng bộ xã Tân Phú", "3. Chi bộ ấp Phú Thạnh", "⚠ Chưa có cấp ủy viên phụ trách", "CHI BỘ PHỤ TRÁCH – Đảng bộ xã Tân Phú", "2 chi bộ"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo lacks %q:\n%s", want, out)
		}
	}

	// Lợi (number 8) is no committee member: refused, nothing changes.
	code, _, errs = chibo(t, env, "", "admin", "commune", "--org", "1", "--member", "8", "--cell", "3", "phutrach")
	if code != 1 || !strings.Contains(errs, "chưa là cấp ủy viên") {
		t.Fatalf("following without a title: %d %q", code, errs)
	}
	code, _, errs = chibo(t, env, "", "admin", "commune", "--org", "1", "--member", "8", "nonsense")
	if code != 1 || !strings.Contains(errs, "chibo admin commune --org ID") {
		t.Fatalf("a bad verb: %d %q", code, errs)
	}
	for _, args := range [][]string{{"uyvien"}, {"--cell", "3", "phutrach"}} {
		code, out, errs = chibo(t, env, "", append([]string{"admin", "commune", "--org", "1", "--member", "8"}, args...)...)
		if code != 0 || out == "" {
			t.Fatalf("%v: %d %q %s", args, code, out, errs)
		}
	}
	code, out, _ = chibo(t, env, "", "admin", "commune", "--org", "1")
	if code != 0 || !strings.Contains(out, "Mai Văn Lợi (số 8) – Đảng ủy viên") || !strings.Contains(out, "phụ trách: Chi bộ ấp Phú Thạnh (3)") {
		t.Fatalf("the list: %d\n%s", code, out)
	}

	dest := filepath.Join(dir, "out")
	if err := os.Mkdir(dest, 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, errs = chibo(t, env, "", "export", "--org", "1", "--what", "overview", "--out", dest)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	files, _ := filepath.Glob(filepath.Join(dest, "tong-quan-*.xlsx"))
	if len(files) != 1 || !strings.Contains(out, files[0]) {
		t.Fatalf("written %v, said %q", files, out)
	}
	f, err := excelize.OpenFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Tổng quan", "A7"); v != "Chi bộ ấp Phú Thạnh" {
		t.Errorf("A7 = %q", v)
	}
	code, _, errs = chibo(t, env, "", "export", "--org", "1", "--what", "briefing", "--month", "2026-01")
	if code != 1 || !strings.Contains(errs, "Tháng 01/2026 không có buổi giao ban") {
		t.Fatalf("a month without a briefing: %d %q", code, errs)
	}
	code, _, errs = chibo(t, env, "", "export", "--org", "9", "--what", "overview")
	if code != 1 || !strings.Contains(errs, "Không có đảng bộ số 9") {
		t.Fatalf("an organization that does not exist: %d %q", code, errs)
	}
}
