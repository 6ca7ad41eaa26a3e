package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"chibo/bot"
	"chibo/flows/chat"
)

// MaxText is Telegram's limit on a message's text, in UTF-16 code units
// (what Telegram counts: an emoji outside the BMP counts twice).
const MaxText = 4096

// MaxCaption is Telegram's limit on a document's caption, in UTF-16 code units.
const MaxCaption = 1024

// Send delivers m, implementing bot.Transport. Text goes without parse_mode:
// chibo's text is plain, so names with *, _ or < need no escaping. Text over
// MaxText is split at line or space boundaries; the buttons go on the last
// part. Sending starts at part m.PartsSent and reports each part delivered
// before the last to m.OnPart, which returns when the next part may go (the
// sender's limiter paces every request, parts included; Send itself does
// not wait). A *bot.SendError says what the sender should do with a failure.
func (t *Telegram) Send(ctx context.Context, m chat.Message) error {
	chat, err := strconv.ParseInt(m.Chat, 10, 64)
	if err != nil || chat == 0 {
		return &bot.SendError{Outcome: bot.SendPermanent, Reason: "bad chat id"}
	}
	steps, err := buildSteps(chat, m)
	if err != nil {
		return err
	}
	// Parts delivered by an earlier attempt, even one before a restart,
	// are not sent again.
	start := min(max(m.PartsSent, 0), len(steps)-1)
	for i := start; i < len(steps); i++ {
		st := steps[i]
		if _, err = t.bot(ctx, t.client).Request(st.c); err != nil {
			if serr := t.sendError(err, st.edit); serr != nil {
				serr.Method = st.method
				return serr
			}
		}
		if i+1 < len(steps) && m.OnPart != nil {
			m.OnPart(i + 1)
		}
	}
	return nil
}

// step is one request of a message.
type step struct {
	c      tgbotapi.Chattable
	method string // for the sender's log
	edit   bool
}

func buildSteps(chat int64, m chat.Message) ([]step, error) {
	inline := inlineMarkup(m.Buttons)
	var markup any
	switch {
	case m.RequestLocation != "":
		markup = locationKeyboard(m.RequestLocation, m.Buttons)
	case inline != nil:
		markup = *inline
	}
	text := m.Text
	var doc *tgbotapi.DocumentConfig
	if m.Document != nil {
		name := m.Document.Name
		if name == "" {
			name = "document"
		}
		d := tgbotapi.NewDocument(chat, tgbotapi.FileBytes{Name: name, Bytes: m.Document.Data})
		d.ReplyMarkup = markup
		if utf16Len(text) <= MaxCaption {
			d.Caption, text = text, ""
		}
		doc = &d
	}
	parts := SplitText(text, MaxText)
	if len(parts) == 0 && doc == nil {
		return nil, &bot.SendError{Outcome: bot.SendPermanent, Reason: "empty message"}
	}
	var editID int
	// Only inline keyboards can be edited in; a reply keyboard needs a new message.
	if m.EditMessageID != "" && doc == nil && m.RequestLocation == "" {
		id, err := strconv.Atoi(m.EditMessageID)
		if err != nil || id <= 0 {
			return nil, &bot.SendError{Outcome: bot.SendPermanent, Reason: "bad message id to edit"}
		}
		editID = id
	}
	var steps []step
	for i, p := range parts {
		last := i == len(parts)-1 && doc == nil
		if i == 0 && editID != 0 {
			e := tgbotapi.NewEditMessageText(chat, editID, p)
			if last {
				// Without reply_markup Telegram removes the old buttons,
				// which is what an edit showing a button's result wants.
				e.ReplyMarkup = inline
			}
			steps = append(steps, step{c: e, method: "editMessageText", edit: true})
			continue
		}
		msg := tgbotapi.NewMessage(chat, p)
		if last {
			msg.ReplyMarkup = markup
		}
		steps = append(steps, step{c: msg, method: "sendMessage"})
	}
	if doc != nil {
		steps = append(steps, step{c: *doc, method: "sendDocument"})
	}
	return steps, nil
}

func inlineMarkup(rows [][]chat.Button) *tgbotapi.InlineKeyboardMarkup {
	var kb [][]tgbotapi.InlineKeyboardButton
	for _, row := range rows {
		var r []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			r = append(r, tgbotapi.NewInlineKeyboardButtonData(b.Label, b.Data))
		}
		if len(r) > 0 {
			kb = append(kb, r)
		}
	}
	if len(kb) == 0 {
		return nil
	}
	return &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: kb}
}

// locationKeyboard is a one-time reply keyboard with the "share location"
// button. A message carries one keyboard only, so the choices go on it as
// plain buttons: a tap sends the label, which the engine takes as the choice.
func locationKeyboard(label string, rows [][]chat.Button) tgbotapi.ReplyKeyboardMarkup {
	kb := [][]tgbotapi.KeyboardButton{{tgbotapi.NewKeyboardButtonLocation(label)}}
	for _, row := range rows {
		var r []tgbotapi.KeyboardButton
		for _, b := range row {
			r = append(r, tgbotapi.NewKeyboardButton(b.Label))
		}
		if len(r) > 0 {
			kb = append(kb, r)
		}
	}
	return tgbotapi.ReplyKeyboardMarkup{Keyboard: kb, ResizeKeyboard: true, OneTimeKeyboard: true}
}

// sendError classifies a failed request; nil means it counts as delivered.
func (t *Telegram) sendError(err error, edit bool) *bot.SendError {
	code, te := apiCode(err)
	reason := ""
	if te != nil {
		reason = fmt.Sprintf("%d %s", code, t.scrubString(te.Message))
	}
	switch {
	case te == nil:
		if errors.Is(err, context.DeadlineExceeded) {
			return &bot.SendError{Outcome: bot.SendRetry, Reason: "timeout", Err: t.scrub(err)}
		}
		return &bot.SendError{Outcome: bot.SendRetry, Reason: "network error", Err: t.scrub(err)}
	case code == 429:
		// Telegram does not say whether a 429 is about the chat or the bot
		// as a whole. The sender's limiter keeps every chat's own interval,
		// so the chat's limit is not the cause: every chat waits.
		return &bot.SendError{Outcome: bot.SendRetry, RetryAfter: max(time.Duration(te.RetryAfter)*time.Second, time.Second), Global: true, Reason: reason}
	case code == 403:
		return &bot.SendError{Outcome: bot.SendBlocked, Reason: reason}
	case code == 400 && edit && strings.Contains(te.Message, "message is not modified"):
		return nil // the message already shows this: the edit's goal is met
	case code == 400 && te.MigrateToChatID != 0:
		return &bot.SendError{Outcome: bot.SendPermanent, Reason: reason + " (group became supergroup " + strconv.FormatInt(te.MigrateToChatID, 10) + ")"}
	case code == 401:
		// A revoked token is the operator's to fix; keep the rows.
		return &bot.SendError{Outcome: bot.SendRetry, Reason: reason + " (check the bot token)"}
	case code >= 400 && code < 500:
		return &bot.SendError{Outcome: bot.SendPermanent, Reason: reason}
	default:
		return &bot.SendError{Outcome: bot.SendRetry, Reason: reason}
	}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// SplitText cuts s into parts of at most limit UTF-16 code units, cutting
// at the last blank line in a part when it is in the part's second half
// (so a list of paragraphs is not cut inside one), else after the last line
// break, else after the last space, else between two runes. It is the one
// splitter for Telegram's limit: flows need not split. Parts that are only white space are dropped (Telegram
// refuses empty text).
func SplitText(s string, limit int) []string {
	var parts []string
	add := func(p string) {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	for utf16Len(s) > limit {
		// end is the byte length of the longest prefix within the limit.
		end, units := 0, 0
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			u := utf16.RuneLen(r)
			if u < 0 {
				u = 1
			}
			if units+u > limit {
				break
			}
			units += u
			end += size
		}
		if end == 0 { // a limit below one rune: never loop forever
			_, end = utf8.DecodeRuneInString(s)
		}
		cut, skip := end, 0
		if i := strings.LastIndex(s[:end], "\n\n"); i >= end/2 {
			cut, skip = i, 2 // between paragraphs (members of a board …)
		} else if i := strings.LastIndexByte(s[:end], '\n'); i > 0 {
			cut, skip = i, 1
		} else if i := strings.LastIndexByte(s[:end], ' '); i > 0 {
			cut, skip = i, 1
		}
		add(strings.TrimRight(s[:cut], " \n"))
		s = s[cut+skip:]
	}
	add(s)
	return parts
}
