package privacy

import (
	"chibo/flows/core"
	"fmt"
	"slices"
	"strings"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// Personal-data rights (Law 91/2025/QH15; DOMAIN.md §5): /mydata sends a
// member everything chibo keeps about them; /forget withdraws consent,
// stops all messages and erases their personal details, keeping for the
// cell only the minimum (attendance marks under a pseudonym).

func registerPrivacy(e *core.Engine) {
	e.Command(&core.Command{Name: "mydata", Need: core.NeedMember, PrivateOnly: true, HelpID: "help.mydata", MenuID: "menu.mydata", Run: runMyData})
	e.Command(&core.Command{Name: "forget", Need: core.NeedMember, PrivateOnly: true, HelpID: "help.forget", MenuID: "menu.forget", Run: runForget})
	e.Register(&core.Flow{Name: "forget", Need: core.NeedMember, First: forgetConfirm, State: func() any { return &forgetState{} },
		Steps: map[core.StepName]core.Step{
			forgetConfirm: {Ask: askForget, Answer: answerForget, Next: []core.StepName{}},
		}})
}

// forgetConfirm is the one step of /forget: the confirmation.
const forgetConfirm core.StepName = "confirm"

// forgetState is what /forget carries: nothing but the question asked.
type forgetState struct{}

// runMyData sends the member a text file with every record chibo keeps
// about them, grouped by kind.
func runMyData(c *core.Ctx, _ string) error {
	text, err := myData(c, c.Me)
	if err != nil {
		return err
	}
	name := "chibo-" + c.Now.In(c.Zone()).Format("2006-01-02") + ".txt"
	c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, RecipientID: c.Me.ID, Text: c.T("privacy.mydata_sent"),
		Document: &chat.Document{Name: name, MIME: "text/plain; charset=utf-8", Data: []byte(text)}})
	return nil
}

// myData is the text of /mydata for m, in the reader's language.
func myData(c *core.Ctx, m *storage.Member) (string, error) {
	var b strings.Builder
	section := func(id string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n== %s ==\n%s\n", c.T(id), strings.Join(lines, "\n"))
	}
	b.WriteString(c.T("privacy.title", "Name", m.Name, "Date", c.Date(c.Now)))
	b.WriteString("\n")
	profile, err := c.Profile(m)
	if err != nil {
		return "", err
	}
	section("privacy.sec_profile", profile)

	var statuses []string
	for _, s := range append(slices.Clone(m.History), m.Status) {
		statuses = append(statuses, c.T("privacy.status_line", "Date", c.Date(s.SetAt), "Status", c.StatusLine(s), "Reason", s.Reason, "By", c.PersonName(s.SetBy)))
	}
	section("privacy.sec_status", statuses)

	if err := c.MyDataSections(m, section); err != nil {
		return "", err
	}

	entries, err := db(c).AuditLog(1000, func(e *storage.AuditEntry) bool { return e.SubjectID == m.ID })
	if err != nil {
		return "", err
	}
	var audit []string
	for i := range entries {
		e := &entries[i]
		audit = append(audit, c.T("privacy.audit_line", "Date", c.AuditWhen(e), "Who", c.AuditActor(e.ActorID), "What", c.AuditChange(e)))
	}
	section("privacy.sec_audit", audit)
	return b.String(), nil
}

func runForget(c *core.Ctx, _ string) error { return c.StartWith("forget", forgetConfirm, nil) }

func askForget(c *core.Ctx) error {
	c.AskConfirm(c.T("privacy.forget_ask"), c.T("privacy.btn_forget"))
	return nil
}

func answerForget(c *core.Ctx, in core.Input) (core.StepName, error) {
	if ok, err := core.Confirmed(c, in); !ok || err != nil {
		return "", err
	}
	m := c.Me
	name := m.Name
	leaders, err := cellLeaders(c, m.HomeCellID, m.ID)
	if err != nil {
		return "", err
	}
	if err := forget(c, m); err != nil {
		return "", err
	}
	c.Say("privacy.forget_done")
	for i := range leaders {
		c.SendTo(&leaders[i], "privacy.forget_notify", "Name", name, "Code", m.Name, "Shown", c.ReaderOf(&leaders[i]).MemberName(m))
	}
	c.End()
	return "", nil
}

// cellLeaders are the secretary and deputies of a cell, except skip.
func cellLeaders(c *core.Ctx, cellID, skip uint64) ([]storage.Member, error) {
	if cellID == 0 {
		return nil, nil
	}
	ms, err := db(c).Members(cellID)
	if err != nil {
		return nil, err
	}
	var out []storage.Member
	for _, m := range ms {
		if m.ID != skip && m.Leads(cellID) {
			out = append(out, m)
		}
	}
	return out, nil
}

// forget erases m's personal details. The member record stays under a
// pseudonym ("#<id>") so the cell's attendance marks keep their meaning;
// contacts go, so nothing is sent to them any more.
func forget(c *core.Ctx, m *storage.Member) error {
	needles := [][]byte{[]byte(m.Name)}
	for _, u := range m.Contacts {
		needles = append(needles, []byte(u))
	}
	for t, u := range m.Contacts {
		if err := db(c).DeleteConv(storage.ConvKey(t, u, u)); err != nil {
			return err
		}
		if err := db(c).DeleteOffer(t, u); err != nil {
			return err
		}
	}
	more, err := c.ForgetEverywhere(m)
	if err != nil {
		return err
	}
	needles = append(needles, more...)
	if err := db(c).EraseMemberRecords(m.ID); err != nil {
		return err
	}
	if err := db(c).ScrubAudit(m.ID); err != nil {
		return err
	}
	m.Name = fmt.Sprintf("#%d", m.ID)
	m.Contacts = map[string]string{}
	m.Status.Reason = ""
	for i := range m.History {
		m.History[i].Reason = ""
	}
	m.Consent = storage.Consent{Given: false, At: c.Now}
	m.Unreachable = time.Time{}
	if err := db(c).PutMember(m); err != nil {
		return err
	}
	return db(c).ScrubTransient(needles, "consent withdrawn", c.Now)
}

// abandonedAfter is how long an expired conversation is kept: long enough
// to tell a person who comes back that it expired, not so long that the
// answers they left half given stay for good.
const AbandonedAfter = 7 * 24 * time.Hour
