package telegram_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/bot/telegram/telegramtest"
	"chibo/flows/chat"
)

func TestStartPayload(t *testing.T) {
	for in, want := range map[string]string{
		"https://t.me/chibo_bot?start=abcDEF-_123": "abcDEF-_123",
		"t.me/chibo_bot?start=xyz":                 "xyz",
		"  https://t.me/chibo_bot?start=xyz\n":     "xyz",
		"https://t.me/chibo_bot":                   "",
		"https://example.com/?start=xyz":           "",
		"/start xyz":                               "",
	} {
		got, ok := telegram.StartPayload(in)
		if got != want || ok != (want != "") {
			t.Errorf("StartPayload(%q) = %q, %v", in, got, ok)
		}
	}
}

// An invite link typed or pasted instead of tapped reaches the engine as
// the "/start <token>" a tap sends: the engine knows no Telegram links.
func TestPoll_typedDeepLinkIsStart(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	db := mustOpenDB(t)
	tg := mustTelegram(t, fake, telegram.Config{})
	var (
		mu    sync.Mutex
		texts []string
	)
	d := bot.NewDispatcher(db, handlerFunc(func(ev chat.Event) {
		mu.Lock()
		defer mu.Unlock()
		texts = append(texts, ev.Text)
	}), bot.DispatcherOptions{})
	fake.PushText(42, 42, "https://t.me/chibo_test_bot?start=tok_-1")
	last := fake.PushText(42, 42, "xem https://t.me/chibo_test_bot?start=tok") // a link inside a sentence is text
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Poll(ctx, d, db) }()
	waitFor(t, 5*time.Second, "all updates confirmed", func() bool { return fake.Confirmed() >= last })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(texts) != 2 || texts[0] != "/start tok_-1" || texts[1] != "xem https://t.me/chibo_test_bot?start=tok" {
		t.Errorf("texts = %q", texts)
	}
}

// Telegram's Caps are the limits chibo always used, with this bot's links.
func TestTelegram_caps(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	c := mustTelegram(t, fake, telegram.Config{}).Caps()
	if c.MaxText != 4096 || c.MaxButtons != 100 || c.MaxPerRow != 8 || c.ButtonData != 64 || !c.Buttons {
		t.Errorf("caps = %+v", c)
	}
	if c.DeepLink == nil || c.DeepLink("abc") != "https://t.me/chibo_test_bot?start=abc" {
		t.Error("deep link is not this bot's")
	}
}
