package zalo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"chibo/bot"
	"chibo/flows/chat"
)

// Pace is how fast chibo sends to the Bot Platform. Zalo documents no rate
// limits, so the default is conservative. chibo's sender paces each
// request itself (bot.Limiter) and turns this pacing off; it is for a
// Zalo used without that sender.
type Pace struct {
	// PerSecond is the most messages a second, all chats together. Zero
	// means DefaultPace.PerSecond; negative means no pacing here.
	PerSecond float64
	// ChatInterval is the least gap between two messages to one chat. Zero
	// means DefaultPace.ChatInterval.
	ChatInterval time.Duration
}

// DefaultPace is 5 messages a second overall and one a second per chat: a
// sixth of Telegram's documented 30/s, since Zalo publishes no limit and a
// bot that trips an unknown one may be restricted. A 600-member wave takes
// two minutes, well within any reminder's window.
var DefaultPace = Pace{PerSecond: 5, ChatInterval: time.Second}

// pacer keeps requests within Pace whatever the scheduling noise: at most
// n requests start within any window (n/PerSecond seconds), counted from
// the answer to the request n before, and a chat's next request starts
// ChatInterval after the answer to its previous one. The platform receives
// a request between its start and its answer, so it never sees more than
// the pace. Within that, starts are spread evenly.
type pacer struct {
	mu       sync.Mutex
	gap      time.Duration
	window   time.Duration
	interval time.Duration
	next     time.Time   // earliest start of the next request
	free     []time.Time // per slot: when it may start again; zero while in flight
	busy     []bool
	chats    map[string]*chatPace
}

type chatPace struct {
	busy bool
	free time.Time
}

func newPacer(p Pace) *pacer {
	if p.PerSecond < 0 {
		return nil // the sender's limiter paces every request
	}
	if p.PerSecond == 0 {
		p.PerSecond = DefaultPace.PerSecond
	}
	if p.ChatInterval <= 0 {
		p.ChatInterval = DefaultPace.ChatInterval
	}
	n := max(int(p.PerSecond), 1)
	return &pacer{
		gap:      time.Duration(float64(time.Second) / p.PerSecond),
		window:   time.Duration(float64(n) * float64(time.Second) / p.PerSecond),
		interval: p.ChatInterval,
		free:     make([]time.Time, n),
		busy:     make([]bool, n),
		chats:    map[string]*chatPace{},
	}
}

// wait blocks until a request to chat may start, and returns the function
// to call once it is answered (or failed).
func (p *pacer) wait(ctx context.Context, chat string) (func(), error) {
	for {
		d, done := p.take(chat)
		if done != nil {
			return done, nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// take starts a request to chat now and returns its done function, or
// returns how long to wait before asking again.
func (p *pacer) take(chat string) (time.Duration, func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	c := p.chats[chat]
	if c == nil {
		c = &chatPace{}
		p.chats[chat] = c
	}
	if c.busy {
		return p.interval, nil // a part in flight: its answer frees the chat
	}
	slot := -1
	for i := range p.free {
		if !p.busy[i] && (slot < 0 || p.free[i].Before(p.free[slot])) {
			slot = i
		}
	}
	if slot < 0 {
		return p.gap, nil // all in flight
	}
	at := now
	for _, t := range []time.Time{p.next, p.free[slot], c.free} {
		if t.After(at) {
			at = t
		}
	}
	if at.After(now) {
		return at.Sub(now), nil
	}
	p.busy[slot], c.busy = true, true
	p.next = now.Add(p.gap)
	if len(p.chats) > 10000 {
		for k, o := range p.chats {
			if !o.busy && o.free.Before(now) {
				delete(p.chats, k)
			}
		}
		p.chats[chat] = c
	}
	return 0, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		end := time.Now()
		p.busy[slot], p.free[slot] = false, end.Add(p.window)
		c.busy, c.free = false, end.Add(p.interval)
	}
}

// Links publishes a file at a public link for a messenger that cannot
// carry files, and says in the reader's language what the link is.
type Links interface {
	// Publish stores d for chatID and returns the text that goes with the
	// message (what the file is, its link, until when it works, or where
	// to get it when it cannot be published), and a picture's public URL
	// when d is a picture that was published ("" otherwise).
	Publish(chatID string, d *chat.Document) (text, photo string, err error)
}

// Send delivers m, implementing bot.Transport. The Bot Platform has no
// buttons: they become numbered options after the text, and the engine
// reads a typed number or label. A location button is left out: the
// question stands as text. A file goes as a link (Config.Links). The text
// is NFC-normalised and split at MaxText characters; sending starts at part
// m.PartsSent and reports each part delivered to m.OnPart. The platform has
// no edits: an edit is sent as a new message.
func (z *Zalo) Send(ctx context.Context, m chat.Message) error {
	if m.Chat == "" {
		return &bot.SendError{Outcome: bot.SendPermanent, Reason: "no chat id"}
	}
	text, photo := Render(m), ""
	if m.Document != nil && z.cfg.Links != nil {
		note, url, err := z.cfg.Links.Publish(m.Chat, m.Document)
		if err != nil {
			return &bot.SendError{Outcome: bot.SendRetry, Reason: "file not published", Err: err}
		}
		text, photo = joinText(text, note), url
	}
	type step struct {
		method string
		params map[string]string
	}
	var steps []step
	for _, p := range SplitText(text, MaxText) {
		steps = append(steps, step{"sendMessage", map[string]string{"chat_id": m.Chat, "text": p}})
	}
	if photo != "" {
		steps = append(steps, step{"sendPhoto", map[string]string{"chat_id": m.Chat, "photo": photo}})
	}
	if len(steps) == 0 {
		return &bot.SendError{Outcome: bot.SendPermanent, Reason: "empty message"}
	}
	for i := min(max(m.PartsSent, 0), len(steps)-1); i < len(steps); i++ {
		done := func() {}
		if z.pace != nil {
			var err error
			if done, err = z.pace.wait(ctx, m.Chat); err != nil {
				return &bot.SendError{Outcome: bot.SendRetry, Reason: "timeout", Err: err}
			}
		}
		err := z.call(ctx, z.client, steps[i].method, steps[i].params, nil)
		done()
		if err != nil {
			return sendError(err)
		}
		if i+1 < len(steps) && m.OnPart != nil {
			m.OnPart(i + 1)
		}
	}
	return nil
}

// Render is m's text as the Bot Platform shows it: buttons become numbered
// options, one a line, as the console shows them.
func Render(m chat.Message) string {
	var b strings.Builder
	b.WriteString(m.Text)
	for i, btn := range m.Choices() {
		if i == 0 {
			b.WriteString("\n")
		}
		n := strconv.Itoa(i+1) + ". "
		if strings.HasPrefix(btn.Label, n) { // a label that numbers itself ("1. Họp ngày 03/03")
			n = ""
		}
		fmt.Fprintf(&b, "\n%s%s", n, btn.Label)
	}
	return strings.TrimSpace(b.String())
}

func joinText(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}

// sendError classifies a failed call for the sender.
func sendError(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		if errors.Is(err, context.DeadlineExceeded) {
			return &bot.SendError{Outcome: bot.SendRetry, Reason: "timeout", Err: err}
		}
		return &bot.SendError{Outcome: bot.SendRetry, Reason: "network error", Err: err}
	}
	reason := strconv.Itoa(ae.Code) + " " + ae.Description
	switch {
	case ae.Code == 429:
		// Zalo does not say whether a limit is per chat or per bot: hold
		// every chat back.
		return &bot.SendError{Outcome: bot.SendRetry, RetryAfter: max(ae.RetryAfter, time.Second), Global: true, Reason: reason}
	case ae.Code == 401 || ae.Code == 403:
		// An invalid or reset token is the operator's to fix; keep the rows.
		return &bot.SendError{Outcome: bot.SendRetry, Reason: reason + " (check ZALO_BOT_TOKEN)"}
	case ae.Code >= 400 && ae.Code < 500 && ae.Code != 408:
		return &bot.SendError{Outcome: bot.SendPermanent, Reason: reason}
	default:
		return &bot.SendError{Outcome: bot.SendRetry, RetryAfter: ae.RetryAfter, Reason: reason}
	}
}

// SplitText normalises s to NFC (decomposed Vietnamese diacritics would
// count twice) and cuts it into parts of at most limit characters: after
// the last paragraph break in a part, else the last line break, else the
// last space, else between two characters. Parts that are only white space
// are dropped (the platform refuses empty text).
func SplitText(s string, limit int) []string {
	s = norm.NFC.String(s)
	var parts []string
	add := func(p string) {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	for utf8.RuneCountInString(s) > limit {
		end, n := 0, 0
		for end < len(s) && n < limit {
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
			n++
		}
		cut, skip := end, 0
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(s[:end], sep); i > 0 {
				cut, skip = i, len(sep)
				break
			}
		}
		add(s[:cut])
		s = s[cut+skip:]
	}
	add(s)
	return parts
}
