package flows

import (
	"chibo/flows/members"
	"fmt"
	"regexp"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// sayOn sends text as user on another transport (the harness's people are
// on "test").
func (h *harness) sayOn(transport, user, text string) []chat.Message {
	h.t.Helper()
	ev := chat.Event{Key: fmt.Sprintf("%s:%d", transport, h.seq.Add(1)), Transport: transport, Kind: chat.EventText, Chat: user, ChatKind: chat.ChatPrivate, User: user, Text: text, Time: h.now}
	var out []chat.Message
	if err := h.db.Update(func(tx *storage.Tx) error {
		var err error
		out, err = h.e.Handle(tx, ev)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	h.inbox[transport+"/"+user] = append(h.inbox[transport+"/"+user], out...)
	return out
}

var codeRE = regexp.MustCompile(`\b([A-Z0-9]{3})-([A-Z0-9]{3})\b`)

// codeIn returns the invite code shown in msgs.
func (h *harness) codeIn(msgs []chat.Message) string {
	h.t.Helper()
	for _, m := range msgs {
		if c := codeRE.FindString(m.Text); c != "" {
			return c
		}
	}
	h.t.Fatalf("no code in %+v", msgs)
	return ""
}

func TestParseInviteCode(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"K7Q-4MX", "K7Q4MX", true},
		{"k7q 4mx", "K7Q4MX", true},
		{" k7q4mx ", "K7Q4MX", true},
		{"K7Q-4M", "", false},
		{"K7Q-4MXX", "", false},
		{"K0Q-4MX", "", false}, // 0 is not in the alphabet (O and 0 look alike)
		{"xin chào", "", false},
		{"/start", "", false},
	}
	for _, c := range cases {
		got, ok := members.ParseInviteCode(c.in)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseInviteCode(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// A person on Zalo joins by sending the invite's code, typed in lowercase
// with a space; the code is then used, and an expired or unknown code
// changes nothing.
func TestInviteCode_register(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	code := h.codeIn(h.say("sec", "/invite"))
	typed := fmt.Sprintf("%s %s", toLower(code[:3]), toLower(code[4:]))

	out := h.sayOn("zalo", "z1", typed)
	h.wantText(out, "vi", "reg.type_name", "Cell", "Chi bộ Thử")
	h.sayOn("zalo", "z1", "Trần Thị Zung")
	h.sayOn("zalo", "z1", "1") // consent: Tôi đồng ý, typed as its number
	out = h.sayOn("zalo", "z1", "1")
	h.wantText(out, "vi", "reg.done", "Name", "Trần Thị Zung", "Cell", "Chi bộ Thử", "Role", "đảng viên")
	var m *storage.Member
	h.db.View(func(tx *storage.Tx) error { m, _ = tx.MemberByContact("zalo", "z1"); return nil })
	if m == nil || m.HomeCellID != h.cell.ID {
		t.Fatalf("member on Zalo: %+v", m)
	}

	// A code after /start is read as the code.
	code3 := h.codeIn(h.say("sec", "/invite"))
	h.wantText(h.sayOn("zalo", "z4", "/start "+code3), "vi", "reg.type_name", "Cell", "Chi bộ Thử")
	before := h.snapshot()
	h.wantText(h.sayOn("zalo", "z2", code), "vi", "zalo.code_used")
	h.wantText(h.sayOn("zalo", "z2", "AAA-AAA"), "vi", "zalo.code_unknown")
	if after := h.snapshot(); after != before {
		t.Errorf("a used or unknown code changed stored data")
	}
	code2 := h.codeIn(h.say("sec", "/invite"))
	before = h.snapshot()
	h.advance(15 * 24 * time.Hour)
	h.wantText(h.sayOn("zalo", "z3", code2), "vi", "zalo.code_expired")
	if after := h.snapshot(); after != before {
		t.Errorf("an expired code changed stored data:\n%s\n---\n%s", before, after)
	}
}

// A member registered on one messenger links another with a one-time code
// from /me: one record, reachable on both.
func TestLinkCode(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Lê Văn Em", "Phạm Thị Gấm")
	h.say("levanem", "/me")
	code := h.codeIn(h.tap("levanem", "Liên kết ứng dụng nhắn tin khác"))
	out := h.sayOn("zalo", "zem", code)
	h.wantText(out, "vi", "zalo.link_done", "Name", "Lê Văn Em", "Transport", "Zalo")
	m := h.member("levanem")
	if m.Contacts["zalo"] != "zem" || m.Contacts[tr] != "levanem" {
		t.Fatalf("contacts %v: want both messengers on one record", m.Contacts)
	}
	h.wantContains(h.sayOn("zalo", "zem", "/me"), "Lê Văn Em")
	// The secretary sees which messengers the member uses.
	h.wantContains(h.say("sec", "/members"), "Lê Văn Em – "+h.T("vi", "status.active")+" · qua Zalo, test")

	// Used once; another member's account cannot take a code.
	h.wantText(h.sayOn("zalo", "zx", code), "vi", "zalo.code_used")
	h.say("phamthigam", "/me")
	gam := h.codeIn(h.tap("phamthigam", "Liên kết ứng dụng nhắn tin khác"))
	before := h.snapshot()
	h.wantText(h.sayOn("zalo", "zem", gam), "vi", "zalo.link_other_member")
	if after := h.snapshot(); after != before {
		t.Errorf("a refused link changed stored data")
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
