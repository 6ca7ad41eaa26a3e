package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"chibo/bot/telegram/telegramtest"
)

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// get fetches url and returns the status and body ("" while nothing listens).
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// metricValue is the value of the sample named exactly name (with its
// labels, as Prometheus prints them), or -1 when absent.
func metricValue(body, name string) float64 {
	for line := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// TestTelegram_metricsMoveWithUpdates serves Telegram (polling) with the
// health listener, pushes updates through the fake Bot API and reads
// /metrics before and after, as curl would.
func TestTelegram_metricsMoveWithUpdates(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	dir := t.TempDir()
	addr := freeAddr(t)
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN":  fake.Token(),
		"CHIBO_TELEGRAM_API":  fake.URL(),
		"CHIBO_DB":            filepath.Join(dir, "chibo.db"),
		"CHIBO_HEALTH_LISTEN": addr,
		"CHIBO_BACKUP_DIR":    filepath.Join(dir, "backups"),
		"CHIBO_LOG_FORMAT":    "json",
	}
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, nil, strings.NewReader(""), &logs, &logs, func(k string) string { return env[k] })
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit %d:\n%s", code, logs.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("chibo did not stop")
		}
		// Logs carry ids: not the token, nor names and text people typed.
		for _, secret := range []string{fake.Token(), "Tân Phú", "0912345678"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("%q reached the logs:\n%s", secret, logs.String())
			}
		}
	}()

	metricsURL := "http://" + addr + "/metrics"
	var before string
	for deadline := time.Now().Add(10 * time.Second); ; {
		code, body := get(t, metricsURL)
		if code == http.StatusOK {
			before = body
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics not served: %d\n%s", code, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, name := range []string{
		`chibo_updates_total{result="ok"}`, `chibo_sends_total{result="sent"}`, `chibo_sends_total{result="blocked"}`,
		`chibo_update_handling_seconds_count`, `chibo_outbox_pending`, `chibo_outbox_oldest_pending_seconds`,
		`chibo_conversations_in_progress`, `chibo_reminders_due_total`, `chibo_reminders_sent_total`,
	} {
		if metricValue(before, name) != 0 {
			t.Errorf("%s before any update: %v", name, metricValue(before, name))
		}
	}

	// Three strangers write; each gets an answer. The third types a name and
	// a phone number, which must not reach the logs.
	for _, chat := range []int64{501, 502} {
		fake.PushText(chat, chat, "/start")
	}
	fake.PushText(503, 503, "Nguyễn Văn Bảy 0912345678")
	waitSent(t, fake, 501, "đường dẫn mời")
	waitSent(t, fake, 502, "đường dẫn mời")
	waitSent(t, fake, 503, "/help")
	// The sender marks a row sent just after the fake got it: wait for that.
	var after string
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, after = get(t, metricsURL)
		if metricValue(after, `chibo_sends_total{result="sent"}`) >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := metricValue(after, `chibo_updates_total{result="ok"}`); got != 3 {
		t.Errorf("updates handled: %v, want 3", got)
	}
	if got := metricValue(after, `chibo_update_handling_seconds_count`); got != 3 {
		t.Errorf("latency observations: %v, want 3", got)
	}
	if got := metricValue(after, `chibo_sends_total{result="sent"}`); got != 3 {
		t.Errorf("sends: %v, want 3", got)
	}
	if strings.Contains(after, fake.Token()) {
		t.Error("the token is in /metrics")
	}

	// /healthz: the poll loop answered and the database takes writes.
	var health struct {
		OK         bool   `json:"ok"`
		Mode       string `json:"mode"`
		DBWritable bool   `json:"db_writable"`
		LastPoll   string `json:"last_poll"`
	}
	code, body := get(t, "http://"+addr+"/healthz")
	if err := json.Unmarshal([]byte(body), &health); err != nil || code != http.StatusOK || !health.OK || !health.DBWritable || health.Mode != "poll" || health.LastPoll == "" {
		t.Errorf("/healthz: %d %s (%v)", code, body, err)
	}

	// The operator's commands reach the running process.
	if code, out, errs := chibo(t, map[string]string{"CHIBO_DB": env["CHIBO_DB"]}, "", "admin", "create-org", "Đảng bộ xã Tân Phú"); code != 0 || !strings.Contains(out, "Đảng bộ xã Tân Phú") {
		t.Errorf("admin while serving Telegram: %d %q %q", code, out, errs)
	}
	// A scheduled backup was taken at start (the directory was empty).
	if m, _ := filepath.Glob(filepath.Join(env["CHIBO_BACKUP_DIR"], "chibo-*.db")); len(m) != 1 {
		entries, _ := os.ReadDir(env["CHIBO_BACKUP_DIR"])
		t.Errorf("backups: %v", entries)
	}
}
