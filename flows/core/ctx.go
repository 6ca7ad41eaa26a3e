package core

import (
	"chibo/flows/chat"
	"chibo/locales"
	"chibo/storage"
	"sort"
	"time"
)

// Ctx is what a step or command sees of one event.
type Ctx struct {
	E       *Engine
	Tx      *storage.Tx
	Ev      chat.Event
	Now     time.Time
	Me      *storage.Member // nil for a stranger
	Lang    string
	conv    *storage.Conv
	state   any // the typed state of conv's flow, when it keeps one
	convKey string
	ended   bool // a step called End
	Out     []chat.Message
	pages   map[int]*pageSet // by index in Out: the whole list of a message that shows one page
}

// T renders a message in the reader's language.
func (c *Ctx) T(id string, kv ...any) string { return c.E.Cat.T(c.Lang, id, kv...) }

// N renders a plural message in the reader's language.
func (c *Ctx) N(id string, n int, kv ...any) string { return c.E.Cat.N(c.Lang, id, n, kv...) }

// Reply sends text to the chat the event came from.
func (c *Ctx) Reply(text string, buttons ...[]chat.Button) {
	c.Out = append(c.Out, chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, Group: c.Ev.ChatKind == chat.ChatGroup, Text: text, Buttons: buttons, RecipientID: c.MeID()})
}

// Say replies with a message id.
func (c *Ctx) Say(id string, kv ...any) { c.Reply(c.T(id, kv...)) }

// Emit queues a prepared message.
func (c *Ctx) Emit(m chat.Message) { c.Out = append(c.Out, m) }

func (c *Ctx) MeID() uint64 {
	if c.Me == nil {
		return 0
	}
	return c.Me.ID
}

// Data is the stored answers of a flow that keeps them in a map. It panics
// outside a flow and in a flow with typed state (use StateOf).
func (c *Ctx) Data() map[string]string {
	if c.E.Flows[c.conv.Flow].typed() {
		panic("flows: flow " + c.conv.Flow + " keeps typed state: use StateOf")
	}
	if c.conv.Data == nil {
		c.conv.Data = map[string]string{}
	}
	return c.conv.Data
}

// Opt is an option of a question: its label and the value the step receives.
type Opt struct{ Label, Value string }

// Ask sends a question with options as buttons, laid out perRow per row
// (0 means one per row). The options belong to the current step: a tap on
// them after the step has moved on is refused as stale.
func (c *Ctx) Ask(text string, perRow int, opts ...Opt) {
	if perRow <= 0 {
		perRow = 1
	}
	if most := c.E.Caps(c.Ev.Transport).MaxPerRow; most > 0 {
		perRow = min(perRow, most)
	}
	var rows [][]chat.Button
	for i, o := range opts {
		b := chat.Button{Label: o.Label, Data: "c:" + c.conv.Nonce + ":" + o.Value}
		if i%perRow == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], b)
	}
	c.Reply(text, rows...)
}

// AskConfirm asks text with a confirming button (yesLabel; empty means
// "Xác nhận") and a Cancel button; read the answer with confirmed.
func (c *Ctx) AskConfirm(text, yesLabel string) {
	if yesLabel == "" {
		yesLabel = c.T("btn.confirm")
	}
	c.Ask(text, 2, Opt{Label: yesLabel, Value: "yes"}, Opt{Label: c.T("btn.cancel"), Value: "no"})
}

// confirmed reads the answer to AskConfirm: true to go on. On Cancel it says
// so and ends the flow (false, nil); anything else is asked again.
func Confirmed(c *Ctx, in Input) (bool, error) {
	switch in.Choice {
	case "yes":
		return true, nil
	case "no":
		c.Say("cancel.done")
		c.End()
		return false, nil
	}
	return false, Invalid("err.choose_option")
}

// AskLocation sends a question with a "share my location" button.
func (c *Ctx) AskLocation(text, buttonLabel string, opts ...Opt) {
	c.Ask(text, 1, opts...)
	c.Out[len(c.Out)-1].RequestLocation = buttonLabel
}

// ActionButton makes a button that runs a registered action. Its data must
// fit the ButtonData of every transport it may go to: the engine refuses a
// message whose button does not fit as a fault.
func ActionButton(label string, action ActionCode, args string) chat.Button {
	return chat.Button{Label: label, Data: string(action) + ":" + args}
}

// SendTo sends a message to a member in their own language, on the transport
// of the current event when they use it. It reports false when the member
// has no contact to send to.
func (c *Ctx) SendTo(m *storage.Member, id string, kv ...any) bool {
	return c.SendButtonsTo(m, nil, id, kv...)
}

// SendButtonsTo is SendTo with buttons.
func (c *Ctx) SendButtonsTo(m *storage.Member, buttons [][]chat.Button, id string, kv ...any) bool {
	transport, chatID, ok := contactOf(m, c.Ev.Transport)
	if !ok {
		return false
	}
	c.Out = append(c.Out, chat.Message{Transport: transport, Chat: chatID, Text: c.E.Cat.T(LangOf(m, c.E.Cfg.DefaultLang), id, kv...), Buttons: buttons, RecipientID: m.ID})
	return true
}

// contactOf picks where to reach a member: on the preferred transport if they
// use it, otherwise on the first of theirs in name order.
func contactOf(m *storage.Member, prefer string) (transport, chat string, ok bool) {
	if u, ok := m.Contacts[prefer]; ok {
		return prefer, u, true
	}
	names := make([]string, 0, len(m.Contacts))
	for t := range m.Contacts {
		names = append(names, t)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "", "", false
	}
	return names[0], m.Contacts[names[0]], true
}

func LangOf(m *storage.Member, def string) string {
	if m != nil && locales.Supported(m.Lang) {
		return m.Lang
	}
	return def
}

// Date formats a date as dd/mm/yyyy in the engine's zone.
func (c *Ctx) Date(t time.Time) string { return t.In(c.E.Cfg.Zone).Format("02/01/2006") }

// Zone is the time zone dates are read and shown in.
func (c *Ctx) Zone() *time.Location { return c.E.Cfg.Zone }

// readerOf is a copy of c that renders text in m's language, for parts of a
// message to m. Only its T, N and Date are meant for use.
func (c *Ctx) ReaderOf(m *storage.Member) *Ctx {
	r := *c
	r.Lang = LangOf(m, c.E.Cfg.DefaultLang)
	r.Out = nil
	return &r
}

// storedDate reads a yyyy-mm-dd date kept in the conversation's data.
func (c *Ctx) StoredDate(key string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", c.Data()[key], c.E.Cfg.Zone)
}

func DayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
