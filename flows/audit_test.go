package flows

import (
	"encoding/json"
	"strings"
	"testing"

	"chibo/storage"
)

func TestAudit_statusChangeRecordedWithBeforeAndAfter(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Võ Thị Lan", "Trần Thị Bình")
	h.wantText(h.say("sec", "/audit"), "vi", "audit.empty")
	h.inviteToken()
	h.say("sec", "/status")
	h.tap("sec", "Võ Thị Lan")
	h.tap("sec", "miễn công tác và sinh hoạt đảng")
	h.tap("sec", "Hôm nay")
	h.say("sec", "Tuổi cao, sức yếu")
	h.tap("sec", "Xác nhận")

	var entries []storage.AuditEntry
	_ = h.db.View(func(tx *storage.Tx) error {
		entries, _ = tx.AuditLog(10, nil)
		return nil
	})
	if len(entries) != 2 || entries[0].Action != "status_set" || entries[1].Action != "invite_create" {
		t.Fatalf("audit %+v", entries)
	}
	e := entries[0]
	lan, sec := h.member("vothilan"), h.member("sec")
	if e.ActorID != sec.ID || e.SubjectID != lan.ID || e.CellID != h.cell.ID || !e.At.Equal(h.now) {
		t.Fatalf("who/whom/when: %+v", e)
	}
	var before, after storage.Status
	if json.Unmarshal(e.Before, &before) != nil || json.Unmarshal(e.After, &after) != nil ||
		before.Kind != storage.StatusActive || after.Kind != storage.StatusExempt || after.Reason != "Tuổi cao, sức yếu" {
		t.Fatalf("before %s after %s", e.Before, e.After)
	}
	if strings.Contains(string(entries[1].After), "start=") {
		t.Fatal("the invite token was written to the audit log")
	}
	out := h.say("sec", "/audit")[0].Text
	if !strings.Contains(out, "Nguyễn Văn Bí Thư: cập nhật tình trạng sinh hoạt – Võ Thị Lan") {
		t.Fatalf("/audit shows:\n%s", out)
	}
	h.wantText(h.say("tranthibinh", "/audit"), "vi", "err.leaders_only")
}

func TestAudit_export(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Võ Thị Lan")
	h.say("sec", "/status")
	h.tap("sec", "Võ Thị Lan")
	h.tap("sec", "miễn công tác và sinh hoạt đảng")
	h.tap("sec", "Hôm nay")
	h.say("sec", "Tuổi cao")
	h.tap("sec", "Xác nhận")
	var docs []Document
	err := h.db.View(func(tx *storage.Tx) error {
		var err error
		docs, err = h.e.Export(tx, "vi", ExportRequest{What: ExportAudit, Format: FormatCSV, CellID: h.cell.ID})
		return err
	})
	if err != nil || len(docs) != 1 {
		t.Fatalf("export: %v %+v", err, docs)
	}
	csv := string(docs[0].Data)
	for _, want := range []string{"Nhật ký thay đổi – Chi bộ Thử", "Nguyễn Văn Bí Thư", "cập nhật tình trạng sinh hoạt", "Võ Thị Lan", `""kind"":""exempt""`} {
		if !strings.Contains(csv, want) {
			t.Errorf("audit CSV lacks %q:\n%s", want, csv)
		}
	}
	// In chat the secretary finds it among the exports.
	h.say("sec", "/export")
	h.tap("sec", "Nhật ký thay đổi (ai đã sửa gì)")
	out := h.tap("sec", "CSV")
	if len(out) == 0 || out[0].Document == nil || !strings.Contains(string(out[0].Document.Data), "Võ Thị Lan") {
		t.Fatalf("/export audit sent %+v", out)
	}
}
