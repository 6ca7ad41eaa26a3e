package telegram

import (
	"net/url"
	"strings"

	"chibo/flows/chat"
)

// Caps is what Telegram's Bot API carries: texts of 4096 characters
// (MaxText, split by Send), an inline keyboard of at most 100 buttons and
// 8 in a row (more is refused as "reply markup is too long"), callback
// data of 1–64 bytes, documents and pictures. DeepLink is set by
// (*Telegram).Caps, which knows the bot's username.
var Caps = chat.Caps{MaxText: MaxText, Buttons: true, MaxButtons: 100, MaxPerRow: 8, ButtonData: 64, Documents: true, Pictures: true}

// Caps is Caps with the deep links of this bot.
func (t *Telegram) Caps() chat.Caps {
	c := Caps
	c.DeepLink = t.InviteLink
	return c
}

// DeepLink is the link that opens a chat with bot (its username) and sends
// "/start <payload>": https://t.me/<bot>?start=<payload>.
func DeepLink(bot, payload string) string {
	return "https://t.me/" + bot + "?start=" + url.QueryEscape(payload)
}

// StartPayload reads a deep link typed or pasted as text instead of tapped
// (https://t.me/<bot>?start=<payload>, with or without the scheme) and
// returns its payload.
func StartPayload(text string) (string, bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "https://t.me/") && !strings.HasPrefix(text, "t.me/") {
		return "", false
	}
	u, err := url.Parse(text)
	if err != nil {
		return "", false
	}
	p := u.Query().Get("start")
	return p, p != ""
}

// StartText is the text of a typed message as chibo reads it: a pasted
// deep link becomes "/start <payload>", what a tap on it would have sent.
// Other transports whose people are sent Telegram's links use it too.
func StartText(text string) string {
	if p, ok := StartPayload(text); ok {
		return "/start " + p
	}
	return text
}
