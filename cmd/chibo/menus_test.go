package main

import (
	"chibo/flows/core"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
	"chibo/flows"
	"chibo/locales"
	"chibo/storage"
)

// menusEngine opens a fresh database and the engine chibo serves with, with
// now as its clock (nil: the time of day).
func menusEngine(t *testing.T, now func() time.Time) (*storage.DB, *core.Engine) {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "chibo.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := core.NewEngine(cat, core.Config{Now: now}, flows.Journeys()...)
	if err != nil {
		t.Fatal(err)
	}
	return db, e
}

// A start sends the commands menu only to the chats whose menu is not
// already right: the first start sets every leader's, a restart none, and a
// role changed while chibo was down changes that chat's menu alone.
func TestMenuRefresher_sendsOnlyWhatChanged(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db, e := menusEngine(t, nil)
	sec := &storage.Member{Name: "Bí thư", HomeCellID: 1, Roles: []storage.CellRole{{CellID: 1, Role: storage.RoleSecretary}}, Contacts: map[string]string{"telegram": "12"}}
	dep := &storage.Member{Name: "Phó bí thư", HomeCellID: 1, Roles: []storage.CellRole{{CellID: 1, Role: storage.RoleDeputy}}, Contacts: map[string]string{"telegram": "13"}}
	plain := &storage.Member{Name: "Đảng viên", HomeCellID: 1, Roles: []storage.CellRole{{CellID: 1, Role: storage.RoleMember}}, Contacts: map[string]string{"telegram": "14"}}
	put := func(ms ...*storage.Member) {
		t.Helper()
		if err := db.Update(func(tx *storage.Tx) error {
			for _, m := range ms {
				if err := tx.PutMember(m); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(sec, dep, plain)
	start := func() map[int64]int { // a start of chibo: a new refresher, one look
		t.Helper()
		before := len(fake.Calls("setMyCommands"))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tg, err := telegram.New(ctx, telegram.Config{Token: fake.Token(), APIBase: fake.URL(), PollTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		newMenuRefresher(tg, db, e, slog.New(slog.DiscardHandler), "vi").refresh(ctx)
		sent := map[int64]int{}
		for _, c := range fake.Calls("setMyCommands")[before:] {
			var scope struct {
				ChatID int64 `json:"chat_id"`
			}
			_ = json.Unmarshal([]byte(c.Params["scope"]), &scope)
			sent[scope.ChatID]++
		}
		return sent
	}
	if sent := start(); len(sent) != 2 || sent[12] == 0 || sent[13] == 0 {
		t.Fatalf("first start set the menus of %v, want chats 12 and 13", sent)
	}
	if sent := start(); len(sent) != 0 {
		t.Fatalf("a restart set the menus of %v again", sent)
	}
	// While chibo was down the deputy stepped down and a member became one.
	dep.Roles = []storage.CellRole{{CellID: 1, Role: storage.RoleMember}}
	plain.Roles = append(plain.Roles, storage.CellRole{CellID: 1, Role: storage.RoleDeputy})
	put(dep, plain)
	if sent := start(); len(sent) != 2 || sent[13] == 0 || sent[14] == 0 {
		t.Fatalf("after the change the menus of %v were set, want chats 13 and 14", sent)
	}
	if got := fake.Commands("chat", 13, ""); strings.Contains(got, "invite") {
		t.Errorf("the former deputy keeps the leaders' menu: %s", got)
	}
	if got := fake.Commands("chat", 14, ""); !strings.Contains(got, "invite") {
		t.Errorf("the new deputy's menu: %s", got)
	}
	if sent := start(); len(sent) != 0 {
		t.Fatalf("a restart set the menus of %v again", sent)
	}
	// While serving: a commit that changes no role sets nothing; one that
	// makes a secretary sets that chat's menu.
	ctx := context.Background()
	tg, err := telegram.New(ctx, telegram.Config{Token: fake.Token(), APIBase: fake.URL(), PollTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	live := newMenuRefresher(tg, db, e, slog.New(slog.DiscardHandler), "vi")
	live.refresh(ctx)
	before := len(fake.Calls("setMyCommands"))
	dep.Name = "Phó bí thư cũ"
	put(dep)
	live.refresh(ctx)
	if n := len(fake.Calls("setMyCommands")) - before; n != 0 {
		t.Fatalf("a change of name set %d menus", n)
	}
	dep.Roles = append(dep.Roles, storage.CellRole{CellID: 1, Role: storage.RoleSecretary})
	put(dep)
	live.refresh(ctx)
	if got := fake.Commands("chat", 13, ""); !strings.Contains(got, "invite") {
		t.Errorf("the new secretary's menu while serving: %s", got)
	}
}

// A start after one that found every menu right looks at nothing when no
// role changed (a province's look reads every role holder) and sets no
// default menu again; a commune role, given while serving, changes that
// person's menu.
func TestMenuRefresher_restartLooksAtNothing(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db, e := menusEngine(t, nil)
	org := &storage.Organization{Name: "Đảng ủy xã"}
	sec := &storage.Member{Name: "Bí thư", HomeCellID: 1, Roles: []storage.CellRole{{CellID: 1, Role: storage.RoleSecretary}}, Contacts: map[string]string{"telegram": "12"}}
	plain := &storage.Member{Name: "Đảng viên", HomeCellID: 1, Roles: []storage.CellRole{{CellID: 1, Role: storage.RoleMember}}, Contacts: map[string]string{"telegram": "14"}}
	if err := db.Update(func(tx *storage.Tx) error {
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		if err := tx.PutMember(sec); err != nil {
			return err
		}
		return tx.PutMember(plain)
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tg, err := telegram.New(ctx, telegram.Config{Token: fake.Token(), APIBase: fake.URL(), PollTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	start := func() (chats, defaults int) {
		t.Helper()
		before := len(fake.Calls("setMyCommands"))
		m := newMenuRefresher(tg, db, e, slog.New(slog.DiscardHandler), "vi")
		m.setDefault(ctx)
		m.refresh(ctx)
		for _, c := range fake.Calls("setMyCommands")[before:] {
			if strings.Contains(c.Params["scope"], "chat_id") {
				chats++
			} else {
				defaults++
			}
		}
		return chats, defaults
	}
	if chats, defaults := start(); chats == 0 || defaults == 0 {
		t.Fatalf("first start set %d chat menus and %d default menus", chats, defaults)
	}
	// The record of the secretary's menu is lost, but no role changed: a
	// restart trusts the last look that found every menu right.
	if err := db.Update(func(tx *storage.Tx) error { return tx.PutChatMenu(telegram.Name, "12", []byte("x")) }); err != nil {
		t.Fatal(err)
	}
	if chats, defaults := start(); chats != 0 || defaults != 0 {
		t.Fatalf("a restart with no role changed set %d chat menus and %d default menus", chats, defaults)
	}
	// Serving: the member joins the commune committee.
	live := newMenuRefresher(tg, db, e, slog.New(slog.DiscardHandler), "vi")
	live.refresh(ctx)
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.PutCommuneRole(&storage.CommuneRole{OrgID: org.ID, MemberID: plain.ID, Kind: storage.CommuneMember, From: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	live.refresh(ctx)
	if got := fake.Commands("chat", 14, ""); got == "" {
		t.Errorf("the new commune committee member got no menu of their own")
	}
}

// A commune role ends by date, with no record written that day: the first
// look after its last day (hourly while serving) gives the member the
// members' menu again, and a start after that look sets nothing.
func TestMenuRefresher_communeRoleEndsByDate(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	db, e := menusEngine(t, func() time.Time { return now })
	org := &storage.Organization{Name: "Đảng ủy xã"}
	tam := &storage.Member{Name: "Nguyễn Văn Tâm", HomeCellID: 1, Roles: []storage.CellRole{{CellID: 1, Role: storage.RoleMember}}, Contacts: map[string]string{"telegram": "14"}}
	if err := db.Update(func(tx *storage.Tx) error {
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		if err := tx.PutMember(tam); err != nil {
			return err
		}
		return tx.PutCommuneRole(&storage.CommuneRole{OrgID: org.ID, MemberID: tam.ID, Kind: storage.CommuneMember,
			From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)})
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tg, err := telegram.New(ctx, telegram.Config{Token: fake.Token(), APIBase: fake.URL(), PollTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var version uint64
	_ = db.View(func(tx *storage.Tx) error { version = tx.MenusVersion(); return nil })
	live := newMenuRefresher(tg, db, e, slog.New(slog.DiscardHandler), "vi")
	live.refresh(ctx)
	if got := fake.Commands("chat", 14, ""); !strings.Contains(got, "phutrach") {
		t.Fatalf("on the role's last day the committee member's menu: %s", got)
	}
	now = time.Date(2026, 3, 11, 0, 30, 0, 0, time.UTC) // the hourly look after the last day
	live.refresh(ctx)
	if got := fake.Commands("chat", 14, ""); got == "" || strings.Contains(got, "phutrach") {
		t.Fatalf("the day after the role's last day the menu: %q", got)
	}
	_ = db.View(func(tx *storage.Tx) error {
		if tx.MenusVersion() != version {
			t.Error("the test wrote a role change: the date alone is to change the menu")
		}
		return nil
	})
	before := len(fake.Calls("setMyCommands"))
	newMenuRefresher(tg, db, e, slog.New(slog.DiscardHandler), "vi").refresh(ctx)
	if n := len(fake.Calls("setMyCommands")) - before; n != 0 {
		t.Fatalf("a start after the look set %d menus", n)
	}
}
