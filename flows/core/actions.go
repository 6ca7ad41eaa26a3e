package core

import (
	"fmt"
	"slices"
	"strings"
)

// ActionCode names what a button does: the part of its payload before the
// first ':' ("exc" in "exc:12:7:a"). A code is stored in every button
// already sent: in people's chats, in the outbox, in a chat's paged offer.
// Once released, a code keeps its meaning for good.
type ActionCode string

// ActionSet is one journey's buttons, declared once and registered together
// under the journey's prefix.
//
// Wire codes. The codes released before issue 14 are two to four letters
// without a prefix ("bx", "rsq", "exc" …, see releasedCodes); they keep
// their values, so a button sent by an older release still works. A code
// added from now on is "<Prefix>.<name>" ("m.amend"): the prefix keeps one
// journey's new codes from ever meeting another's, and the engine refuses
// at start-up a new code without its journey's prefix.
type ActionSet struct {
	// Journey names the set in messages ("meetings").
	Journey string
	// Prefix is the journey's namespace for new codes: letters only, unique
	// among journeys.
	Prefix string
	// Actions are the set's codes and what each does.
	Actions map[ActionCode]Action
}

// releasedCodes are the codes of the releases before prefixes, with the
// prefix of the journey that owns each. Do not add to it: a new code is
// "<prefix>.<name>".
var releasedCodes = map[ActionCode]string{
	// core: turn a page
	"pg": "k",
	// members
	"lk": "u", "du": "u", "inv": "u", "st": "u",
	// admin
	"si": "a",
	// meetings
	"mt": "m", "ml": "m", "mrs": "m", "rsvp": "m", "exc": "m", "rl": "m",
	"rla": "m", "rlm": "m", "att": "m", "rsr": "m", "rsm": "m",
	// far-away members
	"ck": "f", "cks": "f", "bx": "f", "bh": "f", "bo": "f", "fq": "f",
	// residence
	"rs": "r", "rsq": "r", "rsv": "r", "rsx": "r",
}

// Actions registers a journey's buttons. It panics, at start-up, on a
// prefix already taken, a code registered twice, a new code outside the
// journey's prefix or a released code registered by another journey.
func (e *Engine) Actions(s ActionSet) {
	if s.Prefix == "" || strings.ContainsAny(s.Prefix, ".:") {
		panic(fmt.Sprintf("flows: action prefix %q of %s: letters only", s.Prefix, s.Journey))
	}
	for _, other := range e.actionSets {
		if other.Prefix == s.Prefix {
			panic(fmt.Sprintf("flows: action prefix %q of %s already taken by %s", s.Prefix, s.Journey, other.Journey))
		}
	}
	for code, a := range s.Actions {
		if err := s.check(code); err != nil {
			panic("flows: " + err.Error())
		}
		if _, dup := e.actions[code]; dup {
			panic(fmt.Sprintf("flows: duplicate action %q (%s)", code, s.Journey))
		}
		e.actions[code] = a
	}
	e.actionSets = append(e.actionSets, s)
}

// check tells whether code may belong to the set.
func (s ActionSet) check(code ActionCode) error {
	name, isNew := strings.CutPrefix(string(code), s.Prefix+".")
	switch {
	case strings.Contains(string(code), ":"):
		return fmt.Errorf("action %q of %s: ':' ends a code", code, s.Journey)
	case isNew && name != "" && !strings.Contains(name, "."):
		return nil
	case releasedCodes[code] == s.Prefix:
		return nil
	}
	return fmt.Errorf("action %q of %s: a new code is %q", code, s.Journey, s.Prefix+".<name>")
}

// ActionSets are the registered sets, in registration order.
func (e *Engine) ActionSets() []ActionSet { return slices.Clone(e.actionSets) }

// The core's own buttons (prefix "k").
const (
	// ActionPage turns the page of a long list: "pg:<n>".
	ActionPage ActionCode = "pg"
	// ActionLinkCode asks for a code to link another messenger. The members
	// journey handles it; /me, in the core, shows its button.
	ActionLinkCode ActionCode = "lk"
)
