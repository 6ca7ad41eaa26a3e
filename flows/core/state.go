package core

import (
	"chibo/flows/chat"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"chibo/storage"
)

// StepName names a step of a flow. A flow declares its steps as constants
// of this type; the engine checks at registration that every step a flow
// names (its first step, the steps each step may go to) is one of its own.
type StepName string

// Done is what Answer returns when the flow is finished.
const Done StepName = ""

// MapDecoder is implemented by a flow's state that needs more than its
// JSON tags to read a conversation stored before typed state, when answers
// were kept in a string map (keys with a prefix, such as "a.place", or
// values in a form of their own). Flat keys need no decoder: a field whose
// JSON tag is the old key reads it (with ",string" for a number).
type MapDecoder interface {
	DecodeMap(data map[string]string) error
}

// StateOf returns the typed state of the conversation in progress. It
// panics when the flow's state is not a *T: a programming error that the
// flow's own tests meet at once.
func StateOf[T any](c *Ctx) *T {
	p, ok := c.state.(*T)
	if !ok {
		panic(fmt.Sprintf("flows: state of flow %s is %T, not %T", c.flowName(), c.state, p))
	}
	return p
}

func (c *Ctx) flowName() string {
	if c.conv == nil {
		return "(none)"
	}
	return c.conv.Flow
}

// schema is the version of the flow's state written by this release.
func (f *Flow) schema() int { return max(f.Version, 1) }

// typed reports whether the flow keeps typed state rather than Data.
func (f *Flow) typed() bool { return f.State != nil }

// StartWith begins a flow that keeps typed state, with state as what it
// carries (nil means the flow's empty state), and asks step (Done means
// the flow's first step).
func (c *Ctx) StartWith(flow string, step StepName, state any) error {
	f, ok := c.E.Flows[flow]
	if !ok {
		return fmt.Errorf("unknown flow %q", flow)
	}
	if !f.typed() {
		return fmt.Errorf("flow %s keeps its answers in Data: start it with Start", flow)
	}
	if state == nil {
		state = f.State()
	}
	if want := fmt.Sprintf("%T", f.State()); fmt.Sprintf("%T", state) != want {
		return fmt.Errorf("flow %s: state %T, want %s", flow, state, want)
	}
	if step == Done {
		step = f.First
	}
	if step != f.First && !slices.Contains(f.Starts, step) {
		return fmt.Errorf("flow %s: %q is not a step it starts at", flow, step)
	}
	c.conv = &storage.Conv{Flow: flow}
	c.state = state
	c.ended = false
	return c.goTo(step)
}

// staleConv is a stored conversation this release cannot resume: its flow,
// step or state version is unknown, or its state does not decode.
type staleConv struct {
	flow, step string
	schema     int
	err        error
}

func (s *staleConv) Error() string {
	return fmt.Sprintf("stored conversation flow=%s step=%s schema=%d: %v", s.flow, s.step, s.schema, s.err)
}

var (
	errUnknownFlow    = errors.New("unknown flow")
	errUnknownStep    = errors.New("unknown step")
	errUnknownVersion = errors.New("unknown state version")
)

// loadState checks a stored conversation against the flow it names and
// reads its typed state. A conversation it cannot resume is a *staleConv.
func (e *Engine) loadState(c *Ctx) error {
	conv := c.conv
	stale := func(err error) error {
		return &staleConv{flow: conv.Flow, step: conv.Step, schema: conv.Schema, err: err}
	}
	f, ok := e.Flows[conv.Flow]
	if !ok {
		return stale(errUnknownFlow)
	}
	if _, ok := f.Steps[StepName(conv.Step)]; !ok {
		return stale(errUnknownStep)
	}
	if !f.typed() {
		if conv.State != nil || conv.Schema != 0 {
			return stale(errUnknownVersion) // written by a later release
		}
		return nil
	}
	st := f.State()
	switch {
	case conv.State != nil:
		if conv.Schema != f.schema() {
			return stale(errUnknownVersion)
		}
		if err := json.Unmarshal(conv.State, st); err != nil {
			return stale(err)
		}
	case conv.Schema != 0:
		return stale(errUnknownVersion)
	default: // stored by a release that kept a map
		if err := decodeMap(conv.Data, st); err != nil {
			return stale(err)
		}
	}
	c.state = st
	return nil
}

// decodeMap reads a conversation's map-shaped answers into a flow's state.
func decodeMap(data map[string]string, st any) error {
	if d, ok := st.(MapDecoder); ok {
		return d.DecodeMap(data)
	}
	if len(data) == 0 {
		return nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, st)
}

// dropStale ends a conversation this release cannot resume: a log line for
// the operator, an apology and a hint for the person. It reports whether
// the event should still be handled (a command, or a button that is not
// the conversation's).
func (e *Engine) dropStale(c *Ctx, s *staleConv) (bool, error) {
	e.Cfg.Log.Warn("conversation reset", "flow", s.flow, "step", s.step, "schema", s.schema, "err", s.err.Error())
	c.conv, c.state = nil, nil
	if err := c.Tx.DeleteConv(c.convKey); err != nil {
		return false, err
	}
	c.Say("state.conv_reset")
	switch c.Ev.Kind {
	case chat.EventButton:
		return !isConvButton(c.Ev.Data), nil
	case chat.EventText:
		return len(NormalizeText(c.Ev.Text)) > 0 && NormalizeText(c.Ev.Text)[0] == '/', nil
	}
	return false, nil
}

func isConvButton(data string) bool { return len(data) >= 2 && data[:2] == "c:" }

// saveState writes the typed state into the conversation record.
func (c *Ctx) saveState() error {
	f := c.E.Flows[c.conv.Flow]
	if !f.typed() {
		return nil
	}
	raw, err := json.Marshal(c.state)
	if err != nil {
		return fmt.Errorf("flow %s: state: %w", f.Name, err)
	}
	c.conv.State, c.conv.Schema, c.conv.Data = raw, f.schema(), nil
	return nil
}

// checkFlow panics on a flow whose declared steps are not its own: its
// first step, and the steps each step says its Answer may go to.
func checkFlow(f *Flow) {
	fail := func(format string, args ...any) {
		panic(fmt.Sprintf("flows: flow %q: ", f.Name) + fmt.Sprintf(format, args...))
	}
	if f.Name == "" || len(f.Steps) == 0 {
		fail("no name or no steps")
	}
	if f.First != Done {
		if _, ok := f.Steps[f.First]; !ok {
			fail("first step %q is not a step", f.First)
		}
	}
	for _, n := range f.Starts {
		if _, ok := f.Steps[n]; !ok {
			fail("start step %q is not a step", n)
		}
	}
	for name, s := range f.Steps {
		if name == Done || s.Ask == nil || s.Answer == nil {
			fail("step %q: no name, Ask or Answer", name)
		}
		for _, n := range s.Next {
			if _, ok := f.Steps[n]; !ok {
				fail("step %q goes to %q, which is not a step", name, n)
			}
		}
	}
	if f.typed() {
		if f.First == Done {
			fail("typed state without a first step")
		}
		if st := f.State(); st == nil {
			fail("State makes nil")
		}
	}
}

// checkNext is the run-time half of checkFlow: the step an Answer
// returned must be one the step declared (when it declared any).
func checkNext(f *Flow, from string, next StepName) error {
	s := f.Steps[StepName(from)]
	if next == Done || s.Next == nil || slices.Contains(s.Next, next) {
		return nil
	}
	return fmt.Errorf("flow %s: step %s went to %q, which it does not declare", f.Name, from, next)
}

// State is the typed state of the conversation in progress, nil for a flow
// that keeps a map. Steps shared by several flows read the part they share
// through an interface of their own; a flow's own steps use StateOf.
func (c *Ctx) State() any { return c.state }

// Day is a calendar date carried in a conversation's state, as
// "2006-01-02" (the form the map-shaped state kept); "" is no date.
type Day string

// DayOf is the date of t (in t's location).
func DayOf(t time.Time) Day { return Day(t.Format("2006-01-02")) }

// Time is the start of day d in the engine's zone; the zero time for no or
// a malformed date.
func (c *Ctx) Time(d Day) time.Time {
	t, err := time.ParseInLocation("2006-01-02", string(d), c.E.Cfg.Zone)
	if err != nil {
		return time.Time{}
	}
	return t
}
