package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"chibo/bot"
	"chibo/bot/zalo"
)

// zaloPlug plugs the Zalo Bot Platform into serve: long polling, or the
// webhook on chibo's own listener when cfg.ZaloWebhookURL is set.
func zaloPlug(cfg Config, d *deps, now func() time.Time) *plug {
	// Zalo documents no rate limits: chibo keeps to a conservative pace
	// (zalo.DefaultPace, CHIBO_ZALO_RATE), one message a second per chat.
	pace := zalo.Pace{PerSecond: cfg.ZaloRate, ChatInterval: zalo.DefaultPace.ChatInterval}
	p := &plug{name: zalo.Name, rate: pace.PerSecond, limiter: bot.NewRateLimiter(bot.RateLimits{PerSecond: pace.PerSecond, PrivateInterval: pace.ChatInterval})}
	p.start = func(ctx context.Context, sh *shared) (func(context.Context) error, error) {
		z, err := zalo.New(ctx, zalo.Config{
			Token:   cfg.ZaloToken,
			APIBase: cfg.ZaloAPI,
			Pace:    zalo.Pace{PerSecond: -1}, // the sender's limiter (p.limiter) paces every request
			Pollers: cfg.ZaloPollers,
			Links:   sh.links(),
			Log:     d.Log,
			Now:     now,
		})
		if err != nil {
			return nil, err
		}
		d.Log.Info("connected to Zalo", "bot", z.Me().AccountName, "id", z.Me().ID)
		p.health = func() (bool, any) { h := z.Health(); return h.OK, h }
		p.out.set(z)
		if cfg.ZaloWebhookURL == "" {
			return func(ctx context.Context) error { return z.Poll(ctx, sh.dispatcher) }, nil
		}
		if sh.mux == nil {
			return nil, fmt.Errorf("the Zalo webhook needs chibo's listener (CHIBO_LISTEN)")
		}
		u, err := url.Parse(cfg.ZaloWebhookURL)
		if err != nil {
			return nil, fmt.Errorf("CHIBO_ZALO_WEBHOOK_URL: %w", err)
		}
		path := u.Path
		if path == "" || path == "/" {
			path = "/zalo"
		}
		sh.handleOnce("POST "+path, z.WebhookHandler(cfg.ZaloWebhookSecret, sh.dispatcher))
		if err := z.SetWebhook(ctx, cfg.ZaloWebhookURL, cfg.ZaloWebhookSecret); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error { <-ctx.Done(); return nil }, nil
	}
	return p
}
