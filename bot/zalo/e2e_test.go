package zalo_test

import (
	"chibo/flows/core"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/filelink"
	"chibo/bot/zalo"
	"chibo/bot/zalo/zalotest"
	"chibo/flows"
	"chibo/locales"
	"chibo/storage"
)

// world is chibo on Zalo end to end: the strict fake, long polling, the
// real engine on a real database with a movable clock, the sender and the
// scheduler, and file links served by a local listener.
type world struct {
	t     *testing.T
	db    *storage.DB
	fake  *zalotest.Server
	cat   *locales.Catalog
	zone  *time.Location
	sched *bot.Scheduler
	files *httptest.Server

	mu  sync.Mutex
	now time.Time

	org  *storage.Organization
	cell *storage.Cell
	sec  *storage.Member
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) set(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = t
}

func newWorld(t *testing.T, publicFiles bool) *world {
	t.Helper()
	zone, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	w := &world{t: t, db: mustOpenDB(t), fake: newFake(t), zone: zone, now: time.Date(2026, 3, 1, 9, 0, 0, 0, zone)}
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat.OnError = func(id string, err error) { t.Errorf("message %s: %v", id, err) }
	w.cat = cat
	// Zalo only: no Telegram bot, so invites show their code alone.
	engine, err := core.NewEngine(cat, core.Config{Now: w.clock, Zone: zone, InviteLink: func(string) string { return "" }}, flows.Journeys()...)
	if err != nil {
		t.Fatal(err)
	}
	notes := zalo.FileNotes{DB: w.db, Catalog: cat, Lang: "vi", Zone: zone}
	if publicFiles {
		store, err := filelink.Open(w.db, "https://chibo.example.org", 0, w.clock)
		if err != nil {
			t.Fatal(err)
		}
		w.files = httptest.NewServer(store)
		t.Cleanup(w.files.Close)
		notes.Files = store
	}
	z := mustZalo(t, w.fake, zalo.Config{Links: notes})
	sender := bot.NewSender(w.db, map[string]bot.Transport{zalo.Name: z}, bot.SenderOptions{Now: w.clock, Draw: engine.Draw})
	d := bot.NewDispatcher(w.db, engine, bot.DispatcherOptions{Now: w.clock, OnCommit: sender.Notify})
	w.sched = bot.NewScheduler(w.db, engine, bot.SchedulerOptions{Now: w.clock, OnCommit: sender.Notify})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { z.Poll(ctx, d) })
	wg.Go(func() { sender.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait(); d.Close() })

	err = w.db.Update(func(tx *storage.Tx) error {
		w.org = &storage.Organization{Name: "Đảng bộ xã Tân Phú", Created: w.now}
		if err := tx.PutOrg(w.org); err != nil {
			return err
		}
		w.cell = &storage.Cell{OrgID: w.org.ID, Name: "Chi bộ ấp 3", TZ: zone.String(), Created: w.now}
		if err := tx.PutCell(w.cell); err != nil {
			return err
		}
		w.sec, err = w.member(tx, "zsec", "Nguyễn Văn An", storage.RoleSecretary)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// member registers a person on Zalo directly in storage.
func (w *world) member(tx *storage.Tx, user, name string, role storage.Role) (*storage.Member, error) {
	m := &storage.Member{Name: name, HomeCellID: w.cell.ID, Lang: "vi", Contacts: map[string]string{zalo.Name: user},
		Status: storage.Status{Kind: storage.StatusActive, SetAt: w.now}, Consent: storage.Consent{Given: true, At: w.now}, Joined: w.now}
	m.AddRole(w.cell.ID, storage.RoleMember)
	m.AddRole(w.cell.ID, role)
	return m, tx.PutMember(m)
}

// say is user writing text to the bot on Zalo.
func (w *world) say(user, text string) {
	w.fake.Push(w.fake.Text(zalotest.User{ID: user, Name: user}, text))
}

// wait returns the first message to user, after the first skip ones,
// containing want.
func (w *world) wait(user, want string) string {
	w.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range w.fake.SentTo(user) {
			if strings.Contains(s, want) {
				return s
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.t.Fatalf("no message to %s containing %q; got:\n%s", user, want, strings.Join(w.fake.SentTo(user), "\n-----\n"))
	return ""
}

// sayWait says text and waits for the next message to user containing want.
func (w *world) sayWait(user, text, want string) string {
	w.t.Helper()
	n := len(w.fake.SentTo(user))
	w.say(user, text)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range w.fake.SentTo(user)[min(n, len(w.fake.SentTo(user))):] {
			if strings.Contains(s, want) {
				return s
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.t.Fatalf("after %q: no message to %s containing %q; got:\n%s", text, user, want, strings.Join(w.fake.SentTo(user)[n:], "\n-----\n"))
	return ""
}

func (w *world) vi(id string, kv ...any) string { return w.cat.T("vi", id, kv...) }

func (w *world) strict() {
	w.t.Helper()
	if r := w.fake.Refused(); len(r) != 0 {
		w.t.Errorf("the strict fake refused %q", r)
	}
}

// Registration by code: the secretary asks for an invite on Zalo and gets a
// code; the new member types it in lowercase with a space and answers every
// question by number.
func TestE2E_RegistrationByCode(t *testing.T) {
	w := newWorld(t, false)
	msg := w.sayWait("zsec", "/invite", "Mã mời")
	code := codeRE.FindString(msg)
	if code == "" {
		t.Fatalf("no code in %q", msg)
	}
	w.sayWait("znew", strings.ToLower(code[:3])+" "+strings.ToLower(code[4:]), "họ và tên")
	w.sayWait("znew", "Trần Thị Bình", "đồng ý")
	w.sayWait("znew", "1", "ngôn ngữ")
	w.sayWait("znew", "1", "Đăng ký thành công")
	w.wait("zsec", "Trần Thị Bình")
	// The language question's number again: a stale choice, as a stale button.
	w.sayWait("znew", "1", w.vi("err.stale_button"))
	// The code is used now.
	w.sayWait("zother", code, w.vi("zalo.code_used"))
	w.strict()
}

// A meeting notice answered by number: the notice shows its choices
// numbered, the member types 1, and the roll records the answer; a number
// from an older list is refused as stale.
func TestE2E_MeetingNoticeByNumber(t *testing.T) {
	w := newWorld(t, false)
	var mot *storage.Member
	w.db.Update(func(tx *storage.Tx) error {
		var err error
		mot, err = w.member(tx, "zmot", "Trần Văn Một", storage.RoleMember)
		return err
	})
	w.sayWait("zsec", "/meeting", "03/03/2026")
	w.sayWait("zsec", w.vi("mt.btn_open_n", "N", 1, "Date", "03/03"), w.vi("mt.btn_notify"))
	w.sayWait("zsec", strings.ToLower(w.vi("mt.btn_notify")), "03/03/2026")
	notice := w.wait("zmot", "19:30 ngày 03/03/2026")
	if !strings.Contains(notice, "\n1. "+w.vi("mt.btn_yes")) || !strings.Contains(notice, "\n2. "+w.vi("mt.btn_no")) {
		t.Fatalf("the notice does not number its choices:\n%s", notice)
	}
	w.sayWait("zmot", "1", "Đã ghi nhận: đồng chí sẽ dự họp")
	var mt *storage.Meeting
	w.db.View(func(tx *storage.Tx) error {
		ms, err := tx.Meetings(w.cell.ID)
		if err == nil && len(ms) > 0 {
			mt, err = tx.Meeting(ms[0].ID) // with its roll
		}
		return err
	})
	if mt == nil || mt.Roll[mot.ID].RSVP != storage.RSVPYes {
		t.Fatalf("the roll does not record the answer: %+v", mt)
	}

	// At the meeting: with no Telegram bot there is no link nor QR code to
	// show, so check-in opens with the code to type.
	w.set(time.Date(2026, 3, 3, 19, 15, 0, 0, w.zone))
	w.sayWait("zsec", "/meeting", "03/03/2026")
	w.sayWait("zsec", w.vi("mt.btn_open_n", "N", 1, "Date", "03/03"), w.vi("mt.btn_checkin"))
	open := w.sayWait("zsec", w.vi("mt.btn_checkin"), "/code ")
	code := regexp.MustCompile(`/code (\S+)`).FindStringSubmatch(open)[1]
	w.sayWait("zmot", "/code "+code, w.vi("mt.code_done", "Kind", "sinh hoạt chi bộ thường kỳ", "When", "19:30 ngày 03/03/2026"))
	w.strict()
}

// A far-away member's monthly check-in on Zalo: the reminder comes from
// the scheduler, choices are typed by number or label, places are typed
// (no location button), and the report is stored.
func TestE2E_FarAwayCheckin(t *testing.T) {
	w := newWorld(t, false)
	var hung *storage.Member
	err := w.db.Update(func(tx *storage.Tx) error {
		var err error
		if hung, err = w.member(tx, "zhung", "Đỗ Văn Hùng", storage.RoleMember); err != nil {
			return err
		}
		hung.SetStatus(storage.Status{Kind: storage.StatusFarAway, From: time.Date(2026, 3, 1, 0, 0, 0, 0, w.zone), To: time.Date(2026, 12, 31, 0, 0, 0, 0, w.zone), Exempt: true, Reason: "Bình Dương", SetAt: w.now})
		if err := tx.PutMember(hung); err != nil {
			return err
		}
		return tx.PutFarAway(&storage.FarAway{MemberID: hung.ID, Province: "Bình Dương", Exempt: true, Resolution: "NQ 01", SetAt: w.now})
	})
	if err != nil {
		t.Fatal(err)
	}
	w.set(time.Date(2026, 3, 25, 8, 0, 0, 0, w.zone))
	if _, err := w.sched.Tick(); err != nil {
		t.Fatal(err)
	}
	prompt := w.wait("zhung", "tháng 03/2026")
	if !strings.Contains(prompt, "\n1. ") {
		t.Fatalf("the reminder shows no numbered choices:\n%s", prompt)
	}
	w.sayWait("zhung", "1", "Câu 1/9")
	w.sayWait("zhung", "Thuận An, Bình Dương", "Câu 2/9")
	w.sayWait("zhung", "có", "Câu 3/9")
	w.sayWait("zhung", "Công ty TNHH Giày Mẫu", "Câu 4/9")
	w.sayWait("zhung", "Công nhân may", "Câu 5/9")
	w.sayWait("zhung", "0912 345 678", "Câu 6/9")
	w.sayWait("zhung", "không", "Câu 7/9")
	w.sayWait("zhung", "06/2027", "Câu 8/9")
	w.sayWait("zhung", "Nguyễn Văn Thu", "Câu 9/9")
	review := w.sayWait("zhung", "Mong chi bộ gửi tài liệu qua mạng", "• Nơi ở: Thuận An, Bình Dương")
	send := regexp.MustCompile(`(?m)^(\d+)\. Gửi báo cáo$`).FindStringSubmatch(review)
	if send == nil {
		t.Fatalf("no numbered send choice in the review:\n%s", review)
	}
	w.say("zhung", send[1])
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ck *storage.Checkin
		w.db.View(func(tx *storage.Tx) error { ck, _ = tx.Checkin(hung.ID, "2026-03"); return nil })
		if ck != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the check-in was not stored; last messages:\n%s", strings.Join(w.fake.SentTo("zhung"), "\n-----\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.strict()
}

// A residence comment delivered as a link: Zalo carries no documents, so
// the member gets a signed link that works for 24 hours, and the file
// behind it; without a public URL, a note on where to get it.
func TestE2E_ResidenceCommentAsLink(t *testing.T) {
	for _, public := range []bool{true, false} {
		t.Run(fmt.Sprintf("public=%v", public), func(t *testing.T) {
			w := newWorld(t, public)
			err := w.db.Update(func(tx *storage.Tx) error {
				minh, err := w.member(tx, "zminh", "Hoàng Văn Minh", storage.RoleMember)
				if err != nil {
					return err
				}
				if err := tx.PutResidenceLink(&storage.ResidenceLink{MemberID: minh.ID, CellID: w.cell.ID, Workplace: "Sở Tài chính tỉnh", Status: storage.ResidenceWithComment,
					RequestedBy: minh.ID, RequestedAt: w.now, ConfirmedBy: w.sec.ID, ConfirmedAt: w.now}); err != nil {
					return err
				}
				return tx.AddResidenceComment(&storage.ResidenceComment{MemberID: minh.ID, CellID: w.cell.ID, Year: 2025,
					Answers: map[string]string{"free": "Gương mẫu"}, By: w.sec.ID, At: time.Date(2025, 11, 20, 9, 0, 0, 0, w.zone)})
			})
			if err != nil {
				t.Fatal(err)
			}
			w.sayWait("zminh", "/residence", "2025")
			w.sayWait("zminh", w.vi("res.btn_view_comment", "Year", 2025), w.vi("res.btn_export_one"))
			if !public {
				w.sayWait("zminh", w.vi("res.btn_export_one"), "Zalo không gửi được tệp phieu-nhan-xet-2025-hoang-van-minh.txt")
				w.strict()
				return
			}
			msg := w.sayWait("zminh", w.vi("res.btn_export_one"), "https://chibo.example.org/f/")
			link := regexp.MustCompile(`https://chibo\.example\.org(/f/\S+)`).FindStringSubmatch(msg)
			if link == nil || !strings.Contains(msg, "02/03/2026") || strings.Contains(link[1], "Minh") {
				t.Fatalf("the link message %q: want a link without the name, valid until tomorrow", msg)
			}
			resp, err := http.Get(w.files.URL + link[1])
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), "Hoàng Văn Minh") {
				t.Fatalf("the link gives %d %q", resp.StatusCode, body)
			}
			w.strict()
		})
	}
}

// Bad input on Zalo: what chibo cannot read gets the localized answer; a
// send refused by the edge (HTML 502) or rate limited (429) is retried and
// delivered once.
func TestE2E_BadInput(t *testing.T) {
	w := newWorld(t, false)
	u := zalotest.User{ID: "zsec", Name: "An"}
	for _, ev := range []map[string]any{
		w.fake.Event("message.text.received", u, nil), // no text
		w.fake.Event("message.sticker.received", u, map[string]any{"sticker": "x"}),
		w.fake.Event("message.voice.received", u, map[string]any{"voice_url": "https://v.example/a.aac"}),
		w.fake.Event("message.something.new", u, map[string]any{"text": "?"}),
	} {
		n := len(w.fake.SentTo("zsec"))
		w.fake.Push(ev)
		deadline := time.Now().Add(10 * time.Second)
		for len(w.fake.SentTo("zsec")) == n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := w.fake.SentTo("zsec"); len(got) != n+1 || got[n] != w.vi("err.unsupported") {
			t.Fatalf("after %v: %q, want the unsupported answer once", ev["event_name"], got[n:])
		}
	}
	w.fake.Fail("sendMessage", zalotest.Fault{Status: 502, HTML: true}, zalotest.Fault{Status: 429, RetryAfter: 1})
	w.say("zsec", "/me")
	// The sender waits on chibo's clock: move it past each retry's wait.
	deadline := time.Now().Add(10 * time.Second)
	for len(w.fake.SentTo("zsec")) == 4 {
		if time.Now().After(deadline) {
			t.Fatal("the /me answer was never delivered")
		}
		w.set(w.clock().Add(2 * time.Second))
		time.Sleep(20 * time.Millisecond)
	}
	n := 0
	for _, s := range w.fake.SentTo("zsec") {
		if strings.Contains(s, "Nguyễn Văn An") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the /me answer was delivered %d times, want once", n)
	}
	w.strict()
}
