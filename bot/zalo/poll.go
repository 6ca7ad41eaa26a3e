package zalo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"chibo/bot"
	"chibo/bot/telegram"
	"chibo/flows/chat"
)

// ErrWebhookSet means getUpdates was refused because a webhook is set (by
// another chibo, or in Bot Creator's dashboard) after Poll deleted it.
var ErrWebhookSet = errors.New("zalo: getUpdates refused (400): a webhook is set for this bot; stop the other program or run chibo in webhook mode")

// Poll receives updates with long polling until ctx ends, and returns nil
// then. It deletes any webhook first (the platform serves one or the other)
// and keeps Config.Pollers getUpdates calls in flight, since each returns a
// single update. Updates received while a batch commits are dispatched
// together, in the order of their dates.
//
// The platform has no offset: an update is gone once getUpdates returned it.
// One received but not yet committed when the process dies is lost; the
// dispatcher's event keys make any redelivery a no-op.
func (z *Zalo) Poll(ctx context.Context, d *bot.Dispatcher) error {
	z.mode.Store("poll")
	// The first long poll may wait the whole poll timeout on a quiet bot:
	// Health counts from here until a getUpdates returns.
	z.pollSince.Store(time.Now().UnixNano())
	if err := z.retry(ctx, "deleteWebhook", func() error { return z.call(ctx, z.client, "deleteWebhook", nil, nil) }); err != nil {
		if ctx.Err() != nil { // stopped before the first poll
			return nil
		}
		return err
	}
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	in := make(chan chat.Event, 4*z.cfg.Pollers)
	var pollers sync.WaitGroup
	for range z.cfg.Pollers {
		pollers.Go(func() { z.pollLoop(pctx, cancel, in) })
	}
	go func() { pollers.Wait(); close(in) }()
	z.dispatchLoop(pctx, d, in)
	for range in { // pollers stop at pctx; drop what they still hand over
	}
	if err := context.Cause(pctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// pollLoop calls getUpdates until ctx ends, handing each event to in.
func (z *Zalo) pollLoop(ctx context.Context, fail context.CancelCauseFunc, in chan<- chat.Event) {
	backoff := time.Duration(0)
	params := map[string]string{"timeout": fmt.Sprint(int(z.cfg.PollTimeout / time.Second))}
	for ctx.Err() == nil {
		var raw json.RawMessage
		err := z.call(ctx, z.pollClient, "getUpdates", params, &raw)
		var ae *APIError
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return
		case errors.As(err, &ae) && ae.Code == 408: // no update before the timeout
			z.lastPoll.Store(time.Now().UnixNano())
			backoff = 0
			continue
		case errors.As(err, &ae) && ae.Code == 400:
			fail(ErrWebhookSet)
			return
		case errors.As(err, &ae) && (ae.Code == 401 || ae.Code == 403):
			fail(errors.New("zalo: getUpdates: the Bot Platform refused the token: check ZALO_BOT_TOKEN"))
			return
		default:
			backoff = nextBackoff(backoff)
			if ae != nil && ae.RetryAfter > backoff {
				backoff = ae.RetryAfter
			}
			z.log.Warn("zalo getUpdates failed; retrying", "err", err, "in", backoff)
			if !sleep(ctx, backoff) {
				return
			}
			continue
		}
		z.lastPoll.Store(time.Now().UnixNano())
		backoff = 0
		for _, u := range splitUpdates(raw) {
			ev, ok := z.event(u)
			if !ok {
				continue
			}
			select {
			case in <- ev:
			case <-ctx.Done():
				return
			}
		}
	}
}

// dispatchLoop dispatches what the pollers received, in batches.
func (z *Zalo) dispatchLoop(ctx context.Context, d *bot.Dispatcher, in <-chan chat.Event) {
	for {
		var batch []chat.Event
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-in:
			if !ok {
				return
			}
			batch = append(batch, ev)
		}
	more:
		for len(batch) < 100 {
			select {
			case ev := <-in:
				batch = append(batch, ev)
			default:
				break more
			}
		}
		// Concurrent polls may return in any order: a person's messages go
		// by their dates.
		slices.SortStableFunc(batch, func(a, b chat.Event) int { return a.Time.Compare(b.Time) })
		backoff := time.Duration(0)
		for {
			err := d.Dispatch(ctx, batch)
			if err == nil || ctx.Err() != nil || errors.Is(err, bot.ErrStopped) {
				break
			}
			backoff = nextBackoff(backoff)
			z.log.Error("zalo dispatch failed; retrying the batch", "first", batch[0].Key, "err", err, "in", backoff)
			if !sleep(ctx, backoff) {
				return
			}
		}
	}
}

// splitUpdates takes getUpdates' result: one update, as documented, or an
// array of them, in case the platform changes.
func splitUpdates(raw json.RawMessage) []json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] != '[' {
		return []json.RawMessage{raw}
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil
	}
	return list
}

// retry runs fn until it succeeds or fails for good: network faults, 429
// and 5xx are retried with backoff; 401 and other refusals end it.
func (z *Zalo) retry(ctx context.Context, method string, fn func() error) error {
	backoff := time.Duration(0)
	for {
		err := fn()
		if err == nil {
			return nil
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Code != 429 && ae.Code < 500 {
			if ae.Code == 401 || ae.Code == 403 {
				return fmt.Errorf("zalo: %s: the Bot Platform refused the token: check ZALO_BOT_TOKEN", method)
			}
			return fmt.Errorf("zalo: %s: %w", method, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		backoff = nextBackoff(backoff)
		z.log.Warn("zalo call failed; retrying", "method", method, "err", err, "in", backoff)
		if !sleep(ctx, backoff) {
			return ctx.Err()
		}
	}
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return time.Second
	}
	return min(2*d, time.Minute)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Update is one event of the Bot Platform. Ids are strings: a number where
// an id belongs makes the whole update refused (it is not the platform's).
type update struct {
	OK        *bool           `json:"ok"`
	Result    json.RawMessage `json:"result"`
	EventName string          `json:"event_name"`
	Message   *message        `json:"message"`
}

type message struct {
	MessageID strID  `json:"message_id"`
	Date      int64  `json:"date"`
	Text      string `json:"text"`
	From      struct {
		ID          strID  `json:"id"`
		DisplayName string `json:"display_name"`
		FirstName   string `json:"first_name"`
		IsBot       bool   `json:"is_bot"`
	} `json:"from"`
	Chat struct {
		ID       strID  `json:"id"`
		ChatType string `json:"chat_type"`
	} `json:"chat"`
}

// strID is an id that must come as a JSON string.
type strID string

func (s *strID) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		return fmt.Errorf("id %s is not a string", b)
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = strID(v)
	return nil
}

// parseUpdate reads a webhook body or a getUpdates result: the documented
// {ok, result} form or the top-level form seen in production.
func parseUpdate(raw []byte) (*update, error) {
	var u update
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, err
	}
	if u.OK != nil && len(u.Result) > 0 && u.Result[0] == '{' {
		return parseUpdate(u.Result)
	}
	return &u, nil
}

// event turns an update into an event, or logs why it is refused.
func (z *Zalo) event(raw []byte) (chat.Event, bool) {
	u, err := parseUpdate(raw)
	switch {
	case err != nil:
		z.log.Warn("zalo update refused: not a Bot Platform update", "err", err)
		return chat.Event{}, false
	case u.Message == nil || u.Message.MessageID == "" || u.Message.Chat.ID == "" || u.Message.From.ID == "":
		z.log.Warn("zalo update refused: no message, message id, chat or sender", "event", u.EventName)
		return chat.Event{}, false
	case u.Message.From.IsBot:
		return chat.Event{}, false
	case u.Message.Chat.ChatType == "GROUP":
		// Zalo bot groups are in beta (the bot sees only @mentions): cell
		// groups stay on Telegram.
		z.log.Info("zalo group message ignored: groups are served on Telegram only", "message", u.Message.MessageID)
		return chat.Event{}, false
	}
	m := u.Message
	name := u.EventName
	if name == "" {
		name = "message.text.received" // the documentation's own sample has none
	}
	ev := chat.Event{
		Key:       "zalo:" + name + ":" + string(m.MessageID),
		Transport: Name,
		Kind:      chat.EventOther,
		Chat:      string(m.Chat.ID),
		ChatKind:  chat.ChatPrivate,
		User:      string(m.From.ID),
		UserName:  m.From.DisplayName,
		Time:      eventTime(m.Date, z.cfg.Now),
	}
	if ev.UserName == "" {
		ev.UserName = m.From.FirstName
	}
	// Text events with text are read; everything else (stickers, voice,
	// pictures, unsupported and unknown events, empty text) is "other",
	// which the engine answers with what it can read.
	if (name == "message.text.received" || name == "message.link.received") && m.Text != "" {
		// Every invite shows Telegram's link: pasted here, it is read as
		// the invite it carries, as on Telegram.
		ev.Kind, ev.Text = chat.EventText, telegram.StartText(m.Text)
	}
	return ev, true
}

// eventTime reads a date in milliseconds (as the platform sends), or in
// seconds (as some clients and tests do).
func eventTime(date int64, now func() time.Time) time.Time {
	switch {
	case date <= 0:
		return now()
	case date < 1e12:
		return time.Unix(date, 0)
	default:
		return time.UnixMilli(date)
	}
}
