// Package core is the conversation core every journey uses: the engine
// (events in, messages out, one transaction each), conversations and their
// steps, commands, buttons and actions, pages, the parsing of typed text,
// the locale lookup, quiet hours, the registry of due work, the audit log
// and its wording framework, decisions taken once, and the hooks through
// which a journey adds to another's work without importing it.
//
// It must not hold anything that belongs to one journey, nor import one:
// a journey registers itself (Journey) and its hooks with the Engine. Nor
// does it know any messenger: events and messages are the vocabulary of
// package chat, and a messenger's limits (text length, buttons in all and
// in a row, button data) come from the chat.Caps its transport declares
// (Config.Caps), from which pages and limits are computed.
package core

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/locales"
	"chibo/storage"
)

// Config configures the Engine. The zero value of each field means its default.
type Config struct {
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Zone is the default time zone for dates shown and typed. Nil means
	// Asia/Ho_Chi_Minh.
	Zone *time.Location
	// DefaultLang is the language of people who have not chosen one. Empty means vi.
	DefaultLang string
	// ConvTTL is how long an unanswered conversation stays open. Zero means 48 hours.
	ConvTTL time.Duration
	// InviteTTL is how long an invite link works. Zero means 14 days.
	InviteTTL time.Duration
	// AuditRetention is how long audit entries are kept. Zero means 5 years.
	AuditRetention time.Duration
	// InviteLink turns an invite token into the link a person taps. Nil means
	// "/start <token>".
	InviteLink func(token string) string
	// Log receives internal events (ids only, never personal data). Nil discards.
	Log *slog.Logger
	// Caps is what each transport can carry, by transport name: buttons
	// are laid out, long lists paged and typed text refused by them. A
	// transport not named gets the strictest of those given; nil means
	// DefaultCaps for every transport.
	Caps map[string]chat.Caps
}

// DefaultCaps is what the engine assumes of transports when Config.Caps
// names none (tests, tools): the limits of Telegram's Bot API, the
// strictest messenger with buttons chibo has met: texts of 4096
// characters, 100 buttons a message, 8 a row, 64 bytes of data a button.
var DefaultCaps = chat.Caps{MaxText: 4096, Buttons: true, MaxButtons: 100, MaxPerRow: 8, ButtonData: 64, Documents: true, Pictures: true}

// Caps is what transport can carry: its own Caps, or the strictest of the
// known ones when it declared none.
func (e *Engine) Caps(transport string) chat.Caps {
	if c, ok := e.Cfg.Caps[transport]; ok {
		return c
	}
	return e.anyCaps
}

// Engine runs conversations. Handle is safe for concurrent use; all state is
// in the database.
type Engine struct {
	Cfg      Config
	Cat      *locales.Catalog
	Flows    map[string]*Flow
	commands map[string]*Command
	order    []string // command names in help order
	actions  map[ActionCode]Action
	// actionSets are the journeys' button actions (actions.go).
	actionSets []ActionSet
	Dues       []namedDue
	Hooks      hooks
	anyCaps    chat.Caps // of a transport Cfg.Caps does not name
}

// NewEngine makes an engine with every flow registered.
func NewEngine(cat *locales.Catalog, cfg Config, journeys ...Journey) (*Engine, error) {
	if cat == nil {
		return nil, errors.New("flows: no locale catalog")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Zone == nil {
		z, err := time.LoadLocation("Asia/Ho_Chi_Minh")
		if err != nil {
			return nil, fmt.Errorf("flows: %w", err)
		}
		cfg.Zone = z
	}
	if cfg.DefaultLang == "" {
		cfg.DefaultLang = locales.Default
	}
	if !locales.Supported(cfg.DefaultLang) {
		return nil, fmt.Errorf("flows: unsupported language %q", cfg.DefaultLang)
	}
	if cfg.ConvTTL == 0 {
		cfg.ConvTTL = 48 * time.Hour
	}
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = 14 * 24 * time.Hour
	}
	if cfg.AuditRetention == 0 {
		cfg.AuditRetention = 5 * 365 * 24 * time.Hour
	}
	if cfg.InviteLink == nil {
		cfg.InviteLink = func(token string) string { return "/start " + token }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{Cfg: cfg, Cat: cat, Flows: map[string]*Flow{}, commands: map[string]*Command{}, actions: map[ActionCode]Action{},
		Hooks: hooks{exports: map[string]ExportFunc{}, drawers: map[string]DrawFunc{}, audit: map[string]AuditFunc{}, tools: map[string]CellToolFunc{}}}
	e.anyCaps = DefaultCaps
	if len(cfg.Caps) > 0 {
		all := make([]chat.Caps, 0, len(cfg.Caps))
		for _, name := range slices.Sorted(maps.Keys(cfg.Caps)) {
			all = append(all, cfg.Caps[name])
		}
		e.anyCaps = chat.Strictest(all...)
	}
	e.registerCore()
	e.registerPages()
	for _, j := range journeys {
		j.Register(e)
	}
	return e, nil
}

// Catalog returns the engine's message catalog.
func (e *Engine) Catalog() *locales.Catalog { return e.Cat }

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.Cfg.Now() }

// Need is who may run a command.
type Need int

// Who may run a command.
const (
	NeedAnyone        Need = iota // strangers too
	NeedMember                    // registered members
	NeedLeader                    // secretary or deputy of at least one cell
	NeedGroupLeader               // a group leader (tổ trưởng), secretary or deputy
	NeedAdmin                     // an organization admin
	NeedLeaderOrAdmin             // a secretary, deputy or organization admin
	// NeedCommune: an organization admin or a member who holds or held a
	// role of the commune's committee (the command checks what holds today).
	NeedCommune
)

// Command is a slash command.
type Command struct {
	Name        string
	Need        Need
	PrivateOnly bool   // refused in groups: it shows personal data
	HelpID      string // the line /help shows for it
	MenuID      string // the short description in the messenger's command menu
	Run         func(c *Ctx, args string) error
}

// Action handles a button that is not part of a conversation, such as one
// in a list or a notice. Its payload is "<code>:<args>"; a journey
// registers its actions with Engine.Actions.
type Action func(c *Ctx, args string) error

// Flow is a conversation: named steps, each asking one question and reading
// its answer. Register checks that every step it names is one of its own.
type Flow struct {
	Name string
	Need Need
	// First is the step StartWith asks when given Done. Required with State.
	First StepName
	// Starts are the other steps StartWith may begin at.
	Starts []StepName
	Steps  map[StepName]Step
	// State makes the flow's empty state: a pointer to the struct it
	// carries between steps, read with StateOf and stored as JSON. Nil
	// means the flow keeps its answers in the Data map.
	State func() any
	// Version is the version of State's JSON, to be raised when a stored
	// state would no longer decode into the struct. A stored conversation
	// of another version is ended with an apology. Zero means 1.
	Version int
}

// Step is one question of a flow.
type Step struct {
	// Ask sends the question (with c.Ask).
	Ask func(c *Ctx) error
	// Answer reads the reply and returns the next step, or Done when the
	// flow is done. An *InvalidInput error re-asks the same step.
	Answer func(c *Ctx, in Input) (next StepName, err error)
	// Next lists the steps Answer may return besides Done; a step not in
	// it is an error at run time. Empty (not nil) means the flow ends after
	// this step; nil means any step of the flow (flows keeping a map).
	Next []StepName
}

// Input is a person's answer to a step.
type Input struct {
	Text     string         // typed text, NFC-normalised and trimmed
	Choice   string         // the value of the chosen option
	Location *chat.Location // a shared location
	Phone    string         // a shared contact's phone number
}

// InvalidInput is an answer a step cannot take. The person is told MsgID and
// asked again.
type InvalidInput struct {
	MsgID string
	KV    []any
}

func (e *InvalidInput) Error() string { return "invalid input: " + e.MsgID }

func Invalid(id string, kv ...any) error { return &InvalidInput{MsgID: id, KV: kv} }

// Register adds a flow. It panics on a duplicate name or on a flow that
// names a step it does not have.
func (e *Engine) Register(f *Flow) {
	checkFlow(f)
	if _, dup := e.Flows[f.Name]; dup {
		panic("flows: duplicate flow " + f.Name)
	}
	e.Flows[f.Name] = f
}

func (e *Engine) Command(c *Command) {
	if _, dup := e.commands[c.Name]; dup {
		panic("flows: duplicate command " + c.Name)
	}
	e.commands[c.Name] = c
	e.order = append(e.order, c.Name)
}

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

func NewNonce() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Start begins a flow that keeps its answers in a map, discarding any
// conversation in progress, and asks step. A flow with typed state is
// started with StartWith.
func (c *Ctx) Start(flow string, step StepName, data map[string]string) error {
	f, ok := c.E.Flows[flow]
	if !ok {
		return fmt.Errorf("unknown flow %q", flow)
	}
	if f.typed() {
		return fmt.Errorf("flow %s keeps typed state: start it with StartWith", flow)
	}
	c.conv = &storage.Conv{Flow: flow, Data: data}
	c.state = nil
	c.ended = false
	return c.goTo(step)
}

// goTo moves the conversation to step (ending it when step is "") and asks
// the step's question.
func (c *Ctx) goTo(step StepName) error {
	if step == Done {
		c.conv = nil
		return c.Tx.DeleteConv(c.convKey)
	}
	f := c.E.Flows[c.conv.Flow]
	s, ok := f.Steps[step]
	if !ok {
		return fmt.Errorf("flow %s: unknown step %q", f.Name, step)
	}
	c.conv.Step = string(step)
	c.conv.Nonce = NewNonce()
	c.conv.Updated = c.Now
	c.conv.Expires = c.Now.Add(c.E.Cfg.ConvTTL)
	if err := s.Ask(c); err != nil {
		return err
	}
	if c.ended { // Ask found nothing to ask and ended the flow
		c.conv = nil
		return c.Tx.DeleteConv(c.convKey)
	}
	if err := c.saveState(); err != nil {
		return err
	}
	return c.Tx.PutConv(c.convKey, c.conv)
}

// End finishes the conversation in progress once the current step returns.
func (c *Ctx) End() { c.ended = true }

// Handle runs one event in tx and returns the messages to send. Mistakes by
// the person are answered, not returned: an error means a fault of chibo or
// its storage, and the caller rolls back.
func (e *Engine) Handle(tx *storage.Tx, ev chat.Event) ([]chat.Message, error) {
	now := e.Cfg.Now()
	c := &Ctx{E: e, Tx: tx, Ev: ev, Now: now, convKey: storage.ConvKey(ev.Transport, ev.Chat, ev.User)}
	if ev.User != "" {
		m, err := tx.MemberByContact(ev.Transport, ev.User)
		switch {
		case err == nil:
			c.Me = m
		case !errors.Is(err, storage.ErrNotFound):
			return nil, err
		}
	}
	if c.Me != nil && !c.Me.Unreachable.IsZero() && ev.Kind != chat.EventBotRemoved {
		c.Me.Unreachable = time.Time{} // they wrote to us, so they have unblocked the bot
		if err := tx.PutMember(c.Me); err != nil {
			return nil, err
		}
	}
	c.Lang = LangOf(c.Me, e.Cfg.DefaultLang)
	if c.Me == nil && locales.Supported(ev.LangHint) {
		c.Lang = ev.LangHint
	}
	expired := false
	if conv, err := tx.Conv(c.convKey); err == nil {
		if now.After(conv.Expires) {
			expired = true
			if err := tx.DeleteConv(c.convKey); err != nil {
				return nil, err
			}
		} else {
			c.conv = conv
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	handle := true
	if c.conv != nil {
		var stale *staleConv
		if err := e.loadState(c); errors.As(err, &stale) {
			if handle, err = e.dropStale(c, stale); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
	}
	if handle {
		if err := e.dispatch(c, expired); err != nil {
			return nil, err
		}
	}
	if err := e.holdAtNight(c); err != nil {
		return nil, err
	}
	if err := e.recordOffers(c); err != nil {
		return nil, err
	}
	return c.Out, nil
}

func (e *Engine) dispatch(c *Ctx, expired bool) error {
	ev := c.Ev
	switch ev.Kind {
	case chat.EventBotAdded, chat.EventBotRemoved:
		for _, f := range e.Hooks.membership {
			if err := f(c); err != nil {
				return err
			}
		}
		return nil
	case chat.EventButton:
		return e.onButton(c, ev.Data, expired)
	case chat.EventOther:
		switch {
		case ev.ChatKind == chat.ChatGroup:
			return nil // photos in the cell's group are not for chibo
		case c.conv != nil:
			return e.reask(c, Invalid("err.unsupported"))
		}
		c.Say("err.unsupported")
		return nil
	case chat.EventLocation, chat.EventContact:
		if c.conv == nil {
			c.Say("err.not_expected")
			return nil
		}
		in := Input{Location: ev.Location, Phone: ev.Phone}
		if ev.Kind == chat.EventContact && ev.SharedBy != "" && ev.SharedBy != ev.User {
			return e.reask(c, Invalid("err.contact_not_yours"))
		}
		return e.answer(c, in)
	}
	text := NormalizeText(ev.Text)
	if most := e.Caps(ev.Transport).MaxText; most > 0 && Utf8Len(text) > most {
		if c.conv != nil {
			return e.reask(c, Invalid("err.too_long", "Max", most))
		}
		c.Say("err.too_long", "Max", most)
		return nil
	}
	if c.conv == nil && ev.ChatKind != chat.ChatGroup {
		for _, f := range e.Hooks.texts {
			if done, err := f(c, text); done || err != nil {
				return err
			}
		}
	}
	if strings.HasPrefix(text, "/") {
		return e.onCommand(c, text)
	}
	if ev.ChatKind == chat.ChatGroup {
		return nil // group chatter is not for chibo
	}
	if text == "" {
		if c.conv != nil {
			return e.reask(c, Invalid("err.empty"))
		}
		c.Say("err.empty")
		return nil
	}
	if cancelWords[typedWord(text)] {
		return e.onCommand(c, "/cancel")
	}
	if data, ok, err := e.typedChoice(c, text); err != nil {
		return err
	} else if ok {
		return e.onButton(c, data, false)
	}
	if c.conv != nil {
		return e.answer(c, Input{Text: text})
	}
	if expired {
		c.Say("err.conv_expired")
		return nil
	}
	if ok, err := e.reshowMenu(c); ok || err != nil {
		return err
	}
	c.Say("err.unknown_text")
	return nil
}

// ValueChoices reports whether buttons offer values: a button whose label is
// a number (a score, a day) makes a typed number that value, so the buttons
// are not numbered by position where they cannot be tapped.
func ValueChoices(bs []chat.Button) bool {
	return slices.ContainsFunc(bs, func(b chat.Button) bool { return isValueLabel(b.Label) })
}

func isValueLabel(label string) bool {
	_, err := strconv.Atoi(strings.TrimSpace(label))
	return err == nil
}

// typedChoice maps a typed number or label to the payload of a button last
// shown in this chat (transports without buttons show them numbered).
func (e *Engine) typedChoice(c *Ctx, text string) (string, bool, error) {
	o, err := c.Tx.Offer(c.Ev.Transport, c.Ev.Chat)
	if errors.Is(err, storage.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	values := slices.ContainsFunc(o.Choices, func(ch storage.Choice) bool { return isValueLabel(ch.Label) })
	if n, err := strconv.Atoi(text); err == nil && values {
		// The buttons are values (scores, days): a typed number is the
		// value, never the position of a button (issue 12).
		for _, ch := range o.Choices {
			if v, err := strconv.Atoi(strings.TrimSpace(ch.Label)); err == nil && v == n {
				return ch.Data, true, nil
			}
		}
		return "", false, nil
	} else if err == nil && n >= 1 && n <= len(o.Choices) {
		return o.Choices[n-1].Data, true, nil
	}
	key := FoldForSearch(text)
	for _, ch := range o.Choices {
		if FoldForSearch(ch.Label) == key {
			return ch.Data, true, nil
		}
	}
	data, ok := yesNoChoice(o.Choices, text)
	return data, ok, nil
}

func (e *Engine) onButton(c *Ctx, data string, expired bool) error {
	if rest, ok := strings.CutPrefix(data, "c:"); ok {
		nonce, value, _ := strings.Cut(rest, ":")
		if c.conv == nil || c.conv.Nonce != nonce {
			if expired {
				c.Say("err.conv_expired")
			} else {
				c.Say("err.stale_button")
			}
			return nil
		}
		return e.answer(c, Input{Choice: value})
	}
	name, args, _ := strings.Cut(data, ":")
	a, ok := e.actions[ActionCode(name)]
	if !ok {
		c.Say("err.stale_button")
		return nil
	}
	return a(c, args)
}

// answer gives input to the current step.
func (e *Engine) answer(c *Ctx, in Input) error {
	f := e.Flows[c.conv.Flow]
	s, ok := f.Steps[StepName(c.conv.Step)]
	if !ok || !e.allowed(c, f.Need) {
		// The flow changed under a stored conversation, or the person lost
		// the role that started it: end it rather than guess.
		c.conv = nil
		if err := c.Tx.DeleteConv(c.convKey); err != nil {
			return err
		}
		c.Say("err.conv_expired")
		return nil
	}
	before := c.conv
	next, err := s.Answer(c, in)
	if err != nil {
		return e.reask(c, err)
	}
	switch {
	case c.ended:
		c.conv = nil
		return c.Tx.DeleteConv(c.convKey)
	case c.conv != before: // the step started another flow, which is saved
		return nil
	}
	if err := checkNext(f, c.conv.Step, next); err != nil {
		return err
	}
	return c.goTo(next)
}

// reask tells the person what was wrong and asks the same step again.
func (e *Engine) reask(c *Ctx, err error) error {
	var inv *InvalidInput
	if !errors.As(err, &inv) {
		return err
	}
	c.Say(inv.MsgID, inv.KV...)
	if c.conv == nil {
		return nil
	}
	s := e.Flows[c.conv.Flow].Steps[StepName(c.conv.Step)]
	c.conv.Expires = c.Now.Add(e.Cfg.ConvTTL)
	if err := s.Ask(c); err != nil {
		return err
	}
	if err := c.saveState(); err != nil {
		return err
	}
	return c.Tx.PutConv(c.convKey, c.conv)
}

func (e *Engine) allowed(c *Ctx, need Need) bool {
	switch need {
	case NeedMember:
		return c.Me != nil
	case NeedLeader:
		return c.Me != nil && len(c.Me.LedCells()) > 0
	case NeedGroupLeader:
		return c.Me != nil && (len(c.Me.LedCells()) > 0 || LeadsGroup(c.Tx, c.Me))
	case NeedAdmin:
		return c.Me != nil && len(c.Me.AdminOf) > 0
	case NeedLeaderOrAdmin:
		return c.Me != nil && (len(c.Me.AdminOf) > 0 || len(c.Me.LedCells()) > 0)
	case NeedCommune:
		return c.Me != nil && (len(c.Me.AdminOf) > 0 || len(c.Tx.CommuneOrgsOf(c.Me.ID)) > 0)
	}
	return true
}

// leadsGroup reports whether m has the group leader role or leads a group of
// their home cell. It reads the index of leaders: every permission check and
// every menu level asks.
func LeadsGroup(tx *storage.Tx, m *storage.Member) bool {
	for _, r := range m.Roles {
		if r.Role == storage.RoleGroupLeader {
			return true
		}
	}
	groups, err := tx.LedGroups(m.ID)
	if err != nil {
		return false
	}
	for _, g := range groups {
		if g.CellID == m.HomeCellID {
			return true
		}
	}
	far, err := tx.LedFarGroups(m.ID)
	return err == nil && len(far) > 0
}

func (e *Engine) onCommand(c *Ctx, text string) error {
	word, args, _ := strings.Cut(text[1:], " ")
	word, _, _ = strings.Cut(word, "@") // "/help@chibo_bot" in groups
	word = strings.ToLower(word)
	args = strings.TrimSpace(args)
	cmd, ok := e.commands[word]
	if !ok {
		c.Say("err.unknown_command")
		return nil
	}
	if cmd.PrivateOnly && c.Ev.ChatKind == chat.ChatGroup {
		c.Say("err.private_only")
		return nil
	}
	if !e.allowed(c, cmd.Need) {
		switch {
		case c.Me == nil:
			c.Say("err.not_registered")
		case cmd.Need == NeedGroupLeader:
			c.Say("err.group_leaders_only")
		case cmd.Need == NeedAdmin:
			c.Say("err.admins_only")
		case cmd.Need == NeedCommune:
			c.Say("commune.roles_only")
		default:
			c.Say("err.leaders_only")
		}
		return nil
	}
	// A new command leaves whatever conversation was in progress.
	if c.conv != nil && word != "cancel" {
		c.sayLeft(c.conv.Flow)
		c.conv = nil
		if err := c.Tx.DeleteConv(c.convKey); err != nil {
			return err
		}
	}
	return cmd.Run(c, args)
}

// recordOffers lays out each message's buttons for the transport it goes
// to (pages for a long list) and keeps them as the chat's offer, so that a
// typed number or label and a page turn find them.
func (e *Engine) recordOffers(c *Ctx) error {
	for i := range c.Out {
		m := &c.Out[i]
		if len(m.Buttons) == 0 {
			continue
		}
		caps := e.Caps(m.Transport)
		for _, b := range m.Choices() {
			if caps.ButtonData > 0 && len(b.Data) > caps.ButtonData {
				return fmt.Errorf("flows: button data over %d bytes for %s: %q", caps.ButtonData, m.Transport, b.Data)
			}
		}
		p := c.pages[i]
		if p == nil {
			p = paginate(c, m, caps)
		}
		o := &storage.Offer{At: c.Now}
		for _, b := range m.Choices() {
			o.Choices = append(o.Choices, storage.Choice{Label: b.Label, Data: b.Data})
		}
		if p != nil {
			o.Text, o.PerRow = m.Text, p.perRow
			for _, b := range p.all {
				o.All = append(o.All, storage.Choice{Label: b.Label, Data: b.Data})
			}
		}
		if err := c.Tx.PutOffer(m.Transport, m.Chat, o); err != nil {
			return err
		}
	}
	return nil
}

// MenuItem is one command in a messenger's "/" menu.
type MenuItem struct {
	Command     string // without the slash
	Description string
}

// MenuLevel is what a person's command menu holds beyond everyone's: a set
// of roles, since an organization admin need not lead a cell.
type MenuLevel uint8

// The roles a menu is made for; MenuMember (no role) is everyone's menu.
const (
	MenuMember      MenuLevel = 0
	MenuGroupLeader MenuLevel = 1 << (iota - 1) // group leaders (tổ trưởng)
	MenuLeader                                  // secretaries and deputies
	MenuAdmin                                   // organization admins
	MenuCommune                                 // the commune committee's members
)

// MenuLevelOf is the menu level of a member.
func MenuLevelOf(tx *storage.Tx, m *storage.Member) MenuLevel {
	var l MenuLevel
	if len(m.LedCells()) > 0 {
		l |= MenuLeader
	} else if LeadsGroup(tx, m) {
		l |= MenuGroupLeader
	}
	if len(m.AdminOf) > 0 {
		l |= MenuAdmin
	}
	if len(tx.CommuneOrgsOf(m.ID)) > 0 {
		l |= MenuCommune
	}
	return l
}

// Menu lists the commands for the messenger's "/" menu in lang: those the
// roles in level may run, in the order /help gives them.
func (e *Engine) Menu(lang string, level MenuLevel) []MenuItem {
	var items []MenuItem
	for _, name := range e.order {
		cmd := e.commands[name]
		var needs MenuLevel // roles of which any one may run cmd
		switch cmd.Need {
		case NeedAdmin:
			needs = MenuAdmin
		case NeedLeader:
			needs = MenuLeader
		case NeedLeaderOrAdmin:
			needs = MenuLeader | MenuAdmin
		case NeedCommune:
			needs = MenuCommune | MenuAdmin
		case NeedGroupLeader:
			needs = MenuGroupLeader | MenuLeader
		}
		if needs != 0 && level&needs == 0 {
			continue
		}
		items = append(items, MenuItem{Command: name, Description: e.Cat.T(lang, cmd.MenuID)})
	}
	return items
}

// InternalError is the reply to an event that chibo failed to handle.
func (e *Engine) InternalError(ev chat.Event) []chat.Message {
	lang := e.Cfg.DefaultLang
	if locales.Supported(ev.LangHint) {
		lang = ev.LangHint
	}
	if ev.Chat == "" || ev.Kind == chat.EventBotRemoved {
		return nil
	}
	return []chat.Message{{Transport: ev.Transport, Chat: ev.Chat, Group: ev.ChatKind == chat.ChatGroup, Text: e.Cat.T(lang, "err.internal")}}
}

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
