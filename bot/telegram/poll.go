package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"chibo/bot"
	"chibo/flows/chat"
	"chibo/storage"
)

// OffsetKey is the meta key holding the next getUpdates offset of a bot.
// Update ids belong to a bot: a database moved to another bot (a new token
// from BotFather) starts from that bot's first unconfirmed update, where
// an offset from the old bot would skip the new one's updates until its
// ids passed it. (The key of the releases before held no bot id; the first
// poll after the upgrade gets the unconfirmed updates again, and the event
// keys make the ones already handled no-ops.)
func OffsetKey(botID int64) string { return "telegram.offset." + strconv.FormatInt(botID, 10) }

// AllowedUpdates are the update types chibo handles; Telegram sends no others.
var AllowedUpdates = []string{"message", "callback_query", "my_chat_member"}

// ErrConflict means Telegram refused getUpdates because another process
// polls with the same token or a webhook is set.
var ErrConflict = errors.New("telegram: 409 Conflict: another chibo (or another program) is polling with this bot token, or a webhook is set; stop the other poller, or run chibo in webhook mode, or remove the webhook (chibo deletes it at start, so another process may have set it again)")

// Poll receives updates with long polling until ctx ends, and returns nil
// then. Each batch is dispatched, and the offset that confirms it to
// Telegram is stored in db only after the dispatcher committed the batch:
// a crash before that sees the batch again, and the dispatcher's event keys
// make the repeat a no-op. Callback queries are answered on receipt, so the
// button's spinner stops even when the button is stale.
//
// Poll returns ErrConflict when another poller or a webhook is active, and
// an error when the token is refused; network faults and 5xx are retried
// with backoff.
func (t *Telegram) Poll(ctx context.Context, d *bot.Dispatcher, db *storage.DB) error {
	t.mode.Store("poll")
	defer t.answers.Wait()
	if err := t.retry(ctx, "deleteWebhook", func() error {
		_, err := t.bot(ctx, t.client).Request(tgbotapi.DeleteWebhookConfig{})
		return err
	}); err != nil {
		if ctx.Err() != nil { // stopped before the first poll
			return nil
		}
		return err
	}
	// The first long poll may wait the whole poll timeout on a quiet bot:
	// /healthz counts from here until a getUpdates returns.
	t.pollSince.Store(time.Now().UnixNano())
	backoff := time.Duration(0)
	// The offset is read once; after that Poll alone writes it.
	var offset int64
	if err := db.View(func(tx *storage.Tx) error {
		offset = tx.MetaInt(OffsetKey(t.BotID()))
		return nil
	}); err != nil {
		return fmt.Errorf("telegram: read offset: %w", err)
	}
	for {
		if ctx.Err() != nil {
			return nil
		}
		updates, err := t.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if ferr := t.fatal("getUpdates", err); ferr != nil {
				return ferr
			}
			backoff = nextBackoff(backoff)
			t.log.Warn("getUpdates failed; retrying", "err", t.scrub(err), "in", backoff)
			if !sleep(ctx, backoff) {
				return nil
			}
			continue
		}
		t.lastPoll.Store(time.Now().UnixNano())
		if len(updates) == 0 {
			backoff = 0
			continue
		}
		events := make([]chat.Event, 0, len(updates))
		for _, u := range updates {
			t.answerCallback(u)
			if ev, ok := t.event(u); ok {
				events = append(events, ev)
			}
		}
		// The offset that confirms the batch is stored in the batch's own
		// transaction: one commit (one fsync) per getUpdates, not two.
		next := int64(updates[len(updates)-1].UpdateID) + 1
		if err := d.DispatchThen(ctx, events, func(tx *storage.Tx) error { return tx.PutMetaInt(OffsetKey(t.BotID()), next) }); err != nil {
			if ctx.Err() != nil || errors.Is(err, bot.ErrStopped) {
				return nil
			}
			backoff = nextBackoff(backoff)
			t.log.Error("dispatch failed; the batch will come again", "first_update", updates[0].UpdateID, "err", err, "in", backoff)
			if !sleep(ctx, backoff) {
				return nil
			}
			continue
		}
		offset = next
		backoff = 0
	}
}

func (t *Telegram) getUpdates(ctx context.Context, offset int64) ([]tgbotapi.Update, error) {
	cfg := tgbotapi.UpdateConfig{
		Offset:         int(offset),
		Limit:          100,
		Timeout:        int(t.cfg.PollTimeout / time.Second),
		AllowedUpdates: AllowedUpdates,
	}
	pctx, cancel := context.WithTimeout(ctx, t.cfg.PollTimeout+15*time.Second)
	defer cancel()
	resp, err := t.bot(pctx, t.pollClient).Request(cfg)
	if err != nil {
		return nil, err
	}
	// The batch is decoded at once; when that fails, each update on its
	// own: one chibo cannot read (a field of an unexpected type) must not
	// hold back the rest, nor come back forever.
	var all []tgbotapi.Update
	if json.Unmarshal(resp.Result, &all) == nil {
		return all, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raw); err != nil {
		return nil, fmt.Errorf("getUpdates: %w", err)
	}
	updates := make([]tgbotapi.Update, 0, len(raw))
	for _, r := range raw {
		var u tgbotapi.Update
		if err := json.Unmarshal(r, &u); err != nil {
			var id struct {
				UpdateID int `json:"update_id"`
			}
			// The log names the field, never the value (it may be a
			// member's text or number).
			var field string
			if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
				field = te.Field
			}
			if json.Unmarshal(r, &id) != nil || id.UpdateID <= 0 {
				t.log.Warn("update without an id skipped", "field", field)
				continue
			}
			// Kept with its id alone: it is confirmed and has no effect.
			t.log.Warn("unreadable update skipped", "update", id.UpdateID, "field", field)
			u = tgbotapi.Update{UpdateID: id.UpdateID}
		}
		updates = append(updates, u)
	}
	return updates, nil
}

// fatal returns the error to stop on for API answers that retrying cannot fix.
func (t *Telegram) fatal(method string, err error) error {
	code, te := apiCode(err)
	switch code {
	case 409:
		t.log.Error("polling conflict", "err", t.scrubString(te.Message))
		return ErrConflict
	case 401, 404:
		// 404 is what the Bot API answers for a malformed token.
		return fmt.Errorf("telegram: %s: the Bot API refused the token (%d): check TELEGRAM_BOT_TOKEN and CHIBO_TELEGRAM_API", method, code)
	}
	return nil
}

// retry calls fn until it succeeds, ctx ends (nil) or the error is fatal.
func (t *Telegram) retry(ctx context.Context, method string, fn func() error) error {
	backoff := time.Duration(0)
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		if ferr := t.fatal(method, err); ferr != nil {
			return ferr
		}
		if code, _ := apiCode(err); code >= 400 && code < 500 && code != 429 {
			return fmt.Errorf("telegram: %s: %w", method, t.scrub(err))
		}
		backoff = nextBackoff(backoff)
		t.log.Warn(method+" failed; retrying", "err", t.scrub(err), "in", backoff)
		if !sleep(ctx, backoff) {
			return nil
		}
	}
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 500 * time.Millisecond
	}
	return min(2*d, 30*time.Second)
}

// sleep waits d and reports false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// answerCallback stops the button's spinner right away, in the background;
// a failure (a query too old, a network fault) changes nothing for chibo.
func (t *Telegram) answerCallback(u tgbotapi.Update) {
	if u.CallbackQuery == nil {
		return
	}
	id := u.CallbackQuery.ID
	t.answers.Add(1)
	go func() {
		defer t.answers.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := t.bot(ctx, t.client).Request(tgbotapi.NewCallback(id, "")); err != nil {
			t.log.Debug("answerCallbackQuery failed", "update", u.UpdateID, "err", t.scrub(err))
		}
	}()
}

// event turns an update into chibo's event; false for updates chibo does
// not use (stickers, photos, channel posts...), which are confirmed unseen.
func (t *Telegram) event(u tgbotapi.Update) (chat.Event, bool) {
	ev := chat.Event{Key: "tg:" + strconv.Itoa(u.UpdateID), Transport: Name}
	switch {
	case u.Message != nil:
		ok := messageEvent(&ev, u.Message)
		return ev, ok
	case u.CallbackQuery != nil:
		cq := u.CallbackQuery
		if cq.Message == nil || !setChat(&ev, cq.Message.Chat) {
			return ev, false
		}
		setUser(&ev, cq.From)
		ev.Kind = chat.EventButton
		ev.Data = cq.Data
		ev.MessageID = strconv.Itoa(cq.Message.MessageID)
		ev.Time = t.now() // a tap carries no date of its own
		return ev, true
	case u.MyChatMember != nil:
		ok := memberEvent(&ev, u.MyChatMember)
		return ev, ok
	}
	return ev, false
}

// messageEvent fills ev from a message: a location, a contact, text, or
// (in a private chat) anything else; false for what chibo does not use.
func messageEvent(ev *chat.Event, msg *tgbotapi.Message) bool {
	if !setChat(ev, msg.Chat) || msg.From == nil {
		return false
	}
	setUser(ev, msg.From)
	ev.Time = time.Unix(int64(msg.Date), 0)
	switch {
	case msg.Location != nil:
		ev.Kind = chat.EventLocation
		ev.Location = &chat.Location{Lat: msg.Location.Latitude, Lon: msg.Location.Longitude}
	case msg.Contact != nil:
		ev.Kind = chat.EventContact
		ev.Phone = msg.Contact.PhoneNumber
		if msg.Contact.UserID != 0 {
			ev.SharedBy = strconv.FormatInt(msg.Contact.UserID, 10)
		}
	case msg.Text != "":
		ev.Kind = chat.EventText
		ev.Text = StartText(msg.Text) // a link typed, not tapped
	case ev.ChatKind == chat.ChatPrivate:
		ev.Kind = chat.EventOther // a photo, sticker or voice: told chibo reads text
	default:
		return false
	}
	return true
}

// memberEvent fills ev from a change of the bot's own membership: added to
// or removed from a chat; false for a change of rights only.
func memberEvent(ev *chat.Event, cm *tgbotapi.ChatMemberUpdated) bool {
	if !setChat(ev, &cm.Chat) {
		return false
	}
	setUser(ev, &cm.From)
	ev.Time = time.Unix(int64(cm.Date), 0)
	was, is := present(cm.OldChatMember.Status), present(cm.NewChatMember.Status)
	switch {
	case is && !was:
		ev.Kind = chat.EventBotAdded
	case was && !is:
		ev.Kind = chat.EventBotRemoved
	default:
		return false // a change of rights only
	}
	return true
}

// setChat sets the event's chat and its kind; false for a chat chibo does
// not serve (a channel) or none.
func setChat(ev *chat.Event, c *tgbotapi.Chat) bool {
	if c == nil {
		return false
	}
	switch c.Type {
	case "private":
		ev.ChatKind = chat.ChatPrivate
	case "group", "supergroup":
		ev.ChatKind = chat.ChatGroup
	default:
		return false
	}
	ev.Chat = strconv.FormatInt(c.ID, 10)
	return true
}

// setUser sets who the event is from, if anyone.
func setUser(ev *chat.Event, from *tgbotapi.User) {
	if from == nil {
		return
	}
	ev.User = strconv.FormatInt(from.ID, 10)
	ev.UserName = strings.TrimSpace(from.FirstName + " " + from.LastName)
	ev.LangHint = from.LanguageCode
}

// present reports whether a chat member status means the bot is in the chat.
func present(status string) bool {
	switch status {
	case "creator", "administrator", "member", "restricted":
		return true
	}
	return false
}
