package flows

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chibo/storage"
)

// TestMeetings_YearOf30 runs a year of monthly meetings for a 30-member cell
// with an exempt member, a member working far away for six months, a member
// transferred out mid-year, excuses accepted and rejected, unexcused absences
// and unpaid dues, and checks what the secretary would read.
func TestMeetings_YearOf30(t *testing.T) {
	h := newHarness(t)
	h.now = time.Date(2026, 1, 1, 8, 0, 0, 0, h.zone)
	var names []string
	for i := 1; i <= 29; i++ {
		names = append(names, fmt.Sprintf("Đảng Viên Số %02d", i))
	}
	h.seedCell(names...)
	u := func(i int) string { return fmt.Sprintf("dangvienso%02d", i) }
	name := func(i int) string { return fmt.Sprintf("Đảng Viên Số %02d", i) }
	id := func(i int) uint64 { return h.member(u(i)).ID }
	h.setStatus(u(29), storage.Status{Kind: storage.StatusExempt, Reason: "Tuổi cao, sức yếu"})

	seen := map[string]int{}
	keyOwner := map[string]string{}
	tick := func() {
		for _, m := range h.due() {
			if m.Key != "" {
				seen[m.Key]++
				keyOwner[m.Key] = m.Chat
			}
		}
	}
	tickUntil := func(end time.Time) {
		for h.now.Before(end) {
			tick()
			h.now = h.now.Add(6 * time.Hour)
		}
		h.now = end
		tick()
	}
	summaries := map[int]string{}
	meetingOf := map[int]uint64{}
	for mo := 1; mo <= 12; mo++ {
		at := time.Date(2026, time.Month(mo), 3, 19, 30, 0, 0, h.zone)
		if mo == 1 {
			tick()
		} else {
			tickUntil(at.AddDate(0, 0, -5))
		}
		if mo == 1 {
			h.now = time.Date(2026, 1, 1, 9, 0, 0, 0, h.zone)
		}
		var mid uint64
		for _, mt := range h.meetings() {
			if mt.Month == fmt.Sprintf("2026-%02d", mo) {
				mid = mt.ID
			}
		}
		if mid == 0 {
			t.Fatalf("no meeting for month %d", mo)
		}
		meetingOf[mo] = mid
		h.press("sec", fmt.Sprintf("mt:%d:n", mid))
		if mo <= 5 { // excused five times in a row
			h.press(u(2), fmt.Sprintf("rsvp:%d:n", mid))
			h.tap(u(2), h.vi("mt.reason_sick"))
			h.tap("sec", h.vi("mt.btn_accept"))
		}
		if mo == 4 { // an excuse the cell does not accept
			h.press(u(4), fmt.Sprintf("rsvp:%d:n", mid))
			h.tap(u(4), h.vi("mt.reason_other"))
			h.say(u(4), "Bận việc riêng")
			h.tap("sec", h.vi("mt.btn_reject"))
		}
		tickUntil(at.Add(-10 * time.Minute))
		out := h.press("sec", fmt.Sprintf("mt:%d:ck", mid))
		var code string
		for _, m := range out {
			if s := checkinLink.FindStringSubmatch(m.Text); s != nil {
				code = s[1]
			}
		}
		absent := map[int]bool{}
		if mo <= 5 {
			absent[2] = true
		}
		if mo == 3 || mo == 5 || mo == 9 {
			absent[3] = true
		}
		if mo == 4 {
			absent[4] = true
		}
		for i := 1; i <= 10; i++ {
			if !absent[i] {
				h.wantText(h.say(u(i), "/code "+code), "vi", "mt.code_done", "Kind", "sinh hoạt chi bộ thường kỳ", "When", fmt.Sprintf("19:30 ngày 03/%02d/2026", mo))
			}
		}
		if absent[3] {
			h.press("sec", fmt.Sprintf("rl:%d:%d:u", mid, id(3)))
		}
		if absent[4] {
			h.press("sec", fmt.Sprintf("rl:%d:%d:u", mid, id(4)))
		}
		h.press("sec", fmt.Sprintf("rla:%d:p", mid))
		h.press("sec", fmt.Sprintf("rla:%d:d", mid))
		// Dues of members not present, collected by the secretary.
		for _, i := range []int{2, 28, 29} {
			h.press("sec", fmt.Sprintf("rl:%d:%d:d", mid, id(i)))
		}
		if mo == 2 || mo == 6 {
			h.press("sec", fmt.Sprintf("rl:%d:%d:D", mid, id(5)))
		}
		h.now = at.Add(100 * time.Minute)
		h.press("sec", fmt.Sprintf("mt:%d:cl", mid))
		out = h.tap("sec", h.vi("close.btn_ok"))
		summaries[mo] = texts(to(out, "sec"))

		// Quality: three sections scored by buttons (typed numbers here);
		// June and November only Khá.
		h.press("sec", fmt.Sprintf("mt:%d:sc", mid))
		pick := 0
		if mo == 6 || mo == 11 {
			pick = 3 // 70 %
		}
		for s := 0; s < 3; s++ {
			q := h.last("sec")
			out = h.tap("sec", q.Choices()[pick].Label)
		}
		if mo == 6 {
			h.wantContains(out, h.vi("mt.score_done", "When", "19:30 ngày 03/06/2026", "Total", 80, "Grade", h.vi("mt.grade_fair")))
		}
		if mo == 3 {
			h.wantContains(out, h.vi("mt.score_done", "When", "19:30 ngày 03/03/2026", "Total", 95, "Grade", h.vi("mt.grade_good")))
		}

		// Status changes during the year, recorded when they happen.
		switch mo {
		case 1:
			h.now = time.Date(2026, 1, 20, 9, 0, 0, 0, h.zone)
			h.setStatus(u(28), storage.Status{Kind: storage.StatusFarAway, Exempt: true,
				From: time.Date(2026, 2, 1, 0, 0, 0, 0, h.zone), To: time.Date(2026, 7, 31, 0, 0, 0, 0, h.zone), Reason: "Làm công nhân ở Bình Dương"})
		case 6:
			h.now = time.Date(2026, 6, 15, 9, 0, 0, 0, h.zone)
			h.setStatus(u(27), storage.Status{Kind: storage.StatusLeft, Reason: "Chuyển sinh hoạt chính thức"})
			h.restart() // and the process restarts mid-year
		}
	}

	want := map[int][]string{
		1: {h.vi("mt.sum_counts", "Total", 30, "Exempt", 1, "Expected", 29), h.vi("mt.sum_attend", "Present", 28, "Excused", 1, "Unexcused", 0),
			h.vi("mt.sum_rate", "Rate", "96,6", "Verdict", h.vi("mt.meets")), h.vi("mt.sum_standard", "Verdict", h.vi("mt.meets"))},
		2: {h.vi("mt.sum_counts", "Total", 30, "Exempt", 2, "Expected", 28), h.vi("mt.sum_attend", "Present", 27, "Excused", 1, "Unexcused", 0),
			h.e.Cat.N("vi", "mt.flag_unpaid", 1, "Name", name(5), "Months", "2")},
		3: {h.vi("mt.sum_attend", "Present", 26, "Excused", 1, "Unexcused", 1), h.vi("mt.sum_unexcused", "Names", name(3)),
			h.vi("mt.sum_standard", "Verdict", h.vi("mt.fails"))},
		4: {h.vi("mt.sum_attend", "Present", 26, "Excused", 1, "Unexcused", 1), h.vi("mt.sum_unexcused", "Names", name(4)),
			h.vi("mt.flag_streak", "Name", name(2), "Count", 4)},
		5: {h.vi("mt.flag_streak", "Name", name(2), "Count", 5),
			h.e.Cat.N("vi", "mt.flag_unexcused", 2, "Name", name(3), "Months", "3, 5") + " " + h.vi("mt.flag_watch")},
		6: {h.vi("mt.sum_counts", "Total", 30, "Exempt", 2, "Expected", 28), h.vi("mt.sum_attend", "Present", 28, "Excused", 0, "Unexcused", 0),
			h.e.Cat.N("vi", "mt.flag_unpaid", 2, "Name", name(5), "Months", "2, 6") + " " + h.vi("mt.flag_watch"),
			// Five in a row earlier this year still fails the criterion.
			h.vi("mt.sum_standard", "Verdict", h.vi("mt.fails"))},
		7: {h.vi("mt.sum_counts", "Total", 29, "Exempt", 2, "Expected", 27), h.vi("mt.sum_attend", "Present", 27, "Excused", 0, "Unexcused", 0),
			h.vi("mt.sum_rate", "Rate", "100,0", "Verdict", h.vi("mt.meets"))},
		8: {h.vi("mt.sum_counts", "Total", 29, "Exempt", 1, "Expected", 28), h.vi("mt.sum_attend", "Present", 28, "Excused", 0, "Unexcused", 0)},
		9: {h.e.Cat.N("vi", "mt.flag_unexcused", 3, "Name", name(3), "Months", "3, 5, 9") + " " + h.vi("mt.flag_consider"),
			h.vi("mt.sum_duration", "Minutes", 100, "Need", 90, "Verdict", h.vi("mt.meets"), "Start", "19:30", "End", "21:10")},
	}
	for mo, lines := range want {
		for _, l := range lines {
			if !strings.Contains(summaries[mo], l) {
				t.Errorf("month %d summary lacks %q:\n%s", mo, l, summaries[mo])
			}
		}
	}
	if strings.Contains(summaries[4], h.vi("mt.flag_watch")) || strings.Contains(summaries[1], h.vi("mt.sum_flags_header", "Year", 2026)) {
		t.Errorf("flags too early:\n%s\n%s", summaries[1], summaries[4])
	}

	// Reminders: each exactly once; none to the exempt member, none to the
	// far-away member for meetings while away, none to the transferred member after.
	for k, n := range seen {
		if n != 1 {
			t.Errorf("reminder %s sent %d times", k, n)
		}
	}
	for k, chat := range keyOwner {
		var mid, rid uint64
		var kind string
		if _, err := fmt.Sscanf(strings.ReplaceAll(k, "/", " "), "reminder %s %d %d", &kind, &mid, &rid); err != nil {
			continue
		}
		mo := slices.IndexFunc([]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, func(m int) bool { return meetingOf[m] == mid }) + 1
		switch {
		case chat == u(29):
			t.Errorf("exempt member reminded: %s", k)
		case chat == u(28) && mo >= 2 && mo <= 7:
			t.Errorf("far-away member reminded for month %d: %s", mo, k)
		case chat == u(27) && mo >= 7:
			t.Errorf("transferred member reminded for month %d: %s", mo, k)
		}
	}
	if n := len(seen); n < 12*(3+2*26) {
		t.Errorf("only %d reminders in the year", n)
	}

	// /attendance: the member sees their year, never the removal rule.
	out := h.say(u(3), "/attendance")
	if got := strings.Count(texts(out), h.vi("mt.rs_unexcused")); got != 3 {
		t.Errorf("member's year shows %d unexcused, want 3:\n%s", got, texts(out))
	}
	if strings.Contains(texts(out), "Điều 8") || strings.Contains(texts(out), name(2)) {
		t.Errorf("member's year shows too much:\n%s", texts(out))
	}
	h.wantContains(out, h.vi("mt.att_me_total", "Present", 9, "Expected", 12))
	// The secretary sees the cell month by month and the flags.
	out = h.say("sec", "/attendance")
	h.wantContains(out, h.vi("mt.att_cell_member", "Name", name(3), "Months", "C C K C K C C C K C C C"))
	h.wantContains(out, h.vi("mt.att_cell_member", "Name", name(28), "Months", "C M M M M M M C C C C C"))
	h.wantContains(out, h.vi("mt.att_cell_member", "Name", name(27), "Months", "C C C C C C · · · · · ·"))
	h.wantContains(out, h.vi("mt.att_cell_member", "Name", name(2), "Months", "P P P P P C C C C C C C"))
	h.wantContains(out, h.vi("mt.flag_consider"))
	// The year's quality: ten Tốt, two Khá.
	out = h.press("sec", fmt.Sprintf("ml:%d:y", h.cell.ID))
	h.wantContains(out, h.vi("mt.tally_good", "Good", 10, "Count", 12))
}
