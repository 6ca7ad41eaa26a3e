package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/flows"
	"chibo/storage"
)

// runTelegram serves Telegram until ctx ends: long polling, or the webhook
// when cfg.WebhookURL is set. It shuts down in order: intake stops, the
// dispatcher finishes its batches, then the sender finishes its sends.
func runTelegram(ctx context.Context, cfg Config, d *deps) error {
	tg, err := telegram.New(ctx, telegram.Config{
		Token:       cfg.Token,
		APIBase:     cfg.API,
		DefaultLang: cfg.Lang,
		Log:         d.Log,
	})
	if err != nil {
		return err
	}
	d.Log.Info("connected to Telegram", "bot", tg.Username(), "id", tg.BotID())
	d.SetInviteLink(tg.InviteLink)
	if err := d.DB.Update(func(tx *storage.Tx) error {
		return tx.PutMeta(metaBotUsername, []byte(tg.Username()))
	}); err != nil {
		return err
	}

	sender := bot.NewSender(d.DB, map[string]bot.Transport{telegram.Name: tg}, bot.SenderOptions{
		Limiter: bot.NewRateLimiter(bot.RateLimits{PerSecond: cfg.RatePerSecond}),
		// A 403 means the person blocked the bot (or it left the group):
		// the member is marked unreachable, which secretaries see.
		OnBlocked: func(tx *storage.Tx, it *storage.OutboxItem) error {
			return flows.MarkUnreachable(tx, it.Transport, it.Chat, it.Ended)
		},
		Log: d.Log,
	})
	// This dispatcher wakes the sender on each commit, so replies leave at once.
	dispatcher := bot.NewDispatcher(d.DB, d.Engine, bot.DispatcherOptions{Log: d.Log, OnCommit: sender.Notify})
	d.Dispatcher = dispatcher

	if err := tg.SetCommands(ctx, d.Engine.Menu, leaderChats(d.DB)); err != nil {
		d.Log.Warn("command menus not set", "err", err) // cosmetic: chibo works without them
	}

	sendCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := sender.Run(sendCtx); err != nil {
			d.Log.Error("sender stopped", "err", err)
		}
	})
	if cfg.HealthListen != "" && cfg.WebhookURL == "" {
		wg.Go(func() {
			if err := tg.ServeHealth(ctx, cfg.HealthListen, d.DB); err != nil {
				d.Log.Error("health endpoint stopped", "err", err)
			}
		})
	}

	var intakeErr error
	if cfg.WebhookURL != "" {
		intakeErr = tg.ServeWebhook(ctx, telegram.WebhookConfig{URL: cfg.WebhookURL, Listen: cfg.WebhookListen, Secret: cfg.WebhookSecret}, dispatcher, d.DB)
	} else {
		intakeErr = tg.Poll(ctx, dispatcher, d.DB)
	}
	// Intake has stopped (ctx ended, or it failed): let the batches in
	// flight commit, then let the sender finish what it is sending.
	dispatcher.Close()
	stopSender()
	wg.Wait()
	st := sender.Stats()
	d.Log.Info("telegram stopped", "sent", st.Sent, "failed", st.Failed, "unmarked", st.Unmarked)
	if intakeErr != nil && !errors.Is(intakeErr, context.Canceled) {
		return fmt.Errorf("telegram: %w", intakeErr)
	}
	return nil
}

// leaderChats lists the Telegram private chats of secretaries and deputies,
// who get the fuller command menu.
func leaderChats(db *storage.DB) []int64 {
	var chats []int64
	_ = db.View(func(tx *storage.Tx) error {
		members, err := tx.AllMembers()
		if err != nil {
			return err
		}
		for _, m := range members {
			if len(m.LedCells()) == 0 {
				continue
			}
			if id, err := strconv.ParseInt(m.Contacts[telegram.Name], 10, 64); err == nil && id > 0 {
				chats = append(chats, id)
			}
		}
		return nil
	})
	return chats
}
