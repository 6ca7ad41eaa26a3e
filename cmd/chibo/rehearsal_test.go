package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chibo/bot/telegram/telegramtest"
)

func TestParseClockOffset(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, true},
		{"+24d", 24 * 24 * time.Hour, true},
		{"-3h", -3 * time.Hour, true},
		{"+1d12h30m", 36*time.Hour + 30*time.Minute, true},
		{"24d", 0, false}, // a sign says which way
		{"+", 0, false},
		{"+3w", 0, false},
		{"+1.5d", 0, false},
		{"+99999d", 0, false},
	} {
		got, err := parseClockOffset(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseClockOffset(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestClockOffset_refusedWithWebhookAndBadValue(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chibo.db")
	code, _, errs := chibo(t, map[string]string{"CHIBO_DB": db, "TELEGRAM_BOT_TOKEN": "1:x", "CHIBO_CLOCK_OFFSET": "+24d",
		"CHIBO_WEBHOOK_URL": "https://example.org/hook", "CHIBO_WEBHOOK_SECRET": "s"}, "")
	if code != 2 || !strings.Contains(errs, "CHIBO_CLOCK_OFFSET chỉ dùng để diễn tập") {
		t.Fatalf("offset with a webhook: exit %d, %q", code, errs)
	}
	code, _, errs = chibo(t, map[string]string{"CHIBO_DB": db, "CHIBO_CLOCK_OFFSET": "tomorrow"}, "")
	if code != 2 || !strings.Contains(errs, `CHIBO_CLOCK_OFFSET (--clock-offset) "tomorrow" không hợp lệ`) {
		t.Fatalf("a bad offset: exit %d, %q", code, errs)
	}
}

// TestClockOffset_telegramRunsOnTheShiftedClock: an invite made today for 14
// days has expired for a chibo rehearsing 30 days ahead, and is still good
// for one on the real clock; the start is logged as a warning.
func TestClockOffset_telegramRunsOnTheShiftedClock(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db := filepath.Join(t.TempDir(), "chibo.db")
	env := map[string]string{"CHIBO_DB": db, "CHIBO_BOT_USERNAME": "chibo_test_bot"}
	chibo(t, env, "", "admin", "create-org", "Đảng bộ xã Tân Phú")
	chibo(t, env, "", "admin", "create-cell", "--org", "1", "Chi bộ ấp 3")
	invite := func() string {
		_, out, _ := chibo(t, env, "", "admin", "invite", "--cell", "1", "--days", "14")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		_, tok, _ := strings.Cut(lines[len(lines)-1], "?start=")
		return tok
	}

	// Both invites are made before chibo serves (the command line would
	// otherwise race its start for the database).
	expired, good := invite(), invite()
	stop := served(t, fake, db, "CHIBO_CLOCK_OFFSET", "+30d")
	fake.PushText(700, 700, "/start "+expired)
	waitSent(t, fake, 700, "Đường dẫn mời này đã hết hạn")
	code, logs := stop()
	if code != 0 || !strings.Contains(logs, "rehearsal clock") || !strings.Contains(logs, "offset=720h0m0s") {
		t.Fatalf("exit %d; the shifted clock is not logged:\n%s", code, logs)
	}

	stop = served(t, fake, db)
	fake.PushText(701, 701, "/start "+good)
	waitSent(t, fake, 701, "gõ họ và tên đầy đủ")
	if code, logs := stop(); code != 0 || strings.Contains(logs, "rehearsal clock") {
		t.Fatalf("exit %d on the real clock:\n%s", code, logs)
	}
}

// TestCLI_helpAndMissingDatabaseTouchNoFile: help creates no database, and
// a command on a mistyped path says which file it looked for instead of
// creating an empty one and printing nothing.
func TestCLI_helpAndMissingDatabaseTouchNoFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "chibo.db")
	for _, args := range [][]string{{"admin", "--help"}, {"export", "-h"}, {"admin", "list", "--help"}} {
		code, out, _ := chibo(t, map[string]string{"CHIBO_DB": db}, "", args...)
		if code != 0 || !strings.Contains(out, "Cách dùng:") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	for _, args := range [][]string{{"admin", "list"}, {"admin", "invite", "--cell", "1"}, {"export", "--cell", "1"}, {"backup", filepath.Join(dir, "b.db")}} {
		code, _, errs := chibo(t, map[string]string{"CHIBO_DB": db}, "", args...)
		if code != 1 || !strings.Contains(errs, "Không tìm thấy tệp dữ liệu "+db) {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files were created: %v", entries)
	}
	// The first organization creates the file.
	if code, out, errs := chibo(t, map[string]string{"CHIBO_DB": db}, "", "admin", "create-org", "Đảng bộ xã Tân Phú"); code != 0 {
		t.Fatalf("create-org: exit %d, %q %q", code, out, errs)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatal(err)
	}
}
