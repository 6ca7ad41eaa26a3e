package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chibo/storage"
)

// admin check agrees on a fresh database, and says in words what is wrong
// with an index row naming a cell that does not exist, exiting non-zero.
func TestAdminCheck_agreesAndReportsInWords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	env := map[string]string{"CHIBO_DB": path}
	if code, _, errs := chibo(t, env, "", "admin", "create-org", "Đảng bộ xã Tân Phú"); code != 0 {
		t.Fatalf("create-org: %s", errs)
	}
	if code, _, errs := chibo(t, env, "", "admin", "create-cell", "--org", "1", "Chi bộ ấp 1"); code != 0 {
		t.Fatalf("create-cell: %s", errs)
	}
	code, out, errs := chibo(t, env, "", "admin", "check")
	if code != 0 || !strings.Contains(out, "Chỉ mục việc đến hạn khớp với dữ liệu (đã kiểm tra 1 chi bộ).") {
		t.Fatalf("fresh database: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *storage.Tx) error { return tx.SetDue("meetings", 99, time.Now().Add(-time.Hour)) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs = chibo(t, env, "", "admin", "check")
	if code != 1 || !strings.Contains(out, "của chi bộ 99, nhưng chi bộ này không còn") || !strings.Contains(out, "lệch với dữ liệu ở 1 chỗ") {
		t.Fatalf("a row of a gone cell: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
