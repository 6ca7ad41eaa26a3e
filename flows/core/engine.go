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
	// NeedCommune: an organization admin or a member who holds a role of
	// the commune's committee today (the command checks which).
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
