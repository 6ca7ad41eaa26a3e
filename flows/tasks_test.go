package flows

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/meetings"
	"chibo/storage"
)

// recordTask records a task through the secretary's buttons, from the page
// of a meeting (meetingID) or from /tasks (0), and returns what the last
// step sent.
func (h *harness) recordTask(meetingID uint64, what, who, due string) []chat.Message {
	h.t.Helper()
	if meetingID != 0 {
		h.press("sec", fmt.Sprintf("t.meeting:%d:a", meetingID))
	} else {
		h.press("sec", fmt.Sprintf("t.cell:%d:a", h.cell.ID))
	}
	h.say("sec", what)
	if who == h.vi("tasks.committee") {
		h.tap("sec", who)
	} else {
		h.say("sec", who)
	}
	h.say("sec", due)
	return h.tap("sec", h.vi("tasks.btn_record"))
}

// cellTasks reads the cell's stored tasks.
func (h *harness) cellTasks() []storage.Task {
	h.t.Helper()
	var ts []storage.Task
	if err := h.db.View(func(tx *storage.Tx) (err error) { ts, err = tx.CellTasks(h.cell.ID); return err }); err != nil {
		h.t.Fatal(err)
	}
	return ts
}

func (h *harness) auditActions(prefix string) []string {
	h.t.Helper()
	var out []string
	err := h.db.View(func(tx *storage.Tx) error {
		es, err := tx.AuditLog(1000, func(e *storage.AuditEntry) bool { return strings.HasPrefix(e.Action, prefix) })
		for _, e := range es {
			out = append(out, e.Action)
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// Issue 17: at the meeting's close the secretary records a task (what, who,
// by when); the member gets it and reports done in one tap; the meeting's
// summary lists it with its outcome; every step is audited.
func TestTasks_recordedAtCloseAndDoneInOneTap(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Thị Hai")
	mid := h.heldMeeting(h.ts(2026, 3, 3, 19, 30), storage.MeetingRegular, nil)
	// The summary sent at closing offers the meeting's tasks.
	h.tap("sec", h.vi("tasks.btn_meeting", "Count", 0))
	out := h.tap("sec", h.vi("tasks.btn_add"))
	h.wantContains(out, h.vi("tasks.ask_what_meeting", "Cell", "Chi bộ Thử", "Date", "03/03/2026", "Max", 300))
	h.say("sec", "Vận động bà con làm đường giao thông nông thôn")
	h.tap("sec", "Trần Văn An")
	h.tap("sec", h.vi("tasks.btn_in_days", "Days", 14, "Date", "17/03"))
	out = h.tap("sec", h.vi("tasks.btn_record"))
	task := storage.Task{What: "Vận động bà con làm đường giao thông nông thôn", AssigneeID: h.member("tranvanan").ID, Due: h.ts(2026, 3, 17, 0, 0), State: storage.TaskOpen}
	line := h.vi("tasks.line", "What", task.What, "Who", "Trần Văn An", "Due", "17/03/2026", "State", h.vi("tasks.state_open"))
	h.wantText(to(out, "sec"), "vi", "tasks.recorded", "Line", line)
	h.wantText(to(out, "tranvanan"), "vi", "tasks.assigned_you", "By", "Nguyễn Văn Bí Thư", "Cell", "Chi bộ Thử", "What", task.What, "Who", "Trần Văn An", "Due", "17/03/2026")
	ts := h.cellTasks()
	if len(ts) != 1 || ts[0].MeetingID != mid || ts[0].AssigneeID != task.AssigneeID || !ts[0].Due.Equal(task.Due) || ts[0].State != storage.TaskOpen {
		t.Fatalf("stored tasks %+v", ts)
	}

	// The member reports done in one tap; the secretary is told.
	h.advance(48 * time.Hour)
	out = h.tap("tranvanan", h.vi("tasks.btn_done", "What", core.CkShorten(task.What, 24)))
	h.wantText(to(out, "tranvanan"), "vi", "tasks.done_ok", "What", task.What)
	doneLine := h.vi("tasks.line", "What", task.What, "Who", "Trần Văn An", "Due", "17/03/2026", "State", h.vi("tasks.state_done", "Date", "05/03/2026"))
	h.wantText(to(out, "sec"), "vi", "tasks.reported_to_leader", "Name", "Trần Văn An", "Line", doneLine)
	// A second tap changes nothing.
	before := h.snapshot()
	out = h.tap("tranvanan", h.vi("tasks.btn_done", "What", core.CkShorten(task.What, 24)))
	h.wantText(out, "vi", "tasks.already_done", "What", task.What, "Date", "05/03/2026")
	if h.snapshot() != before {
		t.Error("a second report changed the records")
	}

	// The summary (the basis of the minutes' conclusions) lists the task
	// and its outcome.
	out = h.press("sec", fmt.Sprintf("mt:%d:s", mid))
	h.wantContains(out, h.e.Cat.N("vi", "tasks.sum_header", 1)+"\n"+doneLine)
	if got := h.auditActions("task_"); !slices.Equal(got, []string{"task_update", "task_create"}) { // newest first
		t.Errorf("audited %v", got)
	}
	// /tasks: nothing left for the member.
	h.wantText(h.say("tranvanan", "/tasks"), "vi", "tasks.mine_none")
}

// Bad input: a deadline in the past, a member who left the cell (typed, or
// leaving while the secretary confirms), someone else's task, another
// cell's meeting: clear answers, nothing stored.
func TestTasks_badInputChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Thị Hai", "Phạm Văn Đi")
	h.setStatus("phamvandi", storage.Status{Kind: storage.StatusLeft, From: h.now.AddDate(0, 0, -3)})
	before := h.snapshot("convs")

	h.press("sec", fmt.Sprintf("t.cell:%d:a", h.cell.ID))
	h.say("sec", "Nộp báo cáo sơ kết")
	out := h.say("sec", "Phạm Văn Đi")
	h.wantContains(out, h.vi("tasks.err_left", "Name", "Phạm Văn Đi"))
	h.say("sec", "Lê Thị Hai")
	out = h.say("sec", "15/02/2026")
	h.wantContains(out, h.vi("tasks.err_due_past", "Date", "15/02/2026", "Today", "01/03/2026"))
	h.say("sec", "20/03/2026")
	if h.snapshot("convs") != before {
		t.Fatal("refused answers changed the records")
	}
	// She leaves the cell before the secretary confirms: asked again, the
	// text and the deadline kept, nothing stored.
	h.setStatus("lethihai", storage.Status{Kind: storage.StatusLeft, From: h.now})
	before = h.snapshot("convs")
	out = h.tap("sec", h.vi("tasks.btn_record"))
	h.wantContains(out, h.vi("tasks.err_left", "Name", "Lê Thị Hai"))
	h.wantContains(out, h.vi("tasks.ask_who", "What", "Nộp báo cáo sơ kết"))
	out = h.say("sec", "Trần Văn An")
	h.wantContains(out, h.vi("tasks.ask_due", "Example", "08/03/2026"))
	if h.snapshot("convs") != before || len(h.cellTasks()) != 0 {
		t.Fatal("a task for a member who left was stored")
	}
	h.say("sec", "/cancel")

	// Someone else's task, and another cell's leader on this cell's meeting.
	h.recordTask(0, "Thăm hỏi gia đình chính sách", "Trần Văn An", "20/03/2026")
	task := h.cellTasks()[0]
	err := h.db.Update(func(tx *storage.Tx) error {
		other := &storage.Cell{OrgID: h.cell.OrgID, Name: "Chi bộ Khác", Created: h.now}
		if err := tx.PutCell(other); err != nil {
			return err
		}
		m := &storage.Member{Name: "Bí Thư Khác", HomeCellID: other.ID, Lang: "vi", Contacts: map[string]string{tr: "sec2"},
			Status: storage.Status{Kind: storage.StatusActive, SetAt: h.now}, Consent: storage.Consent{Given: true, At: h.now}, Joined: h.now}
		m.AddRole(other.ID, storage.RoleSecretary)
		return tx.PutMember(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	mt := &storage.Meeting{CellID: h.cell.ID, Kind: storage.MeetingExtra, At: h.now.Add(24 * time.Hour), State: storage.MeetingPlanned, Created: h.now}
	if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutMeeting(mt) }); err != nil {
		t.Fatal(err)
	}
	snap := h.snapshot("convs")
	h.wantText(h.press("sec2", fmt.Sprintf("t.report:%d:%d:d", task.CellID, task.ID)), "vi", "tasks.not_yours")
	h.wantText(h.press("lethihai", fmt.Sprintf("t.report:%d:%d:p", task.CellID, task.ID)), "vi", "tasks.not_yours")
	h.wantText(h.press("sec2", fmt.Sprintf("t.meeting:%d:a", mt.ID)), "vi", "err.leaders_only")
	h.wantText(h.press("sec2", fmt.Sprintf("t.cell:%d:l", h.cell.ID)), "vi", "err.leaders_only")
	if h.snapshot("convs") != snap {
		t.Error("a refused report changed the records")
	}
}

// Reminders before the deadline go once each, at 08:00 or when the cell's
// quiet hours end, to the person; the overdue one also to the secretary.
func TestTasks_remindersOnceOutsideQuietHours(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An")
	// The cell's nights end at 09:00: the 08:00 points wait until then.
	err := h.db.Update(func(tx *storage.Tx) error {
		return tx.PutMeetingSettings(&storage.MeetingSettings{CellID: h.cell.ID, Spec: "30 19 3 * *", QuietFrom: 21*60 + 30, QuietTo: 9 * 60})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.recordTask(0, "Hoàn thành hồ sơ kết nạp", "Trần Văn An", "10/03/2026")
	task := h.cellTasks()[0]
	an, sec := h.member("tranvanan"), h.member("sec")
	var got []string
	for end := h.ts(2026, 3, 22, 0, 0); !h.now.After(end); h.advance(30 * time.Minute) {
		for _, m := range h.due() {
			if strings.HasPrefix(m.Key, "reminder/task-") {
				got = append(got, m.Key+"@"+h.now.In(h.zone).Format("02/01 15:04"))
			}
		}
		if h.now.Equal(h.ts(2026, 3, 6, 12, 0)) {
			h.restart() // a restart mid-way sends nothing twice
		}
	}
	key := func(kind string, m *storage.Member) string {
		return fmt.Sprintf("reminder/%s/%d/%d", kind, task.ID, m.ID)
	}
	want := []string{
		key("task-soon", an) + "@08/03 09:00",
		key("task-day", an) + "@10/03 09:00",
		key("task-late", an) + "@11/03 09:00",
		key("task-late-sec", sec) + "@11/03 09:00",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("reminders:\n got %q\nwant %q", got, want)
	}
	h.wantContains(h.inbox["tranvanan"], h.vi("tasks.remind_late", "Cell", "Chi bộ Thử", "What", task.What, "Due", "10/03/2026"))

	// Done: no more reminders, even for a later deadline's points.
	h.tap("tranvanan", h.vi("tasks.btn_progress", "What", core.CkShorten(task.What, 24)))
	out := h.say("sec", "/tasks")
	h.wantContains(out, h.vi("tasks.cell_header", "Cell", "Chi bộ Thử", "Open", 1, "Overdue", 1))
}

// Overdue tasks are listed in the secretary's reminder before the next
// meeting, in the reader's language; the meeting journey knows nothing of
// tasks (a core hook).
func TestTasks_overdueInSecretaryMeetingReminder(t *testing.T) {
	h := newHarness(t)
	h.now = time.Date(2026, 2, 10, 10, 0, 0, 0, h.zone)
	h.seedCell("Trần Văn An")
	h.recordTask(0, "Rà soát danh sách đảng viên đi làm ăn xa", h.vi("tasks.committee"), "15/02/2026")
	h.recordTask(0, "Thu đảng phí quý I", "Trần Văn An", "28/02/2026")
	h.now = time.Date(2026, 2, 20, 10, 0, 0, 0, h.zone)
	h.due() // makes the March meeting
	mt := h.meetings()[0]
	h.now = time.Date(2026, 2, 24, 19, 30, 0, 0, h.zone)
	out := to(h.due(), "sec")
	var early *chat.Message
	for i := range out {
		if out[i].Key == meetings.ReminderKey("sec-early", mt.ID, h.member("sec").ID) {
			early = &out[i]
		}
	}
	if early == nil {
		t.Fatalf("no sec-early reminder: %s", texts(out))
	}
	overdue := h.vi("tasks.line", "What", "Rà soát danh sách đảng viên đi làm ăn xa", "Who", h.vi("tasks.committee"), "Due", "15/02/2026", "State", h.vi("tasks.state_overdue"))
	if !strings.Contains(early.Text, h.e.Cat.N("vi", "tasks.sec_overdue_header", 1)+"\n"+overdue) {
		t.Fatalf("the secretary's reminder does not list the overdue task:\n%s", early.Text)
	}
	if strings.Contains(early.Text, "Thu đảng phí quý I") {
		t.Error("a task not yet due is listed as overdue")
	}
}
