package flows

import (
	"chibo/flows/core"
	"chibo/flows/privacy"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chibo/flows/chat"

	bolt "go.etcd.io/bbolt"

	"chibo/locales"
	"chibo/storage"
)

// harness drives the engine the way the dispatcher does: one transaction per
// event, on a real bbolt file, with a fake clock. Every message that fails to
// render (unknown id, missing data) fails the test.
type harness struct {
	t     testing.TB
	path  string
	fsync bool // commits wait for the disk, as served (benchmarks of what serving costs)
	db    *storage.DB
	e     *core.Engine
	now   time.Time
	seq   atomic.Int64
	zone  *time.Location
	inbox map[string][]chat.Message // by chat, everything sent so far
	cell  *storage.Cell
	names map[string]string    // user id → the name their messenger shows
	caps  map[string]chat.Caps // the engine's Config.Caps (nil: core.DefaultCaps); set, then restart
	logs  strings.Builder      // the engine's log lines
}

const tr = "test" // the transport of test people

func newHarness(t testing.TB) *harness {
	t.Helper()
	zone, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "chibo.db"), zone: zone, inbox: map[string][]chat.Message{}, names: map[string]string{},
		now: time.Date(2026, 3, 1, 9, 0, 0, 0, zone)}
	h.open()
	t.Cleanup(func() { h.db.Close() })
	return h
}

func (h *harness) open() {
	h.t.Helper()
	db, err := storage.Open(h.path, storage.Options{NoSync: !h.fsync}) // no test here is about surviving a power cut
	if err != nil {
		h.t.Fatal(err)
	}
	cat, err := locales.Load()
	if err != nil {
		h.t.Fatal(err)
	}
	cat.OnError = func(id string, err error) { h.t.Errorf("message %s: %v", id, err) }
	e, err := core.NewEngine(cat, core.Config{Now: func() time.Time { return h.now }, Zone: h.zone,
		InviteLink: func(tok string) string { return "https://t.me/chibo_test_bot?start=" + tok }, Caps: h.caps,
		Log: slog.New(slog.NewTextHandler(&h.logs, nil))}, Journeys()...)
	if err != nil {
		h.t.Fatal(err)
	}
	h.db, h.e = db, e
}

// restart closes the database and opens it again with a new engine, as a
// process restart would; the scheduler's start finishes a pending rebuild of
// the due-work index, as here.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.db.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
	if err := h.db.RebuildDue(false); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) advance(d time.Duration) { h.now = h.now.Add(d) }

// seedCell makes an organization and a cell with a secretary ("sec") and the
// named members (user ids = names lowercased, without spaces).
func (h *harness) seedCell(members ...string) {
	h.t.Helper()
	err := h.db.Update(func(tx *storage.Tx) error {
		org := &storage.Organization{Name: "Đảng bộ xã Thử", Created: h.now}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		h.cell = &storage.Cell{OrgID: org.ID, Name: "Chi bộ Thử", Created: h.now}
		if err := tx.PutCell(h.cell); err != nil {
			return err
		}
		if _, err := h.addMember(tx, "sec", "Nguyễn Văn Bí Thư", storage.RoleSecretary); err != nil {
			return err
		}
		for _, name := range members {
			if _, err := h.addMember(tx, userOf(name), name, storage.RoleMember); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func userOf(name string) string {
	return strings.ToLower(strings.ReplaceAll(core.FoldForSearch(name), " ", ""))
}

func (h *harness) addMember(tx *storage.Tx, user, name string, role storage.Role) (*storage.Member, error) {
	m := &storage.Member{Name: name, HomeCellID: h.cell.ID, Lang: "vi", Contacts: map[string]string{tr: user},
		Status: storage.Status{Kind: storage.StatusActive, SetAt: h.now}, Consent: storage.Consent{Given: true, At: h.now}, Joined: h.now}
	m.AddRole(h.cell.ID, storage.RoleMember)
	m.AddRole(h.cell.ID, role)
	return m, tx.PutMember(m)
}

// member returns the stored member with the user id.
func (h *harness) member(user string) *storage.Member {
	h.t.Helper()
	var m *storage.Member
	err := h.db.View(func(tx *storage.Tx) error {
		var err error
		m, err = tx.MemberByContact(tr, user)
		return err
	})
	if err != nil {
		h.t.Fatalf("member %s: %v", user, err)
	}
	return m
}

// event runs one event in its own transaction and returns what was sent.
func (h *harness) event(ev chat.Event) []chat.Message {
	h.t.Helper()
	ev.Transport = tr
	if ev.Chat == "" {
		ev.Chat = ev.User
	}
	if ev.ChatKind == "" {
		ev.ChatKind = chat.ChatPrivate
	}
	if ev.Key == "" {
		ev.Key = fmt.Sprintf("test:%d", h.seq.Add(1))
	}
	ev.Time = h.now
	var out []chat.Message
	err := h.db.Update(func(tx *storage.Tx) error {
		var err error
		out, err = h.e.Handle(tx, ev)
		if err != nil {
			return err
		}
		return h.enqueue(tx, out)
	})
	if err != nil {
		h.t.Fatalf("handle %+v: %v", ev, err)
	}
	for _, m := range out {
		h.inbox[m.Chat] = append(h.inbox[m.Chat], m)
	}
	return out
}

// enqueue records keyed messages in the outbox, as the dispatcher and the
// scheduler do, so Remind sees what was already sent.
func (h *harness) enqueue(tx *storage.Tx, msgs []chat.Message) error {
	for _, m := range msgs {
		if _, err := tx.Enqueue(&storage.OutboxItem{Key: m.Key, KeyUntil: m.KeyUntil, Transport: m.Transport, Chat: m.Chat}, h.now); err != nil {
			return err
		}
	}
	return nil
}

// say sends text as user in their private chat.
func (h *harness) say(user, text string) []chat.Message {
	h.t.Helper()
	return h.event(chat.Event{Kind: chat.EventText, User: user, Text: text, UserName: h.displayName(user)})
}

func (h *harness) displayName(user string) string { return h.names[user] }

// tap presses the button labelled label in the latest message to user that
// has it.
func (h *harness) tap(user, label string) []chat.Message {
	h.t.Helper()
	msgs := h.inbox[user]
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, b := range msgs[i].Choices() {
			if b.Label == label {
				return h.event(chat.Event{Kind: chat.EventButton, User: user, Data: b.Data})
			}
		}
	}
	h.t.Fatalf("no button %q sent to %s; last message: %q", label, user, h.last(user).Text)
	return nil
}

// due runs the scheduler's question at the current time and records what it sends.
func (h *harness) due() []chat.Message {
	h.t.Helper()
	var out []chat.Message
	err := h.db.Update(func(tx *storage.Tx) error {
		var err error
		out, err = h.e.Due(tx, h.now)
		if err != nil {
			return err
		}
		return h.enqueue(tx, out)
	})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, m := range out {
		h.inbox[m.Chat] = append(h.inbox[m.Chat], m)
	}
	h.housekeep()
	return out
}

// housekeep runs the day's housekeeping, a batch per transaction, as the
// scheduler does after each tick.
func (h *harness) housekeep() {
	h.t.Helper()
	for more := true; more; {
		if err := h.db.Update(func(tx *storage.Tx) (err error) {
			more, err = privacy.Housekeep(h.e, tx, h.now)
			return err
		}); err != nil {
			h.t.Fatal(err)
		}
	}
}

// last is the latest message to user.
func (h *harness) last(user string) chat.Message {
	msgs := h.inbox[user]
	if len(msgs) == 0 {
		return chat.Message{}
	}
	return msgs[len(msgs)-1]
}

// T renders a message as the test expects to see it.
func (h *harness) T(lang, id string, kv ...any) string { return h.e.Cat.T(lang, id, kv...) }

// wantText fails unless one of msgs is exactly the rendered message.
func (h *harness) wantText(msgs []chat.Message, lang, id string, kv ...any) {
	h.t.Helper()
	want := h.T(lang, id, kv...)
	for _, m := range msgs {
		if m.Text == want {
			return
		}
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.Text)
	}
	h.t.Fatalf("want message %s %q, got %q", id, want, got)
}

// wantContains fails unless one of msgs contains sub.
func (h *harness) wantContains(msgs []chat.Message, sub string) {
	h.t.Helper()
	if !slices.ContainsFunc(msgs, func(m chat.Message) bool { return strings.Contains(m.Text, sub) }) {
		var got []string
		for _, m := range msgs {
			got = append(got, m.Text)
		}
		h.t.Fatalf("want a message containing %q, got %q", sub, got)
	}
}

// snapshot returns every bucket's content except bookkeeping that any event
// touches (processed keys, outbox), to prove bad input changed nothing.
func (h *harness) snapshot(skip ...string) string {
	h.t.Helper()
	return h.dump(append(skip, "events", "outbox", "pending", "outboxkey", "offers")...)
}

// dump writes every key and value of every bucket except those named in
// skip, in order: for tests that prove a change touched nothing else or
// that a text is stored nowhere. It reads a consistent copy of the database
// (DB.Backup), so that storage keeps no test-only API.
func (h *harness) dump(skip ...string) string {
	h.t.Helper()
	copyPath := h.path + ".dump"
	f, err := os.Create(copyPath)
	if err != nil {
		h.t.Fatal(err)
	}
	_, err = h.db.Backup(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		h.t.Fatal(err)
	}
	db, err := bolt.Open(copyPath, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			if slices.Contains(skip, string(name)) {
				return nil
			}
			return bk.ForEach(func(k, v []byte) error {
				_, err := fmt.Fprintf(&b, "%s %q %q\n", name, k, v)
				return err
			})
		})
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return b.String()
}
