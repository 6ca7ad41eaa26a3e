package zalo_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"chibo/bot"
	"chibo/bot/zalo"
	"chibo/bot/zalo/zalotest"
	"chibo/flows/chat"
	"chibo/storage"
)

const token = "123456789:abc-xyz_SECRET"

func mustOpenDB(tb testing.TB) *storage.DB {
	tb.Helper()
	db, err := storage.Open(filepath.Join(tb.TempDir(), "chibo.db"), storage.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustZalo(tb testing.TB, fake *zalotest.Server, cfg zalo.Config) *zalo.Zalo {
	tb.Helper()
	cfg.Token = fake.Token
	cfg.APIBase = fake.URL
	if cfg.PollTimeout == 0 {
		cfg.PollTimeout = time.Second
	}
	if cfg.Pace == (zalo.Pace{}) {
		cfg.Pace = zalo.Pace{PerSecond: 1000, ChatInterval: time.Microsecond}
	}
	z, err := zalo.New(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return z
}

func newFake(tb testing.TB) *zalotest.Server {
	fake := zalotest.New(token)
	fake.MaxPoll = 20 * time.Millisecond
	tb.Cleanup(fake.Close)
	return fake
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// recorder is a handler that keeps the events it was given.
type recorder struct {
	mu  sync.Mutex
	evs []chat.Event
}

func (r *recorder) Handle(_ *storage.Tx, ev chat.Event) ([]chat.Message, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	return nil, nil
}

func (r *recorder) InternalError(chat.Event) []chat.Message { return nil }

func (r *recorder) events() []chat.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]chat.Event(nil), r.evs...)
}

func TestSplitText(t *testing.T) {
	para := strings.Repeat("a", 1500)
	cases := []struct {
		name string
		in   string
		want []int // rune lengths of the parts
	}{
		{"fits", strings.Repeat("ă", 2000), []int{2000}},
		{"2001 characters, no space", strings.Repeat("ă", 2001), []int{2000, 1}},
		{"paragraph first", para + "\n\n" + strings.Repeat("b ", 200) + "\n" + strings.Repeat("c", 600), []int{1500, 1001}},
		{"line then word", strings.Repeat("w ", 999) + "x\n" + strings.Repeat("y", 50), []int{1999, 50}},
		// "ă" decomposed is two code points: after NFC, one character.
		{"decomposed diacritics", strings.Repeat("a\u0306", 2000), []int{2000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parts := zalo.SplitText(c.in, zalo.MaxText)
			var got []int
			for _, p := range parts {
				got = append(got, utf8.RuneCountInString(p))
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("part lengths %v, want %v", got, c.want)
			}
		})
	}
}

func TestZalo_Send(t *testing.T) {
	fake := newFake(t)
	z := mustZalo(t, fake, zalo.Config{})
	m := chat.Message{Transport: zalo.Name, Chat: "6ede9afa66b88fe6d6a9", Text: "Đồng chí có dự họp không?",
		Buttons: [][]chat.Button{{{Label: "Có", Data: "c:1:y"}, {Label: "Không", Data: "c:1:n"}}}, RequestLocation: "Gửi vị trí"}
	if err := z.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := fake.SentTo(m.Chat)
	want := "Đồng chí có dự họp không?\n\n1. Có\n2. Không"
	if len(got) != 1 || got[0] != want {
		t.Errorf("sent %q, want %q (numbered options, no location button)", got, want)
	}

	numbered := chat.Message{Transport: zalo.Name, Chat: "c3", Text: "Cuộc họp", Buttons: [][]chat.Button{{{Label: "1. Họp ngày 03/03", Data: "a"}}, {{Label: "Thêm cuộc họp khác", Data: "b"}}}}
	if err := z.Send(context.Background(), numbered); err != nil {
		t.Fatal(err)
	}
	if got := fake.SentTo("c3"); len(got) != 1 || got[0] != "Cuộc họp\n\n1. Họp ngày 03/03\n2. Thêm cuộc họp khác" {
		t.Errorf("labels that number themselves: %q", got)
	}

	long := chat.Message{Transport: zalo.Name, Chat: "c2", Text: strings.Repeat("dòng\n", 500)}
	var parts []int
	long.OnPart = func(n int) { parts = append(parts, n) }
	if err := z.Send(context.Background(), long); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.SentTo("c2")); n != 2 || fmt.Sprint(parts) != "[1]" {
		t.Errorf("a 2,500-character text went in %d parts (reported %v), want 2 parts", n, parts)
	}
	if r := fake.Refused(); len(r) != 0 {
		t.Errorf("the fake refused %q", r)
	}
}

func TestZalo_SendFaults(t *testing.T) {
	fake := newFake(t)
	z := mustZalo(t, fake, zalo.Config{})
	m := chat.Message{Transport: zalo.Name, Chat: "c1", Text: "x"}
	fake.Fail("sendMessage", zalotest.Fault{Status: 429, RetryAfter: 7}, zalotest.Fault{Status: 502, HTML: true}, zalotest.Fault{Status: 401})
	checks := []struct {
		outcome bot.SendOutcome
		retry   time.Duration
	}{{bot.SendRetry, 7 * time.Second}, {bot.SendRetry, 0}, {bot.SendRetry, 0}}
	for i, c := range checks {
		err := z.Send(context.Background(), m)
		se, ok := err.(*bot.SendError)
		if !ok || se.Outcome != c.outcome || se.RetryAfter != c.retry {
			t.Errorf("fault %d: %v, want outcome %d retry %v", i, err, c.outcome, c.retry)
		}
		if err != nil && strings.Contains(err.Error(), token) {
			t.Errorf("fault %d: the token is in %q", i, err)
		}
	}
	empty := chat.Message{Transport: zalo.Name, Chat: "c1", Text: "  "}
	if se, ok := z.Send(context.Background(), empty).(*bot.SendError); !ok || se.Outcome != bot.SendPermanent {
		t.Errorf("an empty message: %v, want a permanent failure", se)
	}
}

func TestZalo_NoTokenInErrors(t *testing.T) {
	fake := newFake(t)
	z := mustZalo(t, fake, zalo.Config{})
	fake.Close()
	err := z.Send(context.Background(), chat.Message{Chat: "c1", Text: "x"})
	if err == nil || strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "abc-xyz") {
		t.Errorf("error %v: want a network error without the token", err)
	}
	if _, err := zalo.New(context.Background(), zalo.Config{Token: "1:wrong", APIBase: newFake(t).URL}); err == nil || strings.Contains(err.Error(), "1:wrong") || !strings.Contains(err.Error(), "ZALO_BOT_TOKEN") {
		t.Errorf("a refused token: %v", err)
	}
}

func TestZalo_Poll(t *testing.T) {
	fake := newFake(t)
	// A webhook left from an earlier run: polling deletes it first.
	fake.Push([]byte(`{}`)) // not an update: refused and logged
	var logs logBuffer
	z := mustZalo(t, fake, zalo.Config{Pollers: 3, Log: logs.logger()})
	rec := &recorder{}
	d := bot.NewDispatcher(mustOpenDB(t), rec, bot.DispatcherOptions{})
	u := zalotest.User{ID: "e4ea2cd5189df1c3a88c", Name: "Nguyễn Văn A"}
	text := fake.Text(u, "xin chào")
	fake.Push(text)
	fake.Push(text) // the same message again: one event
	fake.Push(fake.Event("message.sticker.received", u, map[string]any{"sticker": "abc"}))
	fake.Push(fake.Event("message.text.received", u, nil)) // no text
	fake.Push(fake.Event("message.future.received", u, nil))
	numeric := fake.Text(u, "số")
	numeric["message"].(map[string]any)["chat"] = map[string]any{"id": 12345, "chat_type": "PRIVATE"}
	fake.Push(numeric)
	secs := fake.Text(u, "giây")
	secs["message"].(map[string]any)["date"] = 1750316131
	fake.Push(secs)
	fake.Fail("getUpdates", zalotest.Fault{Status: 502, HTML: true})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- z.Poll(ctx, d) }()
	waitFor(t, "all updates taken", func() bool { return fake.Queued() == 0 && len(rec.events()) >= 5 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	evs := rec.events()
	kinds := map[string]string{}
	for _, ev := range evs {
		kinds[string(ev.Kind)+":"+ev.Text] = ev.Key
		if ev.Chat != u.ID || ev.User != u.ID || ev.UserName != u.Name {
			t.Errorf("event %+v: wrong chat, user or name", ev)
		}
		if ev.Text == "giây" && ev.Time.Year() != 2025 {
			t.Errorf("a date in seconds read as %v", ev.Time)
		}
	}
	if len(evs) != 5 || kinds["text:xin chào"] != "zalo:message.text.received:"+text["message"].(map[string]any)["message_id"].(string) || kinds["other:"] == "" {
		t.Errorf("events %+v: want 5 (two texts, three others), the repeat skipped, keyed event_name:message_id", evs)
	}
	if !strings.Contains(logs.String(), "not a string") {
		t.Errorf("the numeric chat id was not refused in the log:\n%s", logs.String())
	}
	if fake.Calls("deleteWebhook") != 1 {
		t.Errorf("deleteWebhook called %d times, want 1", fake.Calls("deleteWebhook"))
	}
	if strings.Contains(logs.String(), token) {
		t.Error("the token is in the log")
	}
}

func TestZalo_PollWebhookSet(t *testing.T) {
	fake := newFake(t)
	z := mustZalo(t, fake, zalo.Config{Pollers: 2})
	d := bot.NewDispatcher(mustOpenDB(t), &recorder{}, bot.DispatcherOptions{})
	fake.Fail("getUpdates", zalotest.Fault{Status: 400})
	if err := z.Poll(context.Background(), d); err != zalo.ErrWebhookSet {
		t.Errorf("Poll = %v, want ErrWebhookSet", err)
	}
}

func TestZalo_Webhook(t *testing.T) {
	for _, wrapped := range []bool{false, true} {
		t.Run(fmt.Sprintf("wrapped=%v", wrapped), func(t *testing.T) {
			fake := newFake(t)
			fake.Wrapped = wrapped
			var logs logBuffer
			z := mustZalo(t, fake, zalo.Config{Log: logs.logger()})
			rec := &recorder{}
			d := bot.NewDispatcher(mustOpenDB(t), rec, bot.DispatcherOptions{})
			srv := httptest.NewServer(z.WebhookHandler("s3cret-token", d))
			defer srv.Close()
			if err := z.SetWebhook(context.Background(), "https://chibo.example.org/zalo", "s3cret-token"); err != nil {
				t.Fatal(err)
			}
			fake.WebhookTarget = func(string) string { return srv.URL }
			u := zalotest.User{ID: "u1", Name: "A"}
			fake.PushSync(fake.Text(u, "một"))
			if evs := rec.events(); len(evs) != 1 || evs[0].Text != "một" {
				t.Fatalf("events %+v", evs)
			}
			for _, secret := range []string{"", "wrong-secret"} {
				req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"event_name":"message.text.received"}`))
				req.Header.Set(zalo.SecretHeader, secret)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("secret %q: %d, want 401", secret, resp.StatusCode)
				}
			}
			if len(rec.events()) != 1 {
				t.Error("a post with a wrong secret was processed")
			}
		})
	}
}

// A webhook answer other than 2xx makes the platform send the update
// again; the event is handled once.
func TestZalo_WebhookRedelivery(t *testing.T) {
	fake := newFake(t)
	z := mustZalo(t, fake, zalo.Config{})
	rec := &recorder{}
	d := bot.NewDispatcher(mustOpenDB(t), rec, bot.DispatcherOptions{})
	h := z.WebhookHandler("s3cret-token", d)
	// The redelivery comes on another connection, ordered after the first
	// only through the network, which the race detector does not see.
	var answered atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if answered.CompareAndSwap(false, true) { // the answer was lost on the way back
			panic(http.ErrAbortHandler)
		}
	}))
	defer srv.Close()
	if err := z.SetWebhook(context.Background(), "https://chibo.example.org/zalo", "s3cret-token"); err != nil {
		t.Fatal(err)
	}
	fake.WebhookTarget = func(string) string { return srv.URL }
	fake.PushSync(fake.Text(zalotest.User{ID: "u1"}, "một"))
	if n := len(fake.Deliveries()); n != 2 {
		t.Errorf("%d deliveries, want 2", n)
	}
	if n := len(rec.events()); n != 1 {
		t.Errorf("%d events handled, want 1", n)
	}
}

var codeRE = regexp.MustCompile(`\b[A-Z0-9]{3}-[A-Z0-9]{3}\b`)

// Every invite shows Telegram's link: pasted into Zalo it is read as the
// invite it carries, as before the engine stopped reading Telegram links.
func TestZalo_pastedTelegramLinkIsStart(t *testing.T) {
	fake := newFake(t)
	z := mustZalo(t, fake, zalo.Config{})
	rec := &recorder{}
	d := bot.NewDispatcher(mustOpenDB(t), rec, bot.DispatcherOptions{})
	u := zalotest.User{ID: "e4ea2cd5189df1c3a88c", Name: "Nguyễn Văn A"}
	fake.Push(fake.Text(u, "https://t.me/chibo_bot?start=tok_-1"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- z.Poll(ctx, d) }()
	waitFor(t, "the update taken", func() bool { return len(rec.events()) >= 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if evs := rec.events(); len(evs) != 1 || evs[0].Text != "/start tok_-1" {
		t.Errorf("events %+v: want the text /start tok_-1", evs)
	}
}

// A chibo just started on a quiet Zalo bot waits in its first long poll:
// health says healthy meanwhile, not unhealthy until the first getUpdates
// returns (a restart looked like an outage to the operator's monitor).
func TestZalo_HealthyDuringFirstLongPoll(t *testing.T) {
	fake := newFake(t)
	fake.MaxPoll = 0 // getUpdates waits the whole minute asked
	z := mustZalo(t, fake, zalo.Config{PollTimeout: time.Minute})
	d := bot.NewDispatcher(mustOpenDB(t), &recorder{}, bot.DispatcherOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- z.Poll(ctx, d) }()
	waitFor(t, "the webhook deleted", func() bool { return fake.Calls("deleteWebhook") == 1 })
	deadline := time.Now().Add(10 * time.Second) // the poll itself lasts a minute
	for h := z.Health(); !h.OK; h = z.Health() {
		if time.Now().After(deadline) {
			t.Fatalf("health while the first long poll waits = %+v, want OK", h)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
