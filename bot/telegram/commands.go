package telegram

import (
	"context"
	"fmt"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"chibo/flows"
)

// MenuLangs are the languages the command menus are set for.
var MenuLangs = []string{"vi", "en"}

// SetCommands sets the "/" menus: the members' menu for everyone (in the
// default language, and per language_code for each of MenuLangs), and the
// fuller leaders' menu in the private chat of each of leaderChats.
func (t *Telegram) SetCommands(ctx context.Context, menu func(lang string, leader bool) []flows.MenuItem, leaderChats []int64) error {
	for _, code := range append([]string{""}, MenuLangs...) {
		if err := t.setMenu(ctx, menu, tgbotapi.NewBotCommandScopeDefault(), code, false); err != nil {
			return err
		}
	}
	return t.SetLeaderCommands(ctx, menu, leaderChats)
}

// SetLeaderCommands sets the leaders' menu in the private chats given.
func (t *Telegram) SetLeaderCommands(ctx context.Context, menu func(lang string, leader bool) []flows.MenuItem, chats []int64) error {
	for _, chat := range chats {
		for _, code := range append([]string{""}, MenuLangs...) {
			if err := t.setMenu(ctx, menu, tgbotapi.NewBotCommandScopeChat(chat), code, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// setMenu sets one menu. In each scope Telegram shows the menu of the
// person's language_code, else the one without a language; a chat's scope
// comes before the default scope.
func (t *Telegram) setMenu(ctx context.Context, menu func(lang string, leader bool) []flows.MenuItem, scope tgbotapi.BotCommandScope, code string, leader bool) error {
	lang := code
	if lang == "" {
		lang = t.cfg.DefaultLang
	}
	items := menu(lang, leader)
	cmds := make([]tgbotapi.BotCommand, 0, len(items))
	for _, it := range items {
		cmds = append(cmds, tgbotapi.BotCommand{Command: it.Command, Description: it.Description})
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := t.bot(cctx, t.client).Request(tgbotapi.NewSetMyCommandsWithScopeAndLanguage(scope, code, cmds...)); err != nil {
		return fmt.Errorf("telegram: setMyCommands %s %d %q: %w", scope.Type, scope.ChatID, code, t.scrub(err))
	}
	return nil
}
