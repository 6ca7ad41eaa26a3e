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
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
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
	s := &Server{
		spec: spec, opt: opt, nextID: 100000, arrived: make(chan struct{}),
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
	me := map[string]any{"id": 7000000001, "is_bot": true, "first_name": "Chibo", "username": s.opt.Username}
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

type apiError struct {
	code        int
	description string
	retryAfter  int
	limited     bool
}

func badRequest(format string, a ...any) *apiError {
	return &apiError{code: 400, description: "Bad Request: " + fmt.Sprintf(format, a...)}
}

var pathRE = regexp.MustCompile(`^/bot([^/]+)/([A-Za-z]+)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeError(w, &apiError{code: 404, description: "Not Found"})
		return
	}
	if m[1] != s.opt.Token {
		writeError(w, &apiError{code: 401, description: "Unauthorized"})
		return
	}
	method, ok := s.spec.method(m[2])
	if !ok {
		s.record(Call{Method: m[2], At: time.Now(), Code: 404, Description: "Not Found"})
		writeError(w, &apiError{code: 404, description: "Not Found"})
		return
	}
	params, files, perr := readParams(r)
	call := Call{Method: method.Name, Params: params, Files: files, At: time.Now()}
	if perr == nil {
		perr = s.check(method, params, files)
	}
	if perr != nil {
		s.finish(w, call, nil, perr)
		return
	}
	if f := s.fault(call); f != nil {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				call.Code, call.Description = 499, "client gave up"
				s.record(call)
				return
			}
		}
		if f.Drop {
			call.Code, call.Description = 599, "connection dropped"
			s.record(call)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		if f.Code != 0 {
			s.finish(w, call, nil, &apiError{code: f.Code, description: f.Description, retryAfter: f.RetryAfter})
			return
		}
	}
	result, aerr := s.do(r, call)
	s.finish(w, call, result, aerr)
}

func (s *Server) finish(w http.ResponseWriter, call Call, result any, aerr *apiError) {
	if aerr != nil {
		call.Code, call.Description, call.RateLimited = aerr.code, aerr.description, aerr.limited
		s.record(call)
		writeError(w, aerr)
		return
	}
	s.record(call)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"ok": false, "error_code": e.code, "description": e.description}
	if e.retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": e.retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	status := e.code
	if status < 400 || status > 599 {
		status = 500
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// readParams reads a call's parameters from the query string and a form,
// multipart or JSON body, as Telegram does.
func readParams(r *http.Request) (map[string]string, map[string]File, *apiError) {
	params := map[string]string{}
	files := map[string]File{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(50 << 20); err != nil {
			return nil, nil, badRequest("can't parse multipart body")
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, badRequest("can't read file %s", k)
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, badRequest("can't read file %s", k)
			}
			files[k] = File{Name: fhs[0].Filename, Data: data}
		}
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(io.LimitReader(r.Body, 50<<20))
		if err != nil {
			return nil, nil, badRequest("can't read body")
		}
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, nil, badRequest("can't parse form body")
		}
		for k, v := range vals {
			params[k] = v[0]
		}
	case "application/json":
		var obj map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, nil, badRequest("can't parse JSON body")
		}
		for k, v := range obj {
			if str, ok := v.(string); ok {
				params[k] = str
			} else {
				b, _ := json.Marshal(v)
				params[k] = string(b)
			}
		}
	case "":
	default:
		return nil, nil, badRequest("unsupported content type %s", ct)
	}
	return params, files, nil
}

// check validates the parameters against the spec and Telegram's limits.
func (s *Server) check(m SpecMethod, params map[string]string, files map[string]File) *apiError {
	known := map[string]SpecField{}
	for _, f := range m.Fields {
		known[f.Name] = f
	}
	for k := range files {
		if _, ok := known[k]; !ok {
			return badRequest("unknown parameter %q", k)
		}
	}
	for k := range params {
		if _, ok := known[k]; !ok {
			return badRequest("unknown parameter %q", k)
		}
	}
	for _, f := range m.Fields {
		v, hasParam := params[f.Name]
		_, hasFile := files[f.Name]
		if !hasParam && !hasFile {
			if f.Required {
				if f.Name == "text" {
					return badRequest("message text is empty")
				}
				return badRequest("%s is empty", f.Name)
			}
			continue
		}
		if err := s.spec.checkParam(f, v, hasFile); err != nil {
			return badRequest("%v", err)
		}
	}
	if t, ok := params["text"]; ok && m.Name != "answerCallbackQuery" {
		switch n := utf16Len(strings.TrimSpace(t)); {
		case n == 0:
			return badRequest("message text is empty")
		case n > 4096:
			return badRequest("message is too long")
		}
	}
	if c, ok := params["caption"]; ok && utf16Len(c) > 1024 {
		return badRequest("message caption is too long")
	}
	if rm, ok := params["reply_markup"]; ok {
		if err := checkMarkup(rm); err != nil {
			return err
		}
	}
	return nil
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// checkMarkup applies the limits the spec states only in prose.
func checkMarkup(raw string) *apiError {
	var mk struct {
		Inline [][]map[string]any `json:"inline_keyboard"`
		Reply  [][]map[string]any `json:"keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &mk); err != nil {
		return badRequest("can't parse reply keyboard markup JSON object")
	}
	actions := []string{"url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay"}
	// Telegram's documented-by-practice limits: 100 inline buttons, 8 a row.
	total := 0
	for _, row := range mk.Inline {
		total += len(row)
		if len(row) > 8 {
			return badRequest("reply markup is too long")
		}
	}
	if total > 100 {
		return badRequest("reply markup is too long")
	}
	for _, row := range mk.Inline {
		for _, b := range row {
			if text, _ := b["text"].(string); strings.TrimSpace(text) == "" {
				return badRequest("BUTTON_TEXT_INVALID")
			}
			n := 0
			for _, a := range actions {
				if _, ok := b[a]; ok {
					n++
				}
			}
			if n != 1 {
				return badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used")
			}
			if d, ok := b["callback_data"].(string); ok && (len(d) == 0 || len(d) > 64) {
				return badRequest("BUTTON_DATA_INVALID")
			}
		}
	}
	for _, row := range mk.Reply {
		for _, b := range row {
			if text, _ := b["text"].(string); strings.TrimSpace(text) == "" {
				return badRequest("BUTTON_TEXT_INVALID")
			}
		}
	}
	return nil
}

// fault takes the first fault matching the call.
func (s *Server) fault(c Call) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method == "" && (c.Method == "getMe" || c.Method == "getUpdates") {
			continue
		}
		if f.Method != "" && f.Method != c.Method {
			continue
		}
		if f.Chat != 0 && f.Chat != c.Chat() {
			continue
		}
		if f.After > 0 {
			f.After--
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		cp := *f
		return &cp
	}
	return nil
}

// do carries out a valid call.
func (s *Server) do(r *http.Request, c Call) (any, *apiError) {
	switch c.Method {
	case "getMe":
		return map[string]any{"id": 7000000001, "is_bot": true, "first_name": "Chibo", "username": s.opt.Username,
			"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false}, nil
	case "getUpdates":
		return s.getUpdates(r, c.Params)
	case "sendMessage", "sendDocument":
		return s.send(c)
	case "editMessageText", "editMessageReplyMarkup":
		return s.edit(c)
	case "answerCallbackQuery":
		s.mu.Lock()
		defer s.mu.Unlock()
		id := c.Params["callback_query_id"]
		if answered, ok := s.queries[id]; !ok || answered {
			return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		s.queries[id] = true
		return true, nil
	case "setMyCommands":
		return s.setCommands(c.Params)
	case "setWebhook":
		if !strings.HasPrefix(c.Params["url"], "https://") && !strings.HasPrefix(c.Params["url"], "http://") {
			return nil, badRequest("invalid webhook URL specified")
		}
		if sec, ok := c.Params["secret_token"]; ok && !regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`).MatchString(sec) {
			return nil, badRequest("secret token contains unallowed characters")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.webhook = maps(c.Params)
		return true, nil
	case "deleteWebhook":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.webhook = nil
		if c.Params["drop_pending_updates"] == "true" {
			s.updates, s.updateIDs = nil, nil
		}
		return true, nil
	case "getWebhookInfo":
		s.mu.Lock()
		defer s.mu.Unlock()
		return map[string]any{"url": s.webhook["url"], "has_custom_certificate": false, "pending_update_count": len(s.updates)}, nil
	}
	return nil, &apiError{code: 501, description: "telegramtest: method " + c.Method + " is not implemented by the fake"}
}

func (s *Server) getUpdates(r *http.Request, p map[string]string) (any, *apiError) {
	offset, _ := strconv.Atoi(p["offset"])
	limit := 100
	if v, ok := p["limit"]; ok {
		limit, _ = strconv.Atoi(v)
		limit = min(max(limit, 1), 100)
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	s.mu.Lock()
	if s.webhook != nil {
		s.mu.Unlock()
		return nil, &apiError{code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	s.pollGen++
	gen := s.pollGen
	switch {
	case offset > 0:
		i := 0
		for i < len(s.updateIDs) && s.updateIDs[i] < offset {
			i++
		}
		s.updates, s.updateIDs = s.updates[i:], s.updateIDs[i:]
		s.confirmed = max(s.confirmed, offset-1)
	case offset < 0:
		if i := len(s.updates) + offset; i > 0 {
			s.confirmed = max(s.confirmed, s.updateIDs[i-1])
			s.updates, s.updateIDs = s.updates[i:], s.updateIDs[i:]
		}
	}
	for {
		if s.pollGen != gen {
			s.mu.Unlock()
			return nil, &apiError{code: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		}
		if len(s.updates) > 0 || !time.Now().Before(deadline) {
			n := min(limit, len(s.updates))
			out := slices.Clone(s.updates[:n])
			s.mu.Unlock()
			return out, nil
		}
		arrived := s.arrived
		s.mu.Unlock()
		timer := time.NewTimer(time.Until(deadline))
		select {
		case <-arrived:
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return []json.RawMessage{}, nil
		}
		timer.Stop()
		s.mu.Lock()
	}
}

func (s *Server) target(c Call) (int64, *apiError) {
	chat, err := strconv.ParseInt(c.Params["chat_id"], 10, 64)
	if err != nil || chat == 0 {
		return 0, badRequest("chat not found")
	}
	if s.blocked[chat] {
		return 0, &apiError{code: 403, description: "Forbidden: bot was blocked by the user"}
	}
	return chat, nil
}

func (s *Server) send(c Call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	chat, aerr := s.target(c)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.admit(chat, time.Now()); aerr != nil {
		return nil, aerr
	}
	s.accepted++ // a message the bot sent (a pushed update is not one)
	s.nextMsg[chat]++
	id := s.nextMsg[chat]
	if s.messages[chat] == nil {
		s.messages[chat] = map[int]*sentMessage{}
	}
	s.messages[chat][id] = &sentMessage{text: c.Params["text"], markup: c.Params["reply_markup"]}
	msg := map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": ChatJSON(chat),
		"from": map[string]any{"id": 7000000001, "is_bot": true, "first_name": "Chibo", "username": s.opt.Username}}
	if t, ok := c.Params["text"]; ok {
		msg["text"] = t
	}
	if f, ok := c.Files["document"]; ok {
		msg["document"] = map[string]any{"file_id": "doc" + strconv.Itoa(id), "file_unique_id": "u" + strconv.Itoa(id), "file_name": f.Name, "file_size": len(f.Data)}
	}
	return msg, nil
}

// admit applies the enforced limits to a send at now.
func (s *Server) admit(chat int64, now time.Time) *apiError {
	l := s.opt.Enforce
	if l == nil {
		return nil
	}
	tooMany := func(after time.Duration) *apiError {
		s.limited++
		secs := max(int((after+time.Second-1)/time.Second), 1)
		return &apiError{code: 429, description: "Too Many Requests: retry after " + strconv.Itoa(secs), retryAfter: secs, limited: true}
	}
	// Overall: at most PerSecond sends within any window.
	cut := now.Add(-(l.Window - l.Jitter))
	i := 0
	for i < len(s.sends) && !s.sends[i].After(cut) {
		i++
	}
	s.sends = s.sends[i:]
	if len(s.sends) >= l.PerSecond {
		return tooMany(s.sends[0].Sub(cut))
	}
	hist := s.chatSends[chat]
	if chat > 0 {
		if len(hist) > 0 && now.Sub(hist[len(hist)-1]) < l.PrivateInterval-l.Jitter {
			return tooMany(l.PrivateInterval - now.Sub(hist[len(hist)-1]))
		}
		hist = append(hist[:0], now)
	} else {
		gcut := now.Add(-(60*l.Window - l.Jitter))
		j := 0
		for j < len(hist) && !hist[j].After(gcut) {
			j++
		}
		hist = hist[j:]
		if len(hist) >= l.GroupPerMinute {
			return tooMany(hist[0].Sub(gcut))
		}
		hist = append(hist, now)
	}
	s.chatSends[chat] = hist
	s.sends = append(s.sends, now)
	return nil
}

func (s *Server) edit(c Call) (any, *apiError) {
	if c.Params["inline_message_id"] == "" && (c.Params["chat_id"] == "" || c.Params["message_id"] == "") {
		return nil, badRequest("message identifier is not specified")
	}
	if c.Method == "editMessageText" {
		if _, ok := c.Params["text"]; !ok {
			return nil, badRequest("message text is empty")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	chat, aerr := s.target(c)
	if aerr != nil {
		return nil, aerr
	}
	id, _ := strconv.Atoi(c.Params["message_id"])
	m := s.messages[chat][id]
	if m == nil {
		return nil, badRequest("message to edit not found")
	}
	text := m.text
	if c.Method == "editMessageText" {
		text = c.Params["text"]
	}
	if text == m.text && c.Params["reply_markup"] == m.markup {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.text, m.markup = text, c.Params["reply_markup"]
	return map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": ChatJSON(chat), "text": text}, nil
}

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (s *Server) setCommands(p map[string]string) (any, *apiError) {
	var cmds []struct{ Command, Description string }
	if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
		return nil, badRequest("can't parse commands")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands")
	}
	for _, c := range cmds {
		if !commandRE.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf16Len(c.Description); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	lang := p["language_code"]
	if lang != "" && !regexp.MustCompile(`^[a-z]{2}$`).MatchString(lang) {
		return nil, badRequest("invalid language code")
	}
	var scope struct {
		Type   string `json:"type"`
		ChatID int64  `json:"chat_id"`
	}
	scope.Type = "default"
	if v, ok := p["scope"]; ok {
		if err := json.Unmarshal([]byte(v), &scope); err != nil {
			return nil, badRequest("can't parse scope")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands[commandsKey(scope.Type, scope.ChatID, lang)] = p["commands"]
	return true, nil
}
