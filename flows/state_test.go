package flows

import (
	"chibo/flows/chat"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"chibo/flows/core"
	"chibo/storage"
)

// Every flow of every journey names only its own steps, and a flow with
// typed state reaches each of its steps from its first one.
func TestFlows_declaredSteps(t *testing.T) {
	h := newHarness(t) // NewEngine registers every journey: a bad flow panics there
	for name, f := range h.e.Flows {
		for step, s := range f.Steps {
			for _, n := range s.Next {
				if _, ok := f.Steps[n]; !ok {
					t.Errorf("flow %s: step %s goes to unknown step %q", name, step, n)
				}
			}
		}
		if f.State == nil {
			continue
		}
		if _, ok := f.Steps[f.First]; !ok {
			t.Errorf("flow %s: first step %q unknown", name, f.First)
		}
		seen := map[core.StepName]bool{f.First: true}
		todo := []core.StepName{f.First}
		for _, s := range f.Starts {
			seen[s] = true
			todo = append(todo, s)
		}
		for len(todo) > 0 {
			s := f.Steps[todo[0]]
			todo = todo[1:]
			if s.Next == nil {
				continue
			}
			for _, n := range s.Next {
				if !seen[n] {
					seen[n] = true
					todo = append(todo, n)
				}
			}
		}
		for step := range f.Steps {
			if !seen[step] {
				t.Errorf("flow %s: step %s is not reached from %s or %v", name, step, f.First, f.Starts)
			}
		}
	}
}

func TestEngine_registerRefusesUnknownStep(t *testing.T) {
	h := newHarness(t)
	ask := func(*core.Ctx) error { return nil }
	answer := func(*core.Ctx, core.Input) (core.StepName, error) { return core.Done, nil }
	for name, f := range map[string]*core.Flow{
		"next":  {Name: "t1", Steps: map[core.StepName]core.Step{"a": {Ask: ask, Answer: answer, Next: []core.StepName{"b"}}}},
		"first": {Name: "t2", First: "b", Steps: map[core.StepName]core.Step{"a": {Ask: ask, Answer: answer}}},
		"start": {Name: "t4", Starts: []core.StepName{"b"}, Steps: map[core.StepName]core.Step{"a": {Ask: ask, Answer: answer}}},
		"typed": {Name: "t3", State: func() any { return &struct{}{} }, Steps: map[core.StepName]core.Step{"a": {Ask: ask, Answer: answer}}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("registered a flow that names an unknown step")
				}
			}()
			h.e.Register(f)
		})
	}
}

// putConv stores a conversation for user as another release might have.
func (h *harness) putConv(user string, c *storage.Conv) {
	h.t.Helper()
	c.Nonce, c.Updated, c.Expires = "n0nce", h.now, h.now.Add(time.Hour)
	if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutConv(storage.ConvKey(tr, user, user), c) }); err != nil {
		h.t.Fatal(err)
	}
}

// A stored conversation this release cannot resume (its step is gone, its
// state is of a version it does not know) is ended with an apology and a
// log line; a command typed then still runs.
func TestEngine_staleConversationIsReset(t *testing.T) {
	cases := []struct {
		name string
		conv storage.Conv
		log  string
	}{
		{"unknown step", storage.Conv{Flow: "lang", Step: "pick"}, "unknown step"},
		{"unknown flow", storage.Conv{Flow: "poll", Step: "ask"}, "unknown flow"},
		{"state of a later release", storage.Conv{Flow: "lang", Step: "choose", State: json.RawMessage(`{}`), Schema: 2}, "unknown state version"},
		{"typed state of an unknown version", storage.Conv{Flow: "reg", Step: "consent", State: json.RawMessage(`{"token":"x"}`), Schema: 9}, "unknown state version"},
		{"typed state that does not decode", storage.Conv{Flow: "reg", Step: "consent", State: json.RawMessage(`{"token":7}`), Schema: 1}, "cannot unmarshal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.seedCell()
			h.putConv("sec", &tc.conv)
			out := h.say("sec", "English")
			h.wantText(out, "vi", "state.conv_reset")
			if len(out) != 1 {
				t.Fatalf("replies %+v", out)
			}
			if h.member("sec").Lang != "vi" {
				t.Fatal("a stale conversation applied an answer")
			}
			if !strings.Contains(h.logs.String(), "conversation reset") || !strings.Contains(h.logs.String(), tc.log) {
				t.Fatalf("log: %s", h.logs.String())
			}
			h.wantText(h.say("sec", "xin chào"), "vi", "err.unknown_text") // nothing left of it
			h.putConv("sec", &tc.conv)
			out = h.say("sec", "/lang")
			h.wantText(out, "vi", "state.conv_reset")
			h.wantText(out, "vi", "lang.ask")
		})
	}
}

// A database written by the release that kept conversations in maps
// resumes: each conversation left mid-way finishes with the replies the
// old release gave.
func TestConvFixture_resumesMapState(t *testing.T) {
	want, err := os.ReadFile(convFixtureGolden)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	copyFile(t, convFixture, h.path)
	h.open()
	h.at(25, 3, 8, 0)
	got := finishConvFixture(h)
	if got != string(want) {
		t.Fatalf("replies differ from the old release's\n--- got\n%s\n--- want\n%s", got, want)
	}
	if ck := h.checkin("dovanhung", "2026-03"); ck == nil || ck.Answers["employer"] != "Công ty TNHH Giày Mẫu" || ck.Answers["place"] != "Thuận An, Bình Dương" {
		t.Fatalf("check-in %+v", ck)
	}
	if m := h.member("em"); m.Name != "Hoàng Văn Em" || m.Lang != "en" || !m.Consent.Given {
		t.Fatalf("member %+v", m)
	}
}

// A flow that still keeps its answers in a map runs beside typed ones, as
// flows of other branches may until they move; a typed flow refuses to be
// started with a map, and a map flow with a state.
func TestEngine_mapFlowsStillRun(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	var seen string
	h.e.Register(&core.Flow{Name: "toy", Need: core.NeedMember, Steps: map[core.StepName]core.Step{
		"ask": {Ask: func(c *core.Ctx) error { c.Say("lang.ask"); return nil },
			Answer: func(c *core.Ctx, in core.Input) (core.StepName, error) {
				seen = c.Data()["x"] + in.Text
				return core.Done, nil
			}},
	}})
	var startErrs []error
	h.e.Command(&core.Command{Name: "toy", Need: core.NeedMember, HelpID: "help.me", MenuID: "menu.me", Run: func(c *core.Ctx, _ string) error {
		startErrs = append(startErrs, c.Start("lang", "choose", nil), c.StartWith("toy", "ask", nil))
		return c.Start("toy", "ask", map[string]string{"x": "kept:"})
	}})
	h.say("sec", "/toy")
	h.restart() // the map is stored and read back
	h.e.Register(&core.Flow{Name: "toy", Need: core.NeedMember, Steps: map[core.StepName]core.Step{
		"ask": {Ask: func(c *core.Ctx) error { return nil },
			Answer: func(c *core.Ctx, in core.Input) (core.StepName, error) {
				seen = c.Data()["x"] + in.Text
				return core.Done, nil
			}},
	}})
	h.say("sec", "hello")
	if seen != "kept:hello" {
		t.Fatalf("map flow saw %q", seen)
	}
	if len(startErrs) != 2 || startErrs[0] == nil || startErrs[1] == nil {
		t.Fatalf("mixed starts: %v", startErrs)
	}
}

// A step that goes to a step it did not declare is a fault of chibo: the
// event fails (and is rolled back) rather than asking a question no one
// planned.
func TestEngine_undeclaredNextStepFails(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	ask := func(c *core.Ctx) error { c.Say("lang.ask"); return nil }
	h.e.Register(&core.Flow{Name: "toy", Need: core.NeedMember, First: "a", State: func() any { return &struct{}{} },
		Steps: map[core.StepName]core.Step{
			"a": {Ask: ask, Next: []core.StepName{"b"}, Answer: func(*core.Ctx, core.Input) (core.StepName, error) { return "c", nil }},
			"b": {Ask: ask, Next: []core.StepName{}, Answer: func(*core.Ctx, core.Input) (core.StepName, error) { return core.Done, nil }},
			"c": {Ask: ask, Next: []core.StepName{}, Answer: func(*core.Ctx, core.Input) (core.StepName, error) { return core.Done, nil }},
		}})
	h.e.Command(&core.Command{Name: "toy", Need: core.NeedMember, HelpID: "help.me", MenuID: "menu.me", Run: func(c *core.Ctx, _ string) error {
		return c.StartWith("toy", core.Done, nil)
	}})
	h.say("sec", "/toy")
	err := h.db.Update(func(tx *storage.Tx) error {
		_, err := h.e.Handle(tx, chat.Event{Kind: chat.EventText, Transport: tr, Chat: "sec", ChatKind: chat.ChatPrivate, User: "sec", Text: "x", Time: h.now})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), `step a went to "c", which it does not declare`) {
		t.Fatalf("err %v", err)
	}
}

// newSinceMapRelease are the flows added after the release that kept
// conversations in maps: none of their conversations was ever stored as a
// map, so they have no sample below, and they must keep typed state.
var newSinceMapRelease = []string{"task", "fargroup", "fgcontact", "cqcomment", "gbreport", "gbconc"}

// Every flow reads the map its steps stored before typed state (the keys
// and value forms the release before wrote): no conversation in progress
// at the upgrade is reset.
func TestFlows_decodeMapOfReleaseBefore(t *testing.T) {
	old := []storage.Conv{
		{Flow: "lang", Step: "choose"},
		{Flow: "reg", Step: "consent", Data: map[string]string{"token": "tok", "name": "Hoàng Văn Em"}},
		{Flow: "pickcell", Step: "cell", Data: map[string]string{"tool": "status"}},
		{Flow: "status", Step: "confirm", Data: map[string]string{"cell": "1", "member": "2", "kind": "far_away", "from": "2026-03-01", "to": "2026-12-31", "exempt": "yes", "reason": "đi làm"}},
		{Flow: "dues", Step: "state", Data: map[string]string{"member": "2", "month": "2026-03"}},
		{Flow: "faraway", Step: "confirm", Data: map[string]string{"cell": "1", "member": "2", "old_province": "Bình Dương", "province": "Bình Dương", "old_from": "2026-01-01", "from": "2026-01-01", "to": "2026-12-31", "group": "0", "exempt": "1", "resolution": "NQ 01"}},
		{Flow: "awayreq", Step: "confirm", Data: map[string]string{"province": "Bình Dương", "from": "2026-03-01", "exempt": "", "reason": ""}},
		{Flow: "awayrefuse", Step: "reason", Data: map[string]string{"member": "2", "req": "r1"}},
		{Flow: "forget", Step: "confirm"},
		{Flow: "newcell", Step: "name", Data: map[string]string{"org": "1"}},
		{Flow: "secinvite", Step: "cell"},
		{Flow: "export", Step: "format", Data: map[string]string{"cell": "1", "year": "2026", "what": "roll", "meeting": "3", "month": "2026-03"}},
		{Flow: "checkin", Step: "field", Data: map[string]string{"p": "2026-03", "i": "2", "fix": "1", "same": "1", "why": "dues", "a.place": "x", "prev.place": "y", "lat": "10.900000", "lon": "106.700000"}},
		{Flow: "rlink", Step: "confirm", Data: map[string]string{"mode": "add", "cell": "1", "member": "2", "q": "an", "prev.workplace": "Sở", "prev.org": "Đảng bộ Sở", "workplace": "Sở", "org": "Đảng bộ Sở", "date": "2026-03-01", "status": "good"}},
		{Flow: "rreport", Step: "date", Data: map[string]string{"kind": "other", "text": "dọn vệ sinh"}},
		{Flow: "rcomment", Step: "review", Data: map[string]string{"cell": "1", "member": "2", "year": "2026", "i": "1", "a.conduct": "Tốt"}},
		{Flow: "mschedule", Step: "time", Data: map[string]string{"cell": "1", "day": "5"}},
		{Flow: "mremind", Step: "morning", Data: map[string]string{"cell": "1", "quiet": "21-6", "member": "120", "secretary": "1440"}},
		{Flow: "mnew", Step: "place", Data: map[string]string{"cell": "1", "kind": "thematic", "topic": "Nghị quyết", "date": "2026-03-05", "at": "2026-03-05T19:30:00+07:00"}},
		{Flow: "mmove", Step: "place", Data: map[string]string{"meeting": "3", "date": "2026-03-05", "at": "2026-03-05T19:30:00+07:00"}},
		{Flow: "mtopic", Step: "topic", Data: map[string]string{"meeting": "3"}},
		{Flow: "mcancel", Step: "confirm", Data: map[string]string{"meeting": "3"}},
		{Flow: "excuse", Step: "text", Data: map[string]string{"meeting": "3"}},
		{Flow: "mscore", Step: "section", Data: map[string]string{"meeting": "3", "i": "1", "p_prep": "10"}},
		{Flow: "mclose", Step: "times", Data: map[string]string{"meeting": "3", "from": "1772713800", "to": "1772719500"}},
		{Flow: "mresched", Step: "date", Data: map[string]string{"meeting": "3"}},
	}
	h := newHarness(t)
	h.seedCell()
	if len(old)+len(newSinceMapRelease) != len(h.e.Flows) {
		t.Errorf("%d samples and %d new flows for %d flows: add the new flow's", len(old), len(newSinceMapRelease), len(h.e.Flows))
	}
	sampled := map[string]bool{}
	for _, conv := range old {
		sampled[conv.Flow] = true
	}
	for _, name := range newSinceMapRelease {
		f, ok := h.e.Flows[name]
		switch {
		case !ok:
			t.Errorf("new flow %s is not registered", name)
		case sampled[name]:
			t.Errorf("flow %s is both new and sampled", name)
		case f.State == nil:
			t.Errorf("new flow %s keeps a map: a new flow keeps typed state", name)
		}
	}
	for _, conv := range old {
		h.putConv("sec", &conv)
		out := h.say("sec", "/cancel")
		h.wantText(out, "vi", "cancel.done")
		if strings.Contains(h.logs.String(), "conversation reset") {
			t.Fatalf("flow %s: %s", conv.Flow, h.logs.String())
		}
	}
}
