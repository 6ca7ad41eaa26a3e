package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestDemo_exportToldWhereWritten(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CHIBO_DB": filepath.Join(dir, "demo.db")}
	code, out, errs := chibo(t, env, "/export\n1\n1\n/quit\n")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m := regexp.MustCompile(`Tệp đã được ghi vào: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the demo does not say where the file went:\n%s", out)
	}
	if want := filepath.Join(dir, "chibo-demo-files"); filepath.Dir(m[1]) != want {
		t.Errorf("written to %s, want in %s", m[1], want)
	}
	f, err := excelize.OpenFile(m[1])
	if err != nil {
		t.Fatalf("the written file does not open: %v", err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Điểm danh cả năm", "A4"); v != "STT" {
		t.Errorf("A4 = %q", v)
	}
}

func TestExport_commandLine(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CHIBO_DB": filepath.Join(dir, "demo.db")}
	if code, _, errs := chibo(t, env, "/quit\n"); code != 0 { // seeds the demo cell
		t.Fatalf("seed: %s", errs)
	}
	dest := filepath.Join(dir, "out")
	if err := os.Mkdir(dest, 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, errs := chibo(t, env, "", "export", "--cell", "1", "--year", "2026", "--format", "csv", "--out", dest)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	path := filepath.Join(dest, "diem-danh-2026-chi-bo-ap-phu-hoa.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; output %q", err, out)
	}
	if !bytes.HasPrefix(data, []byte("\ufeff")) || !strings.Contains(out, path) {
		t.Errorf("CSV %q, output %q", data[:min(80, len(data))], out)
	}
	// Bad input: a cell that does not exist, a kind that does not exist.
	if code, _, errs := chibo(t, env, "", "export", "--cell", "99", "--out", dest); code != 1 || !strings.Contains(errs, "Không có chi bộ 99") {
		t.Errorf("unknown cell: %d %q", code, errs)
	}
	if code, _, errs := chibo(t, env, "", "export", "--cell", "1", "--what", "salaries", "--out", dest); code != 1 || !strings.Contains(errs, "Không có loại tệp này") {
		t.Errorf("unknown kind: %d %q", code, errs)
	}
	if code, _, errs := chibo(t, env, "", "export"); code != 1 || !strings.Contains(errs, "chibo export --cell ID") {
		t.Errorf("usage: %d %q", code, errs)
	}

	// While chibo serves, the serving process writes the same file.
	stop := serveConsole(t, env)
	file := filepath.Join(dir, "served.xlsx")
	code, out, errs = chibo(t, env, "", "export", "--cell", "1", "--out", file)
	if stop() != 0 {
		t.Error("chibo did not stop cleanly")
	}
	if code != 0 || !strings.Contains(out, file) {
		t.Fatalf("export while serving: %d %q %q", code, out, errs)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Điểm danh cả năm", "A2"); !strings.HasPrefix(v, "Chi bộ ấp Phú Hòa") {
		t.Errorf("A2 = %q", v)
	}
	// Who exported what is in the cell's audit log (issue 12), both times.
	code, _, errs = chibo(t, env, "", "export", "--cell", "1", "--what", "audit", "--format", "csv", "--out", filepath.Join(dir, "audit.csv"))
	log, err := os.ReadFile(filepath.Join(dir, "audit.csv"))
	if code != 0 || err != nil {
		t.Fatalf("audit export: %d %q %v", code, errs, err)
	}
	if n := strings.Count(string(log), "người quản trị máy chủ,xuất tệp,xuất tệp: Điểm danh cả năm"); n != 2 {
		t.Errorf("%d attendance exports in the audit log:\n%s", n, log)
	}
}

// Issue 17: the commune's files: the tasks its cells decided (recorded in
// the console demo and reported done), and its far-away groups.
func TestExport_organizationTasks(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CHIBO_DB": filepath.Join(dir, "demo.db")}
	script := "/tasks\n1\nVận động bà con làm đường giao thông nông thôn\nDung\n2\n1\n/as Dung\n/tasks\n2\n/quit\n"
	if code, out, errs := chibo(t, env, script); code != 0 || !strings.Contains(out, "đã hoàn thành") {
		t.Fatalf("demo: %d %s %s", code, out, errs)
	}
	dest := filepath.Join(dir, "out")
	if err := os.Mkdir(dest, 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, errs := chibo(t, env, "", "export", "--org", "1", "--what", "tasks", "--format", "csv", "--out", dest)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	matches, _ := filepath.Glob(filepath.Join(dest, "nhiem-vu-*.csv"))
	if len(matches) != 1 {
		t.Fatalf("files %v; output %q", matches, out)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "Vận động bà con làm đường giao thông nông thôn") || !strings.Contains(string(data), "Phạm Thị Dung") {
		t.Errorf("tasks CSV: %q", data)
	}
	if code, _, errs := chibo(t, env, "", "export", "--org", "1", "--what", "groups", "--out", dest); code != 0 {
		t.Errorf("groups: %d %q", code, errs)
	}
	if code, _, errs := chibo(t, env, "", "export", "--org", "99", "--what", "tasks", "--out", dest); code != 1 || !strings.Contains(errs, "Không có đảng bộ số 99") {
		t.Errorf("unknown organization: %d %q", code, errs)
	}
	if code, _, errs := chibo(t, env, "", "export", "--org", "1", "--cell", "1", "--out", dest); code != 1 || !strings.Contains(errs, "chibo export --org ID") {
		t.Errorf("both --org and --cell: %d %q", code, errs)
	}
}
