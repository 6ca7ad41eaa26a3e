package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/flows"
	"chibo/storage"
)

// runTelegram serves Telegram until ctx ends: long polling, or the webhook
// when cfg.WebhookURL is set. It shuts down in order: intake stops, the
// dispatcher finishes its batches, cron stops, then the sender finishes its
// sends.
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

	m := newMetrics(d.DB)
	sender := bot.NewSender(d.DB, map[string]bot.Transport{telegram.Name: tg}, bot.SenderOptions{
		Limiter: bot.NewRateLimiter(bot.RateLimits{PerSecond: cfg.RatePerSecond}),
		// A 403 means the person blocked the bot (or it left the group):
		// the member is marked unreachable, which secretaries see.
		OnBlocked: func(tx *storage.Tx, it *storage.OutboxItem) error {
			return flows.MarkUnreachable(tx, it.Transport, it.Chat, it.Ended)
		},
		Log:      d.Log,
		OnResult: m.sent,
	})
	menus := &menuRefresher{tg: tg, db: d.DB, menu: d.Engine.Menu, log: d.Log, wake: make(chan struct{}, 1), set: map[int64]bool{}}
	// This dispatcher wakes the sender on each commit, so replies leave at
	// once, and the menus, so a new secretary gets theirs.
	dispatcher := bot.NewDispatcher(d.DB, d.Engine, bot.DispatcherOptions{Log: d.Log, OnDispatched: m.dispatched, OnCommit: func() {
		sender.Notify()
		menus.notify()
	}})

	chats := leaderChats(d.DB)
	if err := tg.SetCommands(ctx, d.Engine.Menu, chats); err != nil {
		d.Log.Warn("command menus not set", "err", err) // cosmetic: chibo works without them
	} else {
		for _, c := range chats {
			menus.set[c] = true
		}
	}

	sendCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := sender.Run(sendCtx); err != nil {
			d.Log.Error("sender stopped", "err", err)
		}
	})
	// Reminders: the first tick catches up what fell due while chibo was down.
	sched := bot.NewScheduler(d.DB, d.Engine, bot.SchedulerOptions{
		Log:        d.Log,
		OnCommit:   sender.Notify,
		OnTick:     m.ticked,
		BackupDir:  cfg.BackupDir,
		BackupKeep: cfg.BackupKeep,
		BackupSpec: "CRON_TZ=" + cfg.zone.String() + " 30 2 * * *", // 02:30, when cells are quiet
	})
	if err := sched.Start(); err != nil {
		stopSender()
		wg.Wait()
		return err
	}
	wg.Go(func() { menus.run(ctx) })
	if cfg.HealthListen != "" && cfg.WebhookURL == "" {
		wg.Go(func() {
			if err := tg.ServeHealth(ctx, cfg.HealthListen, d.DB, m.handler()); err != nil {
				d.Log.Error("health endpoint stopped", "err", err)
			}
		})
	}

	var intakeErr error
	if cfg.WebhookURL != "" {
		intakeErr = tg.ServeWebhook(ctx, telegram.WebhookConfig{URL: cfg.WebhookURL, Listen: cfg.WebhookListen, Secret: cfg.WebhookSecret, Metrics: m.handler()}, dispatcher, d.DB)
	} else {
		intakeErr = tg.Poll(ctx, dispatcher, d.DB)
	}
	// Intake has stopped (ctx ended, or it failed): let the batches in
	// flight commit, stop cron and wait for a running tick, then let the
	// sender finish what it is sending. main closes the database last.
	dispatcher.Close()
	sched.Stop()
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

// menuRefresher gives the leaders' command menu to people who became
// secretaries or deputies while chibo runs. It looks at most every few
// seconds, after commits.
type menuRefresher struct {
	tg   *telegram.Telegram
	db   *storage.DB
	menu func(lang string, leader bool) []flows.MenuItem
	log  *slog.Logger
	wake chan struct{}
	set  map[int64]bool // chats that have the leaders' menu; owned by run
}

func (m *menuRefresher) notify() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *menuRefresher) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
		}
		var fresh []int64
		for _, c := range leaderChats(m.db) {
			if !m.set[c] {
				fresh = append(fresh, c)
			}
		}
		if len(fresh) > 0 {
			if err := m.tg.SetLeaderCommands(ctx, m.menu, fresh); err != nil {
				m.log.Warn("leader menus not set", "err", err)
			} else {
				for _, c := range fresh {
					m.set[c] = true
				}
			}
		}
		select { // at most one look every 2 seconds
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}
