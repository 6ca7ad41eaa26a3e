// Package telegramtest is a fake Bot API server for tests, as strict as
// Telegram: every call is checked against the Bot API spec (api.json,
// embedded), so a test cannot pass against a fake more lenient than the real
// server. It rejects unknown methods (404), unknown or missing parameters and
// parameters of the wrong type (400), text over 4096 characters and
// callback_data over 64 bytes (400). It records every call, can inject
// faults (429 with retry_after, 403, 500, slow answers, dropped
// connections), and can enforce Telegram's sending limits, answering 429
// when a client exceeds them.
//
// Deviations, on purpose: it also rejects parameters the spec does not list
// (Telegram ignores them), and a call whose client gave up while the fake
// was delaying it is not carried out.
package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultToken is the token the fake accepts when Options.Token is empty.
const DefaultToken = "7000000001:AAFakeTokenForTests_abcdefghijklmnopq"

// Limits are the sending limits the fake enforces. Zero fields mean
// Telegram's: 30 messages per second overall, 1 per second per private chat
// and 20 per minute per group.
type Limits struct {
	PerSecond       int
	PrivateInterval time.Duration
	GroupPerMinute  int
	// Window is the length of the overall and the group windows' second and
	// minute. Zero means a second (Scale it to test faster limits).
	Window time.Duration
	// Jitter is how much earlier than the limits a message is still
	// accepted, for the scheduling noise between a client's clock and the
	// server's. Zero means 5 ms.
	Jitter time.Duration
}

// Options configure a Server. Zero values mean defaults.
type Options struct {
	// Token is the accepted bot token. Empty means DefaultToken.
	Token string
	// Username is the bot's username. Empty means "chibo_test_bot".
	Username string
	// Enforce, when set, makes the fake answer 429 to sends over the limits.
	Enforce *Limits
	// FirstUpdateID is the update_id before the first pushed update (0
	// means 100000). A fake serving a database another fake filled must
	// number its updates after the ones that database already saw, as
	// Telegram does: a stored offset skips lower ids, and an id already
	// processed is a redelivery.
	FirstUpdateID int
}

// File is an uploaded file.
type File struct {
	Name string
	Data []byte
}

// Call is one request the fake received.
type Call struct {
	Method string
	Params map[string]string
	Files  map[string]File
	At     time.Time
	// Code is 0 when the call succeeded, else the error code answered.
	Code        int
	Description string
	// RateLimited means the fake's limit enforcement refused it.
	RateLimited bool
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Code == 0 }

// Chat is the call's chat_id, or 0.
func (c Call) Chat() int64 {
	n, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
	return n
}

// Fault is a failure to inject into matching calls.
type Fault struct {
	// Method limits the fault to one method; empty means any but getMe and
	// getUpdates.
	Method string
	// Chat limits the fault to calls for one chat; 0 means any.
	Chat int64
	// Times is how many matching calls fail; 0 means 1, negative means all.
	Times int
	// After is how many matching calls succeed before the fault starts.
	After int
	// Code and Description are the error answered. Code 0 with Drop or
	// Delay only means no error.
	Code        int
	Description string
	// RetryAfter goes with a 429.
	RetryAfter int
	// Delay holds the answer back (a slow server). A call whose client gave
	// up meanwhile is not carried out.
	Delay time.Duration
	// Drop closes the connection without an answer, before carrying out the call.
	Drop bool
}

type sentMessage struct {
	text, markup string
}

// Server is the fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	spec *Spec
	opt  Options

	mu        sync.Mutex
	calls     []Call
	updates   []json.RawMessage // pending, in update_id order
	updateIDs []int
	nextID    int
	confirmed int // highest confirmed update_id
	arrived   chan struct{}
	pollGen   int
	faults    []*Fault
	blocked   map[int64]bool
	messages  map[int64]map[int]*sentMessage
	nextMsg   map[int64]int
	queries   map[string]bool // callback query id -> answered
	nextQuery int
	webhook   map[string]string
	commands  map[string]string // scope+language -> commands JSON
	sends     []time.Time       // accepted sends, for the overall limit
	chatSends map[int64][]time.Time
	limited   int
	accepted  int // sends that put a message in a chat
}

// New starts a fake Bot API server, closed when the test ends.
func New(tb testing.TB, opt Options) *Server {
	tb.Helper()
	spec, err := LoadSpec()
	if err != nil {
		tb.Fatal(err)
	}
	if opt.Token == "" {
		opt.Token = DefaultToken
	}
	if opt.Username == "" {
		opt.Username = "chibo_test_bot"
	}
	if l := opt.Enforce; l != nil {
		if l.PerSecond == 0 {
			l.PerSecond = 30
		}
		if l.PrivateInterval == 0 {
			l.PrivateInterval = time.Second
		}
		if l.GroupPerMinute == 0 {
			l.GroupPerMinute = 20
		}
		if l.Window == 0 {
			l.Window = time.Second
		}
		if l.Jitter == 0 {
			l.Jitter = 5 * time.Millisecond
		}
	}
	if opt.FirstUpdateID == 0 {
		opt.FirstUpdateID = 100000
	}
	s := &Server{
		spec: spec, opt: opt, nextID: opt.FirstUpdateID, arrived: make(chan struct{}),
		blocked: map[int64]bool{}, messages: map[int64]map[int]*sentMessage{}, nextMsg: map[int64]int{},
		queries: map[string]bool{}, commands: map[string]string{}, chatSends: map[int64][]time.Time{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// URL is the server's base address, to use as the Bot API base.
func (s *Server) URL() string { return s.srv.URL }

// Token is the token the server accepts.
func (s *Server) Token() string { return s.opt.Token }

// BotID is the bot's id: the number before the colon of its token, as
// Telegram's tokens are made.
func (s *Server) BotID() int64 {
	id, _ := strconv.ParseInt(strings.SplitN(s.opt.Token, ":", 2)[0], 10, 64)
	return id
}

// Username is the bot's username.
func (s *Server) Username() string { return s.opt.Username }

// Close stops the server, ending long polls.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Inject adds a fault for the next matching calls.
func (s *Server) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Block makes chat answer 403 "bot was blocked by the user" from now on.
func (s *Server) Block(chat int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chat] = true
}

// Calls returns the calls received, of the given methods (all when none).
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Delivered returns the successful calls that put a message in a chat
// (sendMessage, sendDocument, editMessageText), in order.
func (s *Server) Delivered() []Call {
	var out []Call
	for _, c := range s.Calls("sendMessage", "sendDocument", "editMessageText") {
		if c.OK() {
			out = append(out, c)
		}
	}
	return out
}

// Accepted counts the sends (sendMessage, sendDocument …) that put a new
// message in a chat; cheaper than len(Delivered()) for a benchmark to poll.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// RateLimited counts the calls refused by limit enforcement (not injected 429s).
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// Confirmed is the highest update_id confirmed by a getUpdates offset.
func (s *Server) Confirmed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed
}

// Pending counts updates not yet confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Webhook returns the registered webhook's parameters, nil when none.
func (s *Server) Webhook() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps(s.webhook)
}

// Commands returns the commands JSON set for a scope type, chat (0 for
// none) and language code.
func (s *Server) Commands(scope string, chat int64, lang string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[commandsKey(scope, chat, lang)]
}

func commandsKey(scope string, chat int64, lang string) string {
	return fmt.Sprintf("%s/%d/%s", scope, chat, lang)
}

func maps(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// PushUpdate queues an update (without update_id, which it assigns and
// returns) for getUpdates.
func (s *Server) PushUpdate(u map[string]any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	u["update_id"] = s.nextID
	raw, err := json.Marshal(u)
	if err != nil {
		panic(err)
	}
	s.updates = append(s.updates, raw)
	s.updateIDs = append(s.updateIDs, s.nextID)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return s.nextID
}

// ChatJSON is a chat object: private for a positive id, a supergroup for a
// negative one.
func ChatJSON(chat int64) map[string]any {
	if chat < 0 {
		return map[string]any{"id": chat, "type": "supergroup", "title": "Group"}
	}
	return map[string]any{"id": chat, "type": "private", "first_name": "User"}
}

// UserJSON is a user object named "User <id>" speaking Vietnamese.
func UserJSON(user int64) map[string]any {
	return map[string]any{"id": user, "is_bot": false, "first_name": "User", "last_name": strconv.FormatInt(user, 10), "language_code": "vi"}
}

func (s *Server) messageJSON(chat, user int64) map[string]any {
	s.mu.Lock()
	s.nextMsg[chat]++
	id := s.nextMsg[chat]
	s.mu.Unlock()
	return map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": ChatJSON(chat), "from": UserJSON(user)}
}

// PushText queues a text message from user in chat and returns its update_id.
func (s *Server) PushText(chat, user int64, text string) int {
	m := s.messageJSON(chat, user)
	m["text"] = text
	return s.PushUpdate(map[string]any{"message": m})
}

// PushMessage queues a message with extra fields (location, contact,
// sticker...) from user in chat.
func (s *Server) PushMessage(chat, user int64, fields map[string]any) int {
	m := s.messageJSON(chat, user)
	for k, v := range fields {
		m[k] = v
	}
	return s.PushUpdate(map[string]any{"message": m})
}

// PushCallback queues a tap by user on a button with data under the bot's
// message messageID in chat, and returns the update_id and the query id.
func (s *Server) PushCallback(chat, user int64, messageID int, data string) (int, string) {
	s.mu.Lock()
	s.nextQuery++
	qid := "q" + strconv.Itoa(s.nextQuery)
	s.queries[qid] = false
	s.mu.Unlock()
	msg := map[string]any{"message_id": messageID, "date": time.Now().Unix(), "chat": ChatJSON(chat), "text": "…"}
	return s.PushUpdate(map[string]any{"callback_query": map[string]any{
		"id": qid, "from": UserJSON(user), "message": msg, "chat_instance": "ci", "data": data,
	}}), qid
}

// PushMyChatMember queues a change of the bot's status in chat, made by user.
func (s *Server) PushMyChatMember(chat, user int64, oldStatus, newStatus string) int {
	me := map[string]any{"id": s.BotID(), "is_bot": true, "first_name": "Chibo", "username": s.opt.Username}
	return s.PushUpdate(map[string]any{"my_chat_member": map[string]any{
		"chat": ChatJSON(chat), "from": UserJSON(user), "date": time.Now().Unix(),
		"old_chat_member": map[string]any{"user": me, "status": oldStatus},
		"new_chat_member": map[string]any{"user": me, "status": newStatus},
	}})
}

// CallbackAnswered reports whether the callback query was answered.
func (s *Server) CallbackAnswered(qid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[qid]
}
