package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/storage"
)

// telegramPlug plugs Telegram into serve: long polling, or the webhook on
// its own listener when cfg.WebhookURL is set; the "/" menus follow each
// person's role.
func telegramPlug(cfg Config, d *deps, now func() time.Time) *plug {
	p := &plug{name: telegram.Name, rate: cfg.RatePerSecond, limiter: bot.NewRateLimiter(bot.RateLimits{PerSecond: cfg.RatePerSecond, PrivateInterval: cfg.ChatInterval})}
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
		d.SetInviteLink(tg.Caps().DeepLink)
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
	menus := newMenuRefresher(tg, d.DB, d.Engine, d.Log, cfg.Lang)
	// Each commit wakes the menus, so a new secretary gets theirs.
	defer sh.onCommit(menus.notify)()
	// The menus are set in the background: at a province's first start
	// that is thousands of calls (each 429 waited out), and polling must
	// not wait.
	menus.notify()

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
