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
