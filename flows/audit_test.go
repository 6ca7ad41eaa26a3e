package flows

import (
	"chibo/flows/core"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
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
	if !strings.Contains(out, "Đồng chí Nguyễn Văn Bí Thư: tình trạng sinh hoạt của Võ Thị Lan – đang sinh hoạt → miễn công tác và sinh hoạt đảng") {
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
	var docs []chat.Document
	err := h.db.View(func(tx *storage.Tx) error {
		var err error
		docs, err = h.e.Export(tx, "vi", core.ExportRequest{What: core.ExportAudit, Format: core.FormatCSV, CellID: h.cell.ID})
		return err
	})
	if err != nil || len(docs) != 1 {
		t.Fatalf("export: %v %+v", err, docs)
	}
	csv := string(docs[0].Data)
	for _, want := range []string{"Nhật ký thay đổi – Chi bộ Thử", "Nguyễn Văn Bí Thư", "cập nhật tình trạng sinh hoạt", "tình trạng sinh hoạt của Võ Thị Lan,đang sinh hoạt,miễn công tác và sinh hoạt đảng"} {
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
	// Who exported what is itself in the log.
	h.wantContains(h.say("sec", "/audit"), "Đồng chí Nguyễn Văn Bí Thư: xuất tệp: Nhật ký thay đổi (ai đã sửa gì) – CSV")
}

// The audit log is for people (issue 12): entries stored by the previous
// release (raw JSON, codes, UTC) and kinds this version does not know are
// shown in words, in the reader's language and the cell's local time.
func TestAudit_readableInReadersLanguageAndLocalTime(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Phạm Thị Dung")
	dung, sec := h.member("phamthidung"), h.member("sec")
	at := time.Date(2026, 12, 20, 12, 35, 50, 0, time.UTC) // 19:35 in Hồ Chí Minh City
	entries := []storage.AuditEntry{
		{At: at, ActorID: sec.ID, CellID: h.cell.ID, Action: "roll_set", SubjectID: dung.ID,
			After: json.RawMessage(`{"mark":"absent","marked_by":1,"marked_at":"2026-12-20T12:35:50.87Z"}`)},
		{At: at, ActorID: sec.ID, CellID: h.cell.ID, Action: "excuse_decide", SubjectID: dung.ID,
			Before: json.RawMessage(`"accepted"`), After: json.RawMessage(`"rejected"`)},
		{At: at, ActorID: sec.ID, CellID: h.cell.ID, Action: "some_future_kind", SubjectID: dung.ID,
			After: json.RawMessage(`{"secret_key":"raw"}`)},
		{At: at, CellID: h.cell.ID, Action: "rules_file", After: json.RawMessage(`{"file":"residence-form","rules":{"fields":[]}}`)},
	}
	err := h.db.Update(func(tx *storage.Tx) error {
		for i := range entries {
			if err := tx.AppendAudit(&entries[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := h.say("sec", "/audit")[0].Text
	for _, want := range []string{
		"20/12/2026 19:35 – Đồng chí Nguyễn Văn Bí Thư: điểm danh Phạm Thị Dung – vắng mặt",
		"20/12/2026 19:35 – Đồng chí Nguyễn Văn Bí Thư: lý do vắng mặt của Phạm Thị Dung – đã chấp nhận → không chấp nhận",
		"20/12/2026 19:35 – Đồng chí Nguyễn Văn Bí Thư: một thay đổi khác liên quan đến Phạm Thị Dung",
		"20/12/2026 19:35 – người quản trị máy chủ: lưu tệp quy định: mẫu phiếu nhận xét đảng viên nơi cư trú",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/audit lacks %q:\n%s", want, out)
		}
	}
	for _, lang := range []string{"vi", "en"} {
		var docs []chat.Document
		err := h.db.View(func(tx *storage.Tx) error {
			var err error
			docs, err = h.e.Export(tx, lang, core.ExportRequest{What: core.ExportAudit, Format: core.FormatCSV, CellID: h.cell.ID})
			return err
		})
		if err != nil || len(docs) != 1 {
			t.Fatalf("export: %v %+v", err, docs)
		}
		csv := string(docs[0].Data)
		for _, raw := range []string{"{", "marked_by", "secret_key", "some_future_kind", "fields", "12:35", "2026-12-20"} {
			if strings.Contains(csv, raw) {
				t.Errorf("%s audit CSV shows %q:\n%s", lang, raw, csv)
			}
		}
		want := map[string]string{"vi": "Đồng chí Nguyễn Văn Bí Thư,quyết định lý do vắng mặt,lý do vắng mặt của Phạm Thị Dung,đã chấp nhận,không chấp nhận",
			"en": "Nguyễn Văn Bí Thư,decided on a reason for absence,absence reason of Phạm Thị Dung,accepted,not accepted"}[lang]
		if !strings.Contains(csv, "20/12/2026 19:35") || !strings.Contains(csv, want) {
			t.Errorf("%s audit CSV lacks %q:\n%s", lang, want, csv)
		}
	}
}

// Every action the code audits has words for people (issue 12): a kind
// added without a renderer would read as "another change". The kinds are
// read from the source: c.Audit("kind", …), c.AuditMeeting("kind", …) and
// AuditEntry{… Action: "kind" …} in flows and cmd.
func TestAudit_everyKindHasWords(t *testing.T) {
	re := regexp.MustCompile(`(?:\.Audit\(|\.AuditMeeting\(|AuditEntry\{[^}]*Action: )"([a-z_]+)"`)
	files, _ := filepath.Glob("*.go")
	sub, _ := filepath.Glob("*/*.go")
	more, _ := filepath.Glob("../cmd/chibo/*.go")
	more = append(more, sub...)
	seen := map[string]bool{}
	for _, f := range append(files, more...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
		}
	}
	if len(seen) < 10 {
		t.Fatalf("found only %v: the pattern no longer matches the code", seen)
	}
	e := newHarness(t).e
	for kind := range seen {
		if !e.HasAuditWords(kind) {
			t.Errorf("audited kind %q has no words registered by its journey (Engine.AuditWords)", kind)
		}
		if _, ok := core.AuditActions[kind]; !ok {
			t.Errorf("audited kind %q has no entry in auditActions (flows/audit.go)", kind)
		}
	}
}
