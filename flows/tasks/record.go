package tasks

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
)

// maxWhatLen is the longest task text: a line of a resolution, not a document.
const maxWhatLen = 300

// committee is the value of the cell committee (chi ủy) as assignee.
const committee = "c"

// The steps of recording a task.
const (
	stepWhat    core.StepName = "what"
	stepWho     core.StepName = "who"
	stepDue     core.StepName = "due"
	stepConfirm core.StepName = "confirm"
)

// taskForm is what recording a task carries.
type taskForm struct {
	Cell    uint64   `json:"cell"`
	Meeting uint64   `json:"meeting,omitempty"` // 0: not recorded at a meeting
	What    string   `json:"what,omitempty"`
	Who     string   `json:"who,omitempty"` // a member's id, or committee
	Due     core.Day `json:"due,omitempty"` // in the cell's zone
}

func form(c *core.Ctx) *taskForm { return core.StateOf[taskForm](c) }

// flowCell is the cell of the recording flow, checked against the caller's
// role on every step (a role can be lost mid-conversation).
func flowCell(c *core.Ctx) (*storage.Cell, error) {
	id := form(c).Cell
	if id == 0 || !c.Me.Leads(id) {
		return nil, core.Invalid("err.leaders_only")
	}
	return db(c).Cell(id)
}

// flowMeeting is the meeting the task is recorded at, nil for none.
func flowMeeting(c *core.Ctx) (*storage.Meeting, error) {
	id := form(c).Meeting
	if id == 0 {
		return nil, nil
	}
	mt, err := db(c).Meeting(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	return mt, err
}

func askWhat(c *core.Ctx) error {
	cell, err := flowCell(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	mt, err := flowMeeting(c)
	if err != nil {
		return err
	}
	if mt != nil {
		c.Ask(c.T("tasks.ask_what_meeting", "Cell", cell.Name, "Date", meetingDate(c, mt, cell), "Max", maxWhatLen), 1)
		return nil
	}
	c.Ask(c.T("tasks.ask_what", "Cell", cell.Name, "Max", maxWhatLen), 1)
	return nil
}

func answerWhat(c *core.Ctx, in core.Input) (core.StepName, error) {
	what := core.NormalizeText(in.Text)
	switch n := core.Utf8Len(what); {
	case n == 0:
		return core.Done, core.Invalid("tasks.err_what_empty")
	case n > maxWhatLen:
		return core.Done, core.Invalid("tasks.err_what_long", "Max", maxWhatLen, "Len", n)
	}
	form(c).What = what
	return stepWho, nil
}

// candidates are the cell's members who can take a task now.
func candidates(c *core.Ctx, cellID uint64) ([]storage.Member, error) {
	ms, err := db(c).Members(cellID)
	if err != nil {
		return nil, err
	}
	out := ms[:0]
	for _, m := range ms {
		if inCell(c, &m, cellID) {
			out = append(out, m)
		}
	}
	return out, nil
}

func askWho(c *core.Ctx) error {
	cell, err := flowCell(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	ms, err := candidates(c, cell.ID)
	if err != nil {
		return err
	}
	opts := []core.Opt{{Label: c.T("tasks.committee"), Value: committee}}
	for i := range ms {
		opts = append(opts, core.Opt{Label: c.MemberName(&ms[i]), Value: fmt.Sprint(ms[i].ID)})
	}
	c.Ask(c.T("tasks.ask_who", "What", form(c).What), 2, opts...)
	return nil
}

func answerWho(c *core.Ctx, in core.Input) (core.StepName, error) {
	cell, err := flowCell(c)
	if err != nil {
		return core.Done, err
	}
	if in.Choice == committee || (in.Choice == "" && core.FoldForSearch(in.Text) == core.FoldForSearch(c.T("tasks.committee"))) {
		form(c).Who = committee
		return stepDue, nil
	}
	all, err := db(c).Members(cell.ID)
	if err != nil {
		return core.Done, err
	}
	query := core.FoldForSearch(in.Text)
	var found []storage.Member
	for _, m := range all {
		if (in.Choice != "" && in.Choice == fmt.Sprint(m.ID)) || (in.Choice == "" && query != "" && strings.Contains(core.FoldForSearch(m.Name), query)) {
			found = append(found, m)
		}
	}
	if in.Choice != "" && len(found) == 0 {
		// A member chosen from the list has since left the cell's index.
		return core.Done, core.Invalid("tasks.err_left", "Name", c.PersonName(parseID(in.Choice)))
	}
	current := found[:0:0]
	for i := range found {
		if inCell(c, &found[i], cell.ID) {
			current = append(current, found[i])
		}
	}
	switch {
	case len(current) == 1:
		form(c).Who = fmt.Sprint(current[0].ID)
		return stepDue, nil
	case len(current) > 1:
		return core.Done, core.Invalid("tasks.err_many", "Count", len(current))
	case len(found) > 0:
		return core.Done, core.Invalid("tasks.err_left", "Name", c.MemberName(&found[0]))
	}
	return core.Done, core.Invalid("tasks.err_no_match")
}

func parseID(s string) uint64 {
	id, _ := strconv.ParseUint(s, 10, 64)
	return id
}

// Quick deadlines offered as buttons, in days from today.
var quickDays = []int{7, 14, 30}

func askDue(c *core.Ctx) error {
	cell, err := flowCell(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	zone := c.CellZone(cell)
	today := core.DayStart(c.Now.In(zone))
	opts := make([]core.Opt, 0, len(quickDays))
	for _, d := range quickDays {
		opts = append(opts, core.Opt{Label: c.T("tasks.btn_in_days", "Days", d, "Date", today.AddDate(0, 0, d).Format("02/01")), Value: fmt.Sprint(d)})
	}
	c.Ask(c.T("tasks.ask_due", "Example", core.ExampleDate(c.Now, zone)), 1, opts...)
	return nil
}

func answerDue(c *core.Ctx, in core.Input) (core.StepName, error) {
	cell, err := flowCell(c)
	if err != nil {
		return core.Done, err
	}
	zone := c.CellZone(cell)
	today := core.DayStart(c.Now.In(zone))
	var due time.Time
	if d, err := strconv.Atoi(in.Choice); err == nil && d > 0 {
		due = today.AddDate(0, 0, d)
	} else {
		due, err = core.ParseDateFrom(in.Text, c.Now, zone)
		if err != nil {
			return core.Done, err
		}
	}
	if due.Before(today) {
		return core.Done, core.Invalid("tasks.err_due_past", "Date", due.Format("02/01/2006"), "Today", today.Format("02/01/2006"))
	}
	form(c).Due = core.DayOf(due)
	return stepConfirm, nil
}

// draft is the task as the flow has it so far.
func draft(c *core.Ctx, cell *storage.Cell) (*storage.Task, error) {
	f := form(c)
	due, err := time.ParseInLocation("2006-01-02", string(f.Due), c.CellZone(cell))
	if err != nil {
		return nil, fmt.Errorf("task flow: due %q: %w", f.Due, err)
	}
	t := &storage.Task{CellID: cell.ID, What: f.What, Due: due, State: storage.TaskOpen, CreatedBy: c.Me.ID, Created: c.Now}
	if w := f.Who; w != committee {
		t.AssigneeID = parseID(w)
	}
	if mt, err := flowMeeting(c); err != nil {
		return nil, err
	} else if mt != nil {
		t.MeetingID = mt.ID
	}
	return t, nil
}

func askConfirm(c *core.Ctx) error {
	cell, err := flowCell(c)
	if err != nil {
		c.End()
		return members.SayInvalid(c, err)
	}
	t, err := draft(c, cell)
	if err != nil {
		return err
	}
	c.AskConfirm(c.T("tasks.confirm", "What", t.What, "Who", whoName(c, t), "Due", c.Date(t.Due)), c.T("tasks.btn_record"))
	return nil
}

func answerConfirm(c *core.Ctx, in core.Input) (core.StepName, error) {
	if ok, err := core.Confirmed(c, in); !ok || err != nil {
		return core.Done, err
	}
	cell, err := flowCell(c)
	if err != nil {
		return core.Done, err
	}
	t, err := draft(c, cell)
	if err != nil {
		return core.Done, err
	}
	var to *storage.Member
	if t.AssigneeID != 0 {
		to, err = db(c).Member(t.AssigneeID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return core.Done, err
		}
		if to == nil || !inCell(c, to, cell.ID) {
			// Left the cell while the secretary was typing: ask again, the
			// text and the deadline are kept.
			c.Say("tasks.err_left", "Name", c.PersonName(t.AssigneeID))
			return stepWho, nil
		}
	}
	if t.Due.Before(core.DayStart(c.Now.In(c.CellZone(cell)))) { // the flow stayed open past the deadline
		c.Say("tasks.err_due_past", "Date", c.Date(t.Due), "Today", c.Date(c.Now))
		return stepDue, nil
	}
	if err := db(c).PutTask(t); err != nil {
		return core.Done, err
	}
	if err := c.Audit("task_create", cell.ID, t.AssigneeID, nil, auditRecord(t)); err != nil {
		return core.Done, err
	}
	return core.Done, announce(c, t, cell, to)
}

// announce tells the secretary the task is recorded and gives it to its
// person, or to the cell's leaders for the committee.
func announce(c *core.Ctx, t *storage.Task, cell *storage.Cell, to *storage.Member) error {
	next := []chat.Button{core.ActionButton(c.T("tasks.btn_add_another"), codeCellTasks, fmt.Sprintf("%d:a", cell.ID))}
	if t.MeetingID != 0 {
		next = []chat.Button{core.ActionButton(c.T("tasks.btn_add_another"), codeMeetingTasks, fmt.Sprintf("%d:a", t.MeetingID)),
			core.ActionButton(c.T("tasks.btn_meeting_tasks"), codeMeetingTasks, fmt.Sprintf("%d:l", t.MeetingID))}
	}
	c.Reply(c.T("tasks.recorded", "Line", line(c, t)), next)
	var people []storage.Member
	if to != nil {
		people = []storage.Member{*to}
	} else {
		ls, err := members.HomeLeaders(c.Tx, cell.ID, false)
		if err != nil {
			return err
		}
		people = ls
	}
	for i := range people {
		m := &people[i]
		if m.ID == c.Me.ID {
			continue
		}
		r := c.ReaderOf(m)
		c.SendButtonsTo(m, [][]chat.Button{reportButtons(r, t)}, "tasks.assigned_you",
			"By", c.Me.Name, "Cell", cell.Name, "What", t.What, "Who", whoName(r, t), "Due", r.Date(t.Due))
	}
	return nil
}
