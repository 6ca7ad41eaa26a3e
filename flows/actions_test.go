package flows

import (
	"chibo/flows/chat"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chibo/flows/core"
	"chibo/storage"
)

// released are the action codes in buttons sent by the releases before
// prefixes (issue 14), by journey. They are written out here, not read from
// the code, so that renaming one fails this test: buttons with them are in
// people's chats, in the outbox and in paged offers.
var released = map[string][]string{
	"core":      {"pg"},
	"members":   {"lk", "du", "inv", "st"},
	"admin":     {"si"},
	"meetings":  {"mt", "ml", "mrs", "rsvp", "exc", "rl", "rla", "rlm", "att", "rsr", "rsm"},
	"faraway":   {"ck", "cks", "bx", "bh", "bo", "fq"},
	"residence": {"rs", "rsq", "rsv", "rsx"},
}

// Each journey has its own prefix, and no code is registered twice.
func TestActions_onePrefixPerJourney(t *testing.T) {
	h := newHarness(t)
	prefixes := map[string]string{}
	codes := map[core.ActionCode]string{}
	for _, s := range h.e.ActionSets() {
		if other, dup := prefixes[s.Prefix]; dup {
			t.Errorf("prefix %q of %s is also %s's", s.Prefix, s.Journey, other)
		}
		prefixes[s.Prefix] = s.Journey
		for code := range s.Actions {
			if other, dup := codes[code]; dup {
				t.Errorf("code %q of %s is also %s's", code, s.Journey, other)
			}
			codes[code] = s.Journey
		}
	}
	for _, j := range []string{"core", "members", "admin", "privacy", "meetings", "faraway", "residence", "tasks", "commune"} {
		if !containsValue(prefixes, j) {
			t.Errorf("journey %s registered no action set", j)
		}
	}
	// Every released code is still registered, by the journey that sent it.
	for j, cs := range released {
		for _, c := range cs {
			if codes[core.ActionCode(c)] != j {
				t.Errorf("released code %q: registered by %q, want %s", c, codes[core.ActionCode(c)], j)
			}
		}
	}
}

func containsValue(m map[string]string, v string) bool {
	for _, x := range m {
		if x == v {
			return true
		}
	}
	return false
}

// The engine refuses at start-up a prefix taken twice or with a dot, a new
// code outside its journey's prefix or a released code
// claimed by another journey.
func TestActions_registrationRefusesClashes(t *testing.T) {
	nop := func(*core.Ctx, string) error { return nil }
	for _, tc := range []struct {
		name string
		sets []core.ActionSet
	}{
		{"prefix taken", []core.ActionSet{{Journey: "a", Prefix: "z"}, {Journey: "b", Prefix: "z"}}},
		{"dot in prefix", []core.ActionSet{{Journey: "a", Prefix: "y.z", Actions: map[core.ActionCode]core.Action{"y.z.go": nop}}}},
		{"new code without prefix", []core.ActionSet{{Journey: "a", Prefix: "z", Actions: map[core.ActionCode]core.Action{"zz": nop}}}},
		{"new code of another prefix", []core.ActionSet{{Journey: "a", Prefix: "z", Actions: map[core.ActionCode]core.Action{"m.go": nop}}}},
		{"released code of another journey", []core.ActionSet{{Journey: "a", Prefix: "z", Actions: map[core.ActionCode]core.Action{"exc": nop}}}},
		{"colon in code", []core.ActionSet{{Journey: "a", Prefix: "z", Actions: map[core.ActionCode]core.Action{"z.a:b": nop}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("registered without a panic")
				}
			}()
			_, err := core.NewEngine(newHarness(t).e.Cat, core.Config{}, registerSets(tc.sets))
			t.Fatalf("no panic (err %v)", err)
		})
	}
	// A well-formed new code registers.
	if _, err := core.NewEngine(newHarness(t).e.Cat, core.Config{}, registerSets{{Journey: "a", Prefix: "z", Actions: map[core.ActionCode]core.Action{"z.go": nop}}}); err != nil {
		t.Fatal(err)
	}
}

type registerSets []core.ActionSet

func (r registerSets) Register(e *core.Engine) {
	for _, s := range r {
		e.Actions(s)
	}
}

// Buttons are built from the journeys' named codes: no string literal
// stands for a code where a button or a change of decision is made.
func TestActions_noLiteralCodes(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if name := calleeName(n.Fun); name == "ActionButton" && len(n.Args) == 3 {
					if _, lit := n.Args[1].(*ast.BasicLit); lit {
						t.Errorf("%s: ActionButton with a literal code", path)
					}
				}
			case *ast.CompositeLit:
				if calleeName(n.Type) != "ChangeQuestion" {
					return true
				}
				for _, el := range n.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if k, isIdent := kv.Key.(*ast.Ident); isIdent && k.Name == "Action" {
						if _, lit := kv.Value.(*ast.BasicLit); lit {
							t.Errorf("%s: a ChangeQuestion with a literal code", path)
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func calleeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}

// A button sent by the previous release still works after the upgrade: the
// leader taps the accept button of an excuse, its payload as that release
// wrote it ("exc:<meeting>:<member>:a:<sent>"), and the excuse is accepted.
func TestActions_oldExcuseButtonStillWorks(t *testing.T) {
	h, mid := excuseWorld(t)
	dung := h.member("phamthidung")
	sent := h.meeting(mid).Roll[dung.ID].RSVPAt
	old := fmt.Sprintf("exc:%d:%d:a:%d", mid, dung.ID, sent.Unix())
	// Today's button carries the same payload.
	var found bool
	for _, m := range h.inbox["sec"] {
		for _, b := range m.Choices() {
			found = found || b.Data == old
		}
	}
	if !found {
		t.Fatalf("no accept button %q sent to the secretary", old)
	}
	h.advance(time.Hour)
	out := h.event(chat.Event{Kind: chat.EventButton, User: "sec", Data: old})
	h.wantText(out, "vi", "mt.excuse_accepted_you", "When", "19:30 ngày 03/03/2026")
	if a := h.meeting(mid).Roll[dung.ID]; a.Excuse != storage.ExcuseAccepted || a.DecidedBy != h.member("sec").ID {
		t.Fatalf("excuse %+v", a)
	}
}
