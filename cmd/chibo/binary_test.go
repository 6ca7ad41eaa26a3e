package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram/telegramtest"
	"chibo/storage"
)

// TestBinary_killedUnderFloodLosesNothing runs the built binary against the
// strict fake Bot API as an operator would, kills it with SIGKILL in the
// middle of a flood of updates, starts it again and checks that every update
// was answered, and answered once (but for the few sends that were in flight
// at the kill, which the outbox design allows to repeat).
func TestBinary_killedUnderFloodLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "chibo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fake := telegramtest.New(t, telegramtest.Options{Enforce: &telegramtest.Limits{}})
	const chats = 150
	for i := range chats {
		fake.PushText(int64(20000+i), int64(20000+i), "/help")
	}
	// Malformed and unusual input along the way.
	fake.PushText(30001, 30001, strings.Repeat("ư", 5000))
	fake.PushMessage(30002, 30002, map[string]any{"sticker": map[string]any{"file_id": "x", "file_unique_id": "y", "type": "regular", "width": 1, "height": 1, "is_animated": false, "is_video": false}})
	fake.PushText(30003, 30003, "/start %%%")

	start := func() *exec.Cmd {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN="+fake.Token(), "CHIBO_TELEGRAM_API="+fake.URL(), "CHIBO_DB="+filepath.Join(dir, "chibo.db"))
		var logs strings.Builder
		cmd.Stderr, cmd.Stdout = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			if strings.Contains(logs.String(), fake.Token()) {
				t.Error("the token reached the logs")
			}
		})
		return cmd
	}
	replies := func() map[int64]int {
		n := map[int64]int{}
		for _, c := range fake.Delivered() {
			if c.Method == "sendMessage" {
				n[c.Chat()]++
			}
		}
		return n
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (%d chats answered)", what, len(replies()))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	cmd := start()
	waitFor("a third of the replies", func() bool { return len(replies()) >= chats/3 })
	if err := cmd.Process.Kill(); err != nil { // SIGKILL mid-flood
		t.Fatal(err)
	}
	cmd.Wait()

	cmd = start()
	waitFor("every chat answered", func() bool { return len(replies()) >= chats+2 })
	waitFor("every update confirmed", func() bool { return fake.Pending() == 0 })
	time.Sleep(2 * time.Second) // anything sent twice would arrive now
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}

	twice := 0
	for chat, n := range replies() {
		if n > 1 {
			twice++
			t.Logf("chat %d answered %d times", chat, n)
		}
	}
	// Only the sends in flight at the kill can repeat.
	if twice > bot.DefaultConcurrency {
		t.Errorf("%d chats were answered more than once", twice)
	}
	if fake.RateLimited() != 0 {
		t.Errorf("%d sends over Telegram's limits", fake.RateLimited())
	}
	for _, c := range fake.Calls("sendMessage") {
		if !c.OK() && !c.RateLimited {
			t.Errorf("Telegram refused a message: %d %s", c.Code, c.Description)
		}
	}
	// The file the kill left (no free-page list since its last stop), as
	// the restart mended it and the stop closed it, passes bbolt's check:
	// no page both used and free.
	if _, err := storage.Check(filepath.Join(dir, "chibo.db")); err != nil {
		t.Fatal(err)
	}
}
