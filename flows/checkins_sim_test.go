package flows

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// TestCheckin_sixMonths runs March to August 2026 for 12 members working far
// away, ticking every hour, and checks every reminder, follow-up, silent
// list, flag and exemption reminder sent, then the board, the history and
// the export a secretary and a group leader see.
func TestCheckin_sixMonths(t *testing.T) {
	h := newHarness(t)
	names := []string{
		"Nguyễn Văn Một",   // one tap every month
		"Nguyễn Văn Hai",   // one tap
		"Nguyễn Văn Ba",    // one tap
		"Trần Văn Tư",      // fills the form, corrects it two days later
		"Lê Văn Năm",       // always late
		"Phạm Văn Sáu",     // never answers
		"Hoàng Văn Bảy",    // silent in March and April, then reports
		"Vũ Văn Tám",       // comes home on 10/06
		"Đặng Văn Chín",    // exemption until 15/05, renewed on 03/05
		"Bùi Văn Mười",     // answers after the first follow-up
		"Đỗ Văn Mười Một",  // no group: followed by the secretary
		"Ngô Văn Mười Hai", // far away without exemption, until 30/06
	}
	h.seedCell(names...)
	g := h.farGroup()
	if err := h.db.Update(func(tx *storage.Tx) error {
		_, err := h.addMember(tx, "pho", "Trần Thị Phó", storage.RoleDeputy)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	u := make([]string, len(names))
	id := map[string]uint64{}
	for i, n := range names {
		u[i] = userOf(n)
		group, to, exempt := g.ID, h.date(31, 12, 2026), true
		switch i {
		case 8:
			to = h.date(15, 5, 2026)
		case 10:
			group = 0
		case 11:
			to, exempt = h.date(30, 6, 2026), false
		}
		h.markFar(u[i], group, h.date(1, 3, 2026), to, exempt)
		id[u[i]] = h.member(u[i]).ID
	}
	sec, cuong := h.member("sec").ID, h.member("cuong").ID
	oneTap := func(user string, month int) {
		if month == 3 {
			h.fullForm(user, "Báo cáo ngay", "")
			return
		}
		h.tap(user, "Như tháng trước") // and this month's dues, one more tap
		h.wantText(h.tap(user, "Đã nộp cho tổ trưởng tổ đảng"), "vi", "checkins.saved", "Month", fmt.Sprintf("%02d/2026", month), "Date", lastDay(h, month))
	}
	at := func(d, m, hh int) time.Time { return time.Date(2026, time.Month(m), d, hh, 0, 0, 0, h.zone) }

	afterLateJuly := func() {
		// After Năm's late July report: the board and the history.
		out := h.say("sec", "/board")
		h.wantContains(out, "Báo cáo trễ hạn (1):\n• Lê Văn Năm – 05/08/2026")
		hist := h.tap("sec", "Lịch sử: Hoàng Văn Bảy")
		for _, line := range []string{"• Tháng 07/2026: đã báo cáo ngày 25/07/2026 (như tháng trước)", "• Tháng 05/2026: đã báo cáo ngày 25/05/2026", "• Tháng 04/2026: không báo cáo", "• Tháng 03/2026: không báo cáo", "Xin lỗi chi bộ, tàu đi biển"} {
			h.wantContains(hist, line)
		}
		if strings.Contains(hist[0].Text, "02/2026") {
			t.Errorf("history shows a month before he went away: %q", hist[0].Text)
		}
		h.say("sec", "/board")
		exp := h.tap("sec", "Xuất báo cáo tháng")
		text := ""
		for _, m := range exp {
			text += m.Text + "\n"
		}
		for _, want := range []string{"BÁO CÁO ĐẢNG VIÊN ĐI LÀM ĂN XA – THÁNG 07/2026", "Lê Văn Năm – báo cáo ngày 05/08/2026 (trễ hạn)", "Phạm Văn Sáu – chưa báo cáo", "• Tâm tư, nguyện vọng: Tháng 7: lương về chậm", "• Điện thoại: 0912345678"} {
			if !strings.Contains(text, want) {
				t.Errorf("export lacks %q:\n%s", want, text)
			}
		}
		for _, absent := range []string{"Vũ Văn Tám", "Ngô Văn Mười Hai"} {
			if strings.Contains(text, absent) {
				t.Errorf("export lists %s, who no longer works far away", absent)
			}
		}

		// Privacy: only the member, their group leader and the secretary see a check-in.
		before := h.snapshot()
		for _, c := range []struct{ user, data string }{
			{u[0], fmt.Sprintf("bh:%d", id[u[5]])},     // another member's history
			{"cuong", fmt.Sprintf("bh:%d", id[u[10]])}, // not in his group
			{"pho", fmt.Sprintf("bx:%d:2026-07", h.cell.ID)},
			{u[0], fmt.Sprintf("bx:%d:2026-07", h.cell.ID)},
		} {
			h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: c.user, Data: c.data}), "vi", "board.not_allowed")
		}
		h.wantText(h.say(u[0], "/board"), "vi", "err.group_leaders_only") // /board is for group leaders up
		h.say(u[0], "/checkin")
		h.wantContains(h.tap(u[0], "Xem lịch sử báo cáo"), "Lịch sử báo cáo của đồng chí Nguyễn Văn Một")
		if h.snapshot() != before {
			t.Fatal("refused requests changed stored data")
		}
	}

	tk := newTicker(h)
	h.at(25, 3, 0, 0)
	tk.run(at(1, 9, 0), 2*time.Hour, func(now time.Time) {
		local := now.In(h.zone)
		d, m, hh := local.Day(), int(local.Month()), local.Hour()
		switch {
		case d == 25 && hh == 10:
			for _, i := range []int{0, 1, 2, 10, 8} {
				oneTap(u[i], m)
			}
			h.fullForm(u[3], map[bool]string{true: "Báo cáo ngay", false: "Có thay đổi, cập nhật"}[m == 3], "")
			if m <= 5 {
				oneTap(u[7], m)
			}
			if m <= 6 {
				oneTap(u[11], m)
			}
			if m == 5 {
				h.fullForm(u[6], "Báo cáo ngay", "Xin lỗi chi bộ, tàu đi biển dài ngày không có sóng")
			} else if m > 5 {
				oneTap(u[6], m)
			}
		case d == 27 && hh == 10: // Tư corrects his thoughts
			h.say(u[3], "/checkin")
			h.tap(u[3], "Sửa báo cáo")
			for i := 0; i < 8; i++ {
				h.say(u[3], "1")
			}
			h.say(u[3], fmt.Sprintf("Tháng %d: lương về chậm", m))
			h.wantContains(h.tap(u[3], "Gửi báo cáo"), "Đã sửa báo cáo")
		case d == 28 && hh == 12:
			oneTap(u[9], m)
		case d == 5 && hh == 10 && m >= 4: // Năm reports last month, late
			h.say(u[4], "/checkin")
			if m == 4 {
				h.fullForm(u[4], "Báo cáo ngay", "")
			} else {
				h.tap(u[4], "Như tháng trước")
				h.tap(u[4], "Đã nộp cho tổ trưởng tổ đảng")
			}
			if ck := h.checkin(u[4], fmt.Sprintf("2026-%02d", m-1)); ck == nil || !ck.Late {
				t.Fatalf("Năm's late check-in for %d: %+v", m-1, ck)
			}
		case d == 3 && m == 5 && hh == 10: // the cell renews Chín's exemption
			h.say("sec", "/faraway")
			h.tap("sec", "Đặng Văn Chín")
			h.tap("sec", "Giữ nguyên: Bình Dương")
			h.tap("sec", "Giữ nguyên: 01/03/2026")
			h.say("sec", "15/11/2026")
			h.tap("sec", "Tổ đảng viên đi làm ăn xa (tổ trưởng tổ đảng: Lê Văn Cường)")
			h.tap("sec", "Có, tạm miễn sinh hoạt")
			h.say("sec", "Nghị quyết gia hạn số 07-NQ/CB")
			h.tap("sec", "Xác nhận")
		case d == 10 && m == 6 && hh == 10: // Tám is back home
			h.say("sec", "/status")
			h.tap("sec", "Vũ Văn Tám")
			h.tap("sec", "đang sinh hoạt")
			h.tap("sec", "Hôm nay")
			h.say("sec", "Đã về địa phương")
			h.tap("sec", "Xác nhận")
		case d == 28 && m == 4 && hh == 10: // restart in the middle of a wave
			h.restart()
		case d == 30 && m == 7 && hh == 10:
			checkBoardJuly(t, h, u)
		case d == 6 && m == 8 && hh == 10:
			afterLateJuly()
		}
	})

	var want []string
	remind := func(user string, months []int, ns ...int) {
		for _, m := range months {
			for _, n := range ns {
				want = append(want, fmt.Sprintf("reminder/checkin/2026-%02d/%d/%d", m, id[user], n))
			}
		}
	}
	all := []int{3, 4, 5, 6, 7, 8}
	for _, i := range []int{0, 1, 2, 3, 8, 10} {
		remind(u[i], all, 0)
	}
	remind(u[4], all[:5], 0, 1, 2)
	remind(u[5], all[:5], 0, 1, 2)
	remind(u[4], []int{8}, 0, 1) // August's last follow-up is on 01/09, after the run
	remind(u[5], []int{8}, 0, 1)
	remind(u[6], []int{3, 4}, 0, 1, 2)
	remind(u[6], []int{5, 6, 7, 8}, 0)
	remind(u[7], []int{3, 4, 5}, 0)
	remind(u[9], all, 0, 1)
	remind(u[11], []int{3, 4, 5, 6}, 0)
	for _, m := range []int{3, 4, 5, 6, 7} {
		want = append(want, fmt.Sprintf("reminder/checkin-silent/2026-%02d/%d", m, sec), fmt.Sprintf("reminder/checkin-silent/2026-%02d/%d", m, cuong))
	}
	want = append(want,
		fmt.Sprintf("flag/checkin-silent/2026-03/%d/%d", id[u[5]], sec),
		fmt.Sprintf("flag/checkin-silent/2026-03/%d/%d", id[u[6]], sec),
		fmt.Sprintf("reminder/exemption-end/2026-05-15/%d/%d", id[u[8]], id[u[8]]),
		fmt.Sprintf("reminder/exemption-end/2026-05-15/%d/%d", id[u[8]], sec),
	)
	wantKeys(t, tk.keys(), want)

	// Who was on each silent list.
	lists := map[int]string{3: "Lê Văn Năm Phạm Văn Sáu Hoàng Văn Bảy", 4: "Lê Văn Năm Phạm Văn Sáu Hoàng Văn Bảy", 5: "Lê Văn Năm Phạm Văn Sáu", 7: "Lê Văn Năm Phạm Văn Sáu"}
	for m, names := range lists {
		text := tk.msgs[fmt.Sprintf("reminder/checkin-silent/2026-%02d/%d", m, cuong)].Text
		for _, n := range names2(names) {
			if !strings.Contains(text, n) {
				t.Errorf("silent list %d lacks %s: %q", m, n, text)
			}
		}
		if strings.Count(text, "\n• ") != len(names2(names)) {
			t.Errorf("silent list %d has other people: %q", m, text)
		}
	}
	if text := tk.msgs[fmt.Sprintf("reminder/checkin-silent/2026-07/%d", sec)].Text; !strings.Contains(text, "Phạm Văn Sáu – 5 tháng liền chưa báo cáo (từ tháng 03/2026)") {
		t.Errorf("July's list should say how long Sáu is silent: %q", text)
	}
	if at := tk.sent[fmt.Sprintf("flag/checkin-silent/2026-03/%d/%d", id[u[5]], sec)]; !at.Equal(time.Date(2026, 5, 5, 8, 0, 0, 0, h.zone)) {
		t.Errorf("Sáu flagged at %v, want with April's silent list on 05/05/2026 08:00", at)
	}

}

func names2(s string) []string {
	var out []string
	for _, n := range []string{"Lê Văn Năm", "Phạm Văn Sáu", "Hoàng Văn Bảy"} {
		if strings.Contains(s, n) {
			out = append(out, n)
		}
	}
	return out
}

// lastDay is the last on-time day of a month's check-in (25 + 10 − 1).
func lastDay(h *harness, month int) string {
	return time.Date(2026, time.Month(month), 34, 0, 0, 0, 0, h.zone).Format("02/01/2006")
}

// checkBoardJuly checks the board on 30/07, before July's deadline.
func checkBoardJuly(t *testing.T, h *harness, u []string) {
	t.Helper()
	out := h.say("sec", "/board")
	text := out[0].Text
	for _, want := range []string{
		"Tháng 07/2026, hạn báo cáo hết ngày 03/08/2026",
		"Đã báo cáo đúng hạn (8):",
		"• Nguyễn Văn Một – 25/07/2026 (như tháng trước)",
		"• Trần Văn Tư – 25/07/2026\n",
		"• Bùi Văn Mười – 28/07/2026 (như tháng trước)",
		"Chưa báo cáo (2):",
		"• Lê Văn Năm – chưa báo cáo (còn trong hạn)",
		"• Phạm Văn Sáu – 5 tháng liền chưa báo cáo (từ tháng 03/2026)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("secretary's board lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Vũ Văn Tám") || strings.Contains(text, "Ngô Văn Mười Hai") || strings.Contains(text, "trễ hạn (") {
		t.Errorf("secretary's board:\n%s", text)
	}
	if len(out[0].Choices()) != 22 { // export + 10 histories and 10 dues + settings
		t.Errorf("secretary's board buttons: %+v", out[0].Buttons)
	}
	lt := h.say("cuong", "/board")[0]
	if strings.Contains(lt.Text, "Đỗ Văn Mười Một") || !strings.Contains(lt.Text, "Đã báo cáo đúng hạn (7):") {
		t.Errorf("group leader's board shows only his group:\n%s", lt.Text)
	}
	dp := h.say("pho", "/board")[0]
	if !strings.Contains(dp.Text, "Đã báo cáo đúng hạn (8):") || len(dp.Buttons) != 1 || dp.Buttons[0][0].Label != "Cài đặt báo cáo" {
		t.Errorf("deputy sees who reported but no details (only the settings): %q %+v", dp.Text, dp.Buttons)
	}
	_ = u
}
