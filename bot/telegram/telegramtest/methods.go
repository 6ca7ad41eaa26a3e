package telegramtest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
		return map[string]any{"id": s.BotID(), "is_bot": true, "first_name": "Chibo", "username": s.opt.Username,
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
