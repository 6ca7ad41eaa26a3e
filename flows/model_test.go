package flows

import (
	"chibo/flows/core"
	"chibo/flows/meetings"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/flows/export"
	"chibo/storage"
)

// The model test (issue 11, "How it is checked"): random histories of a
// cell over a year, driven only by what people do (buttons and typed text,
// scheduler ticks, restarts), checked against the invariants a secretary
// signs the books on:
//
//  1. the year equals the meetings: each closed meeting's column in the
//     year (attendanceYear, which feeds chat, workbook, CSV and chart)
//     shows the meeting's stored tally, and the members' marks add up to it;
//  2. a closed verdict never changes silently: a closed meeting's tally and
//     outcomes change only with an amendment (who, when, before, after) and
//     its audit entry;
//  3. every member is in exactly one standing per closed meeting, the same
//     in the stored outcome, the roll and the year;
//  4. no dues claim without a dues answer: a dues record changes only on a
//     dues action for that member and month (the roll's ticks, "all present
//     paid" for those present, an officer's record, the far-away member's
//     answer to the dues question), never from presence, audited;
//  5. a decision has one decider: the first decision on an excuse or a
//     far-away request is the acting leader's; a later tap on an old or
//     replaced button changes nothing (no record, no audit entry); only the
//     explicit change (or, for an excuse, a roll correction) changes it,
//     audited as a change of decision.
//
// Each event is checked against the records before it (what may change is
// declared per action, see act), and the books (1, 3) after every close and
// at the end. The shadow kept is only what an invariant needs: who may
// change which dues record or decision on this event.
//
// CI runs a fixed seed; by hand:
//
//	go test ./flows -run TestModel -count=1 -model.histories=1000 [-model.seed=S]
//
// (or CHIBO_MODEL_HISTORIES / CHIBO_MODEL_SEED). A failure names its seed:
// -model.seed=S -model.histories=1 replays it.

var (
	modelHistories = flag.Int("model.histories", 0, "random histories for TestModel (0: $CHIBO_MODEL_HISTORIES, else 8, 2 under -race)")
	modelSeed      = flag.Uint64("model.seed", 0, "first seed for TestModel (0: $CHIBO_MODEL_SEED, else 11)")
)

func modelParams() (n int, seed uint64) {
	n, seed = *modelHistories, *modelSeed
	if n == 0 {
		n, _ = strconv.Atoi(os.Getenv("CHIBO_MODEL_HISTORIES"))
	}
	if n <= 0 {
		n = 8
		if raceBuild {
			n = 2
		}
	}
	if seed == 0 {
		seed, _ = strconv.ParseUint(os.Getenv("CHIBO_MODEL_SEED"), 10, 64)
	}
	if seed == 0 {
		seed = 11
	}
	return n, seed
}

// modelCounts count what a history did, to show the histories reach the
// cases the invariants are about.
type modelCounts struct {
	Events, Closed, Amended, Changed, Refused, Stale, Dues, Statuses, Restarts int
	Invalid, Cancelled, Checkins, Same, Asked, Decided, Rescheduled, Moved     int
	Received                                                                   int
}

// modelStats add up the histories' counts.
type modelStats struct {
	mu     sync.Mutex
	passed int
	modelCounts
}

func (s *modelStats) add(w *world) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !w.t.Failed() {
		s.passed++
	}
	w.n.Events = w.events
	sum, one := reflect.ValueOf(&s.modelCounts).Elem(), reflect.ValueOf(w.n)
	for i := range sum.NumField() {
		sum.Field(i).SetInt(sum.Field(i).Int() + one.Field(i).Int())
	}
}

func TestModel(t *testing.T) {
	n, seed := modelParams()
	var st modelStats
	start := time.Now()
	t.Run("histories", func(t *testing.T) {
		for i := 0; i < n; i++ {
			s := seed + uint64(i)
			t.Run(fmt.Sprintf("seed=%d", s), func(t *testing.T) {
				t.Parallel()
				runHistory(t, s, &st)
			})
		}
	})
	t.Logf("%d of %d histories passed (seeds %d–%d) in %s: %d events, %d meetings closed, %d amendments, "+
		"%d far-away requests (%d decided), %d decisions changed explicitly, %d taps on decided or replaced excuses and requests answered, %d forged or stale taps, %d refused inputs, "+
		"%d dues records, %d statuses recorded, %d check-in forms sent, %d 'same as last month' begun, %d meetings cancelled (%d made up later in the month), %d moved, %d members transferred to another cell, %d restarts",
		st.passed, n, seed, seed+uint64(n)-1, time.Since(start).Round(time.Millisecond), st.Events, st.Closed, st.Amended,
		st.Asked, st.Decided, st.Changed, st.Stale, st.Invalid, st.Refused, st.Dues, st.Statuses, st.Checkins, st.Same, st.Cancelled, st.Rescheduled, st.Moved, st.Received, st.Restarts)
}

// modelNames are the members a history picks from: no name contains
// another, so typing one finds one.
var modelNames = []string{"Trần Văn An", "Lê Thị Bình", "Phạm Văn Cường", "Võ Thị Dung", "Đỗ Văn Giang", "Hồ Thị Hạnh",
	"Ngô Văn Khoa", "Bùi Thị Lan", "Đặng Văn Minh", "Dương Thị Nga"}

// world is one history: the harness, the random source, who is who, the
// last state seen (to check each event's changes) and what was done.
type world struct {
	t       *testing.T
	h       *harness
	r       *rand.Rand
	seed    uint64
	members []string // user ids of the plain members
	leaders []string // "sec", "dep"
	ids     map[string]uint64
	names   map[string]string
	gone    map[string]bool   // officially transferred out or forgotten: acts no more
	codes   map[uint64]string // check-in codes shown, by meeting
	// forgotten are the members who withdrew consent (/forget).
	forgotten map[uint64]bool
	last      modelState
	lastAud   uint64
	log       []string
	events    int
	n         modelCounts
}

// modelState is what the invariants compare before and after an event.
type modelState struct {
	meetings map[uint64]storage.Meeting
	dues     map[string]storage.Dues // member id + "/" + month
	away     map[uint64]storage.FarAwayRequest
}

// act says which changes an event may make; anything else is a failure.
type act struct {
	who  string
	what string
	// dues reports whether the dues record of (member, month) may change
	// as it did; nil: no dues may change.
	dues func(member uint64, month string, before, after *storage.Dues) bool
	// change names the excuses whose decision this event may change
	// explicitly ("meeting/member"), with an audited change of decision.
	change map[string]bool
	// own is the member answering a notice or asking to be recorded far
	// away: their own excuse or request may be withdrawn or replaced.
	own bool
	// changeAway names the member whose far-away request's decision this
	// event may change explicitly.
	changeAway uint64
	// invalid: nothing stored may change (conversations aside).
	invalid bool
	// bulk: a bulk mark of the roll, which skips members who withdrew
	// consent (issue 11, item 11).
	bulk bool
	// erase: the member's own /forget, which erases free text without an
	// audit entry (an entry would keep what it erases).
	erase bool
}

func runHistory(t *testing.T, seed uint64, st *modelStats) {
	w := &world{t: t, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), seed: seed, ids: map[string]uint64{}, names: map[string]string{}, gone: map[string]bool{}, codes: map[uint64]string{}, forgotten: map[uint64]bool{}}
	defer st.add(w)
	defer func() {
		if t.Failed() {
			from := max(0, len(w.log)-60)
			t.Logf("seed %d, %d events; last actions:\n%s", seed, w.events, strings.Join(w.log[from:], "\n"))
		}
	}()
	h := newHarness(t)
	w.h = h
	startMonth := time.Month(1 + w.r.IntN(3))
	h.now = time.Date(2026, startMonth, 1+w.r.IntN(2), 8, 0, 0, 0, h.zone)
	names := slices.Clone(modelNames)
	w.r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	names = names[:6+w.r.IntN(5)]
	h.seedCell(names...)
	h.addLeader("dep", "Lê Văn Phó", storage.RoleDeputy)
	h.secondCell() // "sec2": the cell that receives members transferred out
	w.leaders = []string{"sec", "dep"}
	for _, n := range names {
		w.members = append(w.members, userOf(n))
		w.names[userOf(n)] = n
	}
	for _, u := range append(slices.Clone(w.leaders), w.members...) {
		w.ids[u] = h.member(u).ID
	}
	w.last = w.read()
	w.lastAud = w.auditTop()
	for mo := 0; mo < 12 && !t.Failed(); mo++ {
		first := time.Date(2026, startMonth+time.Month(mo), 1, 8, 0, 0, 0, h.zone)
		w.month(first)
	}
	if !t.Failed() {
		w.checkBooks()
		w.checkOwnYears()
	}
}

// ---- driving ----

func (w *world) pick(xs []string) string { return xs[w.r.IntN(len(xs))] }

func (w *world) chance(p float64) bool { return w.r.Float64() < p }

func (w *world) activeMembers() []string {
	var out []string
	for _, u := range w.members {
		if !w.gone[u] {
			out = append(out, u)
		}
	}
	return out
}

func (w *world) note(format string, args ...any) {
	w.log = append(w.log, w.h.now.Format("02/01/2006 15:04")+" "+fmt.Sprintf(format, args...))
}

// do runs one event as a, then checks what changed.
func (w *world) do(a act, fn func() []chat.Message) []chat.Message {
	w.t.Helper()
	w.events++
	w.note("%s: %s", a.who, a.what)
	var before string
	if a.invalid {
		before = w.h.snapshot("convs")
	}
	out := fn()
	if a.invalid {
		if after := w.h.snapshot("convs"); after != before {
			w.t.Fatalf("%s by %s changed stored records", a.what, a.who)
		}
	}
	w.check(a)
	return out
}

func (w *world) press(user, data string, a act) []chat.Message {
	a.who = user
	if a.what == "" {
		a.what = data
	}
	return w.do(a, func() []chat.Message { return w.h.press(user, data) })
}

func (w *world) say(user, text string, a act) []chat.Message {
	a.who = user
	if a.what == "" {
		a.what = fmt.Sprintf("%q", text)
	}
	return w.do(a, func() []chat.Message { return w.h.say(user, text) })
}

func (w *world) tick() { w.do(act{who: "clock", what: "tick"}, w.h.due) }

func (w *world) restart() {
	w.n.Restarts++
	w.do(act{who: "process", what: "restart"}, func() []chat.Message { w.h.restart(); return nil })
}

// conv is the user's conversation in progress: its flow and step, "" when none.
func (w *world) conv(user string) (flow, step string) {
	err := w.h.db.View(func(tx *storage.Tx) error {
		c, err := tx.Conv(storage.ConvKey(tr, user, user))
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.Expires.IsZero() || c.Expires.After(w.h.now) {
			flow, step = c.Flow, c.Step
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return flow, step
}

// choose taps a button of the last message to user: the one labelled
// label, or a random one when label is empty.
func (w *world) choose(user, label string, a act) []chat.Message {
	last := w.h.last(user)
	cs := last.Choices()
	if len(cs) == 0 {
		w.t.Fatalf("no buttons in the last message to %s: %q", user, w.h.last(user).Text)
	}
	b := cs[w.r.IntN(len(cs))]
	if label != "" {
		i := slices.IndexFunc(cs, func(b chat.Button) bool { return b.Label == label })
		if i < 0 {
			w.t.Fatalf("no button %q in the last message to %s: %q", label, user, w.h.last(user).Text)
		}
		b = cs[i]
	}
	a.who = user
	a.what = fmt.Sprintf("tap %q", b.Label)
	return w.do(a, func() []chat.Message { return w.h.event(chat.Event{Kind: chat.EventButton, User: user, Data: b.Data}) })
}

// endConv leaves whatever conversation user is still in.
func (w *world) endConv(user string) {
	if f, _ := w.conv(user); f != "" {
		w.say(user, "/cancel", act{})
	}
}

// at moves the clock forward to t (never back).
func (w *world) at(t time.Time) {
	if t.After(w.h.now) {
		w.h.now = t
	}
}

func (w *world) later(min, max time.Duration) {
	w.h.now = w.h.now.Add(min + time.Duration(w.r.Int64N(int64(max-min)+1)))
}

// ---- a month ----

func (w *world) month(first time.Time) {
	w.at(first.Add(time.Duration(w.r.IntN(120)) * time.Minute))
	w.tick()
	var reg *storage.Meeting
	month := first.Format("2006-01")
	w.view(func(tx *storage.Tx) error {
		m, err := tx.RegularMeeting(w.h.cell.ID, month)
		if err == nil {
			reg = m
		}
		return nil
	})
	if reg != nil && reg.Active() {
		if w.chance(0.08) {
			if again := w.cancel(reg); again != nil {
				w.lifecycle(again)
			}
		} else {
			w.lifecycle(reg)
		}
	}
	if w.chance(0.25) && !w.t.Failed() {
		if mt := w.newExtra(first); mt != nil {
			w.lifecycle(mt)
		}
	}
	end := first.AddDate(0, 1, -1)
	for i := w.r.IntN(5); i > 0 && w.h.now.Before(end) && !w.t.Failed(); i-- {
		w.later(time.Hour, 3*24*time.Hour)
		w.between(nil)
	}
}

// lifecycle runs one meeting from notice to after its close.
func (w *world) lifecycle(mt *storage.Meeting) {
	id := mt.ID
	w.at(mt.At.Add(-time.Duration(2+w.r.IntN(5)) * 24 * time.Hour))
	w.at(time.Date(w.h.now.Year(), w.h.now.Month(), w.h.now.Day(), 9+w.r.IntN(8), w.r.IntN(60), 0, 0, w.h.zone))
	if w.chance(0.15) {
		mt = w.move(id)
	}
	if w.chance(0.9) {
		w.press(w.pick(w.leaders), fmt.Sprintf("mt:%d:n", id), act{})
	}
	for i := 3 + w.r.IntN(10); i > 0 && !w.t.Failed(); i-- {
		if w.h.now.After(mt.At.Add(-3 * time.Hour)) {
			break
		}
		w.later(10*time.Minute, 8*time.Hour)
		w.beforeMeeting(id)
	}
	w.at(mt.At.Add(-15 * time.Minute))
	var code string
	defer func() { w.codes[id] = code }()
	if w.chance(0.7) {
		out := w.press(w.pick(w.leaders), fmt.Sprintf("mt:%d:ck", id), act{})
		for _, m := range out {
			if s := checkinLink.FindStringSubmatch(m.Text); s != nil {
				code = s[1]
			}
		}
	}
	for i := 3 + w.r.IntN(12); i > 0 && !w.t.Failed(); i-- {
		w.later(time.Minute, 8*time.Minute)
		w.atMeeting(id, code)
	}
	w.at(mt.At.Add(time.Duration(95+w.r.IntN(40)) * time.Minute))
	w.close(id)
	for i := w.r.IntN(6); i > 0 && !w.t.Failed(); i-- {
		w.later(10*time.Minute, 4*24*time.Hour)
		w.afterClose(id)
	}
}

// beforeMeeting is one random thing between the notice and the meeting.
func (w *world) beforeMeeting(id uint64) {
	switch k := w.r.IntN(20); {
	case k < 7:
		w.rsvp(id)
	case k < 11:
		w.tapExcuseButton()
	case k < 13:
		w.forged(id)
	default:
		w.between(&id)
	}
}

// atMeeting is one random thing during the meeting.
func (w *world) atMeeting(id uint64, code string) {
	switch k := w.r.IntN(20); {
	case k < 4 && code != "":
		u := w.pick(w.activeMembers())
		w.say(u, "/code "+code, act{})
	case k < 12:
		w.rollSet(id)
	case k < 15:
		op := w.pick([]string{"p", "a", "d"})
		w.press(w.pick(w.leaders), fmt.Sprintf("rla:%d:%s", id, op), act{dues: w.bulkDues(id, op), bulk: true})
	case k < 17:
		w.tapExcuseButton()
	case k < 18:
		w.forged(id)
	default:
		w.rsvp(id)
	}
}

// afterClose is one random thing after a meeting closed: late decisions,
// corrections (amendments), stale taps, dues.
func (w *world) afterClose(id uint64) {
	switch k := w.r.IntN(12); {
	case k == 11 && w.codes[id] != "":
		w.say(w.pick(w.activeMembers()), "/code "+w.codes[id], act{invalid: true}) // the code ended at closing
	case k >= 10:
		w.score(id)
	case k < 4:
		w.tapExcuseButton()
	case k < 7:
		w.rollSet(id)
	case k < 8:
		w.forged(id)
	default:
		w.between(&id)
	}
}

// between is one thing that can happen any day: a status change, an
// officer's dues record, a tick, a restart, a forged tap.
func (w *world) between(id *uint64) {
	switch k := w.r.IntN(24); {
	case k == 23 && w.chance(0.1):
		w.forget()
	case k >= 22:
		w.checkin()
	case k >= 20:
		w.awayRequest()
	case k < 4:
		w.status()
	case k < 8:
		w.officerDues()
	case k < 12:
		w.tick()
	case k < 14:
		w.restart()
	case k < 16 && id != nil:
		w.forged(*id)
	case k < 17:
		w.tapAwayButton()
	default:
		w.tapExcuseButton()
	}
}

// forget is a member withdrawing consent (/forget): their details go, the
// cell's records stay. Dues may lose only their free text (a reason, a
// named recipient); marks, decisions and closed meetings stay as they were.
func (w *world) forget() {
	u := w.pick(w.activeMembers())
	id := w.ids[u]
	a := act{erase: true, dues: func(member uint64, _ string, before, after *storage.Dues) bool {
		if member != id || before == nil || after == nil {
			return false
		}
		b, n := *before, *after
		b.Reason, b.PaidTo, n.Reason, n.PaidTo = "", "", "", ""
		return b == n && after.Reason == "" && !strings.HasPrefix(after.PaidTo, "to:")
	}}
	w.say(u, "/forget", a)
	if f, _ := w.conv(u); f == "forget" {
		w.choose(u, w.h.vi("privacy.btn_forget"), a)
	}
	w.gone[u] = true
	w.forgotten[id] = true
}

// awayRequest is a member asking to be recorded as working far away.
func (w *world) awayRequest() {
	u := w.pick(w.activeMembers())
	own := act{own: true}
	w.say(u, "/away", own)
	from := w.h.now.AddDate(0, 0, w.r.IntN(40)-20)
	for i := 0; i < 10 && !w.t.Failed(); i++ {
		f, step := w.conv(u)
		if f != "awayreq" {
			break
		}
		switch step {
		case "province":
			w.say(u, w.pick([]string{"Bình Dương", "TP. Hồ Chí Minh", "Đồng Nai"}), own)
		case "from":
			w.say(u, from.In(w.h.zone).Format("02/01/2006"), own)
		case "to":
			w.say(u, from.AddDate(0, 3+w.r.IntN(9), 0).In(w.h.zone).Format("02/01/2006"), own)
		case "reason":
			w.say(u, "Đi làm công nhân", own)
		case "confirm":
			last := w.h.last(u)
			w.choose(u, last.Choices()[0].Label, own)
		default:
			w.choose(u, "", own)
		}
		if f, after := w.conv(u); f == "awayreq" && after == step {
			w.n.Refused++
			break
		}
	}
	w.endConv(u)
}

// tapAwayButton is a leader tapping any far-away request button ever sent
// to them: a new request, a decided or replaced one, a change.
func (w *world) tapAwayButton() {
	l := w.pick(w.leaders)
	var bs []chat.Button
	for i := range w.h.inbox[l] {
		for _, b := range w.h.inbox[l][i].Choices() {
			if strings.HasPrefix(b.Data, "fq:") {
				bs = append(bs, b)
			}
		}
	}
	if len(bs) == 0 {
		return
	}
	b := bs[w.r.IntN(len(bs))]
	a := act{who: l, what: fmt.Sprintf("tap %q (%s)", b.Label, b.Data)}
	parts := strings.Split(strings.TrimPrefix(b.Data, "fq:"), ":")
	member, _ := strconv.ParseUint(parts[0], 10, 64)
	if len(parts) == 3 && (parts[2] == "cy" || parts[2] == "cn") {
		a.changeAway = member
	}
	if r, ok := w.last.away[member]; len(parts) == 3 && (parts[2] == "y" || parts[2] == "n") && (!ok || r.ID != parts[1] || r.Decision != "") {
		a.invalid = true // decided or replaced: nothing changes
		w.n.Stale++
	}
	w.do(a, func() []chat.Message { return w.h.event(chat.Event{Kind: chat.EventButton, User: l, Data: b.Data}) })
	if f, _ := w.conv(l); f == "awayrefuse" {
		w.say(l, "Chưa đủ điều kiện", act{})
	}
	w.endConv(l)
}

// rsvp is a member answering a notice: yes, or no with a reason.
func (w *world) rsvp(id uint64) {
	u := w.pick(w.activeMembers())
	own := act{own: true}
	if w.chance(0.4) {
		w.press(u, fmt.Sprintf("rsvp:%d:y", id), own)
		return
	}
	w.press(u, fmt.Sprintf("rsvp:%d:n", id), own)
	if _, step := w.conv(u); step == "reason" {
		if w.chance(0.2) {
			w.say(u, w.pick([]string{"Con ốm", "Đi công tác tỉnh", "Việc gia đình đột xuất"}), own)
		} else {
			w.choose(u, "", own)
		}
	}
	if _, step := w.conv(u); step == "text" {
		w.say(u, "Chăm mẹ nằm viện", own)
	}
	w.endConv(u)
}

// tapExcuseButton is a leader tapping any excuse button ever sent to them:
// a new one, one already decided (by them or the other leader), one of an
// excuse since replaced, a change or its confirmation.
func (w *world) tapExcuseButton() {
	l := w.pick(w.leaders)
	var bs []chat.Button
	for i := range w.h.inbox[l] {
		for _, b := range w.h.inbox[l][i].Choices() {
			if strings.HasPrefix(b.Data, "a:exc:") || strings.HasPrefix(b.Data, "exc:") {
				bs = append(bs, b)
			}
		}
	}
	if len(bs) == 0 {
		return
	}
	b := bs[w.r.IntN(len(bs))]
	a := act{who: l, what: fmt.Sprintf("tap %q (%s)", b.Label, b.Data)}
	parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(b.Data, "a:"), "exc:"), ":")
	if len(parts) >= 3 && (parts[2] == "ca" || parts[2] == "cr") {
		a.change = map[string]bool{parts[0] + "/" + parts[1]: true}
	}
	if len(parts) >= 3 && (parts[2] == "a" || parts[2] == "r") {
		// A tap on a decided excuse, by either leader, changes nothing:
		// no record, no audit entry (decided once).
		id, _ := strconv.ParseUint(parts[0], 10, 64)
		member, _ := strconv.ParseUint(parts[1], 10, 64)
		if e := w.last.meetings[id].Roll[member]; e != nil && (e.Excuse == storage.ExcuseAccepted || e.Excuse == storage.ExcuseRejected) {
			a.invalid = true
			w.n.Stale++
		}
	}
	w.do(a, func() []chat.Message { return w.h.event(chat.Event{Kind: chat.EventButton, User: l, Data: b.Data}) })
}

// rollSet is a leader changing one member's roll entry, open or closed.
func (w *world) rollSet(id uint64) {
	u := w.pick(w.members)
	mid := w.ids[u]
	op := w.pick([]string{"p", "p", "e", "u", "d", "D"})
	a := act{}
	switch op {
	case "e", "u":
		a.change = map[string]bool{fmt.Sprintf("%d/%d", id, mid): true}
	case "d", "D":
		want := storage.DuesPaid
		if op == "D" {
			want = storage.DuesUnpaid
		}
		month := w.meetingMonth(id)
		l := w.pick(w.leaders)
		lid := w.ids[l]
		a.dues = func(member uint64, m string, _, after *storage.Dues) bool {
			return member == mid && m == month && after != nil && after.State == want && after.Via == storage.DuesViaRoll && after.By == lid
		}
		w.press(l, fmt.Sprintf("rl:%d:%d:%s", id, mid, op), a)
		return
	}
	w.press(w.pick(w.leaders), fmt.Sprintf("rl:%d:%d:%s", id, mid, op), a)
}

// bulkDues allows "all present paid" to record paid, via the roll, for
// members with nothing recorded who are marked present at the meeting.
func (w *world) bulkDues(id uint64, op string) func(uint64, string, *storage.Dues, *storage.Dues) bool {
	if op != "d" {
		return nil
	}
	month := w.meetingMonth(id)
	return func(member uint64, m string, before, after *storage.Dues) bool {
		if m != month || before != nil || after == nil || after.State != storage.DuesPaid || after.Via != storage.DuesViaRoll {
			return false
		}
		var present bool
		w.view(func(tx *storage.Tx) error {
			mt, err := tx.Meeting(id)
			if err != nil {
				return err
			}
			a := mt.Roll[member]
			present = a != nil && a.Mark == storage.MarkPresent && a.Outcome != storage.OutcomeExempt
			return nil
		})
		return present
	}
}

func (w *world) meetingMonth(id uint64) string {
	var month string
	w.view(func(tx *storage.Tx) error {
		mt, err := tx.Meeting(id)
		if err != nil {
			return err
		}
		month = mt.Month
		if month == "" {
			month = mt.At.In(w.h.zone).Format("2006-01")
		}
		return nil
	})
	return month
}

// forged is a tap nobody should be able to make count: a member pressing a
// leader's button, a button of a meeting that does not exist.
func (w *world) forged(id uint64) {
	u := w.pick(w.activeMembers())
	other := w.ids[w.pick(w.members)]
	data := w.pick([]string{
		fmt.Sprintf("rl:%d:%d:p", id, other), fmt.Sprintf("rl:%d:%d:d", id, other), fmt.Sprintf("rla:%d:d", id),
		fmt.Sprintf("rla:%d:p", id), fmt.Sprintf("mt:%d:cl", id), fmt.Sprintf("mt:%d:n", id),
		fmt.Sprintf("exc:%d:%d:a", id, other), fmt.Sprintf("exc:%d:%d:ca", id, other), fmt.Sprintf("du:%d", other),
	})
	if w.chance(0.2) { // a leader's button for a meeting that never existed
		u = w.pick(w.leaders)
		data = w.pick([]string{fmt.Sprintf("rl:%d:%d:p", id+1000, other), fmt.Sprintf("exc:%d:%d:a", id+1000, other), fmt.Sprintf("mt:%d:cl", id+1000)})
	}
	w.n.Invalid++
	w.press(u, data, act{invalid: true})
	w.endConv(u)
}

// close closes the meeting: the offered times, or typed ones. Sometimes
// the other leader starts closing it too and confirms after it closed:
// that changes nothing.
func (w *world) close(id uint64) {
	l := w.pick(w.leaders)
	var other string
	if w.chance(0.15) {
		other = w.leaders[0]
		if other == l {
			other = w.leaders[1]
		}
		w.press(other, fmt.Sprintf("mt:%d:cl", id), act{})
		defer func() {
			if _, step := w.conv(other); step == "times" && !w.t.Failed() {
				w.do(act{who: other, what: "tap the close confirmation after the other leader closed", invalid: true},
					func() []chat.Message { return w.h.tap(other, w.h.vi("close.btn_ok")) })
			}
			w.endConv(other)
		}()
	}
	w.press(l, fmt.Sprintf("mt:%d:cl", id), act{})
	if _, step := w.conv(l); step != "times" {
		return
	}
	if w.chance(0.1) {
		w.restart() // the conversation resumes at its step
	}
	if w.chance(0.2) {
		w.choose(l, w.h.vi("close.btn_change"), act{})
		mt := w.meeting(id)
		from := mt.At.Add(time.Duration(w.r.IntN(25)) * time.Minute)
		to := from.Add(time.Duration(60+w.r.IntN(70)) * time.Minute)
		if to.After(w.h.now) {
			to = w.h.now
		}
		w.say(l, from.In(w.h.zone).Format("15:04")+" "+to.In(w.h.zone).Format("15:04"), act{})
	}
	if _, step := w.conv(l); step == "times" {
		w.choose(l, w.h.vi("close.btn_ok"), act{})
	}
	w.endConv(l)
	if mt := w.meeting(id); mt.State != storage.MeetingClosed {
		w.t.Fatalf("meeting %d not closed at %s: %s", id, w.h.now, mt.State)
	}
	w.checkBooks()
}

// cancel cancels a meeting through its confirmation and, when chibo
// offers it, sometimes reschedules it within the month; it returns the new
// meeting.
func (w *world) cancel(mt *storage.Meeting) *storage.Meeting {
	w.at(mt.At.Add(-3 * 24 * time.Hour))
	l := w.pick(w.leaders)
	w.press(l, fmt.Sprintf("mt:%d:x", mt.ID), act{})
	if _, step := w.conv(l); step == "confirm" {
		w.choose(l, w.h.vi("mt.btn_cancel_yes"), act{})
		w.n.Cancelled++
	}
	w.endConv(l)
	re := w.h.vi("close.btn_reschedule")
	last := w.h.last(l)
	if !slices.ContainsFunc(last.Choices(), func(b chat.Button) bool { return b.Label == re }) || w.chance(0.3) {
		return nil
	}
	w.choose(l, re, act{})
	if f, _ := w.conv(l); f != "" {
		w.choose(l, "", act{})
	}
	w.endConv(l)
	var again *storage.Meeting
	w.view(func(tx *storage.Tx) error {
		ms, err := meetingsWithRolls(tx, w.h.cell.ID)
		for i := range ms {
			if ms[i].ID != mt.ID && ms[i].Kind == storage.MeetingRegular && ms[i].Month == mt.Month && ms[i].Active() {
				again = &ms[i]
			}
		}
		return err
	})
	if again != nil {
		w.n.Rescheduled++
	}
	return again
}

// move moves a meeting a few days through the flow (date, kept time and
// place); it returns the meeting as stored after.
func (w *world) move(id uint64) *storage.Meeting {
	mt := w.meeting(id)
	day := mt.At.AddDate(0, 0, w.r.IntN(6)-1)
	if !day.After(w.h.now.Add(3 * time.Hour)) {
		return mt
	}
	l := w.pick(w.leaders)
	w.press(l, fmt.Sprintf("mt:%d:mv", id), act{})
	for i := 0; i < 5 && !w.t.Failed(); i++ {
		f, step := w.conv(l)
		if f != "mmove" {
			break
		}
		switch step {
		case "date":
			w.say(l, day.In(w.h.zone).Format("02/01/2006"), act{})
		case "time":
			w.say(l, day.In(w.h.zone).Format("15:04"), act{})
		default:
			w.choose(l, w.h.vi("mt.btn_keep_place"), act{})
		}
		if f, after := w.conv(l); f == "mmove" && after == step {
			w.n.Refused++
			break
		}
	}
	w.endConv(l)
	if got := w.meeting(id); !got.At.Equal(mt.At) {
		w.n.Moved++
		return got
	}
	return mt
}

// score is a leader scoring a closed meeting's quality: it must not touch
// its tally.
func (w *world) score(id uint64) {
	l := w.pick(w.leaders)
	w.press(l, fmt.Sprintf("mt:%d:sc", id), act{})
	for i := 0; i < 8; i++ {
		if f, _ := w.conv(l); f != "mscore" {
			break
		}
		w.choose(l, "", act{})
	}
	w.endConv(l)
}

// newExtra makes an extra meeting later in the month through the flow.
func (w *world) newExtra(first time.Time) *storage.Meeting {
	day := time.Date(first.Year(), first.Month(), 12+w.r.IntN(14), 19, 30, 0, 0, w.h.zone)
	w.at(day.Add(-6 * 24 * time.Hour))
	w.at(time.Date(w.h.now.Year(), w.h.now.Month(), w.h.now.Day(), 10, 0, 0, 0, w.h.zone))
	if !day.After(w.h.now.Add(24 * time.Hour)) { // the month ran on: later, if it still fits
		day = time.Date(w.h.now.Year(), w.h.now.Month(), w.h.now.Day()+2, 19, 30, 0, 0, w.h.zone)
		if day.Month() != first.Month() {
			return nil
		}
	}
	l := w.pick(w.leaders)
	kind := w.pick([]string{"e", "t"})
	w.press(l, fmt.Sprintf("ml:%d:%s", w.h.cell.ID, kind), act{})
	w.say(l, "Học tập nghị quyết", act{})
	w.say(l, day.Format("02/01/2006"), act{})
	w.say(l, "19:30", act{})
	w.say(l, "Nhà văn hóa thôn", act{})
	w.endConv(l)
	var found *storage.Meeting
	w.view(func(tx *storage.Tx) error {
		ms, err := meetingsWithRolls(tx, w.h.cell.ID)
		for i := range ms {
			if ms[i].Kind != storage.MeetingRegular && ms[i].At.Equal(day) && ms[i].Active() {
				found = &ms[i]
			}
		}
		return err
	})
	if found == nil {
		w.t.Fatalf("extra meeting on %s not made", day)
	}
	return found
}

// status is a leader recording a member's status through /status, with an
// effective date that may be refused (before registration, too far ahead).
func (w *world) status() {
	l := w.pick(w.leaders)
	u := w.pick(w.activeMembers())
	kinds := []storage.StatusKind{storage.StatusActive, storage.StatusActive, storage.StatusExempt, storage.StatusFarAway,
		storage.StatusFarAway, storage.StatusTransferredOut}
	if w.chance(0.06) {
		kinds = []storage.StatusKind{storage.StatusLeft}
	}
	kind := kinds[w.r.IntN(len(kinds))]
	w.say(l, "/status", act{})
	c := &core.Ctx{E: w.h.e, Lang: "vi"}
	from := w.h.now.AddDate(0, 0, w.r.IntN(90)-60)
	if kind == storage.StatusLeft {
		from = w.h.now.AddDate(0, 0, -w.r.IntN(10))
	}
	if w.chance(0.1) {
		from = w.h.now.AddDate(-1, 0, 0) // before registration: refused
	}
	to := from.AddDate(0, 4+w.r.IntN(8), 0)
	for i := 0; i < 10 && !w.t.Failed(); i++ {
		f, step := w.conv(l)
		if f != "status" {
			break
		}
		before := step
		if w.chance(0.05) {
			w.restart()
		}
		switch step {
		case "member":
			w.say(l, w.names[u], act{})
		case "kind":
			w.choose(l, c.StatusName(kind), act{})
		case "from":
			w.say(l, from.In(w.h.zone).Format("02/01/2006"), act{})
		case "to":
			w.say(l, to.In(w.h.zone).Format("02/01/2006"), act{})
		case "reason":
			w.say(l, "Theo đề nghị của đồng chí", act{})
		case "confirm":
			w.choose(l, c.T("btn.confirm"), act{})
		default:
			w.choose(l, "", act{})
		}
		if f, after := w.conv(l); f == "status" && after == before {
			w.n.Refused++
			break // refused: the same question again
		}
		if step == "confirm" {
			w.n.Statuses++
		}
	}
	w.endConv(l)
	if kind == storage.StatusLeft && w.h.member(u).StatusOn(w.h.now).Kind == storage.StatusLeft {
		w.gone[u] = true
		if w.chance(0.7) { // received by the other cell: the old cell's books keep their marks
			var tok string
			w.do(act{who: "sec2", what: "/invite"}, func() []chat.Message { tok = w.h.inviteBy("sec2"); return nil })
			w.say(u, "/start "+tok, act{})
			w.n.Received++
		}
	}
}

// checkin is a member far away sending the monthly report: the form, or
// "same as last month", or a correction, with random answers. Their dues
// record may change only once they answered the dues question.
func (w *world) checkin() {
	var far []string
	for _, u := range w.activeMembers() {
		if w.h.member(u).StatusOn(w.h.now).Kind == storage.StatusFarAway {
			far = append(far, u)
		}
	}
	if len(far) == 0 {
		return
	}
	u := w.pick(far)
	id := w.ids[u]
	answered := false
	a := act{dues: func(member uint64, _ string, _, after *storage.Dues) bool {
		return answered && member == id && after != nil && after.Via == storage.DuesViaCheckin && after.By == id
	}}
	w.say(u, "/checkin", a)
	duesQ, _, _ := strings.Cut(w.h.vi("checkins.q_dues", "Month", "\x00"), "\x00")
	reasonQ, _, _ := strings.Cut(w.h.vi("dues.q_checkin_reason", "Month", "\x00"), "\x00")
	texts := []string{"Thuận An, Bình Dương", "0912345678", "06/2027", "Không có gì"}
	asked, tries := "", 0
	for i := 0; i < 24 && !w.t.Failed(); i++ {
		last := w.h.last(u)
		cs := last.Choices()
		if f, _ := w.conv(u); f != "checkin" {
			if i > 0 || !slices.ContainsFunc(cs, func(b chat.Button) bool { return strings.HasPrefix(b.Data, "ck:") }) {
				break
			}
		}
		if last.Text == asked {
			tries++
		} else {
			asked, tries = last.Text, 0
		}
		if tries > 3 {
			break
		}
		if strings.Contains(last.Text, duesQ) || strings.Contains(last.Text, reasonQ) {
			answered = true
		}
		send := w.h.vi("checkins.btn_send")
		switch {
		case slices.ContainsFunc(cs, func(b chat.Button) bool { return b.Label == send }) && w.chance(0.8):
			w.choose(u, send, a)
			w.n.Checkins++
		case i == 0 && slices.ContainsFunc(cs, func(b chat.Button) bool { return b.Label == w.h.vi("checkins.btn_same") }) && w.chance(0.6):
			w.choose(u, w.h.vi("checkins.btn_same"), a)
			w.n.Same++
		case len(cs) > 0 && (tries == 0 || w.chance(0.5)):
			w.choose(u, "", a)
		default:
			w.say(u, texts[(i+tries)%len(texts)], a)
		}
	}
	w.endConv(u)
}

// officerDues is a leader recording a member's dues for a month they pick.
func (w *world) officerDues() {
	l := w.pick(w.leaders)
	u := w.pick(w.members)
	mid, lid := w.ids[u], w.ids[l]
	a := act{dues: func(member uint64, _ string, _, after *storage.Dues) bool {
		return member == mid && after != nil && after.Via == storage.DuesViaSecretary && after.By == lid
	}}
	w.press(l, fmt.Sprintf("du:%d", mid), a)
	for i := 0; i < 5 && !w.t.Failed(); i++ {
		f, step := w.conv(l)
		if f != "dues" {
			break
		}
		if step == "reason" {
			w.say(l, "Khó khăn đột xuất", a)
			continue
		}
		w.choose(l, "", a)
	}
	w.endConv(l)
}

// ---- reading ----

func (w *world) view(fn func(tx *storage.Tx) error) {
	w.t.Helper()
	if err := w.h.db.View(fn); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) meeting(id uint64) *storage.Meeting { return w.h.meeting(id) }

func duesKeyOf(member uint64, month string) string { return fmt.Sprintf("%d/%s", member, month) }

func (w *world) read() modelState {
	s := modelState{meetings: map[uint64]storage.Meeting{}, dues: map[string]storage.Dues{}, away: map[uint64]storage.FarAwayRequest{}}
	w.view(func(tx *storage.Tx) error {
		ms, err := meetingsWithRolls(tx, w.h.cell.ID)
		if err != nil {
			return err
		}
		for _, mt := range ms {
			s.meetings[mt.ID] = mt
		}
		for _, id := range w.ids {
			ds, err := tx.DuesOf(id)
			if err != nil {
				return err
			}
			for _, d := range ds {
				s.dues[duesKeyOf(d.MemberID, d.Month)] = d
			}
			r, err := tx.FarAwayRequest(id)
			if err == nil {
				s.away[id] = *r
			} else if !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	return s
}

func (w *world) auditTop() uint64 {
	var top uint64
	w.view(func(tx *storage.Tx) error {
		es, err := tx.AuditLog(1, nil)
		if len(es) > 0 {
			top = es[0].ID
		}
		return err
	})
	return top
}

// newAudits are the audit entries written since the last check, oldest first.
func (w *world) newAudits() []storage.AuditEntry {
	var out []storage.AuditEntry
	for n := 8; ; n *= 4 {
		var es []storage.AuditEntry
		w.view(func(tx *storage.Tx) error {
			var err error
			es, err = tx.AuditLog(n, nil)
			return err
		})
		out = out[:0]
		for _, e := range es {
			if e.ID > w.lastAud {
				out = append(out, e)
			}
		}
		if len(out) < n || len(es) < n {
			break
		}
	}
	slices.Reverse(out)
	return out
}

// ---- invariants after each event ----

func (w *world) check(a act) {
	w.t.Helper()
	now := w.read()
	audits := w.newAudits()
	count := func(action string, subject uint64) int {
		n := 0
		for _, e := range audits {
			if e.Action == action && (subject == 0 || e.SubjectID == subject) {
				n++
			}
		}
		return n
	}
	actor := w.ids[a.who]
	w.checkDues(a, now, count)
	w.checkAway(a, actor, now, count)
	for id, mt := range now.meetings {
		old, had := w.last.meetings[id]
		for f := range w.forgotten {
			if a.bulk && !reflect.DeepEqual(old.Roll[f], mt.Roll[f]) {
				w.t.Fatalf("%s marked member %d, who withdrew consent: %+v → %+v", a.what, f, old.Roll[f], mt.Roll[f])
			}
		}
		w.checkExcuses(a, actor, &mt, old.Roll, count)
		if had && old.State == storage.MeetingClosed {
			w.checkClosed(actor, &old, &mt, count)
		} else if mt.State == storage.MeetingClosed {
			w.checkJustClosed(actor, &mt)
		}
	}
	w.last = now
	if len(audits) > 0 {
		w.lastAud = audits[len(audits)-1].ID
	}
}

// Invariant 4: no dues claim without a dues answer.
func (w *world) checkDues(a act, now modelState, count func(string, uint64) int) {
	changed := map[uint64]int{}
	keys := map[string]bool{}
	for k := range now.dues {
		keys[k] = true
	}
	for k := range w.last.dues {
		keys[k] = true
	}
	for k := range keys {
		b, hb := w.last.dues[k]
		n, hn := now.dues[k]
		if hb == hn && reflect.DeepEqual(b, n) {
			continue
		}
		var bp, np *storage.Dues
		if hb {
			bp = &b
		}
		if hn {
			np = &n
		}
		member, month, _ := strings.Cut(k, "/")
		id, _ := strconv.ParseUint(member, 10, 64)
		if a.dues == nil || !a.dues(id, month, bp, np) {
			w.t.Fatalf("dues of member %d for %s changed by %s (%s) without a dues answer for them: %+v → %+v", id, month, a.what, a.who, bp, np)
		}
		if np == nil || np.By == 0 || np.Via == "" || np.At.IsZero() {
			w.t.Fatalf("dues record without who, how or when: %+v", np)
		}
		changed[id]++
		w.n.Dues++
	}
	for id, n := range changed {
		if got := count("dues_set", id); got < n && !a.erase {
			w.t.Fatalf("%d dues records of member %d changed by %s, %d audited", n, id, a.what, got)
		}
	}
}

// Invariant 5: a decision has one decider.
func (w *world) checkExcuses(a act, actor uint64, mt *storage.Meeting, before map[uint64]*storage.Attendance, count func(string, uint64) int) {
	for member, at := range mt.Roll {
		var b storage.Attendance
		if p := before[member]; p != nil {
			b = *p
		}
		if b.Excuse == at.Excuse && b.DecidedBy == at.DecidedBy && b.DecidedAt.Equal(at.DecidedAt) {
			continue
		}
		key := fmt.Sprintf("%d/%d", mt.ID, member)
		decided := func(s storage.ExcuseState) bool { return s == storage.ExcuseAccepted || s == storage.ExcuseRejected }
		switch {
		case a.own && member == actor:
			// The member answered again: the old excuse is withdrawn or replaced.
			if decided(at.Excuse) {
				w.t.Fatalf("member %d's own answer decided their excuse at meeting %d: %+v", member, mt.ID, at)
			}
		case decided(b.Excuse):
			if !a.change[key] || at.DecidedBy != actor || !decided(at.Excuse) {
				w.t.Fatalf("decision on excuse %s changed by %s (%s) without the change action: %s by %d → %s by %d",
					key, a.what, a.who, b.Excuse, b.DecidedBy, at.Excuse, at.DecidedBy)
			}
			if count("decision_change", member) == 0 {
				w.t.Fatalf("decision on excuse %s changed by %s (%s) without a decision_change audit entry", key, a.what, a.who)
			}
			w.n.Changed++
		case decided(at.Excuse):
			if at.DecidedBy != actor || !slices.Contains(w.leaders, a.who) || !at.DecidedAt.Equal(w.h.now) {
				w.t.Fatalf("excuse %s decided by %d at %s during %s by %s", key, at.DecidedBy, at.DecidedAt, a.what, a.who)
			}
		default:
			if at.Excuse != storage.ExcusePending && at.Excuse != storage.ExcuseNone || at.DecidedBy != 0 {
				w.t.Fatalf("excuse %s became %+v by %s (%s)", key, at, a.what, a.who)
			}
		}
	}
}

// Invariant 5 for far-away requests: decided once, changed only by the
// explicit change, audited.
func (w *world) checkAway(a act, actor uint64, now modelState, count func(string, uint64) int) {
	for member, r := range now.away {
		b, had := w.last.away[member]
		if had && b.ID == r.ID && b.Decision == r.Decision && b.DecidedBy == r.DecidedBy && b.DecidedAt.Equal(r.DecidedAt) {
			continue
		}
		switch {
		case !had || b.ID != r.ID:
			if !a.own || actor != member || r.Decision != "" {
				w.t.Fatalf("far-away request of %d replaced by %s (%s): %+v → %+v", member, a.what, a.who, b, r)
			}
			w.n.Asked++
		case b.Decision != "":
			if a.changeAway != member || r.DecidedBy != actor || r.Decision == "" {
				w.t.Fatalf("decision on far-away request of %d changed by %s (%s) without the change action: %s by %d → %s by %d",
					member, a.what, a.who, b.Decision, b.DecidedBy, r.Decision, r.DecidedBy)
			}
			if count("decision_change", member) == 0 {
				w.t.Fatalf("decision on far-away request of %d changed by %s without a decision_change audit entry", member, a.what)
			}
			w.n.Changed++
		default:
			if r.DecidedBy != actor || !slices.Contains(w.leaders, a.who) || !r.DecidedAt.Equal(w.h.now) {
				w.t.Fatalf("far-away request of %d decided by %d at %s during %s by %s", member, r.DecidedBy, r.DecidedAt, a.what, a.who)
			}
			w.n.Decided++
		}
	}
	for member := range w.last.away {
		if _, ok := now.away[member]; !ok && !(a.erase && member == actor) {
			w.t.Fatalf("far-away request of %d vanished during %s by %s", member, a.what, a.who)
		}
	}
}

// Invariant 2: a closed verdict never changes silently.
func (w *world) checkClosed(actor uint64, old, mt *storage.Meeting, count func(string, uint64) int) {
	if mt.State != storage.MeetingClosed {
		w.t.Fatalf("closed meeting %d became %s", mt.ID, mt.State)
	}
	if mt.ClosedBy != old.ClosedBy || !mt.HeldFrom.Equal(old.HeldFrom) || !mt.HeldTo.Equal(old.HeldTo) || !mt.Ended.Equal(old.Ended) {
		w.t.Fatalf("closed meeting %d: closing changed: %v %v–%v → %v %v–%v", mt.ID, old.ClosedBy, old.HeldFrom, old.HeldTo, mt.ClosedBy, mt.HeldFrom, mt.HeldTo)
	}
	if len(mt.Amendments) < len(old.Amendments) || (len(old.Amendments) > 0 && !reflect.DeepEqual(mt.Amendments[:len(old.Amendments)], old.Amendments)) {
		w.t.Fatalf("meeting %d: earlier amendments changed", mt.ID)
	}
	added := mt.Amendments[len(old.Amendments):]
	outcomes := func(m *storage.Meeting) map[uint64]storage.Outcome {
		o := map[uint64]storage.Outcome{}
		for id, a := range m.Roll {
			if a.Outcome != "" {
				o[id] = a.Outcome
			}
		}
		return o
	}
	ob, oa := outcomes(old), outcomes(mt)
	tallyChanged := !reflect.DeepEqual(old.Tally, mt.Tally)
	if len(added) == 0 {
		if tallyChanged || !reflect.DeepEqual(ob, oa) {
			w.t.Fatalf("closed meeting %d changed without an amendment: tally %+v → %+v, outcomes %v → %v", mt.ID, old.Tally, mt.Tally, ob, oa)
		}
		return
	}
	if got := count("meeting_amend", 0); got != len(added) {
		w.t.Fatalf("meeting %d: %d amendments, %d audited", mt.ID, len(added), got)
	}
	w.n.Amended += len(added)
	prev := *old.Tally
	for _, am := range added {
		if am.By != actor || !am.At.Equal(w.h.now) {
			w.t.Fatalf("meeting %d: amendment by %d at %s, the change was made by %d at %s", mt.ID, am.By, am.At, actor, w.h.now)
		}
		if am.Before != prev {
			w.t.Fatalf("meeting %d: amendment starts from %+v, the tally was %+v", mt.ID, am.Before, prev)
		}
		if ob[am.Member] != am.From || oa[am.Member] != am.To {
			w.t.Fatalf("meeting %d: amendment says member %d %s → %s, outcomes %s → %s", mt.ID, am.Member, am.From, am.To, ob[am.Member], oa[am.Member])
		}
		prev = am.After
	}
	if mt.Tally == nil || prev != *mt.Tally {
		w.t.Fatalf("meeting %d: last amendment ends at %+v, the tally is %+v", mt.ID, prev, mt.Tally)
	}
	w.checkTally(mt)
	for id := range oa {
		if ob[id] != oa[id] && !slices.ContainsFunc(added, func(am storage.Amendment) bool { return am.Member == id }) {
			w.t.Fatalf("meeting %d: member %d changed %s → %s without an amendment", mt.ID, id, ob[id], oa[id])
		}
	}
}

// checkJustClosed: the closing leader is recorded, the tally stored, and
// its counts are the frozen outcomes'.
func (w *world) checkJustClosed(actor uint64, mt *storage.Meeting) {
	if mt.ClosedBy != actor || mt.Tally == nil {
		w.t.Fatalf("meeting %d closed by %d (acting %d), tally %v", mt.ID, mt.ClosedBy, actor, mt.Tally)
	}
	w.n.Closed++
	w.checkTally(mt)
}

// checkTally: a closed meeting's stored counts are its outcomes', and its
// verdicts say what MeetingTally says they mean.
func (w *world) checkTally(mt *storage.Meeting) {
	n := *mt.Tally
	if got := outcomeCounts(mt); got != countsOf(n) {
		w.t.Fatalf("meeting %d: tally %+v, its outcomes count %+v", mt.ID, n, got)
	}
	rateOK := n.Expected() > 0 && n.Present*100 > 85*n.Expected()
	if n.RateOK != rateOK || n.LengthOK != (n.Minutes >= n.Need) || n.Standard != (n.RateOK && n.Unexcused == 0 && !n.LongRun) {
		w.t.Fatalf("meeting %d: verdicts do not follow from the counts: %+v", mt.ID, n)
	}
}

// counts are a meeting's figures the year shows.
type counts struct{ Total, Present, Excused, Unexcused, Exempt, ExemptPresent int }

func countsOf(t storage.MeetingTally) counts {
	return counts{t.Total, t.Present, t.Excused, t.Unexcused, t.Exempt, t.ExemptPresent}
}

func outcomeCounts(mt *storage.Meeting) counts {
	var n counts
	for _, a := range mt.Roll {
		switch a.Outcome {
		case storage.OutcomePresent:
			n.Present++
		case storage.OutcomeExcused:
			n.Excused++
		case storage.OutcomeUnexcused:
			n.Unexcused++
		case storage.OutcomeExempt:
			n.Exempt++
			if a.Mark == storage.MarkPresent {
				n.ExemptPresent++
			}
		default:
			continue
		}
		n.Total++
	}
	return n
}

// ---- the books: invariants 1 and 3 ----

// checkBooks compares every closed meeting with the year's columns and
// each member's mark with their stored outcome.
func (w *world) checkBooks() {
	w.t.Helper()
	w.view(func(tx *storage.Tx) error {
		c := &core.Ctx{E: w.h.e, Tx: tx, Now: w.h.now, Lang: "vi"}
		ms, err := meetingsWithRolls(tx, w.h.cell.ID)
		if err != nil {
			return err
		}
		var members []storage.Member // the cell's people, those transferred out included
		for _, id := range w.ids {
			m, err := tx.Member(id)
			if err != nil {
				return err
			}
			members = append(members, *m)
		}
		years := map[int][]storage.Meeting{}
		for _, mt := range ms {
			if mt.State == storage.MeetingClosed {
				y := mt.At.In(w.h.zone).Year()
				years[y] = append(years[y], mt)
			}
		}
		for year, closed := range years {
			a, err := meetings.AttendanceYear(c, w.h.cell, year)
			if err != nil {
				return err
			}
			var cols []export.Meeting
			var idx []int
			for i, x := range a.Meetings {
				if !x.NotHeld {
					cols, idx = append(cols, x), append(idx, i)
				}
			}
			if len(cols) != len(closed) {
				w.t.Fatalf("year %d shows %d meetings, %d closed", year, len(cols), len(closed))
			}
			for j, x := range cols {
				mt := &closed[j]
				if mt.Tally == nil {
					w.t.Fatalf("closed meeting %d has no tally", mt.ID)
				}
				want := countsOf(*mt.Tally)
				got := counts{x.Present + x.Excused + x.Unexcused + x.Exempt, x.Present, x.Excused, x.Unexcused, x.Exempt, x.ExemptPresent}
				if got != want || !x.At.Equal(mt.At) || x.Amended != (len(mt.Amendments) > 0) {
					w.t.Fatalf("year %d column %s: %+v (amended %v), meeting %d stored %+v (%d amendments)", year, x.At.Format("02/01"), got, x.Amended, mt.ID, want, len(mt.Amendments))
				}
				var marks counts
				for _, row := range a.Members {
					switch row.Marks[idx[j]] {
					case export.MarkPresent:
						marks.Present++
					case export.MarkExcused:
						marks.Excused++
					case export.MarkUnexcused:
						marks.Unexcused++
					case export.MarkExempt:
						marks.Exempt++
					case export.MarkExemptPresent:
						marks.Exempt++
						marks.ExemptPresent++
					default:
						continue
					}
					marks.Total++
				}
				if marks != want {
					w.t.Fatalf("year %d column %s: members' marks add up to %+v, the meeting's tally is %+v", year, x.At.Format("02/01"), marks, want)
				}
				w.checkStandings(mt, members)
				if err := w.checkSummary(c, mt); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// checkSummary: a closed meeting's summary, whenever it is opened, shows
// the stored counts and names everyone they count as absent.
func (w *world) checkSummary(c *core.Ctx, mt *storage.Meeting) error {
	text, err := meetings.SummaryText(c, mt, w.h.cell)
	if err != nil {
		return err
	}
	n := mt.Tally
	for _, want := range []string{c.T("mt.sum_counts", "Total", n.Total, "Exempt", n.Exempt, "Expected", n.Expected()),
		c.T("mt.sum_attend", "Present", n.Present, "Excused", n.Excused, "Unexcused", n.Unexcused)} {
		if !strings.Contains(text, want) {
			w.t.Fatalf("summary of meeting %d does not say %q:\n%s", mt.ID, want, text)
		}
	}
	prefix := c.T("mt.sum_unexcused", "Names", "")
	var named []string
	for _, l := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			named = strings.Split(rest, ", ")
		}
	}
	var unexcused []string
	for id, a := range mt.Roll {
		m, err := c.Tx.Member(id)
		if err != nil {
			return err
		}
		switch {
		case a.Outcome == storage.OutcomeExcused:
			if l := c.T("mt.sum_excused_line", "Name", c.MemberName(m), "Reason", meetings.ReasonText(c, a)); !strings.Contains(text, l) {
				w.t.Fatalf("summary of meeting %d does not name %s as excused:\n%s", mt.ID, m.Name, text)
			}
		case a.Outcome == storage.OutcomeUnexcused && a.Excuse != storage.ExcusePending:
			unexcused = append(unexcused, c.MemberName(m))
		}
	}
	slices.Sort(named)
	slices.Sort(unexcused)
	if !slices.Equal(named, unexcused) {
		w.t.Fatalf("summary of meeting %d names %q absent without reason, its roll %q:\n%s", mt.ID, named, unexcused, text)
	}
	return nil
}

// checkOwnYears asks each member for their own year in chat: the count
// it shows is the one their stored outcomes give (invariant 1, the
// member's view).
func (w *world) checkOwnYears() {
	ms := w.read().meetings
	for _, u := range w.activeMembers() {
		id := w.ids[u]
		present, expected := map[int]int{}, map[int]int{}
		for _, mt := range ms {
			a := mt.Roll[id]
			if mt.State != storage.MeetingClosed || a == nil {
				continue
			}
			y := mt.At.In(w.h.zone).Year()
			switch a.Outcome {
			case storage.OutcomePresent:
				present[y]++
				expected[y]++
			case storage.OutcomeExcused, storage.OutcomeUnexcused:
				expected[y]++
			}
		}
		for y, n := range expected {
			out := w.say(u, fmt.Sprintf("/attendance %d", y), act{})
			if want := w.h.vi("mt.att_me_total", "Present", present[y], "Expected", n); !strings.Contains(texts(out), want) {
				w.t.Fatalf("%s's own year %d does not say %q:\n%s", u, y, want, texts(out))
			}
		}
	}
}

// checkStandings (invariant 3): each member is in exactly one standing at
// a closed meeting, the same in the stored outcome, the roll and the year.
func (w *world) checkStandings(mt *storage.Meeting, members []storage.Member) {
	for i := range members {
		m := &members[i]
		a := mt.Roll[m.ID]
		var o storage.Outcome
		if a != nil {
			o = a.Outcome
		}
		st, on := meetings.StateOf(m, mt)
		mark := meetings.MeetingMark(m, mt)
		var want export.Mark
		var wantSt meetings.RollState
		switch o {
		case storage.OutcomePresent:
			want, wantSt = export.MarkPresent, meetings.RsPresent
		case storage.OutcomeExcused:
			want, wantSt = export.MarkExcused, meetings.RsExcused
		case storage.OutcomeUnexcused:
			want, wantSt = export.MarkUnexcused, meetings.RsUnexcused
			if a.Excuse == storage.ExcusePending {
				wantSt = meetings.RsPending
			}
		case storage.OutcomeExempt:
			want, wantSt = export.MarkExempt, meetings.RsExempt
			if a.Mark == storage.MarkPresent {
				want, wantSt = export.MarkExemptPresent, meetings.RsExemptPresent
			}
		case storage.OutcomeNotExpected, "":
			if on || mark != export.MarkNone {
				w.t.Fatalf("meeting %d: %s not on the list (outcome %q) but shown %s / %v", mt.ID, m.Name, o, st, mark)
			}
			continue
		default:
			w.t.Fatalf("meeting %d: %s has outcome %q", mt.ID, m.Name, o)
		}
		if !on || st != wantSt || mark != want {
			w.t.Fatalf("meeting %d: %s stored %s, roll shows %s (listed %v), year shows %v", mt.ID, m.Name, o, st, on, mark)
		}
		if a.Mark == storage.MarkPresent && o != storage.OutcomePresent && o != storage.OutcomeExempt {
			w.t.Fatalf("meeting %d: %s marked present but %s", mt.ID, m.Name, o)
		}
		if o == storage.OutcomeExcused && a.Excuse != storage.ExcuseAccepted {
			w.t.Fatalf("meeting %d: %s excused without an accepted excuse (%s)", mt.ID, m.Name, a.Excuse)
		}
	}
}
