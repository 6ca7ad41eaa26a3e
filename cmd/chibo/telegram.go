package main

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/flows"
	"chibo/storage"
)

// telegramPlug plugs Telegram into serve: long polling, or the webhook on
// its own listener when cfg.WebhookURL is set; the "/" menus follow each
// person's role.
func telegramPlug(cfg Config, d *deps, now func() time.Time) *plug {
	p := &plug{name: telegram.Name, limiter: bot.NewRateLimiter(bot.RateLimits{PerSecond: cfg.RatePerSecond})}
	p.start = func(ctx context.Context, sh *shared) (func(context.Context) error, error) {
		tg, err := telegram.New(ctx, telegram.Config{
			Token:       cfg.Token,
			APIBase:     cfg.API,
			DefaultLang: cfg.Lang,
			Log:         d.Log,
			Now:         now,
		})
		if err != nil {
			return nil, err
		}
		d.Log.Info("connected to Telegram", "bot", tg.Username(), "id", tg.BotID())
		d.SetInviteLink(tg.InviteLink)
		if err := d.DB.Update(func(tx *storage.Tx) error {
			return tx.PutMeta(metaBotUsername, []byte(tg.Username()))
		}); err != nil {
			return nil, err
		}
		tg.AddHealthCheck(sh.sender.Healthy)
		p.health = func() (bool, any) { h := tg.Health(d.DB); return h.OK, h }
		p.out.set(tg)
		return func(ctx context.Context) error { return runTelegram(ctx, cfg, sh, tg) }, nil
	}
	return p
}

// runTelegram takes Telegram's updates until ctx ends, and keeps the menus.
func runTelegram(ctx context.Context, cfg Config, sh *shared, tg *telegram.Telegram) error {
	d := sh.d
	menus := &menuRefresher{tg: tg, db: d.DB, menu: d.Engine.Menu, log: d.Log, wake: make(chan struct{}, 1), set: map[int64]flows.MenuLevel{}}
	// Each commit wakes the menus, so a new secretary gets theirs.
	sh.onCommit(menus.notify)
	if err := tg.SetCommands(ctx, func(lang string) []flows.MenuItem { return d.Engine.Menu(lang, flows.MenuMember) }); err != nil {
		d.Log.Warn("command menus not set", "err", err) // cosmetic: chibo works without them
	}
	menus.refresh(ctx)

	var wg sync.WaitGroup
	defer wg.Wait()
	mctx, stopMenus := context.WithCancel(ctx)
	defer stopMenus()
	wg.Go(func() { menus.run(mctx) })
	if cfg.HealthListen != "" && cfg.WebhookURL == "" && cfg.HealthListen != cfg.Listen {
		wg.Go(func() {
			if err := tg.ServeHealth(mctx, cfg.HealthListen, d.DB, sh.m.handler()); err != nil {
				d.Log.Error("health endpoint stopped", "err", err)
			}
		})
	}
	var err error
	if cfg.WebhookURL != "" {
		err = tg.ServeWebhook(ctx, telegram.WebhookConfig{URL: cfg.WebhookURL, Listen: cfg.WebhookListen, Secret: cfg.WebhookSecret, Metrics: sh.m.handler()}, sh.dispatcher, d.DB)
	} else {
		err = tg.Poll(ctx, sh.dispatcher, d.DB)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// chatLevels lists the Telegram private chats of people who see more than
// the members' menu (secretaries, deputies, group leaders, organization
// admins), with their level.
func chatLevels(db *storage.DB) map[int64]flows.MenuLevel {
	out := map[int64]flows.MenuLevel{}
	_ = db.View(func(tx *storage.Tx) error {
		members, err := tx.AllMembers()
		if err != nil {
			return err
		}
		for _, m := range members {
			level := flows.MenuLevelOf(tx, &m)
			if level == flows.MenuMember {
				continue
			}
			if id, err := strconv.ParseInt(m.Contacts[telegram.Name], 10, 64); err == nil && id > 0 {
				out[id] = level
			}
		}
		return nil
	})
	return out
}

// menuRefresher keeps each person's "/" menu in step with their role: a new
// secretary or group leader gets the fuller menu, one who lost the role the
// members' menu again. It looks at most every few seconds, after commits.
type menuRefresher struct {
	tg   *telegram.Telegram
	db   *storage.DB
	menu func(lang string, level flows.MenuLevel) []flows.MenuItem
	log  *slog.Logger
	wake chan struct{}
	set  map[int64]flows.MenuLevel // chats with their own menu, by level; owned by refresh
}

func (m *menuRefresher) notify() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// refresh sets the menu of every chat whose level changed.
func (m *menuRefresher) refresh(ctx context.Context) {
	now := chatLevels(m.db)
	changed := map[flows.MenuLevel][]int64{}
	for chat, level := range now {
		if lv, ok := m.set[chat]; !ok || lv != level {
			changed[level] = append(changed[level], chat)
		}
	}
	for chat := range m.set {
		if _, ok := now[chat]; !ok {
			changed[flows.MenuMember] = append(changed[flows.MenuMember], chat)
		}
	}
	for level, chats := range changed {
		menu := func(lang string) []flows.MenuItem { return m.menu(lang, level) }
		if err := m.tg.SetChatCommands(ctx, menu, chats); err != nil {
			m.log.Warn("chat menus not set", "err", err)
			continue
		}
		for _, c := range chats {
			if level == flows.MenuMember {
				delete(m.set, c)
			} else {
				m.set[c] = level
			}
		}
	}
}

func (m *menuRefresher) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
		}
		m.refresh(ctx)
		select { // at most one look every 2 seconds
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}
