package telegramtest_test

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"chibo/bot/telegram/telegramtest"
)

func send(api *tgbotapi.BotAPI, chat int64) int {
	_, err := api.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10), "text": "hi"})
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		return te.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestServer_EnforcesLimits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chats func(i int) int64
		n     int
		ok    int
	}{
		{"private chat 1/s", func(int) int64 { return 1 }, 3, 1},
		{"group 20/min", func(int) int64 { return -1 }, 25, 20},
		{"overall 30/s", func(i int) int64 { return int64(100 + i) }, 40, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := telegramtest.New(t, telegramtest.Options{Enforce: &telegramtest.Limits{}})
			api, err := tgbotapi.NewBotAPIWithClient(fake.Token(), fake.URL()+"/bot%s/%s", &http.Client{Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ok := 0
			for i := range tc.n {
				switch code := send(api, tc.chats(i)); code {
				case 0:
					ok++
				case 429:
				default:
					t.Fatalf("send %d: code %d", i, code)
				}
			}
			if ok != tc.ok || fake.RateLimited() != tc.n-tc.ok {
				t.Errorf("%d accepted, %d refused; want %d accepted", ok, fake.RateLimited(), tc.ok)
			}
		})
	}
}

func TestServer_GetUpdatesOffset(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	api, err := tgbotapi.NewBotAPIWithClient(fake.Token(), fake.URL()+"/bot%s/%s", &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a := fake.PushText(1, 1, "a")
	b := fake.PushText(1, 1, "b")
	for round, want := range [][]int{{a, b}, {a, b}} { // not confirmed: delivered again
		ups, err := api.GetUpdates(tgbotapi.UpdateConfig{})
		if err != nil || len(ups) != len(want) || ups[0].UpdateID != want[0] {
			t.Fatalf("round %d: %v %v", round, ups, err)
		}
	}
	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: b})
	if err != nil || len(ups) != 1 || ups[0].UpdateID != b || fake.Confirmed() != a {
		t.Fatalf("offset %d: %v %v, confirmed %d", b, ups, err, fake.Confirmed())
	}
	start := time.Now()
	ups, err = api.GetUpdates(tgbotapi.UpdateConfig{Offset: b + 1, Timeout: 1})
	if err != nil || len(ups) != 0 || time.Since(start) < 900*time.Millisecond || fake.Pending() != 0 {
		t.Fatalf("long poll: %v %v after %v", ups, err, time.Since(start))
	}
	// A webhook and getUpdates exclude each other.
	if _, err := api.MakeRequest("setWebhook", tgbotapi.Params{"url": "https://example.org/x"}); err != nil {
		t.Fatal(err)
	}
	var te *tgbotapi.Error
	if _, err := api.GetUpdates(tgbotapi.UpdateConfig{}); !errors.As(err, &te) || te.Code != 409 {
		t.Fatalf("getUpdates with a webhook: %v", err)
	}
}

// TestServer_AcceptedCountsSendsOnly: a benchmark that waits for N replies
// must not count the updates it pushed.
func TestServer_AcceptedCountsSendsOnly(t *testing.T) {
	s := telegramtest.New(t, telegramtest.Options{})
	for i := range 5 {
		s.PushText(int64(100+i), int64(100+i), "/start")
	}
	if n := s.Accepted(); n != 0 {
		t.Fatalf("Accepted() = %d after 5 pushes and no send", n)
	}
	resp, err := http.PostForm(s.URL()+"/bot"+s.Token()+"/sendMessage", url.Values{"chat_id": {"100"}, "text": {"chào"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := s.Accepted(); n != 1 {
		t.Fatalf("Accepted() = %d after one send", n)
	}
}
