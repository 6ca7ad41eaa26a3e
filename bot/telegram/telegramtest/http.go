package telegramtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"
)

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
