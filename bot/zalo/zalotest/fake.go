// Package zalotest is a strict in-process fake of the Zalo Bot Platform API
// (ZALO.md §1.6), for tests: it refuses what the real platform refuses
// (wrong token, empty or 2,001-character text, numeric ids, non-https photo
// URLs, getUpdates while a webhook is set), hands out one update per
// getUpdates and answers 408 when none came before the long-poll timeout,
// pushes updates to a webhook and redelivers them on a non-2xx answer, and
// records every message it accepted.
package zalotest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// SecretHeader carries the webhook secret on every delivery.
const SecretHeader = "X-Bot-Api-Secret-Token"

// Sent is one message the fake accepted.
type Sent struct {
	Method  string // sendMessage, sendPhoto, sendChatAction, sendSticker
	ChatID  string
	Text    string // sendMessage text, or sendPhoto caption
	Photo   string // sendPhoto URL
	At      time.Time
	Message string // the message_id it was given
}

// Fault is an answer the fake gives instead of the real one.
type Fault struct {
	Status     int  // HTTP status, e.g. 429, 502
	RetryAfter int  // seconds, sent as Retry-After and parameters.retry_after (429)
	HTML       bool // answer an HTML body, as an edge proxy does
}

// Limits are sending limits the fake enforces with 429 (the real ones are
// not documented; these let tests prove chibo stays under a chosen pace).
// Zero fields mean no limit.
type Limits struct {
	PerSecond    int           // sends per rolling second, all chats
	ChatInterval time.Duration // least gap between two sends to one chat
}

// Server is the fake. Its exported fields may be set before use; its
// methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	Token string

	// MaxPoll caps the long-poll wait of getUpdates, so tests need not wait
	// the 30 s a client may ask for. Zero means no cap.
	MaxPoll time.Duration
	// EmptyHTTPStatus is the HTTP status of the 408 "no update" answer:
	// 200 (the body carries error_code 408) or 408. Zero means 200.
	EmptyHTTPStatus int
	// Wrapped makes webhook deliveries use the documented {ok,result} form
	// instead of the top-level form observed in production.
	Wrapped bool
	// WebhookTarget maps the registered public URL to where the fake really
	// posts (a test's local server). Nil posts to the URL itself.
	WebhookTarget func(registered string) string
	// Redeliveries is how often a webhook delivery is retried after a
	// non-2xx answer or a timeout. Zero means 3.
	Redeliveries int
	// Limits are enforced on send methods.
	Limits Limits
	// Latency delays each getUpdates answer that carries an update, as a
	// network round trip would. Zero means none.
	Latency time.Duration

	mu         sync.Mutex
	queue      [][]byte
	arrived    chan struct{}
	webhook    string
	secret     string
	sent       []Sent
	faults     map[string][]Fault
	calls      map[string]int
	refused    []string
	deliveries []Delivery
	violations int
	polls      int // getUpdates in flight now
	maxPolls   int // most getUpdates in flight at once
	window     []time.Time
	chatLast   map[string]time.Time
	client     *http.Client
	pushes     sync.WaitGroup
}

// Delivery is one webhook post and the status it got.
type Delivery struct {
	Body   string
	Status int // 0 when the post failed
}

// New starts a fake for the given token.
func New(token string) *Server {
	s := &Server{
		Token:    token,
		arrived:  make(chan struct{}),
		faults:   map[string][]Fault{},
		calls:    map[string]int{},
		chatLast: map[string]time.Time{},
		client:   &http.Client{Timeout: 5 * time.Second},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close waits for webhook pushes and stops the server.
func (s *Server) Close() {
	s.pushes.Wait()
	s.Server.Close()
}

// Fail makes the next calls of method answer the faults, in order.
func (s *Server) Fail(method string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], faults...)
}

// Sent returns the messages accepted so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentTo returns the texts accepted for one chat, in order.
func (s *Server) SentTo(chat string) []string {
	var out []string
	for _, m := range s.Sent() {
		if m.ChatID == chat {
			out = append(out, m.Text)
		}
	}
	return out
}

// Calls returns how often method was called (refused calls included).
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Refused lists the calls the fake refused as the real API would, with why.
func (s *Server) Refused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.refused...)
}

// Violations counts sends refused with 429 because Limits were exceeded.
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// MaxConcurrentPolls is the most getUpdates calls that were waiting at once.
func (s *Server) MaxConcurrentPolls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxPolls
}

// Deliveries lists the webhook posts made so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Queued is how many updates wait for getUpdates.
func (s *Server) Queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Webhook returns the registered webhook URL, "" when polling.
func (s *Server) Webhook() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// User is a person writing to the bot.
type User struct {
	ID   string
	Name string
}

// Text builds a message.text.received update from u, with a fresh
// message_id and the date in milliseconds.
func (s *Server) Text(u User, text string) map[string]any {
	return s.Event("message.text.received", u, map[string]any{"text": text})
}

// Event builds an update of any event name from u, with extra message fields.
func (s *Server) Event(name string, u User, fields map[string]any) map[string]any {
	msg := map[string]any{
		"from":       map[string]any{"id": u.ID, "display_name": u.Name, "is_bot": false},
		"chat":       map[string]any{"id": u.ID, "chat_type": "PRIVATE"},
		"message_id": newID(),
		"date":       time.Now().UnixMilli(),
	}
	for k, v := range fields {
		msg[k] = v
	}
	return map[string]any{"event_name": name, "message": msg}
}

// Push queues an update (any JSON value, or raw bytes for malformed input)
// for getUpdates, or posts it to the webhook when one is set.
func (s *Server) Push(update any) {
	body, ok := update.([]byte)
	if !ok {
		var err error
		if body, err = json.Marshal(update); err != nil {
			panic(err)
		}
	}
	s.mu.Lock()
	hook, secret, wrapped := s.webhook, s.secret, s.Wrapped
	if hook == "" {
		s.queue = append(s.queue, body)
		close(s.arrived)
		s.arrived = make(chan struct{})
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	if wrapped && json.Valid(body) {
		body = []byte(`{"ok":true,"result":` + string(body) + `}`)
	}
	s.pushes.Add(1)
	go func() {
		defer s.pushes.Done()
		s.deliver(hook, secret, body)
	}()
}

// PushSync is Push for a webhook, returning once the delivery (and its
// redeliveries) ended.
func (s *Server) PushSync(update any) {
	s.Push(update)
	s.pushes.Wait()
}

// deliver posts body until a 2xx answer or the redeliveries run out.
func (s *Server) deliver(hook, secret string, body []byte) {
	target := hook
	if s.WebhookTarget != nil {
		target = s.WebhookTarget(hook)
	}
	tries := 1 + s.Redeliveries
	if s.Redeliveries == 0 {
		tries = 4
	}
	for range tries {
		req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(SecretHeader, secret)
		status := 0
		if resp, err := s.client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
		}
		s.mu.Lock()
		s.deliveries = append(s.deliveries, Delivery{Body: string(body), Status: status})
		s.mu.Unlock()
		if status >= 200 && status < 300 {
			return
		}
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || token != s.Token {
		answer(w, http.StatusUnauthorized, failBody(401, "Unauthorized"))
		return
	}
	s.mu.Lock()
	s.calls[method]++
	var fault *Fault
	if fs := s.faults[method]; len(fs) > 0 {
		fault, s.faults[method] = &fs[0], fs[1:]
	}
	s.mu.Unlock()
	if fault != nil {
		s.fault(w, *fault)
		return
	}
	if r.Method != http.MethodPost {
		s.refuse(w, method, 405, "method must be POST")
		return
	}
	var p map[string]any
	body, _ := io.ReadAll(r.Body)
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &p); err != nil {
			s.refuse(w, method, 400, "body is not a JSON object")
			return
		}
	}
	switch method {
	case "getMe":
		answer(w, 200, okBody(map[string]any{"id": "1459232241454765289", "account_name": "bot.ChiboFake", "account_type": "BASIC", "can_join_groups": false}))
	case "getUpdates":
		s.getUpdates(w, r, p)
	case "setWebhook":
		s.setWebhook(w, p)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhook, s.secret = "", ""
		s.mu.Unlock()
		answer(w, 200, okBody(map[string]any{"url": "", "updated_at": time.Now().UnixMilli()}))
	case "getWebhookInfo":
		s.mu.Lock()
		hook := s.webhook
		s.mu.Unlock()
		if hook == "" {
			s.refuse(w, method, 404, "no webhook is set")
			return
		}
		answer(w, 200, okBody(map[string]any{"url": hook, "updated_at": time.Now().UnixMilli()}))
	case "sendMessage", "sendPhoto", "sendSticker", "sendChatAction":
		s.send(w, method, p)
	default:
		s.refuse(w, method, 404, "unknown method")
	}
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]any) {
	s.mu.Lock()
	if s.webhook != "" {
		s.mu.Unlock()
		s.refuse(w, "getUpdates", 400, "a webhook is set: call deleteWebhook first")
		return
	}
	s.polls++
	s.maxPolls = max(s.maxPolls, s.polls)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.polls--
		s.mu.Unlock()
	}()
	wait := 30 * time.Second
	switch v := p["timeout"].(type) { // a string per the doc; some clients send a number
	case string:
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.refuse(w, "getUpdates", 400, "timeout is not a number of seconds")
			return
		}
		wait = time.Duration(n) * time.Second
	case float64:
		wait = time.Duration(v) * time.Second
	}
	if s.MaxPoll > 0 && wait > s.MaxPoll {
		wait = s.MaxPoll
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			u := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			if s.Latency > 0 {
				time.Sleep(s.Latency)
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"ok":true,"result":%s}`, u)
			return
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-r.Context().Done():
			return
		case <-deadline.C:
			status := s.EmptyHTTPStatus
			if status == 0 {
				status = 200
			}
			answer(w, status, failBody(408, "Request timeout"))
			return
		}
	}
}

func (s *Server) setWebhook(w http.ResponseWriter, p map[string]any) {
	raw, _ := p["url"].(string)
	secret, isString := p["secret_token"].(string)
	if !isString || secret == "" {
		s.refuse(w, "setWebhook", 400, "The secret_token must not be empty")
		return
	}
	if n := utf8.RuneCountInString(secret); n < 8 || n > 256 {
		s.refuse(w, "setWebhook", 400, "secret_token must be 8 to 256 characters")
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || private(u.Hostname()) {
		s.refuse(w, "setWebhook", 400, "url must be https on a public host")
		return
	}
	s.mu.Lock()
	s.webhook, s.secret = raw, secret
	s.mu.Unlock()
	answer(w, 200, okBody(map[string]any{"url": raw, "updated_at": time.Now().UnixMilli()}))
}

func private(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast())
}

func (s *Server) send(w http.ResponseWriter, method string, p map[string]any) {
	chat, isString := p["chat_id"].(string)
	if !isString || chat == "" {
		s.refuse(w, method, 400, "chat_id must be a non-empty string")
		return
	}
	m := Sent{Method: method, ChatID: chat, At: time.Now()}
	checkText := func(field string, required bool) bool {
		v, present := p[field]
		if !present && !required {
			return true
		}
		t, isString := v.(string)
		if n := utf8.RuneCountInString(t); !isString || n < 1 || n > 2000 {
			s.refuse(w, method, 400, field+" must be 1 to 2000 characters")
			return false
		}
		m.Text = t
		return true
	}
	switch method {
	case "sendMessage":
		if !checkText("text", true) {
			return
		}
	case "sendPhoto":
		photo, _ := p["photo"].(string)
		u, err := url.Parse(photo)
		if photo == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			s.refuse(w, method, 400, "photo must be an http(s) URL")
			return
		}
		if !checkText("caption", false) {
			return
		}
		m.Photo = photo
	case "sendSticker":
		if st, _ := p["sticker"].(string); st == "" {
			s.refuse(w, method, 400, "sticker is required")
			return
		}
	case "sendChatAction":
		if a, _ := p["action"].(string); a != "typing" && a != "upload_photo" {
			s.refuse(w, method, 400, "action must be typing or upload_photo")
			return
		}
		answer(w, 200, map[string]any{"ok": true})
		return
	}
	s.mu.Lock()
	if wait, over := s.overLimit(chat, m.At); over {
		s.violations++
		s.mu.Unlock()
		s.fault(w, Fault{Status: 429, RetryAfter: wait})
		return
	}
	m.Message = newID()
	s.sent = append(s.sent, m)
	s.mu.Unlock()
	answer(w, 200, okBody(map[string]any{"message_id": m.Message, "date": m.At.UnixMilli()}))
}

// overLimit records a send at now, or reports that it would break Limits
// and how many seconds to wait. Called with s.mu held.
func (s *Server) overLimit(chat string, now time.Time) (int, bool) {
	l := s.Limits
	if l.ChatInterval > 0 {
		if last, seen := s.chatLast[chat]; seen && now.Sub(last) < l.ChatInterval {
			return 1, true
		}
	}
	if l.PerSecond > 0 {
		keep := s.window[:0]
		for _, t := range s.window {
			if now.Sub(t) < time.Second {
				keep = append(keep, t)
			}
		}
		s.window = keep
		if len(s.window) >= l.PerSecond {
			return 1, true
		}
		s.window = append(s.window, now)
	}
	s.chatLast[chat] = now
	return 0, false
}

func (s *Server) refuse(w http.ResponseWriter, method string, code int, why string) {
	s.mu.Lock()
	s.refused = append(s.refused, method+": "+why)
	s.mu.Unlock()
	answer(w, code, failBody(code, why))
}

func (s *Server) fault(w http.ResponseWriter, f Fault) {
	if f.HTML {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Add("Server", "edge")
		w.Header().Add("Server", "edge") // Zalo's edge repeats this header
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><head><title>%d Bad Gateway</title></head><body>bad gateway</body></html>", f.Status)
		return
	}
	body := failBody(f.Status, http.StatusText(f.Status))
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		body["parameters"] = map[string]any{"retry_after": f.RetryAfter}
	}
	answer(w, f.Status, body)
}

func okBody(result any) map[string]any { return map[string]any{"ok": true, "result": result} }

func failBody(code int, why string) map[string]any {
	return map[string]any{"ok": false, "error_code": code, "description": why}
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// newID is a 20-hex-character id, like Zalo's message ids.
func newID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return hex.EncodeToString(b)
}
