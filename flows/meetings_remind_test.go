package flows

import (
	"chibo/flows/meetings"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// meetingReminders keeps the meeting reminders among msgs (other features
// have reminders too), as "key@dd/mm hh:mm".
func (h *harness) meetingReminders(msgs []chat.Message) []string {
	var out []string
	for _, m := range msgs {
		if strings.HasPrefix(m.Key, "reminder/sec-") || strings.HasPrefix(m.Key, "reminder/member-") || strings.HasPrefix(m.Key, "reminder/thematic/") {
			out = append(out, m.Key+"@"+h.now.In(h.zone).Format("02/01 15:04"))
		}
	}
	return out
}

// runClock ticks the scheduler every step from now until end and returns the
// meeting reminders sent, with when.
func (h *harness) runClock(end time.Time, step time.Duration) []string {
	var sent []string
	for ; !h.now.After(end); h.now = h.now.Add(step) {
		sent = append(sent, h.meetingReminders(h.due())...)
	}
	return sent
}

// newReminderCell makes a cell on 20/02/2026 with the secretary, three
// members (one exempt, one who will say they cannot come), and the March
// meeting.
func newReminderCell(t *testing.T) (*harness, *storage.Meeting) {
	h := newHarness(t)
	h.now = time.Date(2026, 2, 20, 10, 0, 0, 0, h.zone)
	h.seedCell("Trần Văn Một", "Lê Thị Hai", "Võ Thị Bốn")
	h.setStatus("vothibon", storage.Status{Kind: storage.StatusExempt})
	h.due()
	ms := h.meetings()
	if len(ms) != 1 || !ms[0].At.Equal(time.Date(2026, 3, 3, 19, 30, 0, 0, h.zone)) {
		t.Fatalf("want the March meeting only, got %d", len(ms))
	}
	h.wantText(h.press("sec", fmt.Sprintf("mt:%d:n", ms[0].ID)), "vi", "mt.notice_sent", "Count", 3, "Unreachable", 0)
	return h, &h.meetings()[0]
}

func TestMeetingReminders_EachOnceAtItsTime(t *testing.T) {
	h, mt := newReminderCell(t)
	sec, one, hai := h.member("sec").ID, h.member("tranvanmot").ID, h.member("lethihai").ID
	h.press("lethihai", fmt.Sprintf("rsvp:%d:n", mt.ID))
	h.say("lethihai", "2")
	got := h.runClock(time.Date(2026, 3, 4, 12, 0, 0, 0, h.zone), 10*time.Minute)
	want := []string{
		meetings.ReminderKey("sec-early", mt.ID, sec) + "@24/02 19:30",
		meetings.ReminderKey("sec-late", mt.ID, sec) + "@01/03 19:30",
		meetings.ReminderKey("member-early", mt.ID, sec) + "@02/03 19:30",
		meetings.ReminderKey("member-early", mt.ID, one) + "@02/03 19:30",
		meetings.ReminderKey("sec-day", mt.ID, sec) + "@03/03 07:00",
		meetings.ReminderKey("member-late", mt.ID, sec) + "@03/03 17:30",
		meetings.ReminderKey("member-late", mt.ID, one) + "@03/03 17:30",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("reminders:\n got %q\nwant %q", got, want)
	}
	_ = hai // said they cannot come: no member reminders
	// The member reminder carries the notice and the RSVP buttons.
	h.wantContains(h.inbox["tranvanmot"], "Nhắc lịch họp chi bộ")
	if len(h.last("tranvanmot").Buttons) == 0 {
		t.Fatal("a member who has not answered gets no RSVP buttons")
	}
	for _, m := range h.inbox["vothibon"] {
		t.Fatalf("an exempt member got %q", m.Text)
	}
}

func TestMeetingReminders_QuietHours(t *testing.T) {
	h := newHarness(t)
	h.now = time.Date(2026, 2, 20, 10, 0, 0, 0, h.zone)
	h.seedCell("Trần Văn Một")
	// A 07:00 meeting: the 2-hour reminder falls at 05:00, in quiet hours.
	err := h.db.Update(func(tx *storage.Tx) error {
		return tx.PutMeetingSettings(&storage.MeetingSettings{CellID: h.cell.ID, Spec: "0 7 3 * *"})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.due()
	mt := h.meetings()[0]
	h.press("sec", fmt.Sprintf("mt:%d:n", mt.ID))
	one := h.member("tranvanmot").ID
	h.now = time.Date(2026, 3, 2, 12, 0, 0, 0, h.zone)
	got := h.runClock(time.Date(2026, 3, 3, 8, 0, 0, 0, h.zone), 10*time.Minute)
	if !slices.Contains(got, meetings.ReminderKey("member-late", mt.ID, one)+"@03/03 06:30") {
		t.Fatalf("the 05:00 reminder should wait for the end of quiet hours (06:30): %q", got)
	}
	for _, k := range got {
		at, _ := time.ParseInLocation("02/01 15:04", k[strings.Index(k, "@")+1:], h.zone)
		if m := at.Hour()*60 + at.Minute(); m >= 21*60+30 || m < 6*60+30 {
			t.Fatalf("sent in quiet hours: %s", k)
		}
	}
}

func TestMeetingReminders_RestartMidWave(t *testing.T) {
	h, mt := newReminderCell(t)
	h.now = time.Date(2026, 3, 2, 19, 29, 0, 0, h.zone)
	h.due() // the secretary's T−2 reminder, before the members' wave
	h.now = time.Date(2026, 3, 2, 19, 30, 0, 0, h.zone)
	// The wave is enqueued, then the process dies after only part of it
	// reached the outbox (as a crash between two ticks' batches would leave it).
	var wave []chat.Message
	err := h.db.Update(func(tx *storage.Tx) error {
		out, err := h.e.Due(tx, h.now)
		if err != nil {
			return err
		}
		for _, m := range out {
			if strings.HasPrefix(m.Key, "reminder/member-early/") {
				wave = append(wave, m)
			}
		}
		return h.enqueue(tx, wave[:1])
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(wave) != 3 { // sec, Một, Hai (Bốn is exempt)
		t.Fatalf("wave of %d", len(wave))
	}
	h.restart()
	h.advance(time.Minute)
	got := h.meetingReminders(h.due())
	var want []string
	for _, m := range wave[1:] {
		want = append(want, m.Key+"@02/03 19:31")
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after restart:\n got %q\nwant %q (the rest, and nothing repeated)", got, want)
	}
	h.advance(time.Minute)
	if got := h.meetingReminders(h.due()); len(got) != 0 {
		t.Fatalf("repeated: %q", got)
	}
	_ = mt
}

func TestMeetingReminders_CatchUpOnlyBeforeTheMeeting(t *testing.T) {
	t.Run("down across two secretary reminders", func(t *testing.T) {
		h, mt := newReminderCell(t)
		sec := h.member("sec").ID
		// Down from 20/02 until 02/03 12:00: T−7 and T−2 were missed; the
		// later one is still useful and goes once, the earlier one never.
		h.now = time.Date(2026, 3, 2, 12, 0, 0, 0, h.zone)
		got := h.runClock(h.now.Add(time.Hour), 10*time.Minute)
		want := []string{meetings.ReminderKey("sec-late", mt.ID, sec) + "@02/03 12:00"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("down until after the meeting", func(t *testing.T) {
		h, _ := newReminderCell(t)
		h.now = time.Date(2026, 3, 3, 19, 31, 0, 0, h.zone)
		if got := h.runClock(h.now.Add(2*time.Hour), 10*time.Minute); len(got) != 0 {
			t.Fatalf("reminders after the meeting: %q", got)
		}
	})
	t.Run("restart at night waits for the morning", func(t *testing.T) {
		h, mt := newReminderCell(t)
		one := h.member("tranvanmot").ID
		h.now = time.Date(2026, 3, 2, 23, 0, 0, 0, h.zone)
		h.restart()
		got := h.runClock(time.Date(2026, 3, 3, 7, 0, 0, 0, h.zone), 10*time.Minute)
		if !slices.Contains(got, meetings.ReminderKey("member-early", mt.ID, one)+"@03/03 06:30") {
			t.Fatalf("missed T−1 reminder should come at 06:30: %q", got)
		}
	})
}

func TestMeetingReminders_ThematicPerQuarter(t *testing.T) {
	h := newHarness(t)
	h.now = time.Date(2026, 4, 1, 9, 0, 0, 0, h.zone)
	h.seedCell("Trần Văn Một")
	sec := h.member("sec").ID
	got := h.runClock(time.Date(2026, 5, 3, 9, 0, 0, 0, h.zone), 6*time.Hour)
	var thematic []string
	for _, k := range got {
		if strings.HasPrefix(k, "reminder/thematic/") {
			thematic = append(thematic, k)
		}
	}
	want := []string{fmt.Sprintf("reminder/thematic/%d-2026q2/%d@01/05 09:00", h.cell.ID, sec)}
	if !slices.Equal(thematic, want) {
		t.Fatalf("got %q, want %q", thematic, want)
	}
	// The reminder's button plans one; then Q3 is reminded, Q2 not again.
	h.tap("sec", h.vi("mt.btn_new_thematic"))
	h.say("sec", "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh")
	h.say("sec", "20/05/2026")
	h.say("sec", "19:30")
	out := h.tap("sec", h.vi("mt.btn_usual_place"))
	h.wantContains(out, h.vi("mt.kind_thematic"))
	h.now = time.Date(2026, 8, 1, 9, 0, 0, 0, h.zone)
	got = h.meetingReminders(h.due())
	if !slices.Contains(got, fmt.Sprintf("reminder/thematic/%d-2026q3/%d@01/08 09:00", h.cell.ID, sec)) {
		t.Fatalf("Q3: %q", got)
	}
}

func TestMeetingReminders_SettingsByButtons(t *testing.T) {
	h, mt := newReminderCell(t)
	one := h.member("tranvanmot").ID
	h.say("sec", "/meeting")
	h.tap("sec", h.vi("mt.btn_reminders"))
	h.tap("sec", "22:00–07:00")
	h.tap("sec", h.vi("mt.rem_member_opt", "Days", 2, "Hours", 2))
	h.say("sec", "3") // typed: 10 and 3 days
	out := h.tap("sec", "08:00")
	h.wantText(out, "vi", "mt.rem_done", "Quiet", "22:00–07:00", "Member", h.vi("mt.rem_member_opt", "Days", 2, "Hours", 2),
		"Secretary", h.vi("mt.rem_sec_opt", "Early", 10, "Late", 3), "Morning", "08:00")
	// Members are now reminded two days ahead, at 19:30 on 01/03.
	h.now = time.Date(2026, 3, 1, 12, 0, 0, 0, h.zone)
	got := h.runClock(time.Date(2026, 3, 1, 23, 0, 0, 0, h.zone), 10*time.Minute)
	if !slices.Contains(got, meetings.ReminderKey("member-early", mt.ID, one)+"@01/03 19:30") {
		t.Fatalf("got %q", got)
	}
	// The secretary's reminder on the day of the meeting now comes at 08:00.
	sec := h.member("sec").ID
	h.now = time.Date(2026, 3, 3, 7, 30, 0, 0, h.zone)
	morning := h.runClock(time.Date(2026, 3, 3, 9, 0, 0, 0, h.zone), 10*time.Minute)
	if !slices.Contains(morning, meetings.ReminderKey("sec-day", mt.ID, sec)+"@03/03 08:00") {
		t.Fatalf("morning reminder: %q", morning)
	}
	// A member cannot open the settings.
	h.wantText(h.press("tranvanmot", fmt.Sprintf("ml:%d:q", h.cell.ID)), "vi", "err.leaders_only")
}

// TestMeetingReminders_NoNoticeNoMemberReminder: members are not reminded of
// a meeting whose notice was never sent ("Địa điểm: (chưa có địa điểm)");
// the secretary is asked, once, to send the notice instead.
func TestMeetingReminders_NoNoticeNoMemberReminder(t *testing.T) {
	h := newHarness(t)
	h.now = time.Date(2026, 2, 20, 10, 0, 0, 0, h.zone)
	h.seedCell("Trần Văn Một")
	h.due()
	mt := h.meetings()[0]
	sec := h.member("sec").ID
	h.now = time.Date(2026, 3, 2, 12, 0, 0, 0, h.zone)
	var keys []string
	for ; h.now.Before(mt.At); h.now = h.now.Add(10 * time.Minute) {
		for _, m := range h.due() {
			keys = append(keys, m.Key)
		}
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "reminder/member-") {
			t.Fatalf("a member reminder for a meeting with no notice: %q", keys)
		}
	}
	if n := strings.Count(strings.Join(keys, " "), meetings.ReminderKey("notice-missing", mt.ID, sec)); n != 1 {
		t.Fatalf("the secretary was asked %d times to send the notice: %q", n, keys)
	}
	h.wantText(h.inbox["sec"][len(h.inbox["sec"])-2:len(h.inbox["sec"])-1], "vi", "mt.remind_notice_missing",
		"Kind", h.vi("mt.kind_regular"), "When", h.vi("mt.when", "Time", "19:30", "Date", "03/03/2026"))
	// Its button sends the notice; the members' reminders follow from then on.
	h.press("sec", fmt.Sprintf("mt:%d:n", mt.ID))
	h.wantContains(h.inbox["tranvanmot"], "Chi bộ Thử thông báo")
}

// TestNotice_HeldInQuietHours: a notice the secretary sends at 22:10 waits
// for 06:30 (the cell's quiet hours end); the secretary is told when it goes.
func TestNotice_HeldInQuietHours(t *testing.T) {
	h := newHarness(t)
	h.now = time.Date(2026, 2, 20, 10, 0, 0, 0, h.zone)
	h.seedCell("Trần Văn Một", "Lê Thị Hai")
	h.due()
	mt := h.meetings()[0]
	h.now = time.Date(2026, 2, 25, 22, 10, 0, 0, h.zone)
	out := h.press("sec", fmt.Sprintf("mt:%d:n", mt.ID))
	morning := time.Date(2026, 2, 26, 6, 30, 0, 0, h.zone)
	held := 0
	for _, m := range out {
		switch m.Chat {
		case "sec":
			if !m.NotBefore.IsZero() {
				t.Fatalf("the secretary's own answer is held: %q", m.Text)
			}
		default:
			if !m.NotBefore.Equal(morning) {
				t.Fatalf("a notice to %s goes at %v, want %v", m.Chat, m.NotBefore, morning)
			}
			held++
		}
	}
	if held != 2 {
		t.Fatalf("%d notices held, want 2", held)
	}
	h.wantText(out[len(out)-1:], "vi", "quiet.held", "Count", 2, "From", "21:30", "To", "06:30",
		"When", h.vi("mt.when", "Time", "06:30", "Date", "26/02/2026"))
	// In the day nothing is held.
	h.now = time.Date(2026, 2, 26, 9, 0, 0, 0, h.zone)
	for _, m := range h.press("lethihai", fmt.Sprintf("rsvp:%d:n", mt.ID)) {
		if !m.NotBefore.IsZero() {
			t.Fatalf("held in the day: %q", m.Text)
		}
	}
}
