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
func runTelegram(ctx context.Context, cfg Config, d *deps, now func() time.Time) error {
	// A sender that cannot read its outbox for minutes ends the process
	// (exit non-zero) so its supervisor restarts it: taking updates that
	// are never answered is worse than a restart.
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	tg, err := telegram.New(ctx, telegram.Config{
		Token:       cfg.Token,
		APIBase:     cfg.API,
		DefaultLang: cfg.Lang,
		Log:         d.Log,
		Now:         now,
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
	sender := newTelegramSender(d, tg, cfg.RatePerSecond, m.sent, now)
	tg.AddHealthCheck(sender.Healthy)
	menus := &menuRefresher{tg: tg, db: d.DB, menu: d.Engine.Menu, log: d.Log, wake: make(chan struct{}, 1), set: map[int64]flows.MenuLevel{}}
	// This dispatcher wakes the sender on each commit, so replies leave at
	// once, and the menus, so a new secretary gets theirs.
	dispatcher := bot.NewDispatcher(d.DB, d.Engine, bot.DispatcherOptions{Log: d.Log, Now: now, OnDispatched: m.dispatched, OnCommit: func() {
		sender.Notify()
		menus.notify()
	}})

	if err := tg.SetCommands(ctx, func(lang string) []flows.MenuItem { return d.Engine.Menu(lang, flows.MenuMember) }); err != nil {
		d.Log.Warn("command menus not set", "err", err) // cosmetic: chibo works without them
	}
	menus.refresh(ctx)

	sendCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := sender.Run(sendCtx); err != nil {
			d.Log.Error("sender stopped", "err", err)
			fail(err)
		}
	})
	// Reminders: the first tick catches up what fell due while chibo was down.
	sched := bot.NewScheduler(d.DB, d.Engine, bot.SchedulerOptions{
		Log:        d.Log,
		Now:        now,
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
	if cause := context.Cause(ctx); errors.Is(cause, bot.ErrOutboxUnreadable) {
		return fmt.Errorf("telegram: %w", cause)
	}
	if intakeErr != nil && !errors.Is(intakeErr, context.Canceled) {
		return fmt.Errorf("telegram: %w", intakeErr)
	}
	return nil
}

// newTelegramSender is the sender chibo serves Telegram with: Telegram's
// limits (the overall rate configurable), the default concurrency, and a
// 403 marking the member unreachable. Benchmarks build it the same way.
func newTelegramSender(d *deps, tg *telegram.Telegram, rate float64, onResult func(*storage.OutboxItem, string), now func() time.Time) *bot.Sender {
	return bot.NewSender(d.DB, map[string]bot.Transport{telegram.Name: tg}, bot.SenderOptions{
		Limiter: bot.NewRateLimiter(bot.RateLimits{PerSecond: rate}),
		// A 403 means the person blocked the bot (or it left the group):
		// the member is marked unreachable, which secretaries see.
		OnBlocked: func(tx *storage.Tx, it *storage.OutboxItem) error {
			return flows.MarkUnreachable(tx, it.Transport, it.Chat, it.Ended)
		},
		Log:      d.Log,
		Now:      now,
		OnResult: onResult,
		Draw:     d.Engine.Draw,
	})
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
