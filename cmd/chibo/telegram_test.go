package main

import (
	"bytes"
	"chibo/flows/core"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chibo/bot/telegram/telegramtest"
	"chibo/storage"
)

// served runs chibo against the fake Bot API until stop is called, which
// returns the exit code and everything chibo logged.
func served(t *testing.T, fake *telegramtest.Server, db string, extra ...string) (stop func() (int, string)) {
	t.Helper()
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN": fake.Token(),
		"CHIBO_TELEGRAM_API": fake.URL(),
		"CHIBO_DB":           db,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan int)
	go func() {
		done <- Main(ctx, nil, strings.NewReader(""), &logs, &logs, func(k string) string { return env[k] })
	}()
	return func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, logs.String()
		case <-time.After(30 * time.Second):
			t.Fatal("chibo did not stop within 30 s of SIGTERM")
			return -1, ""
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitSent waits for a message to chat whose text contains want, and
// returns its text and the callback data of its buttons by label.
func waitSent(t *testing.T, fake *telegramtest.Server, chat int64, want string) (string, map[string]string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range fake.Delivered() {
			if c.Chat() != chat || !strings.Contains(c.Params["text"], want) {
				continue
			}
			buttons := map[string]string{}
			var markup struct {
				InlineKeyboard [][]struct {
					Text         string `json:"text"`
					CallbackData string `json:"callback_data"`
				} `json:"inline_keyboard"`
			}
			if raw := c.Params["reply_markup"]; raw != "" {
				if err := json.Unmarshal([]byte(raw), &markup); err != nil {
					t.Fatal(err)
				}
			}
			for _, row := range markup.InlineKeyboard {
				for _, b := range row {
					buttons[b.Text] = b.CallbackData
				}
			}
			return c.Params["text"], buttons
		}
		time.Sleep(20 * time.Millisecond)
	}
	var got []string
	for _, c := range fake.Delivered() {
		if c.Chat() == chat {
			got = append(got, c.Params["text"])
		}
	}
	t.Fatalf("no message to %d containing %q; got %q", chat, want, got)
	return "", nil
}

func TestTelegram_endToEnd(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{Enforce: &telegramtest.Limits{}})
	dir := t.TempDir()
	db := filepath.Join(dir, "chibo.db")
	env := map[string]string{"CHIBO_DB": db}
	chibo(t, env, "", "admin", "create-org", "Đảng bộ xã Tân Phú")
	chibo(t, env, "", "admin", "create-cell", "--org", "1", "Chi bộ ấp 3")

	stop := served(t, fake, db)
	// A stranger, then malformed and unknown input.
	fake.PushText(501, 501, "/start")
	waitSent(t, fake, 501, "đường dẫn mời")
	fake.PushText(501, 501, "/start not-a-token")
	waitSent(t, fake, 501, "không hợp lệ")
	fake.PushMessage(501, 501, map[string]any{"sticker": map[string]any{"file_id": "x", "file_unique_id": "y", "type": "regular", "width": 1, "height": 1, "is_animated": false, "is_video": false}})
	code, logs := stop()
	if code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, logs)
	}
	if strings.Contains(logs, fake.Token()) || strings.Contains(logs, strings.Split(fake.Token(), ":")[1]) {
		t.Fatalf("the token reached the logs:\n%s", logs)
	}

	// The operator makes a secretary invite: the link names the bot Telegram told.
	_, out, _ := chibo(t, env, "", "admin", "invite", "--cell", "1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	link := lines[len(lines)-1]
	if !strings.HasPrefix(link, "https://t.me/chibo_test_bot?start=") {
		t.Fatalf("invite link %q", link)
	}

	// After a restart the secretary registers with buttons, from the link
	// pasted as text (it came by e-mail), which the Telegram transport
	// reads as the "/start <token>" a tap would send.
	stop = served(t, fake, db)
	fake.PushText(700, 700, link)
	// Telegram's name "User 700" is not a person's name: chibo asks for it.
	waitSent(t, fake, 700, "gõ họ và tên đầy đủ")
	fake.PushText(700, 700, "Nguyễn Văn An")
	_, buttons := waitSent(t, fake, 700, "Đồng chí có đồng ý không?")
	_, qid := fake.PushCallback(700, 700, 2, buttons["Tôi đồng ý"])
	_, buttons = waitSent(t, fake, 700, "ngôn ngữ nào")
	fake.PushCallback(700, 700, 3, buttons["Tiếng Việt"])
	waitSent(t, fake, 700, "Đăng ký thành công. Chào đồng chí Nguyễn Văn An, bí thư Chi bộ ấp 3")
	if !fake.CallbackAnswered(qid) {
		t.Error("a button tap was not answered: the spinner would keep turning")
	}
	// A stale button (the language step's) is answered and refused.
	_, qid = fake.PushCallback(700, 700, 1, buttons["Tiếng Việt"])
	waitSent(t, fake, 700, "Nút này đã cũ")
	if !fake.CallbackAnswered(qid) {
		t.Error("a stale button tap was not answered")
	}
	fake.PushText(700, 700, "/invite")
	waitSent(t, fake, 700, "https://t.me/chibo_test_bot?start=")
	// The new secretary gets the leaders' menu without a restart.
	deadline := time.Now().Add(10 * time.Second)
	for fake.Commands("chat", 700, "") == "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(fake.Commands("chat", 700, ""), "invite") {
		t.Errorf("the new secretary's menu: %q", fake.Commands("chat", 700, ""))
	}
	if code, logs := stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, logs)
	}

	// Every update was confirmed; nothing chibo sent was refused or rate limited.
	if fake.Pending() != 0 {
		t.Errorf("%d updates never confirmed", fake.Pending())
	}
	for _, c := range fake.Calls("sendMessage", "answerCallbackQuery", "setMyCommands") {
		if !c.OK() {
			t.Errorf("%s refused: %d %s", c.Method, c.Code, c.Description)
		}
	}
	if fake.RateLimited() != 0 {
		t.Errorf("%d sends over Telegram's limits", fake.RateLimited())
	}
	// Each reply went once: the registration welcome is not repeated after restarts.
	n := 0
	for _, c := range fake.Delivered() {
		if strings.Contains(c.Params["text"], "Đăng ký thành công") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("welcome sent %d times", n)
	}
}

func TestChatLevels_rolesGiveTheirMenus(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "chibo.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	people := []storage.Member{
		{Name: "Thành viên", HomeCellID: 1, Contacts: map[string]string{"telegram": "11"}},
		{Name: "Bí thư", HomeCellID: 1, Roles: []storage.CellRole{{CellID: 1, Role: storage.RoleSecretary}}, Contacts: map[string]string{"telegram": "12"}},
		{Name: "Quản trị", AdminOf: []uint64{1}, Contacts: map[string]string{"telegram": "13"}},
		{Name: "Bí thư kiêm quản trị", HomeCellID: 1, Roles: []storage.CellRole{{CellID: 1, Role: storage.RoleDeputy}}, AdminOf: []uint64{1}, Contacts: map[string]string{"telegram": "14"}},
		{Name: "Quản trị không có Telegram", AdminOf: []uint64{1}, Contacts: map[string]string{"console": "x"}},
		{Name: "Tổ trưởng", HomeCellID: 1, Roles: []storage.CellRole{{CellID: 1, Role: storage.RoleMember}}, Contacts: map[string]string{"telegram": "15"}},
	}
	if err := db.Update(func(tx *storage.Tx) error {
		for i := range people {
			if err := tx.PutMember(&people[i]); err != nil {
				return err
			}
		}
		return tx.PutGroup(&storage.Group{CellID: 1, Name: "Tổ xa", LeaderID: people[len(people)-1].ID})
	}); err != nil {
		t.Fatal(err)
	}
	got := chatLevels(db, time.Now())
	want := map[int64]core.MenuLevel{12: core.MenuLeader, 13: core.MenuAdmin, 14: core.MenuLeader | core.MenuAdmin, 15: core.MenuGroupLeader}
	if len(got) != len(want) {
		t.Fatalf("levels %v, want %v", got, want)
	}
	for chat, l := range want {
		if got[chat] != l {
			t.Errorf("chat %d: level %v, want %v", chat, got[chat], l)
		}
	}
}
