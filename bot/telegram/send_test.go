package telegram_test

import (
	"chibo/flows/core"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
	"chibo/flows/chat"
	"chibo/storage"
)

func assertNoToken(t *testing.T, s, token string) {
	t.Helper()
	secret := token[strings.IndexByte(token, ':')+1:]
	if strings.Contains(s, token) || strings.Contains(s, secret) {
		t.Errorf("the bot token appears in: %s", s)
	}
}

func TestSplitText(t *testing.T) {
	long := strings.Repeat("Nguyễn Văn A đã tham gia. ", 400) // > 4096 with spaces
	lines := strings.Repeat(strings.Repeat("x", 99)+"\n", 100)
	emoji := strings.Repeat("😀", 3000) // 2 UTF-16 units each, no spaces
	// A board: paragraphs of three lines, one per member.
	var board strings.Builder
	board.WriteString("Đảng viên ở xa của chi bộ Khu phố 3, phường Bến Thành: 60 người\n\n")
	for i := range 60 {
		fmt.Fprintf(&board, "%d. Đồng chí Nguyễn Văn An\nNơi ở: phường Bến Thành, TP Hồ Chí Minh\nĐã báo cáo ngày 01/03/2026\n\n", i+1)
	}
	for _, tc := range []struct {
		name string
		in   string
		want int
	}{
		{"short", "xin chào", 1},
		{"exact", strings.Repeat("a", 4096), 1},
		{"spaces", long, 3},
		{"lines", lines, 3},
		{"emoji", emoji, 2},
		{"blank", "  \n ", 0},
		{"paragraphs", board.String(), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := telegram.SplitText(tc.in, telegram.MaxText)
			if len(parts) != tc.want {
				t.Fatalf("got %d parts, want %d", len(parts), tc.want)
			}
			var joined []string
			for _, p := range parts {
				if n := len(utf16.Encode([]rune(p))); n > telegram.MaxText {
					t.Errorf("part of %d UTF-16 units", n)
				}
				if !utf8.ValidString(p) {
					t.Error("part cut inside a rune")
				}
				joined = append(joined, p)
			}
			if tc.name == "paragraphs" {
				for _, p := range parts[1:] {
					if !regexp.MustCompile(`^\d+\. Đồng chí`).MatchString(p) {
						t.Errorf("a member's paragraph cut in two: part starts %q", p[:30])
					}
				}
			}
			if tc.name == "lines" {
				for _, p := range parts[:len(parts)-1] {
					if !strings.HasSuffix(p, "x") || strings.HasPrefix(p, "\n") {
						t.Errorf("part not cut at a line break: ...%q", p[len(p)-5:])
					}
				}
			}
			if strings.Join(strings.Fields(strings.Join(joined, " ")), " ") != strings.Join(strings.Fields(tc.in), " ") && tc.name != "emoji" {
				t.Error("parts lost or changed text")
			}
			if tc.name == "emoji" && strings.Join(joined, "") != tc.in {
				t.Error("parts lost or changed text")
			}
		})
	}
}

func TestTelegram_Send(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	tg := mustTelegram(t, fake, telegram.Config{})
	ctx := context.Background()
	buttons := [][]chat.Button{{{Label: "Có", Data: "c:n1:yes"}, {Label: "Không", Data: "c:n1:no"}}}

	t.Run("long text with buttons", func(t *testing.T) {
		text := strings.Repeat("Dòng có *dấu* _đặc_ <biệt> & [tên].\n", 300)
		if err := tg.Send(ctx, chat.Message{Chat: "11", Text: text, Buttons: buttons}); err != nil {
			t.Fatal(err)
		}
		calls := fake.Calls("sendMessage")
		if len(calls) < 3 {
			t.Fatalf("%d sendMessage calls, want the text split", len(calls))
		}
		for i, c := range calls {
			if _, ok := c.Params["parse_mode"]; ok {
				t.Error("parse_mode sent for plain text")
			}
			if _, has := c.Params["reply_markup"]; has != (i == len(calls)-1) {
				t.Errorf("part %d: reply_markup present = %v; buttons belong on the last part only", i, has)
			}
		}
		if !strings.Contains(calls[len(calls)-1].Params["reply_markup"], `"callback_data":"c:n1:yes"`) {
			t.Errorf("reply_markup = %s", calls[len(calls)-1].Params["reply_markup"])
		}
	})

	t.Run("edit", func(t *testing.T) {
		n := len(fake.Calls("sendMessage"))
		if err := tg.Send(ctx, chat.Message{Chat: "12", Text: "Hỏi?", Buttons: buttons}); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprint(len(fake.Calls("sendMessage")) - n) // the fake numbers messages per chat
		edit := chat.Message{Chat: "12", Text: "Hỏi? Có", EditMessageID: id}
		if err := tg.Send(ctx, edit); err != nil {
			t.Fatal(err)
		}
		// The same edit again is "message is not modified": already done.
		if err := tg.Send(ctx, edit); err != nil {
			t.Fatalf("repeated edit: %v", err)
		}
		calls := fake.Calls("editMessageText")
		if len(calls) != 2 || !calls[0].OK() || calls[1].OK() {
			t.Fatalf("editMessageText calls = %+v", calls)
		}
		if _, ok := calls[0].Params["reply_markup"]; ok {
			t.Error("edit without buttons kept a keyboard")
		}
	})

	t.Run("location keyboard", func(t *testing.T) {
		if err := tg.Send(ctx, chat.Message{Chat: "13", Text: "Vị trí?", RequestLocation: "Gửi vị trí", Buttons: buttons}); err != nil {
			t.Fatal(err)
		}
		calls := fake.Calls("sendMessage")
		rm := calls[len(calls)-1].Params["reply_markup"]
		for _, want := range []string{`"request_location":true`, `"one_time_keyboard":true`, `"text":"Có"`} {
			if !strings.Contains(rm, want) {
				t.Errorf("reply_markup %s lacks %s", rm, want)
			}
		}
	})

	t.Run("document", func(t *testing.T) {
		data := []byte("name,phone\nA,1\n")
		if err := tg.Send(ctx, chat.Message{Chat: "-1001", Group: true, Text: "Danh sách", Document: &chat.Document{Name: "list.csv", Data: data}}); err != nil {
			t.Fatal(err)
		}
		calls := fake.Calls("sendDocument")
		if len(calls) != 1 || !calls[0].OK() {
			t.Fatalf("sendDocument calls = %+v", calls)
		}
		if f := calls[0].Files["document"]; string(f.Data) != string(data) || f.Name != "list.csv" || calls[0].Params["caption"] != "Danh sách" {
			t.Errorf("document = %q %q caption %q", f.Name, f.Data, calls[0].Params["caption"])
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			fault   telegramtest.Fault
			msg     chat.Message
			outcome bot.SendOutcome
			retry   time.Duration
		}{
			{"429", telegramtest.Fault{Code: 429, Description: "Too Many Requests: retry after 7", RetryAfter: 7}, chat.Message{Chat: "20", Text: "a"}, bot.SendRetry, 7 * time.Second},
			{"403", telegramtest.Fault{Code: 403, Description: "Forbidden: bot was blocked by the user"}, chat.Message{Chat: "21", Text: "a"}, bot.SendBlocked, 0},
			{"400", telegramtest.Fault{Code: 400, Description: "Bad Request: chat not found"}, chat.Message{Chat: "22", Text: "a"}, bot.SendPermanent, 0},
			{"500", telegramtest.Fault{Code: 500, Description: "Internal Server Error"}, chat.Message{Chat: "23", Text: "a"}, bot.SendRetry, 0},
			{"dropped", telegramtest.Fault{Drop: true}, chat.Message{Chat: "24", Text: "a"}, bot.SendRetry, 0},
			{"document 403", telegramtest.Fault{Code: 403, Description: "Forbidden: bot was kicked from the group chat"}, chat.Message{Chat: "-25", Text: "a", Document: &chat.Document{Name: "a.txt", Data: []byte("a")}}, bot.SendBlocked, 0},
			{"callback data too long", telegramtest.Fault{}, chat.Message{Chat: "26", Text: "a", Buttons: [][]chat.Button{{{Label: "x", Data: strings.Repeat("d", 65)}}}}, bot.SendPermanent, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.fault != (telegramtest.Fault{}) {
					fake.Inject(tc.fault)
				}
				err := tg.Send(ctx, tc.msg)
				var se *bot.SendError
				if !errors.As(err, &se) {
					t.Fatalf("Send = %v, want a *bot.SendError", err)
				}
				if se.Outcome != tc.outcome || se.RetryAfter != tc.retry {
					t.Errorf("outcome %v retry %v, want %v %v (%v)", se.Outcome, se.RetryAfter, tc.outcome, tc.retry, se)
				}
				if tc.name == "callback data too long" && !strings.Contains(se.Reason, "BUTTON_DATA_INVALID") {
					t.Errorf("reason = %q", se.Reason)
				}
				assertNoToken(t, err.Error(), fake.Token())
			})
		}
	})
}

func TestFake_Strict(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	api, err := tgbotapi.NewBotAPIWithClient(fake.Token(), fake.URL()+"/bot%s/%s", http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method string
		params tgbotapi.Params
		code   int
		desc   string
	}{
		{"sendTelepathy", tgbotapi.Params{"chat_id": "1"}, 404, "Not Found"},
		{"sendMessage", tgbotapi.Params{"text": "hi"}, 400, "chat_id is empty"},
		{"sendMessage", tgbotapi.Params{"chat_id": "1"}, 400, "message text is empty"},
		{"sendMessage", tgbotapi.Params{"chat_id": "1", "text": strings.Repeat("a", 4097)}, 400, "message is too long"},
		{"sendMessage", tgbotapi.Params{"chat_id": "1", "text": "hi", "colour": "red"}, 400, "unknown parameter"},
		{"sendMessage", tgbotapi.Params{"chat_id": "1", "text": "hi", "disable_notification": "maybe"}, 400, "can't parse"},
		{"sendMessage", tgbotapi.Params{"chat_id": "1", "text": "hi", "reply_markup": `{"inline_keyboard":[[{"text":"x","callback_data":"` + strings.Repeat("d", 65) + `"}]]}`}, 400, "BUTTON_DATA_INVALID"},
		{"sendMessage", tgbotapi.Params{"chat_id": "1", "text": "hi", "reply_markup": `{"inline_keyboard":[[{"text":"x","callback_data":"d","colour":1}]]}`}, 400, "unknown field"},
		{"sendMessage", tgbotapi.Params{"chat_id": "1", "text": "hi", "reply_markup": `{"inline_keyboard":[` + strings.Repeat(`[{"text":"x","callback_data":"d"}],`, 100) + `[{"text":"x","callback_data":"d"}]]}`}, 400, "reply markup is too long"},
		{"sendMessage", tgbotapi.Params{"chat_id": "1", "text": "hi", "reply_markup": `{"inline_keyboard":[[` + strings.Repeat(`{"text":"x","callback_data":"d"},`, 8) + `{"text":"x","callback_data":"d"}]]}`}, 400, "reply markup is too long"},
		{"setMyCommands", tgbotapi.Params{"commands": `[{"command":"Help!","description":"x"}]`}, 400, "BOT_COMMAND_INVALID"},
		{"setMyCommands", tgbotapi.Params{"commands": `[{"command":"help","description":"x"}]`, "scope": `{"type":"chat"}`}, 400, "chat_id"},
		{"answerCallbackQuery", tgbotapi.Params{"callback_query_id": "nope"}, 400, "query is too old"},
		{"editMessageText", tgbotapi.Params{"chat_id": "1", "message_id": "99", "text": "x"}, 400, "message to edit not found"},
	} {
		t.Run(tc.method+" "+tc.desc, func(t *testing.T) {
			_, err := api.MakeRequest(tc.method, tc.params)
			var te *tgbotapi.Error
			if !errors.As(err, &te) || te.Code != tc.code || !strings.Contains(te.Message, tc.desc) {
				t.Fatalf("got %v, want %d %q", err, tc.code, tc.desc)
			}
		})
	}
	// Wrong token: 401.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	if _, err := tgbotapi.NewBotAPIWithClient("1:wrong", fake.URL()+"/bot%s/%s", http.DefaultClient); err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Errorf("wrong token: %v", err)
	}
}

func TestTelegram_NoTokenInErrors(t *testing.T) {
	token := telegramtest.DefaultToken
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there now
	_, err := telegram.New(context.Background(), telegram.Config{Token: token, APIBase: base})
	if err == nil {
		t.Fatal("New against a dead server succeeded")
	}
	assertNoToken(t, err.Error(), token)

	// A transport that connected once, then loses the server.
	fake := telegramtest.New(t, telegramtest.Options{})
	var logs logBuffer
	tg := mustTelegram(t, fake, telegram.Config{Log: logs.logger()})
	fake.Close()
	db := mustOpenDB(t)
	if err := db.Update(func(tx *storage.Tx) error {
		return bot.Enqueue(tx, time.Now(), chat.Message{Transport: telegram.Name, Chat: "5", Text: "x"})
	}); err != nil {
		t.Fatal(err)
	}
	s := runSender(t, db, tg, bot.SenderOptions{Log: logs.logger(), MaxAttempts: 2, Backoff: func(int) time.Duration { return time.Millisecond }})
	waitFor(t, 10*time.Second, "the row to fail", func() bool { return s.Stats().Failed == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d := bot.NewDispatcher(db, mustEngine(t), bot.DispatcherOptions{Log: logs.logger()})
	tg.Poll(ctx, d, db)
	rows := outboxRows(t, db)
	if !strings.Contains(logs.String(), "network error") || len(rows) != 1 || rows[0].State != storage.OutboxFailed {
		t.Fatalf("want a failed row and logged network errors; rows %+v, logs:\n%s", rows, logs.String())
	}
	assertNoToken(t, logs.String(), token)
	assertNoToken(t, rows[0].Reason, token)
}

func TestTelegram_SetCommands(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	tg := mustTelegram(t, fake, telegram.Config{})
	e := mustEngine(t)
	if err := tg.SetCommands(context.Background(), func(l string) []core.MenuItem { return e.Menu(l, core.MenuMember) }); err != nil {
		t.Fatal(err)
	}
	if err := tg.SetChatCommands(context.Background(), func(l string) []core.MenuItem { return e.Menu(l, core.MenuLeader) }, []int64{77}); err != nil {
		t.Fatal(err)
	}
	def, en, lead := fake.Commands("default", 0, ""), fake.Commands("default", 0, "en"), fake.Commands("chat", 77, "")
	if def == "" || en == "" || lead == "" || def == en {
		t.Fatalf("menus: default %q, en %q, leader %q", def, en, lead)
	}
	if len(lead) <= len(def) {
		t.Errorf("leader menu is not fuller: %s vs %s", lead, def)
	}
	if got := tg.InviteLink("abc_-1"); got != "https://t.me/chibo_test_bot?start=abc_-1" {
		t.Errorf("InviteLink = %q", got)
	}

	// Too many menus at once: Telegram's 429 is waited out, not a failure.
	fake.Inject(telegramtest.Fault{Method: "setMyCommands", Code: 429, Description: "Too Many Requests: retry after 1", RetryAfter: 1})
	if err := tg.SetChatCommands(context.Background(), func(l string) []core.MenuItem { return e.Menu(l, core.MenuLeader) }, []int64{78}); err != nil {
		t.Fatalf("a 429 on a menu: %v", err)
	}
	if got := fake.Commands("chat", 78, ""); got != lead {
		t.Errorf("the menu after a 429: %q, want %q", got, lead)
	}
}
