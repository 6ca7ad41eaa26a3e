package flows

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The conversations fixture is a database written by the release before
// conversation state became typed (commit da81b92, map-shaped Conv.Data):
// three conversations stopped mid-way, which the current code must resume
// and finish with the same replies the old code gave.
const (
	convFixture       = "testdata/convs_map_v0.db"
	convFixtureGolden = "testdata/convs_map_v0.golden"
)

// writeConvFixture leaves three conversations mid-way: "em" registering at
// the consent question, "dovanhung" at the fourth question of a check-in,
// "tranthilan" correcting her check-in (the "fix" and "prev." keys).
func writeConvFixture(h *harness) {
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Lan")
	h.markFar("dovanhung", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.markFar("tranthilan", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.at(25, 3, 8, 0)
	h.checkinDue()
	h.fullForm("tranthilan", "Báo cáo ngay", "")
	h.say("tranthilan", "/checkin")
	h.tap("tranthilan", "Sửa báo cáo")
	for i := 0; i < 3; i++ {
		h.say("tranthilan", "1")
	}
	h.tap("dovanhung", "Báo cáo ngay")
	h.say("dovanhung", "Thuận An, Bình Dương")
	h.tap("dovanhung", "Có")
	h.say("dovanhung", "Công ty TNHH Giày Mẫu")
	tok := h.inviteToken()
	h.names["em"] = "Hoàng Văn Em"
	h.say("em", "/start "+tok)
	h.tap("em", "Đúng")
}

// finishConvFixture answers the rest of the three conversations by typing
// (the buttons shown before the restart are known only to the database) and
// returns every reply's text.
func finishConvFixture(h *harness) string {
	var b strings.Builder
	say := func(user, text string) {
		for _, m := range h.say(user, text) {
			b.WriteString(m.Chat + ": " + m.Text + "\n")
			for _, row := range m.Buttons {
				for _, btn := range row {
					b.WriteString("  [" + btn.Label + "]\n")
				}
			}
		}
	}
	h.advance(2 * 60 * 60 * 1e9) // two hours later
	say("em", "Tôi đồng ý")
	say("em", "English")
	for _, s := range []string{"Công nhân may", "0912 345 678", "Không", "06/2027", "Đã nộp cho tổ trưởng tổ đảng", "Không có", "Gửi báo cáo"} {
		say("dovanhung", s)
	}
	for i := 0; i < 5; i++ {
		say("tranthilan", "1")
	}
	say("tranthilan", "Con nhỏ ốm, xin chi bộ thông cảm")
	say("tranthilan", "Gửi báo cáo")
	say("em", "/me")
	return b.String()
}

// TestWriteConvFixture writes the fixture; run it only on the release
// whose storage the fixture stands for:
// CHIBO_WRITE_CONV_FIXTURE=1 go test ./flows -run TestWriteConvFixture
func TestWriteConvFixture(t *testing.T) {
	if os.Getenv("CHIBO_WRITE_CONV_FIXTURE") == "" {
		t.Skip("writes testdata; set CHIBO_WRITE_CONV_FIXTURE=1 on the old release")
	}
	h := newHarness(t)
	writeConvFixture(h)
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	copyFile(t, h.path, convFixture)
	h.open()
	if err := os.WriteFile(convFixtureGolden, []byte(finishConvFixture(h)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
