package telegram_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
	"chibo/flows/chat"
	"chibo/storage"
)

// enqueueSpread puts n messages for chats (ids from chats) in the outbox,
// round robin; negative ids are groups.
func enqueueSpread(t *testing.T, db *storage.DB, n int, chats []int64) {
	t.Helper()
	var msgs []chat.Message
	for i := range n {
		c := chats[i%len(chats)]
		msgs = append(msgs, chat.Message{Transport: telegram.Name, Chat: strconv.FormatInt(c, 10), Group: c < 0, Text: fmt.Sprintf("message %d", i)})
	}
	if err := db.Update(func(tx *storage.Tx) error { return bot.Enqueue(tx, time.Now(), msgs...) }); err != nil {
		t.Fatal(err)
	}
}

// checkOnce asserts that each of the n texts was delivered exactly once and
// every outbox row ended sent.
func checkOnce(t *testing.T, fake *telegramtest.Server, db *storage.DB, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, c := range fake.Delivered() {
		seen[c.Params["chat_id"]+"/"+c.Params["text"]]++
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages delivered, want %d", len(seen), n)
	}
	for k, v := range seen {
		if v != 1 {
			t.Errorf("%s delivered %d times", k, v)
		}
	}
	for _, r := range outboxRows(t, db) {
		if r.State != storage.OutboxSent {
			t.Errorf("row %d ended %s (%s)", r.ID, r.State, r.Reason)
		}
	}
}

func TestSender_RealLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 1,000 messages at Telegram's real pace (~35 s)")
	}
	fake := telegramtest.New(t, telegramtest.Options{Enforce: &telegramtest.Limits{}})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	var chats []int64
	for i := range 290 {
		chats = append(chats, int64(5000+i))
	}
	for i := range 10 {
		chats = append(chats, int64(-1005000-i))
	}
	enqueueSpread(t, db, 1000, chats)
	start := time.Now()
	s := runSender(t, db, tg, bot.SenderOptions{Limiter: bot.NewRateLimiter(bot.RateLimits{})})
	waitFor(t, 2*time.Minute, "the outbox to drain", func() bool { return pending(t, db) == 0 })
	t.Logf("1000 messages to 300 chats in %v; sender %+v", time.Since(start).Round(time.Millisecond), s.Stats())
	if n := fake.RateLimited(); n != 0 {
		t.Errorf("the fake answered 429 %d times: the sender exceeded Telegram's limits", n)
	}
	checkOnce(t, fake, db, 1000)
}

func TestSender_FaultsDeliverOnce(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{Enforce: &telegramtest.Limits{PerSecond: 200}})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	var chats []int64
	for i := range 40 {
		chats = append(chats, int64(7000+i))
	}
	fake.Inject(telegramtest.Fault{Method: "sendMessage", Chat: 7001, Code: 429, Description: "Too Many Requests: retry after 1", RetryAfter: 1, Times: 2})
	fake.Inject(telegramtest.Fault{Method: "sendMessage", Code: 500, Description: "Internal Server Error", Times: 5})
	fake.Inject(telegramtest.Fault{Method: "sendMessage", Code: 502, Description: "Bad Gateway", Times: 2})
	fake.Inject(telegramtest.Fault{Method: "sendMessage", Chat: 7003, Delay: 2 * time.Second, Times: 2}) // longer than SendTimeout
	fake.Inject(telegramtest.Fault{Method: "sendMessage", Chat: 7004, Drop: true, Times: 2})
	enqueueSpread(t, db, 120, chats)
	var logs logBuffer
	s := runSender(t, db, tg, bot.SenderOptions{
		Limiter:     bot.NewRateLimiter(bot.RateLimits{PerSecond: 150}),
		SendTimeout: 300 * time.Millisecond,
		Backoff:     func(int) time.Duration { return 50 * time.Millisecond },
		Log:         logs.logger(),
	})
	waitFor(t, time.Minute, "the outbox to drain", func() bool { return pending(t, db) == 0 })
	st := s.Stats()
	if st.Retried < 11 || st.Failed != 0 {
		t.Errorf("stats %+v: want every injected fault retried and nothing failed", st)
	}
	if n := fake.RateLimited(); n != 0 {
		t.Errorf("%d sends over the limits", n)
	}
	checkOnce(t, fake, db, 120)
	// Each fault is logged once, with the row, the method and the wait;
	// never the token or the text.
	out := logs.String()
	if n := strings.Count(out, "will retry"); int64(n) != st.Retried {
		t.Errorf("%d retry lines logged for %d retries:\n%s", n, st.Retried, out)
	}
	for _, want := range []string{"429 Too Many Requests", "500 Internal Server Error", "502 Bad Gateway", "reason=timeout", "network error"} {
		if !strings.Contains(out, want) {
			t.Errorf("no log line for %q", want)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(line, "will retry") && (!strings.Contains(line, "outbox=") || !strings.Contains(line, "method=sendMessage") || !strings.Contains(line, "wait=")) {
			t.Errorf("retry logged without row, method or wait: %s", line)
		}
	}
	if strings.Contains(out, fake.Token()) || strings.Contains(out, "message 1") {
		t.Error("the token or a message's text reached the log")
	}
}

func TestSender_Blocked(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{Enforce: &telegramtest.Limits{}})
	fake.Block(8001)
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	enqueueSpread(t, db, 4, []int64{8001, 8002})
	var blocked atomic.Int64
	runSender(t, db, tg, bot.SenderOptions{
		Limiter: bot.NewRateLimiter(bot.RateLimits{}),
		OnBlocked: func(tx *storage.Tx, it *storage.OutboxItem) error {
			blocked.Add(1)
			return nil
		},
	})
	waitFor(t, 20*time.Second, "the outbox to drain", func() bool { return pending(t, db) == 0 })
	var failed int
	for _, r := range outboxRows(t, db) {
		switch r.Chat {
		case "8001":
			failed++
			if r.State != storage.OutboxFailed || !strings.Contains(r.Reason, "403") || r.Attempts != 1 {
				t.Errorf("blocked row = %+v", r)
			}
		default:
			if r.State != storage.OutboxSent {
				t.Errorf("row to a reachable chat ended %s", r.State)
			}
		}
	}
	calls := 0
	for _, c := range fake.Calls("sendMessage") {
		if c.Chat() == 8001 {
			calls++
		}
	}
	if failed != 2 || calls != 2 || blocked.Load() != 2 {
		t.Errorf("blocked chat: %d rows failed, %d sends tried, OnBlocked %d times; want 2, 2, 2", failed, calls, blocked.Load())
	}
}

// A message Telegram must split goes on from the part that failed, and a
// process that died after some parts (their count is in the outbox row) does
// not send them again.
func TestSender_splitMessageResumes(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	long := func(tag string) string {
		var b strings.Builder
		for i := range 300 {
			fmt.Fprintf(&b, "%s dòng %03d: đồng chí Nguyễn Văn An đã nộp đảng phí.\n", tag, i)
		}
		return b.String()
	}
	parts := len(telegram.SplitText(long("A"), telegram.MaxText))
	if parts < 4 {
		t.Fatalf("%d parts: the test needs a longer text", parts)
	}
	// Chat 31: the third part fails once. Chat 32: a row whose first two
	// parts a killed process delivered.
	fake.Inject(telegramtest.Fault{Method: "sendMessage", Chat: 31, After: 2, Code: 500, Description: "Internal Server Error"})
	err := db.Update(func(tx *storage.Tx) error {
		if err := bot.Enqueue(tx, time.Now(), chat.Message{Transport: telegram.Name, Chat: "31", Text: long("A")}, chat.Message{Transport: telegram.Name, Chat: "32", Text: long("B")}); err != nil {
			return err
		}
		rows, err := tx.OutboxRows()
		if err != nil {
			return err
		}
		rows[1].Parts = 2
		return tx.UpdateOutbox(&rows[1])
	})
	if err != nil {
		t.Fatal(err)
	}
	runSender(t, db, tg, bot.SenderOptions{Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
	waitFor(t, 10*time.Second, "the outbox to drain", func() bool { return pending(t, db) == 0 })
	got := map[string][]string{}
	for _, c := range fake.Delivered() {
		got[c.Params["chat_id"]] = append(got[c.Params["chat_id"]], c.Params["text"])
	}
	if want := telegram.SplitText(long("A"), telegram.MaxText); strings.Join(got["31"], "|") != strings.Join(want, "|") {
		t.Errorf("chat 31 got %d parts, want each of %d once, in order", len(got["31"]), len(want))
	}
	if want := telegram.SplitText(long("B"), telegram.MaxText)[2:]; strings.Join(got["32"], "|") != strings.Join(want, "|") {
		t.Errorf("chat 32 got %d parts, want the %d not yet delivered", len(got["32"]), len(want))
	}
	for _, r := range outboxRows(t, db) {
		if r.State != storage.OutboxSent {
			t.Errorf("row %d ended %s (%s)", r.ID, r.State, r.Reason)
		}
	}
	if rows := outboxRows(t, db); rows[0].Attempts != 2 {
		t.Errorf("chat 31's row took %d attempts, want 2", rows[0].Attempts)
	}
}

// The sender's limiter paces every request, the parts of a long message
// too: Telegram's per-chat interval holds between parts, and between the
// last part and the chat's next message, on a fake with no tolerance.
func TestSender_partsArePaced(t *testing.T) {
	const interval = 200 * time.Millisecond
	fake := telegramtest.New(t, telegramtest.Options{Enforce: &telegramtest.Limits{PrivateInterval: interval, Jitter: time.Nanosecond}})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	long := strings.Repeat("Đồng chí Nguyễn Văn An đã nộp đảng phí tháng 3.\n", 300)
	parts := len(telegram.SplitText(long, telegram.MaxText))
	err := db.Update(func(tx *storage.Tx) error {
		return bot.Enqueue(tx, time.Now(), chat.Message{Transport: telegram.Name, Chat: "41", Text: long}, chat.Message{Transport: telegram.Name, Chat: "41", Text: "tin sau"})
	})
	if err != nil {
		t.Fatal(err)
	}
	runSender(t, db, tg, bot.SenderOptions{Limiter: bot.NewRateLimiter(bot.RateLimits{PrivateInterval: interval})})
	waitFor(t, 20*time.Second, "the outbox to drain", func() bool { return pending(t, db) == 0 })
	if n := fake.RateLimited(); n != 0 {
		t.Errorf("%d requests over the chat's interval", n)
	}
	if got := len(fake.Delivered()); got != parts+1 {
		t.Errorf("%d messages delivered, want %d parts and the next message", got, parts+1)
	}
	for _, r := range outboxRows(t, db) {
		if r.State != storage.OutboxSent || r.Attempts != 1 {
			t.Errorf("row %d ended %s after %d attempts (%s)", r.ID, r.State, r.Attempts, r.Reason)
		}
	}
}
