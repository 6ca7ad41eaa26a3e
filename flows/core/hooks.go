package core

import (
	"fmt"
	"slices"

	"chibo/flows/chat"
	"chibo/storage"
)

// Journey is one part of chibo's conversations (members, meetings, far-away
// members, residence, privacy, admin). It registers its commands, flows,
// actions, due work and hooks with the engine; cmd wires the list.
type Journey interface {
	Register(e *Engine)
}

// Hooks let a journey add to another's work without importing it: a
// section of /mydata, a part of /forget, a daily retention batch, an export,
// a drawing, the words of an audit action, a /start payload, text that is
// not a command, the bot's own arrival in or departure from a chat.
type (
	// MyDataFunc lists what a journey keeps about m, a line each.
	MyDataFunc func(c *Ctx, m *storage.Member) ([]string, error)
	// ForgetFunc erases m's details from a journey's records and returns
	// texts m typed that must also go from transient stores.
	ForgetFunc func(c *Ctx, m *storage.Member) (needles [][]byte, err error)
	// RetainFunc deletes expired records in one short batch, from after on,
	// and returns where it stopped and whether it is done for the day.
	RetainFunc func(c *Ctx, after uint64) (last uint64, done bool, err error)
	// ExportFunc makes the files of one kind of export of cell.
	ExportFunc func(c *Ctx, cell *storage.Cell, req ExportRequest) ([]chat.Document, error)
	// DrawFunc draws a picture from the records at delivery.
	DrawFunc func(c *Ctx, d *chat.Drawing) ([]byte, error)
	// AuditFunc puts one kind of audit entry into words.
	AuditFunc func(c *Ctx, e *storage.AuditEntry) AuditView
	// PayloadFunc handles a /start payload or a typed text before commands;
	// it reports false when the text is not for it.
	PayloadFunc func(c *Ctx, text string) (handled bool, err error)
	// EventFunc handles an event that is not a person's message.
	EventFunc func(c *Ctx) error
	// CellToolFunc is what a leader does once a cell is chosen.
	CellToolFunc func(c *Ctx, cell *storage.Cell) error
)

type myDataSection struct {
	rank  int
	title string
	f     MyDataFunc
}

type retainer struct {
	Name string
	F    RetainFunc
}

type hooks struct {
	myData       []myDataSection
	forget       []ForgetFunc
	Retain       []retainer
	exports      map[string]ExportFunc
	drawers      map[string]DrawFunc
	audit        map[string]AuditFunc
	starts       []PayloadFunc
	texts        []PayloadFunc
	membership   []EventFunc
	tools        map[string]CellToolFunc
	period       func(c *Ctx, cell *storage.Cell) (Period, error)
	figures      []figureSource // the commune's view (figures.go)
	groupFigures GroupFiguresFunc
	guests       []GuestsFunc
	summary      SummaryFunc
	meeting      meetingHooks
	orgExports   map[string]OrgExportFunc
}

// MyData adds a section to /mydata; sections are shown by rank.
func (e *Engine) MyData(rank int, titleID string, f MyDataFunc) {
	e.Hooks.myData = append(e.Hooks.myData, myDataSection{rank, titleID, f})
	slices.SortStableFunc(e.Hooks.myData, func(a, b myDataSection) int { return a.rank - b.rank })
}

// Forget adds a part to /forget.
func (e *Engine) Forget(f ForgetFunc) { e.Hooks.forget = append(e.Hooks.forget, f) }

// Retain adds a daily retention job; name keeps its place between batches.
func (e *Engine) Retain(name string, f RetainFunc) {
	e.Hooks.Retain = append(e.Hooks.Retain, retainer{name, f})
}

// Exporter registers the builder of one kind of export.
func (e *Engine) Exporter(what string, f ExportFunc) {
	if _, dup := e.Hooks.exports[what]; dup {
		panic("flows: duplicate export " + what)
	}
	e.Hooks.exports[what] = f
}

// Drawer registers how to draw one kind of picture.
func (e *Engine) Drawer(kind string, f DrawFunc) { e.Hooks.drawers[kind] = f }

// AuditWords registers the words of audit actions.
func (e *Engine) AuditWords(fs map[string]AuditFunc) {
	for action, f := range fs {
		if _, dup := e.Hooks.audit[action]; dup {
			panic("flows: duplicate audit words " + action)
		}
		e.Hooks.audit[action] = f
	}
}

// OnStart handles /start payloads that are not invites.
func (e *Engine) OnStart(f PayloadFunc) { e.Hooks.starts = append(e.Hooks.starts, f) }

// OnText looks at a private chat's text before commands, when no
// conversation is open.
func (e *Engine) OnText(f PayloadFunc) { e.Hooks.texts = append(e.Hooks.texts, f) }

// OnMembership handles the bot being added to or removed from a chat.
func (e *Engine) OnMembership(f EventFunc) { e.Hooks.membership = append(e.Hooks.membership, f) }

// MyDataSections runs every /mydata section for m.
func (c *Ctx) MyDataSections(m *storage.Member, section func(titleID string, lines []string)) error {
	for _, s := range c.E.Hooks.myData {
		lines, err := s.f(c, m)
		if err != nil {
			return err
		}
		section(s.title, lines)
	}
	return nil
}

// ForgetEverywhere runs every journey's part of /forget for m.
func (c *Ctx) ForgetEverywhere(m *storage.Member) ([][]byte, error) {
	var needles [][]byte
	for _, f := range c.E.Hooks.forget {
		n, err := f(c, m)
		if err != nil {
			return nil, err
		}
		needles = append(needles, n...)
	}
	return needles, nil
}

// StartPayload offers a /start payload to the journeys that take one.
func (c *Ctx) StartPayload(payload string) (bool, error) {
	for _, f := range c.E.Hooks.starts {
		if ok, err := f(c, payload); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// exportOf is the builder of an export kind.
func (e *Engine) exportOf(what string) (ExportFunc, bool) {
	f, ok := e.Hooks.exports[what]
	return f, ok
}

func (e *Engine) draw(c *Ctx, d *chat.Drawing) ([]byte, error) {
	f, ok := e.Hooks.drawers[d.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown drawing %q", d.Kind)
	}
	return f(c, d)
}

// HasAuditWords reports whether an audit action has registered words.
func (e *Engine) HasAuditWords(action string) bool {
	_, ok := e.Hooks.audit[action]
	return ok
}

// CellTool registers a leader's tool by name, so that the choice of a cell
// for it survives in a stored conversation.
func (e *Engine) CellTool(name string, f CellToolFunc) {
	if _, dup := e.Hooks.tools[name]; dup {
		panic("flows: duplicate cell tool " + name)
	}
	e.Hooks.tools[name] = f
}

// CellTool is the leader's tool of that name.
func (c *Ctx) CellTool(name string) CellToolFunc { return c.E.Hooks.tools[name] }

// OnCheckinPeriod registers how to find a cell's current check-in period.
func (e *Engine) OnCheckinPeriod(f func(c *Ctx, cell *storage.Cell) (Period, error)) {
	e.Hooks.period = f
}

// CheckinPeriod is the cell's current check-in period (this month when no
// journey keeps check-ins).
func (c *Ctx) CheckinPeriod(cell *storage.Cell) (Period, error) {
	if c.E.Hooks.period == nil {
		now := c.Now.In(c.CellZone(cell))
		return Period{now.Year(), now.Month()}, nil
	}
	return c.E.Hooks.period(c, cell)
}
