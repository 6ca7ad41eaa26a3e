package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

func mustOpenDB(tb testing.TB) *storage.DB {
	tb.Helper()
	db, err := storage.Open(filepath.Join(tb.TempDir(), "chibo.db"), storage.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// countingHandler counts each event's effect in the database and echoes it.
type countingHandler struct {
	mu     sync.Mutex
	calls  int
	failOn string
}

func (h *countingHandler) Handle(tx *storage.Tx, ev chat.Event) ([]chat.Message, error) {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	if ev.Text == h.failOn {
		return nil, errors.New("boom")
	}
	if ev.Text == "panic" {
		panic("handler panic")
	}
	n := tx.MetaInt("effects/" + ev.Chat)
	if err := tx.PutMetaInt("effects/"+ev.Chat, n+1); err != nil {
		return nil, err
	}
	return []chat.Message{{Transport: ev.Transport, Chat: ev.Chat, Text: fmt.Sprintf("%s#%d", ev.Text, n+1)}}, nil
}

func (h *countingHandler) InternalError(ev chat.Event) []chat.Message {
	return []chat.Message{{Transport: ev.Transport, Chat: ev.Chat, Text: "internal"}}
}

func texts(t *testing.T, db *storage.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := db.View(func(tx *storage.Tx) error {
		rows, err := tx.OutboxRows()
		for _, r := range rows {
			var m chat.Message
			if err := json.Unmarshal(r.Payload, &m); err != nil {
				return err
			}
			out[r.Chat] = append(out[r.Chat], m.Text)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ev(key, id, text string) chat.Event {
	return chat.Event{Key: key, Transport: "test", Kind: chat.EventText, Chat: id, User: id, Text: text}
}

func TestDispatcher_sameEventTwiceHasOneEffect(t *testing.T) {
	db := mustOpenDB(t)
	h := &countingHandler{}
	d := NewDispatcher(db, h, DispatcherOptions{})
	ctx := context.Background()
	batch := []chat.Event{ev("k1", "a", "x"), ev("k2", "a", "y")}
	if err := d.Dispatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	// Telegram re-delivers the batch (offset not confirmed) and then one more.
	if err := d.Dispatch(ctx, append(batch, ev("k1", "a", "x"))); err != nil {
		t.Fatal(err)
	}
	got := texts(t, db)["a"]
	if len(got) != 2 || got[0] != "x#1" || got[1] != "y#2" {
		t.Fatalf("replies %v, want [x#1 y#2]", got)
	}
}

func TestDispatcher_perChatOrder(t *testing.T) {
	db := mustOpenDB(t)
	d := NewDispatcher(db, &countingHandler{}, DispatcherOptions{})
	var batch []chat.Event
	for i := range 200 {
		chat := fmt.Sprint("c", i%7)
		batch = append(batch, ev(fmt.Sprint("k", i), chat, fmt.Sprint(i)))
	}
	if err := d.Dispatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	for chat, got := range texts(t, db) {
		for j, text := range got {
			var i, n int
			fmt.Sscanf(text, "%d#%d", &i, &n)
			if n != j+1 || fmt.Sprint("c", i%7) != chat {
				t.Fatalf("chat %s reply %d is %q: out of order", chat, j, text)
			}
			if j > 0 {
				var prev int
				fmt.Sscanf(got[j-1], "%d#", &prev)
				if prev >= i {
					t.Fatalf("chat %s: %q after %q", chat, text, got[j-1])
				}
			}
		}
	}
}

func TestDispatcher_handlerFaultIsApologisedOnce(t *testing.T) {
	db := mustOpenDB(t)
	h := &countingHandler{failOn: "bad"}
	d := NewDispatcher(db, h, DispatcherOptions{})
	for range 2 {
		if err := d.Dispatch(context.Background(), []chat.Event{ev("k1", "a", "bad"), ev("k2", "a", "panic"), ev("k3", "a", "ok")}); err != nil {
			t.Fatal(err)
		}
	}
	got := texts(t, db)["a"]
	if len(got) != 3 || got[0] != "internal" || got[1] != "internal" || got[2] != "ok#1" {
		t.Fatalf("replies %v", got)
	}
	err := db.View(func(tx *storage.Tx) error {
		if !tx.Processed("k1") || !tx.Processed("k2") {
			t.Error("failed events not marked processed: they would block the chat")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDispatcher_closedRefuses(t *testing.T) {
	db := mustOpenDB(t)
	d := NewDispatcher(db, &countingHandler{}, DispatcherOptions{})
	d.Close()
	if err := d.Dispatch(context.Background(), []chat.Event{ev("k", "a", "x")}); !errors.Is(err, ErrStopped) {
		t.Fatalf("dispatch after close: %v", err)
	}
}

// fakeTransport records sends and fails as told.
type fakeTransport struct {
	mu    sync.Mutex
	sent  map[string][]string
	fail  map[string][]error // chat → errors to return, in order, before succeeding
	calls int
}

func (f *fakeTransport) Send(_ context.Context, m chat.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if errs := f.fail[m.Chat]; len(errs) > 0 {
		f.fail[m.Chat] = errs[1:]
		if errs[0] != nil {
			return errs[0]
		}
	}
	f.sent[m.Chat] = append(f.sent[m.Chat], m.Text)
	return nil
}

func enqueue(t *testing.T, db *storage.DB, msgs ...chat.Message) {
	t.Helper()
	if err := db.Update(func(tx *storage.Tx) error { return Enqueue(tx, time.Now(), msgs...) }); err != nil {
		t.Fatal(err)
	}
}

func rows(t *testing.T, db *storage.DB) map[string][]storage.OutboxItem {
	t.Helper()
	out := map[string][]storage.OutboxItem{}
	_ = db.View(func(tx *storage.Tx) error {
		rs, err := tx.OutboxRows()
		for _, r := range rs {
			out[r.Chat] = append(out[r.Chat], r)
		}
		return err
	})
	return out
}

func TestSender_outcomes(t *testing.T) {
	db := mustOpenDB(t)
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{
		"retry":   {&SendError{Outcome: SendRetry, RetryAfter: 10 * time.Millisecond, Reason: "429"}, errors.New("connection reset")},
		"blocked": {&SendError{Outcome: SendBlocked, Reason: "403 blocked"}},
		"bad":     {&SendError{Outcome: SendPermanent, Reason: "400 bad request"}},
		"down":    {errors.New("500"), errors.New("500"), errors.New("500")},
	}}
	var blocked []string
	s := NewSender(db, map[string]Transport{"test": ft}, SenderOptions{
		MaxAttempts: 3,
		Backoff:     func(int) time.Duration { return time.Millisecond },
		OnBlocked: func(tx *storage.Tx, it *storage.OutboxItem) error {
			blocked = append(blocked, it.Chat)
			return nil
		},
	})
	for _, id := range []string{"retry", "blocked", "bad", "down", "ok"} {
		enqueue(t, db, chat.Message{Transport: "test", Chat: id, Text: id + "1"}, chat.Message{Transport: "test", Chat: id, Text: id + "2"})
	}
	enqueue(t, db, chat.Message{Transport: "nowhere", Chat: "x", Text: "lost"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := s.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		var pending int
		_ = db.View(func(tx *storage.Tx) error { pending = tx.PendingCount(); return nil })
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows still pending", pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
	want := map[string][]string{"retry": {"retry1", "retry2"}, "ok": {"ok1", "ok2"}, "blocked": {"blocked2"}, "bad": {"bad2"}, "down": {"down2"}}
	for chat, w := range want {
		if fmt.Sprint(ft.sent[chat]) != fmt.Sprint(w) {
			t.Errorf("%s got %v, want %v", chat, ft.sent[chat], w)
		}
	}
	r := rows(t, db)
	for chat, wantState := range map[string]storage.OutboxState{"blocked": storage.OutboxFailed, "bad": storage.OutboxFailed, "down": storage.OutboxFailed, "x": storage.OutboxFailed, "retry": storage.OutboxSent} {
		first := r[chat][0]
		if first.State != wantState || (wantState == storage.OutboxFailed && first.Reason == "") {
			t.Errorf("%s first row %s %q", chat, first.State, first.Reason)
		}
	}
	if r["down"][0].Attempts != 3 || r["blocked"][0].Attempts != 1 || r["retry"][0].Attempts != 3 {
		t.Errorf("attempts: down %d blocked %d retry %d", r["down"][0].Attempts, r["blocked"][0].Attempts, r["retry"][0].Attempts)
	}
	if fmt.Sprint(blocked) != "[blocked]" {
		t.Errorf("OnBlocked called for %v", blocked)
	}
	st := s.Stats()
	if st.Sent != 7 || st.Failed != 4 || st.Unmarked != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestSender_runDeliversAndStops(t *testing.T) {
	db := mustOpenDB(t)
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{}}
	s := NewSender(db, map[string]Transport{"test": ft}, SenderOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	for i := range 20 {
		enqueue(t, db, chat.Message{Transport: "test", Chat: fmt.Sprint(i % 3), Text: fmt.Sprint(i)})
		s.Notify()
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Sent < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.Stats().Sent != 20 {
		t.Fatalf("sent %d of 20", s.Stats().Sent)
	}
	for chat, got := range ft.sent {
		for j := 1; j < len(got); j++ {
			var a, b int
			fmt.Sscan(got[j-1], &a)
			fmt.Sscan(got[j], &b)
			if a >= b {
				t.Fatalf("chat %s out of order: %v", chat, got)
			}
		}
	}
}

func TestRateLimiter(t *testing.T) {
	l := NewRateLimiter(RateLimits{PerSecond: 10, PrivateInterval: time.Second, GroupInterval: 3 * time.Second})
	now := time.Unix(1000, 0)
	reserve := func(chat string, group bool, want time.Duration, wantAll bool, what string) {
		t.Helper()
		if d, all := l.Reserve(chat, group, now); d != want || (d > 0 && all != wantAll) {
			t.Fatalf("%s: wait %v (all %v), want %v (all %v)", what, d, all, want, wantAll)
		}
	}
	// Just started: only a chat the process before may have written to
	// in its last second is held back.
	l.Done("recent", false, now.Add(-400*time.Millisecond))
	reserve("a", false, 0, false, "a chat nobody wrote to, at start")
	now = now.Add(100 * time.Millisecond)
	reserve("recent", false, 500*time.Millisecond, false, "a chat written to 0.4 s before the start")
	// The chat's interval runs from the answer, however late it came.
	now = now.Add(200 * time.Millisecond)
	l.Done("a", false, now) // answered 300 ms after its slot
	now = now.Add(800 * time.Millisecond)
	reserve("a", false, 200*time.Millisecond, false, "a second after the slot but 0.8 s after the answer")
	// The next overall slot follows the previous one: a wake-up 30 ms late
	// leaves the one after where it was.
	reserve("b", false, 0, false, "b")
	now = now.Add(130 * time.Millisecond)
	reserve("c", false, 0, false, "c, 30 ms after its slot")
	now = now.Add(70 * time.Millisecond)
	reserve("d", false, 0, false, "d, a gap after c's slot")
	reserve("e", false, 100*time.Millisecond, true, "e right after d")
	now = now.Add(time.Second)
	reserve("g", true, 0, false, "a group")
	now = now.Add(time.Second)
	l.Done("g", true, now)
	now = now.Add(time.Second)
	reserve("g", true, 2*time.Second, false, "the group a second after its answer")
	l.Pause("", now.Add(5*time.Second))
	reserve("z", false, 5*time.Second, true, "a global pause")
}

// The overall limit counts requests in flight and answered within the last
// second, so a slow answer cannot squeeze more than PerSecond into the
// messenger's second.
func TestRateLimiter_windowCountsAnswers(t *testing.T) {
	l := NewRateLimiter(RateLimits{PerSecond: 2})
	now := time.Unix(1000, 0)
	if d, _ := l.Reserve("a", false, now); d != 0 {
		t.Fatal("first slot refused")
	}
	now = now.Add(500 * time.Millisecond)
	if d, _ := l.Reserve("b", false, now); d != 0 {
		t.Fatal("second slot refused")
	}
	now = now.Add(600 * time.Millisecond)
	l.Done("a", false, now) // a's answer came 1.1 s after its slot
	l.Done("b", false, now)
	if d, all := l.Reserve("c", false, now); d != time.Second || !all {
		t.Fatalf("third request after two answered just now: want 1s for everyone, got %v (all %v)", d, all)
	}
}

// docTransport records the documents it was given, by chat.
type docTransport struct {
	mu   sync.Mutex
	docs map[string]*chat.Document
	text map[string]string
}

func (d *docTransport) Send(_ context.Context, m chat.Message) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.docs[m.Chat], d.text[m.Chat] = m.Document, m.Text
	return nil
}

func TestSender_drawsDocumentsAtDelivery(t *testing.T) {
	db := mustOpenDB(t)
	dt := &docTransport{docs: map[string]*chat.Document{}, text: map[string]string{}}
	s := NewSender(db, map[string]Transport{"test": dt}, SenderOptions{
		Draw: func(tx *storage.Tx, d *chat.Document) error {
			if d.Draw.CellID == 2 {
				return errors.New("no such cell")
			}
			d.Data, d.Draw = []byte(fmt.Sprintf("chart %d %s", d.Draw.Year, d.Draw.Lang)), nil
			return nil
		},
	})
	chart := func(cell uint64) *chat.Document {
		return &chat.Document{Name: "c.png", MIME: "image/png", Draw: &chat.Drawing{Kind: "year_chart", CellID: cell, Year: 2026, Lang: "en"}}
	}
	enqueue(t, db,
		chat.Message{Transport: "test", Chat: "drawn", Text: "summary", Document: chart(1)},
		chat.Message{Transport: "test", Chat: "failed", Text: "summary", Document: chart(2)},
		chat.Message{Transport: "test", Chat: "file", Text: "export", Document: &chat.Document{Name: "a.csv", Data: []byte("a;b")}})
	if err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := dt.docs["drawn"]; d == nil || string(d.Data) != "chart 2026 en" || d.Draw != nil {
		t.Errorf("drawn: %+v", d)
	}
	// A chart that cannot be drawn does not hold back its message.
	if d := dt.docs["failed"]; d != nil || dt.text["failed"] != "summary" {
		t.Errorf("failed drawing: %+v %q", d, dt.text["failed"])
	}
	if d := dt.docs["file"]; d == nil || string(d.Data) != "a;b" {
		t.Errorf("a document with its bytes: %+v", d)
	}
	if st := s.Stats(); st.Sent != 3 {
		t.Errorf("stats %+v", st)
	}
}

// nightSender is a sender over a test transport whose clock reads 22:10
// until advanced.
func nightSender(t *testing.T) (*storage.DB, *fakeTransport, *Sender, time.Time, func(time.Duration)) {
	db := mustOpenDB(t)
	ft := &fakeTransport{sent: map[string][]string{}, fail: map[string][]error{}}
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 22, 10, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	return db, ft, NewSender(db, map[string]Transport{"test": ft}, SenderOptions{Now: clock}), now, advance
}

// TestSender_heldUntilNotBefore: a message held for the end of a cell's
// no-message hours (Message.NotBefore) is not sent before then, and is sent
// after.
func TestSender_heldUntilNotBefore(t *testing.T) {
	db, ft, s, now, advance := nightSender(t)
	enqueue(t, db, chat.Message{Transport: "test", Chat: "dung", Text: "notice", NotBefore: now.Add(8*time.Hour + 20*time.Minute)},
		chat.Message{Transport: "test", Chat: "an", Text: "reply"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	ft.mu.Lock()
	if len(ft.sent["dung"]) != 0 || len(ft.sent["an"]) != 1 {
		t.Fatalf("before the morning: %v", ft.sent)
	}
	ft.mu.Unlock()
	advance(8*time.Hour + 21*time.Minute)
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if fmt.Sprint(ft.sent["dung"]) != "[notice]" {
		t.Fatalf("in the morning: %v", ft.sent)
	}
}

// TestSender_heldRowDoesNotHoldBackAReply: a member writes at night after a
// notice to them was held for the morning; the answer goes now, the notice
// in the morning (before, the answer waited behind the notice until 06:30).
func TestSender_heldRowDoesNotHoldBackAReply(t *testing.T) {
	db, ft, s, now, advance := nightSender(t)
	enqueue(t, db, chat.Message{Transport: "test", Chat: "dung", Text: "notice", NotBefore: now.Add(8*time.Hour + 20*time.Minute)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Drain(ctx); err != nil { // the notice is read and held
		t.Fatal(err)
	}
	enqueue(t, db, chat.Message{Transport: "test", Chat: "dung", Text: "help"},
		chat.Message{Transport: "test", Chat: "dung", Text: "later", NotBefore: now.Add(9 * time.Hour)})
	s.Notify()
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	ft.mu.Lock()
	if fmt.Sprint(ft.sent["dung"]) != "[help]" {
		t.Fatalf("at night: %v", ft.sent["dung"])
	}
	ft.mu.Unlock()
	advance(9*time.Hour + time.Minute)
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if fmt.Sprint(ft.sent["dung"]) != "[help notice later]" {
		t.Fatalf("in the morning: %v (held rows keep their order)", ft.sent["dung"])
	}
}

// TestSender_heldMessageDoesNotHoldBackLaterReplies: during the
// no-message hours a member who has a notice held for the morning still
// gets the answer to her own command at once; the notice goes in the
// morning.
func TestSender_heldMessageDoesNotHoldBackLaterReplies(t *testing.T) {
	db, ft, s, now, advance := nightSender(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	enqueue(t, db, chat.Message{Transport: "test", Chat: "dung", Text: "notice", NotBefore: now.Add(8*time.Hour + 20*time.Minute)})
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	enqueue(t, db, chat.Message{Transport: "test", Chat: "dung", Text: "reply"})
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	ft.mu.Lock()
	if fmt.Sprint(ft.sent["dung"]) != "[reply]" {
		t.Fatalf("at night: %v, want the reply to her command now", ft.sent["dung"])
	}
	ft.mu.Unlock()
	advance(8*time.Hour + 21*time.Minute)
	if err := s.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if fmt.Sprint(ft.sent["dung"]) != "[reply notice]" {
		t.Fatalf("in the morning: %v", ft.sent["dung"])
	}
}

// At a raised rate the slots of the coming millisecond are given at once:
// a loop that wakes once a millisecond would otherwise get one slot a
// wake-up, about 1,000 requests a second whatever the rate set. The slots
// after that millisecond still wait.
func TestRateLimiter_raisedRateGivesAMillisecondOfSlotsAtOnce(t *testing.T) {
	l := NewRateLimiter(RateLimits{PerSecond: 100000})
	now := time.Unix(1000, 0)
	given := 0
	for i := range 1000 {
		if d, _ := l.Reserve(fmt.Sprint("chat", i), false, now); d == 0 {
			given++
		}
	}
	// 10 µs apart: the slots at 0, 10 µs … 1 ms.
	if given != 101 {
		t.Fatalf("%d slots given at one instant at 100,000/s, want 101 (one millisecond's worth)", given)
	}
}

// A negative PrivateInterval means no per-chat gap (an API without
// Telegram's per-chat limit): a chat may have its next message as soon as
// the previous one was answered. Zero keeps Telegram's second.
func TestRateLimiter_noPrivateInterval(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, c := range []struct {
		interval, want time.Duration
	}{{-1, 0}, {0, time.Second}, {250 * time.Millisecond, 250 * time.Millisecond}} {
		l := NewRateLimiter(RateLimits{PerSecond: 1000, PrivateInterval: c.interval})
		if d, _ := l.Reserve("a", false, now); d != 0 {
			t.Fatalf("interval %v: first slot refused", c.interval)
		}
		if d, _ := l.Reserve("a", false, now.Add(time.Millisecond)); d == 0 {
			t.Fatalf("interval %v: a second slot while the first is in flight", c.interval)
		}
		l.Done("a", false, now.Add(time.Millisecond))
		if d, _ := l.Reserve("a", false, now.Add(time.Millisecond)); d != c.want {
			t.Errorf("interval %v: the chat's next message waits %v after the answer, want %v", c.interval, d, c.want)
		}
	}
}
