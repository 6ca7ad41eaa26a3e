package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"chibo/bot/telegram/telegramtest"
	"chibo/bot/zalo/zalotest"
)

// waitZalo waits for a message to chat containing want.
func waitZalo(t *testing.T, fake *zalotest.Server, chat, want string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range fake.SentTo(chat) {
			if strings.Contains(s, want) {
				return s
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no Zalo message to %s containing %q; got %q", chat, want, fake.SentTo(chat))
	return ""
}

// One process serves Telegram and Zalo. Zalo failing at start does not stop
// Telegram; Zalo is retried and then served; /healthz shows each.
func TestServe_TelegramAndZalo(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.Options{Enforce: &telegramtest.Limits{}})
	za := zalotest.New("42:zalo-secret-token")
	defer za.Close()
	za.MaxPoll = 50 * time.Millisecond
	za.Fail("getMe", zalotest.Fault{Status: 502, HTML: true})
	db := filepath.Join(t.TempDir(), "chibo.db")
	listen := freeAddr(t)
	stop := served(t, tg, db, "ZALO_BOT_TOKEN", za.Token, "CHIBO_ZALO_API", za.URL, "CHIBO_LISTEN", listen)

	tg.PushText(501, 501, "/start")
	waitSent(t, tg, 501, "đường dẫn mời")
	za.Push(za.Text(zalotest.User{ID: "e4ea2cd5189df1c3a88c", Name: "Lê Thị B"}, "/start"))
	waitZalo(t, za, "e4ea2cd5189df1c3a88c", "mời")

	resp, err := http.Get("http://" + listen + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		OK         bool `json:"ok"`
		Transports map[string]struct {
			OK        bool   `json:"ok"`
			LastError string `json:"last_error"`
		} `json:"transports"`
	}
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if !h.Transports["telegram"].OK || !h.Transports["zalo"].OK || !strings.Contains(h.Transports["zalo"].LastError, "502") {
		t.Errorf("healthz %+v: want both transports up, Zalo's earlier failure shown", h)
	}
	resp, err = http.Get("http://" + listen + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := resp.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	resp.Body.Close()
	if !strings.Contains(body.String(), `chibo_transport_up{transport="zalo"} 1`) || !strings.Contains(body.String(), `chibo_transport_sends_total{result="sent",transport="telegram"} 1`) {
		t.Errorf("metrics lack the per-transport labels:\n%s", body.String())
	}
	code, logs := stop()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, logs)
	}
	if strings.Contains(logs, "zalo-secret-token") || strings.Contains(logs, tg.Token()) {
		t.Errorf("a token reached the logs:\n%s", logs)
	}
	if r := za.Refused(); len(r) != 0 {
		t.Errorf("the Zalo fake refused %q", r)
	}
}

// An invite made on the command line names the bot its token belongs to,
// and is refused when no bot is known (it used to name the demo's bot).
func TestAdmin_inviteNamesTheBot(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chibo.db")
	env := map[string]string{"CHIBO_DB": db}
	chibo(t, env, "", "admin", "create-org", "Đảng bộ xã Tân Phú")
	chibo(t, env, "", "admin", "create-cell", "--org", "1", "Chi bộ ấp 3")
	code, out, errs := chibo(t, env, "", "admin", "invite", "--cell", "1")
	if code != 1 || strings.Contains(out, "chibo_demo_bot") || !strings.Contains(errs, "TELEGRAM_BOT_TOKEN") {
		t.Fatalf("no bot known: exit %d, %q %q; want a refusal", code, out, errs)
	}

	tg := telegramtest.New(t, telegramtest.Options{})
	env["TELEGRAM_BOT_TOKEN"], env["CHIBO_TELEGRAM_API"] = tg.Token(), tg.URL()
	_, out, _ = chibo(t, env, "", "admin", "invite", "--cell", "1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[len(lines)-1], "https://t.me/chibo_test_bot?start=") || !codeLine.MatchString(out) {
		t.Errorf("with a Telegram token: %q; want the bot's own link last, and the code", out)
	}

	za := zalotest.New("42:zalo-secret-token")
	defer za.Close()
	env["ZALO_BOT_TOKEN"], env["CHIBO_ZALO_API"] = za.Token, za.URL
	_, out, errs = chibo(t, env, "", "admin", "invite", "--cell", "1", "--transport", "zalo")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if !codeOnly.MatchString(lines[len(lines)-1]) || !strings.Contains(out, "bot.ChiboFake") {
		t.Errorf("--transport zalo: %q %q; want the Zalo bot named and the code last", out, errs)
	}
}

var (
	codeOnly = regexp.MustCompile(`^[A-Z0-9]{3}-[A-Z0-9]{3}$`)
	codeLine = regexp.MustCompile(`\b[A-Z0-9]{3}-[A-Z0-9]{3}\b`)
)

// Zalo in webhook mode: chibo registers the webhook with its secret, takes
// the platform's posts on its own listener, and refuses a wrong secret.
func TestServe_ZaloWebhook(t *testing.T) {
	za := zalotest.New("42:zalo-secret-token")
	defer za.Close()
	listen := freeAddr(t)
	za.WebhookTarget = func(string) string { return "http://" + listen + "/zalo/hook" }
	db := filepath.Join(t.TempDir(), "chibo.db")
	env := map[string]string{
		"ZALO_BOT_TOKEN": za.Token, "CHIBO_ZALO_API": za.URL, "CHIBO_DB": db, "CHIBO_LISTEN": listen,
		"CHIBO_ZALO_WEBHOOK_URL": "https://chibo.example.org/zalo/hook", "CHIBO_ZALO_WEBHOOK_SECRET": "s3cret-webhook",
	}
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan int)
	go func() {
		done <- Main(ctx, nil, strings.NewReader(""), &logs, &logs, func(k string) string { return env[k] })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for za.Webhook() == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if za.Webhook() != "https://chibo.example.org/zalo/hook" {
		t.Fatalf("webhook %q not registered:\n%s", za.Webhook(), logs.String())
	}
	za.Wrapped = true // the documented form; the top-level one is the default
	za.PushSync(za.Text(zalotest.User{ID: "u1", Name: "A"}, "/start"))
	waitZalo(t, za, "u1", "mời")
	req, _ := http.NewRequest(http.MethodPost, "http://"+listen+"/zalo/hook", strings.NewReader(`{"event_name":"message.text.received"}`))
	req.Header.Set("X-Bot-Api-Secret-Token", "wrong-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong secret: %d, want 401", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d:\n%s", code, logs.String())
	}
	if strings.Contains(logs.String(), "zalo-secret-token") || strings.Contains(logs.String(), "s3cret-webhook") {
		t.Errorf("a secret reached the logs:\n%s", logs.String())
	}
}

// A messenger that restarts registers its commit hook again and removes the
// old one: hooks do not pile up.
func TestShared_commitHooksRemoved(t *testing.T) {
	sh := &shared{}
	calls := map[string]int{}
	removeA := sh.onCommit(func() { calls["a"]++ })
	sh.onCommit(func() { calls["b"]++ })
	sh.committed()
	removeA()
	sh.committed()
	if calls["a"] != 1 || calls["b"] != 2 || len(sh.hooks) != 1 {
		t.Fatalf("calls %v, hooks %d", calls, len(sh.hooks))
	}
}
