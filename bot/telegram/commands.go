package telegram

import (
	"chibo/flows/core"
	"context"
	"fmt"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// MenuLangs are the languages the command menus are set for.
var MenuLangs = []string{"vi", "en"}

// SetCommands sets the "/" menu everyone sees: in the default language,
// and per language_code for each of MenuLangs.
func (t *Telegram) SetCommands(ctx context.Context, menu func(lang string) []core.MenuItem) error {
	for _, code := range append([]string{""}, MenuLangs...) {
		if err := t.setMenu(ctx, menu, tgbotapi.NewBotCommandScopeDefault(), code); err != nil {
			return err
		}
	}
	return nil
}

// SetChatCommands sets the menu of the private chats given (secretaries and
// group leaders see more than members), in every language.
func (t *Telegram) SetChatCommands(ctx context.Context, menu func(lang string) []core.MenuItem, chats []int64) error {
	for _, chat := range chats {
		for _, code := range append([]string{""}, MenuLangs...) {
			if err := t.setMenu(ctx, menu, tgbotapi.NewBotCommandScopeChat(chat), code); err != nil {
				return err
			}
		}
	}
	return nil
}

// setMenu sets one menu. In each scope Telegram shows the menu of the
// person's language_code, else the one without a language; a chat's scope
// comes before the default scope.
func (t *Telegram) setMenu(ctx context.Context, menu func(lang string) []core.MenuItem, scope tgbotapi.BotCommandScope, code string) error {
	lang := code
	if lang == "" {
		lang = t.cfg.DefaultLang
	}
	items := menu(lang)
	cmds := make([]tgbotapi.BotCommand, 0, len(items))
	for _, it := range items {
		cmds = append(cmds, tgbotapi.BotCommand{Command: it.Command, Description: it.Description})
	}
	for tries := 1; ; tries++ {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := t.bot(cctx, t.client).Request(tgbotapi.NewSetMyCommandsWithScopeAndLanguage(scope, code, cmds...))
		cancel()
		if err == nil {
			return nil
		}
		// Too many menus at once (a province's first start sets thousands):
		// wait as Telegram asks and set this one again.
		if status, te := apiCode(err); status == 429 && tries < menuTries {
			wait := min(max(time.Duration(te.RetryAfter)*time.Second, time.Second), time.Minute)
			t.log.Warn("setMyCommands rate-limited; waiting", "wait", wait)
			if sleep(ctx, wait) {
				continue
			}
		}
		return fmt.Errorf("telegram: setMyCommands %s %d %q: %w", scope.Type, scope.ChatID, code, t.scrub(err))
	}
}

// menuTries is how many times one menu is set while Telegram answers 429.
const menuTries = 5
