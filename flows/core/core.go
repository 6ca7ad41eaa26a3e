package core

import (
	"errors"
	"slices"
	"strings"

	"chibo/flows/chat"
	"chibo/locales"
	"chibo/storage"
)

func (e *Engine) registerCore() {
	e.AuditWords(map[string]AuditFunc{"decision_change": auditDecision})
	e.Command(&Command{Name: "help", Need: NeedAnyone, HelpID: "help.help", MenuID: "menu.help", Run: runHelp})
	e.Command(&Command{Name: "me", Need: NeedMember, PrivateOnly: true, HelpID: "help.me", MenuID: "menu.me", Run: runMe})
	e.Command(&Command{Name: "lang", Need: NeedMember, HelpID: "help.lang", MenuID: "menu.lang", Run: runLang})
	e.Command(&Command{Name: "cancel", Need: NeedAnyone, HelpID: "help.cancel", MenuID: "menu.cancel", Run: runCancel})
	e.Register(&Flow{Name: "lang", Need: NeedMember, First: langChoose, State: func() any { return &langState{} },
		Steps: map[StepName]Step{
			langChoose: {Ask: AskLang("lang.ask"), Answer: answerLang, Next: []StepName{}},
		}})
}

// langChoose is the one step of /lang.
const langChoose StepName = "choose"

// langState is what /lang carries: nothing but the question asked.
type langState struct{}

func runCancel(c *Ctx, _ string) error {
	if c.conv == nil {
		c.Say("cancel.nothing")
		return nil
	}
	c.conv = nil
	if err := c.Tx.DeleteConv(c.convKey); err != nil {
		return err
	}
	c.Say("cancel.done")
	return nil
}

func runLang(c *Ctx, _ string) error { return c.StartWith("lang", langChoose, nil) }

func AskLang(id string) func(c *Ctx) error {
	return func(c *Ctx) error {
		c.Ask(c.T(id), 2, Opt{Label: "Tiếng Việt", Value: "vi"}, Opt{Label: "English", Value: "en"})
		return nil
	}
}

func ChosenLang(in Input) (string, error) {
	lang := in.Choice
	if lang == "" {
		switch FoldForSearch(in.Text) {
		case "vi", "tieng viet", "vietnamese":
			lang = "vi"
		case "en", "english", "tieng anh":
			lang = "en"
		}
	}
	if !locales.Supported(lang) {
		return "", Invalid("err.choose_option")
	}
	return lang, nil
}

func answerLang(c *Ctx, in Input) (StepName, error) {
	lang, err := ChosenLang(in)
	if err != nil {
		return "", err
	}
	c.Me.Lang = lang
	if err := c.Tx.PutMember(c.Me); err != nil {
		return "", err
	}
	c.Lang = lang
	c.Say("lang.done")
	return "", nil
}

func runMe(c *Ctx, _ string) error {
	lines, err := c.Profile(c.Me)
	if err != nil {
		return err
	}
	c.Reply(strings.Join(lines, "\n"), []chat.Button{ActionButton(c.T("zalo.btn_link"), ActionLinkCode, "")})
	return nil
}

// profile describes what chibo stores in a member's own record, for /me and
// the start of /mydata.
func (c *Ctx) Profile(m *storage.Member) ([]string, error) {
	lines := []string{c.T("me.header", "Name", m.Name)}
	if cell, err := c.Tx.Cell(m.HomeCellID); err == nil {
		lines = append(lines, c.T("me.cell", "Cell", cell.Name))
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	for _, r := range m.Roles {
		cell, err := c.Tx.Cell(r.CellID)
		if err != nil {
			continue
		}
		lines = append(lines, c.T("me.role", "Role", c.RoleName(r.Role), "Cell", cell.Name))
	}
	for _, id := range m.AdminOf {
		if org, err := c.Tx.Org(id); err == nil {
			lines = append(lines, c.T("me.role", "Role", c.RoleName(storage.RoleAdmin), "Cell", org.Name))
		}
	}
	lines = append(lines, c.T("me.status", "Status", c.StatusLine(m.StatusOn(c.Now))), c.T("me.lang", "Lang", langName(m.Lang)))
	transports := make([]string, 0, len(m.Contacts))
	for t := range m.Contacts {
		transports = append(transports, t)
	}
	slices.Sort(transports)
	lines = append(lines,
		c.T("me.contacts", "Transports", strings.Join(transports, ", ")),
		c.T("me.consent", "Date", c.Date(m.Consent.At)),
		c.T("me.joined", "Date", c.Date(m.Joined)))
	return lines, nil
}

func langName(lang string) string {
	if lang == "en" {
		return "English"
	}
	return "Tiếng Việt"
}

// roleName is the localized name of a role.
func (c *Ctx) RoleName(r storage.Role) string {
	switch r {
	case storage.RoleSecretary:
		return c.T("role.secretary")
	case storage.RoleDeputy:
		return c.T("role.deputy")
	case storage.RoleGroupLeader:
		return c.T("role.group_leader")
	case storage.RoleAdmin:
		return c.T("role.admin")
	}
	return c.T("role.member")
}

// statusName is the localized name of a status.
func (c *Ctx) StatusName(k storage.StatusKind) string {
	switch k {
	case storage.StatusExempt:
		return c.T("status.exempt")
	case storage.StatusFarAway:
		return c.T("status.far_away")
	case storage.StatusTransferredOut:
		return c.T("status.transfer_out")
	case storage.StatusTransferredIn:
		return c.T("status.transfer_in")
	case storage.StatusLeft:
		return c.T("status.left")
	}
	return c.T("status.active")
}

// statusLine describes a status with its effective date or period, and
// whether a far-away member was granted a temporary exemption.
func (c *Ctx) StatusLine(s storage.Status) string {
	name := c.StatusName(s.Kind)
	if s.Kind == storage.StatusFarAway && s.Exempt {
		name = c.T("status.far_away_exempt")
	}
	switch {
	case s.Kind.HasPeriod():
		return c.T("status.with_period", "Status", name, "From", c.Date(s.From), "To", c.Date(s.To))
	case !s.From.IsZero():
		return c.T("status.since", "Status", name, "From", c.Date(s.From))
	}
	return name
}

// personName is a member's name for records, or the operator's label.
func (c *Ctx) PersonName(id uint64) string {
	if id == 0 {
		return c.T("audit.operator")
	}
	if m, err := c.Tx.Member(id); err == nil {
		return c.MemberName(m)
	}
	return c.T("audit.unknown_member")
}

// memberName is how a member is named in lists and rolls: a member who
// withdrew consent stays a party member of the cell, under a number.
func (c *Ctx) MemberName(m *storage.Member) string {
	if m.Forgotten() {
		return c.T("status.forgotten_name", "N", m.ID)
	}
	return m.Name
}
