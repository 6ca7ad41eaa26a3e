package telegram_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
	"chibo/flows/chat"
	"chibo/storage"
)

// process is one run of chibo's Telegram intake on a database file.
type process struct {
	db   *storage.DB
	tg   *telegram.Telegram
	d    *bot.Dispatcher
	stop context.CancelFunc
	done chan error
}

// startPoll starts polling; onCommit runs after each committed batch, and
// before runs before the poll loop starts.
func startPoll(t *testing.T, fake *telegramtest.Server, path string, onCommit func(p *process), before ...func(p *process)) *process {
	t.Helper()
	db, err := storage.Open(path, storage.Options{NoSync: true}) // a kill -9 keeps what the OS has
	if err != nil {
		t.Fatal(err)
	}
	p := &process{db: db, tg: mustTelegram(t, fake, telegram.Config{}), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	p.stop = cancel
	p.d = bot.NewDispatcher(db, mustEngine(t), bot.DispatcherOptions{OnCommit: func() {
		if onCommit != nil {
			onCommit(p)
		}
	}})
	for _, f := range before {
		f(p)
	}
	go func() { p.done <- p.tg.Poll(ctx, p.d, db) }()
	return p
}

// kill stops the process and waits for Poll to return.
func (p *process) kill(t *testing.T) {
	t.Helper()
	p.stop()
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("Poll: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Poll did not return after cancel")
	}
	p.d.Close()
	p.db.Close()
}

func (p *process) processed(keys ...string) int {
	n := 0
	p.db.View(func(tx *storage.Tx) error {
		for _, k := range keys {
			if tx.Processed(k) {
				n++
			}
		}
		return nil
	})
	return n
}

func pushStarts(fake *telegramtest.Server, n int) []string {
	var keys []string
	for i := range n {
		id := fake.PushText(int64(1000+i), int64(1000+i), "/start")
		keys = append(keys, "tg:"+strconv.Itoa(id))
	}
	return keys
}

func countRows(t *testing.T, path string) int {
	db := mustOpenPath(t, path)
	defer db.Close()
	return len(outboxRows(t, db))
}

func TestPoll_CrashBeforeCommit(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	path := filepath.Join(t.TempDir(), "chibo.db")
	keys := pushStarts(fake, 5)

	// The first process receives the batch but is stopped before anything
	// is committed (its dispatcher already refuses work).
	p1 := startPoll(t, fake, path, nil, func(p *process) { p.d.Close() })
	waitFor(t, 5*time.Second, "the first getUpdates", func() bool { return len(fake.Calls("getUpdates")) > 0 })
	p1.kill(t)
	if got := fake.Calls("getUpdates")[0]; !got.OK() {
		t.Fatalf("first getUpdates failed: %s", got.Description)
	}
	if fake.Confirmed() != 0 {
		t.Fatalf("updates confirmed to Telegram without a commit: confirmed %d", fake.Confirmed())
	}
	if n := countRows(t, path); n != 0 {
		t.Fatalf("%d outbox rows after a crash before commit", n)
	}

	// The second process sees the batch again and handles it once.
	p2 := startPoll(t, fake, path, nil)
	waitFor(t, 5*time.Second, "the batch to be committed", func() bool { return p2.processed(keys...) == len(keys) })
	waitFor(t, 5*time.Second, "the batch to be confirmed", func() bool { return fake.Pending() == 0 })
	p2.kill(t)
	if n := countRows(t, path); n != len(keys) {
		t.Fatalf("outbox rows = %d, want one reply per update (%d)", n, len(keys))
	}
}

func TestPoll_CrashAfterCommit(t *testing.T) {
	for _, lostOffset := range []bool{false, true} {
		t.Run("offset lost "+strconv.FormatBool(lostOffset), func(t *testing.T) {
			fake := telegramtest.New(t, telegramtest.Options{})
			path := filepath.Join(t.TempDir(), "chibo.db")
			keys := pushStarts(fake, 5)

			// The process dies right after the commit: the next getUpdates,
			// which would confirm the batch, never happens.
			p1 := startPoll(t, fake, path, func(p *process) { p.stop() })
			select {
			case <-p1.done:
			case <-time.After(10 * time.Second):
				t.Fatal("the first process did not stop")
			}
			p1.d.Close()
			if got := p1.processed(keys...); got != len(keys) {
				t.Fatalf("processed %d of %d before the crash", got, len(keys))
			}
			if lostOffset {
				// The offset write itself did not reach the disk.
				if err := p1.db.Update(func(tx *storage.Tx) error { return tx.PutMetaInt(telegram.OffsetKey(fake.BotID()), 0) }); err != nil {
					t.Fatal(err)
				}
			}
			p1.db.Close()
			if fake.Pending() != len(keys) {
				t.Fatalf("fake has %d unconfirmed updates, want %d", fake.Pending(), len(keys))
			}
			before := countRows(t, path)

			p2 := startPoll(t, fake, path, nil)
			waitFor(t, 5*time.Second, "the batch to be confirmed", func() bool { return fake.Pending() == 0 })
			// One more round trip, so a redelivered batch has been handled.
			n := len(fake.Calls("getUpdates"))
			waitFor(t, 5*time.Second, "another getUpdates", func() bool { return len(fake.Calls("getUpdates")) > n })
			p2.kill(t)
			if after := countRows(t, path); after != before || before != len(keys) {
				t.Fatalf("outbox rows: %d before the restart, %d after; want %d both", before, after, len(keys))
			}
		})
	}
}

func TestPoll_EventsAndCallbacks(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	var mu sync.Mutex
	byChat := map[string][]chat.Event{}
	h := handlerFunc(func(ev chat.Event) {
		mu.Lock()
		defer mu.Unlock()
		byChat[ev.Chat] = append(byChat[ev.Chat], ev)
	})
	d := bot.NewDispatcher(db, h, bot.DispatcherOptions{})
	_, qid := fake.PushCallback(42, 42, 7, "stale:button")
	fake.PushMessage(42, 42, map[string]any{"location": map[string]any{"latitude": 10.5, "longitude": 106.7}})
	fake.PushMessage(42, 42, map[string]any{"contact": map[string]any{"phone_number": "+84900000000", "first_name": "A", "user_id": 42}})
	// An update chibo cannot read (a field of the wrong type) is skipped and
	// confirmed; it holds back neither its batch nor the next.
	fake.PushUpdate(map[string]any{"message": map[string]any{"message_id": "x", "date": "today", "chat": "nope", "text": "0912345678"}})
	fake.PushMessage(42, 42, map[string]any{"sticker": map[string]any{"file_id": "x"}})      // answered: chibo reads text
	fake.PushMessage(-100123, 42, map[string]any{"sticker": map[string]any{"file_id": "x"}}) // a group's sticker: not for chibo
	fake.PushText(-100123, 42, "/help@chibo_test_bot")
	fake.PushMyChatMember(-100123, 42, "left", "member")
	fake.PushMyChatMember(-100123, 42, "member", "kicked")
	last := fake.PushMyChatMember(-100123, 42, "member", "administrator") // a rights change only

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Poll(ctx, d, db) }()
	waitFor(t, 5*time.Second, "all updates confirmed", func() bool { return fake.Confirmed() >= last })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !fake.CallbackAnswered(qid) {
		t.Error("callback query was not answered")
	}
	// Chats run in parallel; each chat's events come in order.
	got := append(byChat["42"], byChat["-100123"]...)
	kinds := []string{"button", "location", "contact", "other", "text", "bot_added", "bot_removed"}
	if len(got) != len(kinds) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(kinds), got)
	}
	for i, k := range kinds {
		if string(got[i].Kind) != k {
			t.Errorf("event %d kind = %s, want %s", i, got[i].Kind, k)
		}
	}
	if ev := got[0]; ev.Data != "stale:button" || ev.MessageID != "7" || ev.Chat != "42" || ev.User != "42" || ev.ChatKind != "private" {
		t.Errorf("button event = %+v", ev)
	}
	if ev := got[1]; ev.Location == nil || ev.Location.Lat != 10.5 {
		t.Errorf("location event = %+v", ev)
	}
	if ev := got[2]; ev.Phone != "+84900000000" || ev.SharedBy != "42" {
		t.Errorf("contact event = %+v", ev)
	}
	if ev := got[3]; ev.Chat != "42" || ev.ChatKind != "private" || ev.Text != "" {
		t.Errorf("sticker event = %+v", ev)
	}
	if ev := got[4]; ev.Chat != "-100123" || ev.ChatKind != "group" || ev.UserName != "User 42" || ev.LangHint != "vi" || ev.Time.IsZero() {
		t.Errorf("group text event = %+v", ev)
	}
	if ev := got[0]; ev.Key == "" || ev.Key[:3] != "tg:" {
		t.Errorf("event key = %q", ev.Key)
	}
	var off int64
	db.View(func(tx *storage.Tx) error { off = tx.MetaInt(telegram.OffsetKey(fake.BotID())); return nil })
	if off != int64(last)+1 {
		t.Errorf("stored offset = %d, want %d", off, last+1)
	}
}

type handlerFunc func(ev chat.Event)

func (f handlerFunc) Handle(tx *storage.Tx, ev chat.Event) ([]chat.Message, error) {
	f(ev)
	return nil, nil
}

func (f handlerFunc) InternalError(chat.Event) []chat.Message { return nil }

func TestPoll_Conflict(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	fake.Inject(telegramtest.Fault{Method: "getUpdates", Code: 409, Description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	d := bot.NewDispatcher(db, mustEngine(t), bot.DispatcherOptions{})
	err := tg.Poll(context.Background(), d, db)
	if !errors.Is(err, telegram.ErrConflict) {
		t.Fatalf("Poll = %v, want ErrConflict", err)
	}
	if len(fake.Calls("deleteWebhook")) != 1 {
		t.Error("Poll did not delete the webhook first")
	}
}

func TestPoll_RetriesNetworkErrors(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	fake.Inject(telegramtest.Fault{Method: "getUpdates", Drop: true, Times: 2})
	fake.Inject(telegramtest.Fault{Method: "deleteWebhook", Code: 502, Description: "Bad Gateway"})
	var logs logBuffer
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{Log: logs.logger()})
	d := bot.NewDispatcher(db, mustEngine(t), bot.DispatcherOptions{})
	keys := pushStarts(fake, 2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Poll(ctx, d, db) }()
	p := &process{db: db}
	waitFor(t, 20*time.Second, "updates handled after network errors", func() bool { return p.processed(keys...) == len(keys) })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if h := tg.Health(db); h.LastPoll == nil || !h.OK || h.Mode != "poll" {
		t.Errorf("health after polling = %+v", h)
	}
	assertNoToken(t, logs.String(), fake.Token())
}

// A database moved to another bot (a new token from BotFather) polls from
// that bot's first unconfirmed update: the old bot's offset, far above the
// new bot's update ids, would have skipped them.
func TestPoll_anotherBotsOffsetIsNotUsed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	db := mustOpenPath(t, path)
	if err := db.Update(func(tx *storage.Tx) error { return tx.PutMetaInt(telegram.OffsetKey(7000000001), 900_000_000) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	fake := telegramtest.New(t, telegramtest.Options{Token: "7000000002:AAAnotherBotsTokenForTests_abcdefgh"})
	keys := pushStarts(fake, 3)
	p := startPoll(t, fake, path, nil)
	defer p.kill(t)
	waitFor(t, 10*time.Second, "the new bot's updates handled", func() bool { return p.processed(keys...) == len(keys) })
}
