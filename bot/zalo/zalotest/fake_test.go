package zalotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func call(t *testing.T, s *Server, token, method, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(s.URL+"/bot"+token+"/"+method, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	json.Unmarshal(raw, &v)
	return resp.StatusCode, v
}

func TestFake_Strict(t *testing.T) {
	s := New("1:abc")
	defer s.Close()
	s.MaxPoll = 10 * time.Millisecond
	long := strings.Repeat("ă", 2001)
	cases := []struct {
		name, token, method, body string
		status                    int
	}{
		{"wrong token", "1:xyz", "getMe", "", 401},
		{"unknown method", "1:abc", "sendDocument", `{}`, 404},
		{"numeric chat id", "1:abc", "sendMessage", `{"chat_id":123,"text":"hi"}`, 400},
		{"empty text", "1:abc", "sendMessage", `{"chat_id":"a","text":""}`, 400},
		{"2001 characters", "1:abc", "sendMessage", `{"chat_id":"a","text":"` + long + `"}`, 400},
		{"2000 characters", "1:abc", "sendMessage", `{"chat_id":"a","text":"` + long[:4000] + `"}`, 200},
		{"photo not a URL", "1:abc", "sendPhoto", `{"chat_id":"a","photo":"/tmp/x.png"}`, 400},
		{"no secret", "1:abc", "setWebhook", `{"url":"https://example.org/z"}`, 400},
		{"private webhook", "1:abc", "setWebhook", `{"url":"https://127.0.0.1/z","secret_token":"12345678"}`, 400},
		{"no webhook info", "1:abc", "getWebhookInfo", ``, 404},
		{"empty poll", "1:abc", "getUpdates", `{"timeout":"30"}`, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _ := call(t, s, c.token, c.method, c.body)
			if status != c.status {
				t.Errorf("status %d, want %d", status, c.status)
			}
		})
	}
	if _, v := call(t, s, "1:abc", "getUpdates", `{"timeout":1}`); v["error_code"] != float64(408) {
		t.Errorf("empty getUpdates answered %v, want error_code 408", v)
	}
}

func TestFake_OneUpdatePerPollAndWebhookState(t *testing.T) {
	s := New("1:abc")
	defer s.Close()
	u := User{ID: "e4ea2cd5189df1c3a88c", Name: "Nguyễn Văn A"}
	s.Push(s.Text(u, "một"))
	s.Push(s.Text(u, "hai"))
	_, v := call(t, s, "1:abc", "getUpdates", `{"timeout":"1"}`)
	res, isObject := v["result"].(map[string]any)
	if !isObject || res["message"].(map[string]any)["text"] != "một" {
		t.Fatalf("getUpdates result %v, want the first update alone", v)
	}
	if s.Queued() != 1 {
		t.Errorf("%d updates left, want 1", s.Queued())
	}
	if status, _ := call(t, s, "1:abc", "setWebhook", `{"url":"https://bot.example.org/z","secret_token":"secret-123"}`); status != 200 {
		t.Fatalf("setWebhook %d", status)
	}
	if status, _ := call(t, s, "1:abc", "getUpdates", `{}`); status != 400 {
		t.Errorf("getUpdates with a webhook set: %d, want 400", status)
	}

	// Redelivery until a 2xx, with the secret, top-level form by default.
	answers := []int{500, 200}
	var got [][]byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(SecretHeader) != "secret-123" {
			t.Errorf("secret header %q", r.Header.Get(SecretHeader))
		}
		b, _ := io.ReadAll(r.Body)
		got = append(got, b)
		w.WriteHeader(answers[len(got)-1])
	}))
	defer hook.Close()
	s.WebhookTarget = func(string) string { return hook.URL }
	s.PushSync(s.Text(u, "ba"))
	if len(got) != 2 || !bytes.Equal(got[0], got[1]) || !bytes.HasPrefix(got[0], []byte(`{"event_name"`)) {
		t.Errorf("deliveries %q, want the same top-level body twice", got)
	}
}

func TestFake_Faults(t *testing.T) {
	s := New("1:abc")
	defer s.Close()
	s.Fail("sendMessage", Fault{Status: 429, RetryAfter: 7}, Fault{Status: 502, HTML: true})
	status, v := call(t, s, "1:abc", "sendMessage", `{"chat_id":"a","text":"x"}`)
	if status != 429 || v["parameters"].(map[string]any)["retry_after"] != float64(7) {
		t.Errorf("first: %d %v", status, v)
	}
	status, v = call(t, s, "1:abc", "sendMessage", `{"chat_id":"a","text":"x"}`)
	if status != 502 || v != nil {
		t.Errorf("second: %d %v, want an HTML 502", status, v)
	}
	s.Limits = Limits{ChatInterval: time.Hour}
	call(t, s, "1:abc", "sendMessage", `{"chat_id":"a","text":"x"}`)
	if status, _ := call(t, s, "1:abc", "sendMessage", `{"chat_id":"a","text":"y"}`); status != 429 || s.Violations() != 1 {
		t.Errorf("a send over the limits: %d, %d violations", status, s.Violations())
	}
	if n := len(s.Sent()); n != 1 {
		t.Errorf("%d messages recorded, want 1", n)
	}
}
