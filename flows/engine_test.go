package flows

import (
	"chibo/flows/core"
	"chibo/flows/privacy"
	"strconv"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

func TestEngine_badInputChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	tok := h.inviteToken()
	h.names["em"] = "Hoàng Văn Em"
	h.say("em", "/start "+tok)
	h.tap("em", "Đúng") // now at the consent step, which wants a button

	cases := []struct {
		name string
		ev   chat.Event
		want string // message id
	}{
		{"text where a button is expected", chat.Event{Kind: chat.EventText, User: "em", Text: "có lẽ"}, "err.choose_option"},
		{"empty text", chat.Event{Kind: chat.EventText, User: "em", Text: "   "}, "err.empty"},
		{"10,000 characters", chat.Event{Kind: chat.EventText, User: "em", Text: strings.Repeat("a", 10000)}, "err.too_long"},
		{"unknown command", chat.Event{Kind: chat.EventText, User: "em", Text: "/xoa_het"}, "err.unknown_command"},
		{"a number past the options", chat.Event{Kind: chat.EventText, User: "em", Text: "7"}, "err.choose_option"},
		{"a button of an earlier step", chat.Event{Kind: chat.EventButton, User: "em", Data: h.inbox["em"][0].Buttons[0][0].Data}, "err.stale_button"},
		{"a forged button", chat.Event{Kind: chat.EventButton, User: "em", Data: "c:zzzzzz:yes"}, "err.stale_button"},
		{"an unknown action", chat.Event{Kind: chat.EventButton, User: "em", Data: "nope:1"}, "err.stale_button"},
		{"a photo where a button is expected", chat.Event{Kind: chat.EventOther, User: "em"}, "err.unsupported"},
		{"a sticker out of any conversation", chat.Event{Kind: chat.EventOther, User: "tranthibinh"}, "err.unsupported"},
		{"a location nobody asked for", chat.Event{Kind: chat.EventLocation, User: "tranthibinh", Location: &chat.Location{Lat: 10.8, Lon: 106.6}}, "err.not_expected"},
		{"a stranger using a secretary command", chat.Event{Kind: chat.EventText, User: "la", Text: "/members"}, "err.not_registered"},
		{"a member using a secretary command", chat.Event{Kind: chat.EventText, User: "tranthibinh", Text: "/invite"}, "err.leaders_only"},
		{"a member pressing a secretary's button", chat.Event{Kind: chat.EventButton, User: "tranthibinh", Data: "st:1"}, "err.leaders_only"},
		{"a secretary command in a group", chat.Event{Kind: chat.EventText, User: "sec", Chat: "-100", ChatKind: chat.ChatGroup, Text: "/members@chibo_test_bot"}, "err.private_only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Re-asking refreshes the asker's conversation; nothing else may change.
			before := h.snapshot("convs")
			out := h.event(c.ev)
			if c.want == "err.too_long" {
				h.wantText(out, "vi", c.want, "Max", core.DefaultCaps.MaxText)
			} else {
				h.wantText(out, "vi", c.want)
			}
			if after := h.snapshot("convs"); after != before {
				t.Fatalf("stored data changed:\n%s\nvs\n%s", before, after)
			}
		})
	}
	// The person is still at the consent step and can go on.
	h.tap("em", "Tôi đồng ý")
	h.tap("em", "Tiếng Việt")
	h.member("em")
}

func TestEngine_buttonOfAnotherPerson(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	h.say("sec", "/lang")
	data := h.last("sec").Buttons[0][1].Data
	before := h.snapshot()
	// Bình presses the secretary's button (as in a group both can see).
	out := h.event(chat.Event{Kind: chat.EventButton, User: "tranthibinh", Data: data})
	h.wantText(out, "vi", "err.stale_button")
	if h.snapshot() != before || h.member("sec").Lang != "vi" || h.member("tranthibinh").Lang != "vi" {
		t.Fatal("another person's button changed something")
	}
	h.tap("sec", "English")
	if h.member("sec").Lang != "en" {
		t.Fatal("the owner's tap did not work")
	}
}

func TestEngine_cancelAnywhere(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	h.say("sec", "/status")
	h.tap("sec", "Trần Thị Bình")
	out := h.say("sec", "/cancel")
	h.wantText(out, "vi", "cancel.done")
	h.wantText(h.say("sec", "/cancel"), "vi", "cancel.nothing")
	err := h.db.View(func(tx *storage.Tx) error {
		if n := tx.CountConvs(); n != 0 {
			t.Errorf("%d conversations left after /cancel", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// An old button of the cancelled flow is refused.
	h.wantText(h.tap("sec", "miễn công tác và sinh hoạt đảng"), "vi", "err.stale_button")
}

func TestEngine_resumesAfterRestart(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	tok := h.inviteToken()
	h.names["em"] = "Hoàng Văn Em"
	h.say("em", "/start "+tok)
	h.tap("em", "Đúng")
	h.restart()
	// The consent question's button still works after the restart.
	out := h.tap("em", "Tôi đồng ý")
	h.wantText(out, "vi", "reg.ask_lang")
	h.restart()
	h.say("em", "2") // typed, as on a transport without buttons
	if m := h.member("em"); m.Lang != "en" {
		t.Fatalf("lang %q", m.Lang)
	}
}

func TestEngine_conversationExpires(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	h.say("sec", "/lang")
	h.advance(49 * time.Hour)
	out := h.tap("sec", "English")
	h.wantText(out, "vi", "err.conv_expired")
	if h.member("sec").Lang != "vi" {
		t.Fatal("an expired conversation still applied")
	}
	h.wantText(h.say("sec", "xin chào"), "vi", "err.unknown_text")
}

// A conversation left half way is deleted a week after it expired, with
// what was typed into it; until then a tap on it says it expired.
func TestEngine_abandonedConversationDeleted(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	h.say("sec", "/lang")
	h.advance(49 * time.Hour)
	h.due()
	convs := func() (n int) {
		_ = h.db.View(func(tx *storage.Tx) error { n = tx.CountConvs(); return nil })
		return n
	}
	if convs() != 1 {
		t.Fatal("an expired conversation was deleted at once")
	}
	h.advance(privacy.AbandonedAfter)
	h.due()
	if convs() != 0 {
		t.Fatal("an abandoned conversation is kept")
	}
	h.wantText(h.tap("sec", "English"), "vi", "err.stale_button")
}

func TestEngine_groupChatterIgnored(t *testing.T) {
	h := newHarness(t)
	h.seedCell()
	if out := h.event(chat.Event{Kind: chat.EventText, User: "sec", Chat: "-100", ChatKind: chat.ChatGroup, Text: "Chào các đồng chí"}); len(out) != 0 {
		t.Fatalf("answered group chatter: %+v", out)
	}
	out := h.event(chat.Event{Kind: chat.EventText, User: "sec", Chat: "-100", ChatKind: chat.ChatGroup, Text: "/help@chibo_test_bot"})
	h.wantContains(out, "/help")
}

func TestHelp_byRole(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	sec := h.say("sec", "/help")[0].Text
	mem := h.say("tranthibinh", "/help")[0].Text
	str := h.say("nobody", "/help")[0].Text
	for _, c := range []struct {
		text, line string
		want       bool
	}{
		{sec, "/invite", true}, // grouped: the names, one group per line
		{sec, "/status", true},
		{mem, h.T("vi", "help.me"), true},
		{mem, h.T("vi", "help.invite"), false},
		{mem, h.T("vi", "help.members"), false},
		{str, h.T("vi", "help.start"), true},
		{str, h.T("vi", "help.me"), false},
	} {
		if strings.Contains(c.text, c.line) != c.want {
			t.Errorf("help %q: contains %q = %v, want %v", c.text, c.line, !c.want, c.want)
		}
	}
	if items := h.e.Menu("en", core.MenuMember); len(items) == 0 || items[0].Description == "" {
		t.Fatalf("menu: %+v", items)
	}
	if len(h.e.Menu("vi", core.MenuLeader)) <= len(h.e.Menu("vi", core.MenuGroupLeader)) || len(h.e.Menu("vi", core.MenuGroupLeader)) <= len(h.e.Menu("vi", core.MenuMember)) {
		t.Fatal("secretaries' menu is not fuller than members'")
	}
	names := func(level core.MenuLevel) string {
		var b strings.Builder
		for _, it := range h.e.Menu("vi", level) {
			b.WriteString("/" + it.Command + " ")
		}
		return b.String()
	}
	// An organization admin who leads no cell sees the admin commands and
	// /audit, and not the secretary's.
	if admin := names(core.MenuAdmin); !strings.Contains(admin, "/newcell ") || !strings.Contains(admin, "/secinvite ") || !strings.Contains(admin, "/audit ") || strings.Contains(admin, "/invite ") {
		t.Fatalf("admin menu: %s", admin)
	}
	if sec := names(core.MenuLeader); strings.Contains(sec, "/newcell ") || !strings.Contains(sec, "/invite ") {
		t.Fatalf("secretary menu: %s", sec)
	}
	if both := names(core.MenuLeader | core.MenuAdmin); !strings.Contains(both, "/newcell ") || !strings.Contains(both, "/invite ") {
		t.Fatalf("secretary and admin menu: %s", both)
	}
}

func TestStatus_farAwayWithDatesAndReason(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	h.say("sec", "/status")
	out := h.say("sec", "Do Van Hung") // search without diacritics
	h.wantContains(out, "Đỗ Văn Hùng")
	h.tap("sec", "đi làm ăn xa")
	h.wantText(h.say("sec", "31/02/2026"), "vi", "err.date_no_day", "Month", 2, "Day", 31)
	h.wantText(h.say("sec", "hôm qua"), "vi", "err.date_format", "Example", core.ExampleDate(h.now, h.zone))
	h.say("sec", "01/03/2026")
	h.wantText(h.say("sec", "01/01/2026"), "vi", "err.date_before", "From", "01/03/2026")
	h.say("sec", "31-08-2026")
	h.tap("sec", "Có, tạm miễn sinh hoạt")
	h.wantText(h.say("sec", strings.Repeat("x", 600)), "vi", "err.reason_too_long", "Max", core.MaxReasonLen)
	h.say("sec", "Đi làm công nhân ở Bình Dương, nghị quyết 05")
	before := h.member("dovanhung")
	out = h.tap("sec", "Xác nhận")
	h.wantContains(out, "Đã ghi nhận: đồng chí Đỗ Văn Hùng")
	h.wantContains(h.inbox["dovanhung"], "Đồng chí Nguyễn Văn Bí Thư đã ghi nhận")

	m := h.member("dovanhung")
	s := m.Status
	if s.Kind != storage.StatusFarAway || s.Reason != "Đi làm công nhân ở Bình Dương, nghị quyết 05" {
		t.Fatalf("status %+v", s)
	}
	if got := s.From.In(h.zone).Format("02/01/2006") + "-" + s.To.In(h.zone).Format("02/01/2006"); got != "01/03/2026-31/08/2026" {
		t.Fatalf("period %s", got)
	}
	if s.SetBy != h.member("sec").ID || !s.SetAt.Equal(h.now) {
		t.Fatalf("who/when not recorded: %+v", s)
	}
	if len(m.History) != 1 || m.History[0].Kind != before.Status.Kind {
		t.Fatalf("history %+v", m.History)
	}
	if h.member("tranthibinh").Status.Kind != storage.StatusActive {
		t.Fatal("another member changed")
	}
}

func TestStatus_secretaryOfAnotherCellSeesNothing(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	var other *storage.Cell
	err := h.db.Update(func(tx *storage.Tx) error {
		other = &storage.Cell{OrgID: h.cell.OrgID, Name: "Chi bộ Khác", Created: h.now}
		if err := tx.PutCell(other); err != nil {
			return err
		}
		m := &storage.Member{Name: "Bí Thư Khác", HomeCellID: other.ID, Lang: "vi", Contacts: map[string]string{tr: "sec2"}}
		m.AddRole(other.ID, storage.RoleSecretary)
		return tx.PutMember(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := h.say("sec2", "/members")
	if strings.Contains(out[0].Text, "Trần Thị Bình") {
		t.Fatal("a secretary saw another cell's members")
	}
	// A button for the first cell, pressed by the other secretary.
	h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "sec2", Data: "st:" + strconv.FormatUint(h.cell.ID, 10)}), "vi", "err.leaders_only")
}

func TestLeaderOfTwoCells_choosesTheCell(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	err := h.db.Update(func(tx *storage.Tx) error {
		second := &storage.Cell{OrgID: h.cell.OrgID, Name: "Chi bộ Thứ Hai", Created: h.now}
		if err := tx.PutCell(second); err != nil {
			return err
		}
		sec, err := tx.MemberByContact(tr, "sec")
		if err != nil {
			return err
		}
		sec.AddRole(second.ID, storage.RoleSecretary)
		return tx.PutMember(sec)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"/meeting", "/attendance", "/members"} {
		out := h.say("sec", cmd)
		h.wantText(out, "vi", "pick.cell")
		out = h.tap("sec", "Chi bộ Thứ Hai")
		h.wantContains(out, "Chi bộ Thứ Hai")
	}
}
