package flows

import (
	"chibo/flows/members"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"chibo/flows/chat"
	"chibo/storage"
)

// inviteToken makes the secretary invite someone and returns the token in
// the link chibo showed.
func (h *harness) inviteToken() string {
	h.t.Helper()
	out := h.say("sec", "/invite")
	const prefix = "https://t.me/chibo_test_bot?start="
	for _, m := range out {
		if i := strings.Index(m.Text, prefix); i >= 0 {
			tok := strings.Fields(m.Text[i+len(prefix):])[0]
			return tok
		}
	}
	h.t.Fatalf("no invite link in %+v", out)
	return ""
}

func TestRegistration_fullFlow(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	tok := h.inviteToken()
	if len(tok) < 22 || len(tok) > 64 {
		t.Fatalf("token %q: want 22..64 characters (128 bits, start payload limit)", tok)
	}
	h.names["em"] = "Hoàng Văn Em"
	out := h.say("em", "/start "+tok)
	h.wantText(out, "vi", "reg.confirm_name", "Cell", "Chi bộ Thử", "Name", "Hoàng Văn Em")
	h.tap("em", "Đúng")
	h.wantText(h.inbox["em"][len(h.inbox["em"])-1:], "vi", "reg.consent")
	h.tap("em", "Tôi đồng ý")
	out = h.tap("em", "English")
	h.wantText(out, "en", "reg.done", "Name", "Hoàng Văn Em", "Cell", "Chi bộ Thử", "Role", "member")
	h.wantText(out, "vi", "reg.notify_inviter", "Name", "Hoàng Văn Em", "Cell", "Chi bộ Thử")

	m := h.member("em")
	if m.Name != "Hoàng Văn Em" || m.Lang != "en" || m.HomeCellID != h.cell.ID || !m.Consent.Given || !m.Consent.At.Equal(h.now) {
		t.Fatalf("stored member: %+v", m)
	}
	if !m.HasRole(h.cell.ID, storage.RoleMember) || m.Leads(h.cell.ID) {
		t.Fatalf("roles: %+v", m.Roles)
	}
	if m.Status.Kind != storage.StatusActive {
		t.Fatalf("status: %+v", m.Status)
	}
	out = h.say("em", "/me")
	h.wantContains(out, "Hoàng Văn Em")
	h.wantContains(out, "Chi bộ Thử")
	h.wantContains(out, "active")
}

func TestRegistration_typedName(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	tok := h.inviteToken()
	h.names["x"] = "Hồng" // a first name alone is not offered as the full name
	h.say("x", "/start "+tok)
	h.wantText(h.inbox["x"], "vi", "reg.type_name", "Cell", "Chi bộ Thử")
	h.wantText(h.say("x", "Hồng"), "vi", "err.name_full")
	// A name typed with decomposed (NFD) diacritics is stored composed.
	out := h.say("x", norm.NFD.String("  Lê   Thị Hồng  "))
	h.wantText(out, "vi", "reg.consent")
	h.tap("x", "Tôi đồng ý")
	h.say("x", "1") // typed number instead of a tap: Tiếng Việt
	m := h.member("x")
	if m.Name != "Lê Thị Hồng" || !norm.NFC.IsNormalString(m.Name) || m.Lang != "vi" {
		t.Fatalf("stored %q (lang %s)", m.Name, m.Lang)
	}
}

func TestRegistration_declineStoresOnlyRefusal(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	tok := h.inviteToken()
	h.names["em"] = "Hoàng Văn Em"
	h.say("em", "/start "+tok)
	h.tap("em", "Đúng")
	out := h.tap("em", "Tôi không đồng ý")
	h.wantText(out, "vi", "reg.declined")
	err := h.db.View(func(tx *storage.Tx) error {
		if _, err := tx.MemberByContact(tr, "em"); err != storage.ErrNotFound {
			t.Errorf("member stored after decline: %v", err)
		}
		r, err := tx.Refusal(tr, "em")
		if err != nil || r.CellID != h.cell.ID {
			t.Errorf("refusal: %+v, %v", r, err)
		}
		inv, err := tx.Invite(tok)
		if err != nil || len(inv.UsedBy) != 0 {
			t.Errorf("invite after decline: %+v %v", inv, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h.dump(), "Hoàng Văn Em") {
		t.Errorf("the name was stored after a decline")
	}
}

func TestInvite_singleUseAndExpiry(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	register := func(user, tok string) []chat.Message {
		h.names[user] = "Người " + strings.ToUpper(user[:1]) + user[1:]
		h.say(user, "/start "+tok)
		h.tap(user, "Đúng")
		h.tap(user, "Tôi đồng ý")
		return h.tap(user, "Tiếng Việt")
	}
	tok := h.inviteToken()
	register("mot", tok)
	h.member("mot")

	before := h.snapshot()
	out := h.say("hai", "/start "+tok)
	h.wantText(out, "vi", "err.invite_used")
	out = h.say("hai", "/start AAAAAAAAAAAAAAAAAAAAAA")
	h.wantText(out, "vi", "err.invite_unknown")
	if h.snapshot() != before {
		t.Fatal("a used or unknown invite changed stored data")
	}

	tok2 := h.inviteToken()
	h.advance(14*24*time.Hour + time.Second)
	out = h.say("ba", "/start "+tok2)
	h.wantText(out, "vi", "err.invite_expired")

	// The invite expires while the person is registering: nothing is stored.
	tok3 := h.inviteToken()
	h.advance(14*24*time.Hour - time.Hour)
	h.names["bon"] = "Người Bốn"
	h.say("bon", "/start "+tok3)
	h.tap("bon", "Đúng")
	h.tap("bon", "Tôi đồng ý")
	h.advance(2 * time.Hour)
	out = h.tap("bon", "Tiếng Việt")
	h.wantText(out, "vi", "err.invite_expired")
	err := h.db.View(func(tx *storage.Tx) error {
		if _, err := tx.MemberByContact(tr, "bon"); err != storage.ErrNotFound {
			t.Errorf("registered with an expired invite: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInvite_racingRegistrations(t *testing.T) {
	// Two people open the same single-use link; the second to finish is refused.
	h := newHarness(t)
	h.seedCell()
	tok := h.inviteToken()
	for _, u := range []string{"a1", "b2"} {
		h.names[u] = "Người " + u
		h.say(u, "/start "+tok)
		h.say(u, "Trần Văn "+map[string]string{"a1": "Một", "b2": "Hai"}[u])
		h.tap(u, "Tôi đồng ý")
	}
	h.tap("a1", "Tiếng Việt")
	out := h.tap("b2", "Tiếng Việt")
	h.wantText(out, "vi", "err.invite_used")
	h.member("a1")
}

func TestStart_withoutToken(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	h.wantText(h.say("la", "/start"), "vi", "start.how_to_join")
	h.wantText(h.say("sec", "/start"), "vi", "start.welcome_back", "Name", "Nguyễn Văn Bí Thư")
}

func TestStart_secretaryInviteForExistingMember(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	tok := ""
	err := h.db.Update(func(tx *storage.Tx) error {
		tok = members.NewToken()
		return tx.PutInvite(&storage.Invite{Token: tok, CellID: h.cell.ID, Role: storage.RoleDeputy, Created: h.now, Expires: h.now.Add(time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	out := h.say("tranthibinh", "/start "+tok)
	h.wantText(out, "vi", "start.role_added", "Role", "phó bí thư", "Cell", "Chi bộ Thử")
	if m := h.member("tranthibinh"); !m.HasRole(h.cell.ID, storage.RoleDeputy) {
		t.Fatalf("roles %+v", m.Roles)
	}
	h.wantText(h.say("tranthibinh", "/start "+tok), "vi", "err.invite_used")
}

// Consent names every kind of data kept and everyone who reads it, and
// exact location only when the cell keeps it (issue 12).
func TestRegistration_consentNamesEveryDataAndReader(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	consent := func(user string) string {
		h.names[user] = "Hoàng Văn Em"
		h.say(user, "/start "+h.inviteToken())
		out := h.tap(user, "Đúng")
		return out[len(out)-1].Text
	}
	text := consent("em")
	for _, want := range []string{"số điện thoại", "nơi làm việc", "đảng phí", "tâm tư", "phó bí thư", "tổ trưởng tổ đảng", "chi bộ nơi cư trú", "/mydata", "/forget"} {
		if !strings.Contains(text, want) {
			t.Errorf("consent lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "vị trí chính xác") {
		t.Errorf("consent names exact location though the cell does not keep it:\n%s", text)
	}
	if err := h.db.Update(func(tx *storage.Tx) error {
		s, err := tx.CheckinSettings(h.cell.ID)
		if err != nil {
			return err
		}
		s.PreciseLocation = true
		return tx.PutCheckinSettings(h.cell.ID, s)
	}); err != nil {
		t.Fatal(err)
	}
	if text := consent("em2"); !strings.Contains(text, "vị trí chính xác") {
		t.Errorf("consent does not name exact location:\n%s", text)
	}
}
