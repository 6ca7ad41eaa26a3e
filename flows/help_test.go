package flows

import (
	"strings"
	"testing"
)

// Help fits a phone (issue 12): a member reads a member's words; a
// secretary reads the commands grouped, one screen; "/help <command>"
// explains one.
func TestHelp_fitsAPhone(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn Một")
	member := h.say("tranvanmot", "/help")[0].Text
	for _, want := range []string{h.vi("help.m_meeting"), h.vi("help.m_residence"), "/checkin", "/away"} {
		if !strings.Contains(member, want) {
			t.Errorf("member's /help lacks %q:\n%s", want, member)
		}
	}
	for _, not := range []string{h.vi("mt.help"), "/status", "/export", "/audit"} {
		if strings.Contains(member, not) {
			t.Errorf("member's /help shows %q:\n%s", not, member)
		}
	}
	sec := h.say("sec", "/help")[0].Text
	if lines := strings.Count(sec, "\n") + 1; lines > 12 || len([]rune(sec)) > 700 {
		t.Errorf("secretary's /help is %d lines, %d characters: more than a phone screen:\n%s", lines, len([]rune(sec)), sec)
	}
	for _, cmd := range []string{"/meeting", "/status", "/export", "/audit", "/board", "/checkinsettings", "/residence", "/members", "/invite", "/mydata", "/cancel"} {
		if !strings.Contains(sec, cmd) {
			t.Errorf("secretary's /help lacks %s:\n%s", cmd, sec)
		}
	}
	if !strings.Contains(sec, "• Họp chi bộ: /meeting /attendance /code") {
		t.Errorf("secretary's /help is not grouped:\n%s", sec)
	}
	h.wantText(h.say("sec", "/help status"), "vi", "help.status")
	h.wantText(h.say("sec", "/help /export"), "vi", "exp.help")
	h.wantText(h.say("tranvanmot", "/help meeting"), "vi", "help.m_meeting")
	h.wantText(h.say("tranvanmot", "/help status"), "vi", "help.unknown", "Command", "status")
}
