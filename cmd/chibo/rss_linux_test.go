package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"chibo/bot/telegram/telegramtest"
)

// TestBinary_residentAtFirstPoll measures the built binary's resident
// memory when it starts serving a given file (issue 15: 150 MB at province
// size): it answers a /help pushed before the start, and the memory is read
// from /proc when the answer arrives, with the peak of the start. It runs
// only when asked, on a file made by the province generator:
//
//	go test ./flows -run '^$' -bench 'Province/year200' -benchtime 1x \
//	    -province.cells=500 -province.big=5 -province.keep=/tmp/province.db
//	CHIBO_RSS_DB=/tmp/province.db go test ./cmd/chibo -run residentAtFirstPoll -v
//
// CHIBO_RSS_BIN runs another build (an older release) instead of this one.
// CHIBO_RSS_INPLACE=1 serves the file itself instead of a copy: run twice,
// the second run measures a start whose first look at every cell (a
// generated or migrated file) was done by the first.
func TestBinary_residentAtFirstPoll(t *testing.T) {
	src := os.Getenv("CHIBO_RSS_DB")
	if src == "" {
		t.Skip("CHIBO_RSS_DB names no generated file")
	}
	dir := t.TempDir()
	bin := os.Getenv("CHIBO_RSS_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "chibo")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	db := filepath.Join(dir, "chibo.db")
	if os.Getenv("CHIBO_RSS_INPLACE") != "" {
		db = src // a second run on the same file: the start after the first, whose look at every cell is done
	} else {
		copyFile(t, src, db)
	}
	// Update ids after any an earlier run on the same file saw.
	fake := telegramtest.New(t, telegramtest.Options{FirstUpdateID: int(time.Now().Unix())})
	fake.PushText(1_005_005, 1_005_005, "/help") // a plain member of the first small cell (with -province.big=5)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN="+fake.Token(), "CHIBO_TELEGRAM_API="+fake.URL(), "CHIBO_DB="+db)
	var logs strings.Builder
	cmd.Stderr, cmd.Stdout = &logs, &logs
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	peak := 0
	for len(fake.Delivered()) == 0 {
		if time.Since(began) > 10*time.Minute {
			cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, in the log
			cmd.Wait()
			t.Fatalf("no answer after 10 minutes:\n%s", logs.String())
		}
		peak = max(peak, statusKB(t, cmd.Process.Pid, "VmRSS"))
		time.Sleep(20 * time.Millisecond)
	}
	served := time.Since(began)
	pid := cmd.Process.Pid
	firstPoll := time.Duration(0)
	if polls := fake.Calls("getUpdates"); len(polls) > 0 {
		firstPoll = polls[0].At.Sub(began)
	}
	t.Logf("first getUpdates %s and answered %s after the start; at that moment VmRSS %d MB (anonymous %d MB, file %d MB), peak during the start %d MB (VmHWM %d MB)",
		firstPoll.Round(time.Millisecond), served.Round(time.Millisecond), statusKB(t, pid, "VmRSS")>>10, statusKB(t, pid, "RssAnon")>>10, statusKB(t, pid, "RssFile")>>10,
		peak>>10, statusKB(t, pid, "VmHWM")>>10)
	// Serving, steady: after the start's background look at every cell, with
	// one more update answered. A measurement, not an assertion.
	time.Sleep(30 * time.Second)
	fake.PushText(1_005_005, 1_005_005, "/me")
	for len(fake.Delivered()) < 2 && time.Since(began) < 11*time.Minute {
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("30 s later, one more update answered: VmRSS %d MB (anonymous %d MB, file %d MB), VmHWM %d MB",
		statusKB(t, pid, "VmRSS")>>10, statusKB(t, pid, "RssAnon")>>10, statusKB(t, pid, "RssFile")>>10, statusKB(t, pid, "VmHWM")>>10)
	// Stopped as an operator stops it, so that a second run in place
	// measures a start after a clean stop, not after a crash.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
}

// statusKB reads a field of /proc/<pid>/status, in kB.
func statusKB(t *testing.T, pid int, field string) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
