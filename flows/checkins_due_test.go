package flows

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// ticker runs the scheduler's question every step from the clock to until,
// calling act before each tick, and records when each key was first sent.
type ticker struct {
	h    *harness
	sent map[string]time.Time
	msgs map[string]chat.Message
}

func newTicker(h *harness) *ticker {
	return &ticker{h: h, sent: map[string]time.Time{}, msgs: map[string]chat.Message{}}
}

// checkinDue runs the scheduler's question and keeps this feature's
// messages (the meetings feature sends its own).
func (h *harness) checkinDue() []chat.Message {
	h.t.Helper()
	var out []chat.Message
	for _, m := range h.due() {
		if strings.HasPrefix(m.Key, "reminder/checkin") || strings.HasPrefix(m.Key, "flag/checkin") || strings.HasPrefix(m.Key, "reminder/exemption-end/") {
			out = append(out, m)
		}
	}
	return out
}

func (tk *ticker) tick() {
	tk.h.t.Helper()
	for _, m := range tk.h.checkinDue() {
		if _, dup := tk.sent[m.Key]; dup {
			tk.h.t.Fatalf("%s sent twice", m.Key)
		}
		tk.sent[m.Key] = tk.h.now
		tk.msgs[m.Key] = m
	}
}

func (tk *ticker) run(until time.Time, step time.Duration, act func(now time.Time)) {
	tk.h.t.Helper()
	for ; tk.h.now.Before(until); tk.h.now = tk.h.now.Add(step) {
		if act != nil {
			act(tk.h.now)
		}
		tk.tick()
	}
}

func (tk *ticker) keys() []string {
	var ks []string
	for k := range tk.sent {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func wantKeys(t *testing.T, got, want []string) {
	t.Helper()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		var missing, extra []string
		for _, k := range want {
			if !slices.Contains(got, k) {
				missing = append(missing, k)
			}
		}
		for _, k := range got {
			if !slices.Contains(want, k) {
				extra = append(extra, k)
			}
		}
		t.Fatalf("reminders differ:\nmissing %q\nextra   %q", missing, extra)
	}
}

func TestCheckin_followUpsEscalationOnceAcrossRestart(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Phan Văn Tài")
	g := h.farGroup()
	h.markFar("dovanhung", g.ID, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.markFar("phanvantai", g.ID, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	hung, tai, sec, cuong := h.member("dovanhung").ID, h.member("phanvantai").ID, h.member("sec").ID, h.member("cuong").ID
	tk := newTicker(h)
	h.at(25, 3, 0, 0)
	tk.run(time.Date(2026, 4, 6, 0, 0, 0, 0, h.zone), 30*time.Minute, func(now time.Time) {
		switch now {
		case time.Date(2026, 3, 28, 8, 30, 0, 0, h.zone):
			h.restart() // mid-wave: reminder 1 went out at 08:00
			tk.tick()   // the catch-up tick right after start sends nothing again
		case time.Date(2026, 3, 29, 10, 0, 0, 0, h.zone):
			h.fullForm("phanvantai", "Báo cáo ngay", "")
		}
	})
	wantKeys(t, tk.keys(), []string{
		fmt.Sprintf("reminder/checkin/2026-03/%d/0", hung),
		fmt.Sprintf("reminder/checkin/2026-03/%d/1", hung),
		fmt.Sprintf("reminder/checkin/2026-03/%d/2", hung),
		fmt.Sprintf("reminder/checkin/2026-03/%d/0", tai),
		fmt.Sprintf("reminder/checkin/2026-03/%d/1", tai),
		fmt.Sprintf("reminder/checkin-silent/2026-03/%d", sec),
		fmt.Sprintf("reminder/checkin-silent/2026-03/%d", cuong),
	})
	for key, want := range map[string]time.Time{
		fmt.Sprintf("reminder/checkin/2026-03/%d/0", hung):     time.Date(2026, 3, 25, 8, 0, 0, 0, h.zone),
		fmt.Sprintf("reminder/checkin/2026-03/%d/1", hung):     time.Date(2026, 3, 28, 8, 0, 0, 0, h.zone),
		fmt.Sprintf("reminder/checkin/2026-03/%d/2", hung):     time.Date(2026, 4, 1, 8, 0, 0, 0, h.zone),
		fmt.Sprintf("reminder/checkin-silent/2026-03/%d", sec): time.Date(2026, 4, 4, 8, 0, 0, 0, h.zone),
	} {
		if !tk.sent[key].Equal(want) {
			t.Errorf("%s sent at %v, want %v", key, tk.sent[key], want)
		}
	}
	list := tk.msgs[fmt.Sprintf("reminder/checkin-silent/2026-03/%d", cuong)].Text
	if !strings.Contains(list, "Đỗ Văn Hùng") || strings.Contains(list, "Phan Văn Tài") {
		t.Fatalf("group leader's silent list: %q", list)
	}
	if !strings.HasPrefix(tk.msgs[fmt.Sprintf("reminder/checkin/2026-03/%d/1", hung)].Text, "Nhắc lại:") {
		t.Fatalf("follow-up text: %q", tk.msgs[fmt.Sprintf("reminder/checkin/2026-03/%d/1", hung)].Text)
	}
}

// A check-in reminder due at night goes when the cell's night ends: the
// default 21:30–06:30, or the cell's own quiet hours (set with the
// reminder settings), as every other reminder does.
func TestCheckin_quietHours(t *testing.T) {
	for _, tc := range []struct {
		from, to int // the cell's quiet hours, minutes after midnight; 0, 0: the default
		want     time.Time
	}{
		{0, 0, time.Date(2026, 3, 26, 6, 30, 0, 0, time.UTC)},
		{23 * 60, 7 * 60, time.Date(2026, 3, 25, 22, 0, 0, 0, time.UTC)}, // 22:00 is not night for this cell
		{21 * 60, 7 * 60, time.Date(2026, 3, 26, 7, 0, 0, 0, time.UTC)},  // held until the cell's morning
	} {
		h := newHarness(t)
		h.seedCell("Đỗ Văn Hùng")
		h.markFar("dovanhung", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
		if err := h.db.Update(func(tx *storage.Tx) error {
			if err := tx.PutMeetingSettings(&storage.MeetingSettings{CellID: h.cell.ID, Spec: "30 19 3 * *", QuietFrom: tc.from, QuietTo: tc.to}); err != nil {
				return err
			}
			return tx.PutCheckinSettings(h.cell.ID, storage.CheckinSettings{Hour: 22, FollowUps: []int{}})
		}); err != nil {
			t.Fatal(err)
		}
		tk := newTicker(h)
		h.at(25, 3, 21, 0)
		tk.run(time.Date(2026, 3, 26, 8, 0, 0, 0, h.zone), time.Minute, nil)
		key := fmt.Sprintf("reminder/checkin/2026-03/%d/0", h.member("dovanhung").ID)
		want := time.Date(tc.want.Year(), tc.want.Month(), tc.want.Day(), tc.want.Hour(), tc.want.Minute(), 0, 0, h.zone)
		if !tk.sent[key].Equal(want) {
			t.Errorf("quiet %02d:%02d–%02d:%02d: sent at %v, want %v", tc.from/60, tc.from%60, tc.to/60, tc.to%60, tk.sent[key], want)
		}
	}
}

func TestCheckin_exemptionEndingAndRetention(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Phan Văn Tài")
	h.markFar("dovanhung", 0, h.date(1, 3, 2026), h.date(15, 4, 2026), true)
	h.markFar("phanvantai", 0, h.date(1, 3, 2026), h.date(15, 4, 2026), false) // no exemption: nothing to renew
	hung, sec := h.member("dovanhung").ID, h.member("sec").ID
	tk := newTicker(h)
	h.at(31, 3, 0, 0)
	tk.run(time.Date(2026, 4, 17, 0, 0, 0, 0, h.zone), time.Hour, nil)
	var got []string
	for _, k := range tk.keys() {
		if strings.HasPrefix(k, "reminder/exemption-end/") {
			got = append(got, k)
		}
	}
	wantKeys(t, got, []string{
		fmt.Sprintf("reminder/exemption-end/2026-04-15/%d/%d", hung, hung),
		fmt.Sprintf("reminder/exemption-end/2026-04-15/%d/%d", hung, sec),
	})
	if at := tk.sent[got[0]]; !at.Equal(time.Date(2026, 4, 1, 8, 0, 0, 0, h.zone)) {
		t.Fatalf("sent at %v, want 01/04/2026 08:00 (14 days before)", at)
	}
	h.wantText([]chat.Message{tk.msgs[fmt.Sprintf("reminder/exemption-end/2026-04-15/%d/%d", hung, sec)]}, "vi",
		"checkins.exemption_ending_secretary", "Name", "Đỗ Văn Hùng", "To", "15/04/2026")

	// Retention: details older than 24 months go, newer stay.
	err := h.db.Update(func(tx *storage.Tx) error {
		for _, p := range []string{"2024-02", "2024-03", "2024-04"} {
			if err := tx.PutCheckin(&storage.Checkin{MemberID: hung, CellID: h.cell.ID, Period: p, Answers: map[string]string{"place": "Bình Dương"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.due() // current period 2026-03 (April's opens on 25/04): keep 2024-03 onwards
	var left []string
	_ = h.db.View(func(tx *storage.Tx) error {
		cks, _ := tx.Checkins(hung)
		for _, c := range cks {
			left = append(left, c.Period)
		}
		return nil
	})
	if !slices.Equal(left, []string{"2024-03", "2024-04"}) {
		t.Fatalf("after retention: %v", left)
	}
}

// A member recorded today as away since January owes nothing for the months
// before chibo knew: no flag, no silent months on the board.
func TestCheckin_recordedLateOwesNoPastMonths(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng")
	h.at(20, 3, 9, 0)
	h.markFar("dovanhung", 0, h.date(1, 1, 2026), h.date(31, 12, 2026), true)
	if err := h.db.Update(func(tx *storage.Tx) error { // as seeded: the far-away status is all chibo knows
		m, err := tx.MemberByContact(tr, "dovanhung")
		if err != nil {
			return err
		}
		m.History = nil
		return tx.PutMember(m)
	}); err != nil {
		t.Fatal(err)
	}
	tk := newTicker(h)
	tk.run(time.Date(2026, 4, 6, 0, 0, 0, 0, h.zone), time.Hour, nil)
	hung, sec := h.member("dovanhung").ID, h.member("sec").ID
	wantKeys(t, tk.keys(), []string{
		fmt.Sprintf("reminder/checkin/2026-03/%d/0", hung),
		fmt.Sprintf("reminder/checkin/2026-03/%d/1", hung),
		fmt.Sprintf("reminder/checkin/2026-03/%d/2", hung),
		fmt.Sprintf("reminder/checkin-silent/2026-03/%d", sec),
	})
	if text := tk.msgs[fmt.Sprintf("reminder/checkin-silent/2026-03/%d", sec)].Text; !strings.Contains(text, "Đỗ Văn Hùng – chưa báo cáo tháng này") {
		t.Fatalf("silent list: %q", text)
	}
}
