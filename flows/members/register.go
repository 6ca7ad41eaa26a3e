package members

import (
	"chibo/flows/core"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"chibo/storage"
)

func registerRegistration(e *core.Engine) {
	e.AuditWords(map[string]core.AuditFunc{
		"status_set":       auditStatus,
		"member_received":  auditReceived,
		"contact_link":     auditContactLink,
		"link_code_create": auditLinkCode,
		"invite_create":    auditInvite,
		"member_join":      auditJoin,
		"group_link":       core.AuditPlain("audit.w_group_link"),
	})
	e.Command(&core.Command{Name: "start", Need: core.NeedAnyone, HelpID: "help.start", MenuID: "menu.start", Run: runStart})
	e.Register(&core.Flow{Name: "reg", Need: core.NeedAnyone, First: regName, State: func() any { return &regState{} },
		Steps: map[core.StepName]core.Step{
			regName:    {Ask: askRegName, Answer: answerRegName, Next: []core.StepName{regName, regConsent}},
			regConsent: {Ask: askConsent, Answer: answerConsent, Next: []core.StepName{regLang}},
			regLang:    {Ask: core.AskLang("reg.ask_lang"), Answer: answerRegLang, Next: []core.StepName{}},
		}})
}

// The steps of registration.
const (
	regName    core.StepName = "name"    // the name, as the messenger gave it or typed
	regConsent core.StepName = "consent" // consent to the data kept
	regLang    core.StepName = "lang"    // the language, which registers
)

// regState is what registration carries between steps. Its JSON keys are
// those of the map the release before typed state kept.
type regState struct {
	Token string `json:"token"`          // the invite
	Name  string `json:"name,omitempty"` // the name to register, once known
}

// NewToken makes an invite token: 128 random bits, base64url (22 characters,
// well inside Telegram's 64-character start payload).
func NewToken() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// joinTarget is what an invite joins: a cell, or (for an admin) an
// organization.
type joinTarget struct {
	cellID, orgID uint64
	name          string
}

// usableInvite loads an invite and checks it can be used now. A problem is
// returned as *InvalidInput naming the message to show.
func usableInvite(tx store, token string, now time.Time) (*storage.Invite, joinTarget, error) {
	inv, err := tx.Invite(token)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, joinTarget{}, core.Invalid("err.invite_unknown")
	}
	if err != nil {
		return nil, joinTarget{}, err
	}
	if !now.Before(inv.Expires) {
		return nil, joinTarget{}, core.Invalid("err.invite_expired")
	}
	if !inv.Usable(now) {
		return nil, joinTarget{}, core.Invalid("err.invite_used")
	}
	if inv.Role == storage.RoleAdmin {
		org, err := tx.Org(inv.OrgID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, joinTarget{}, core.Invalid("err.invite_unknown")
		}
		if err != nil {
			return nil, joinTarget{}, err
		}
		return inv, joinTarget{orgID: org.ID, name: org.Name}, nil
	}
	cell, err := tx.Cell(inv.CellID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, joinTarget{}, core.Invalid("err.invite_unknown")
	}
	if err != nil {
		return nil, joinTarget{}, err
	}
	return inv, joinTarget{cellID: cell.ID, orgID: cell.OrgID, name: cell.Name}, nil
}

// grant gives m the invite's role: in the cell, or over the organization.
func grant(m *storage.Member, inv *storage.Invite, t joinTarget) {
	if inv.Role == storage.RoleAdmin {
		if !m.Administers(t.orgID) {
			m.AdminOf = append(m.AdminOf, t.orgID)
		}
		return
	}
	if m.HomeCellID == 0 {
		m.HomeCellID = t.cellID
		m.AddRole(t.cellID, storage.RoleMember)
	}
	m.AddRole(t.cellID, inv.Role)
}

// sayInvalid answers with the message of an *InvalidInput, and passes any
// other error up.
func SayInvalid(c *core.Ctx, err error) error {
	var inv *core.InvalidInput
	if errors.As(err, &inv) {
		c.Say(inv.MsgID, inv.KV...)
		return nil
	}
	return err
}

func runStart(c *core.Ctx, token string) error {
	if token == "" {
		if c.Me != nil {
			c.Say("start.welcome_back", "Name", c.Me.Name)
		} else {
			c.Say("start.how_to_join")
		}
		return nil
	}
	if ok, err := c.StartPayload(token); ok || err != nil { // a scanned or tapped meeting check-in link
		return err
	}
	if code, ok := ParseInviteCode(token); ok { // "/start K7Q-4MX": the code typed after the command
		if inv, err := db(c).InviteByCode(code); err == nil {
			token = inv.Token
		}
	}
	if inv, err := db(c).Invite(token); err == nil && inv.LinkMember != 0 && inv.Usable(c.Now) {
		return linkContact(c, inv) // a code from /me, as a Telegram deep link
	}
	inv, target, err := usableInvite(db(c), token, c.Now)
	if err != nil {
		return SayInvalid(c, err)
	}
	if c.Me != nil {
		return addRoleByInvite(c, inv, target)
	}
	st := &regState{Token: token}
	if name, err := core.CleanFullName(c.Ev.UserName); err == nil {
		st.Name = name
	}
	return c.StartWith("reg", regName, st)
}

// addRoleByInvite gives an already registered member the invite's role, for
// example a member who becomes the secretary.
func addRoleByInvite(c *core.Ctx, inv *storage.Invite, t joinTarget) error {
	m := c.Me
	if (inv.Role == storage.RoleAdmin && m.Administers(t.orgID)) || (inv.Role != storage.RoleAdmin && m.HasRole(t.cellID, inv.Role)) {
		c.Say("start.already_member", "Cell", t.name)
		return nil
	}
	if inv.Role == storage.RoleMember && m.HomeCellID != 0 && m.HomeCellID != t.cellID {
		_, err := receiveByInvite(c, inv, t)
		return err
	}
	grant(m, inv, t)
	inv.UsedBy = append(inv.UsedBy, m.ID)
	if err := db(c).PutInvite(inv); err != nil {
		return err
	}
	if err := db(c).PutMember(m); err != nil {
		return err
	}
	if err := auditJoined(c, inv, t, m); err != nil {
		return err
	}
	c.Say("start.role_added", "Role", c.RoleName(inv.Role), "Cell", t.name)
	return nil
}

func askRegName(c *core.Ctx) error {
	st := core.StateOf[regState](c)
	_, target, err := usableInvite(db(c), st.Token, c.Now)
	if err != nil {
		c.End()
		return SayInvalid(c, err)
	}
	if name := st.Name; name != "" {
		c.Ask(c.T("reg.confirm_name", "Cell", target.name, "Name", name), 1,
			core.Opt{Label: c.T("reg.btn_name_ok"), Value: "ok"},
			core.Opt{Label: c.T("reg.btn_name_edit"), Value: "edit"})
		return nil
	}
	c.Reply(c.T("reg.type_name", "Cell", target.name))
	return nil
}

func answerRegName(c *core.Ctx, in core.Input) (core.StepName, error) {
	st := core.StateOf[regState](c)
	switch {
	case in.Choice == "ok" && st.Name != "":
		return regConsent, nil
	case in.Choice == "edit":
		st.Name = ""
		return regName, nil
	case in.Text != "":
		name, err := core.CleanFullName(in.Text)
		if err != nil {
			return "", err
		}
		st.Name = name
		return regConsent, nil
	}
	return "", core.Invalid("err.name_empty")
}

// askConsent names every kind of data kept and everyone who reads it;
// exact location only when the invite's cell keeps it.
func askConsent(c *core.Ctx) error {
	precise := false
	if inv, err := db(c).Invite(core.StateOf[regState](c).Token); err == nil && inv.CellID != 0 {
		if s, err := db(c).CheckinSettings(inv.CellID); err == nil {
			precise = s.PreciseLocation
		}
	}
	c.Ask(c.T("reg.consent", "Precise", precise), 1,
		core.Opt{Label: c.T("reg.btn_accept"), Value: "yes"},
		core.Opt{Label: c.T("reg.btn_decline"), Value: "no"})
	return nil
}

func answerConsent(c *core.Ctx, in core.Input) (core.StepName, error) {
	switch in.Choice {
	case "yes":
		return regLang, nil
	case "no":
		inv, _ := db(c).Invite(core.StateOf[regState](c).Token)
		r := &storage.Refusal{At: c.Now}
		if inv != nil {
			r.CellID = inv.CellID
		}
		if err := db(c).PutRefusal(c.Ev.Transport, c.Ev.User, r); err != nil {
			return "", err
		}
		c.Say("reg.declined")
		c.End()
		return "", nil
	}
	return "", core.Invalid("err.choose_option")
}

func answerRegLang(c *core.Ctx, in core.Input) (core.StepName, error) {
	lang, err := core.ChosenLang(in)
	if err != nil {
		return "", err
	}
	st := core.StateOf[regState](c)
	inv, target, err := usableInvite(db(c), st.Token, c.Now)
	if err != nil {
		// Used up or expired while the person was answering.
		c.End()
		return "", SayInvalid(c, err)
	}
	m := &storage.Member{
		Name:     st.Name,
		Status:   storage.Status{Kind: storage.StatusActive, SetAt: c.Now},
		Lang:     lang,
		Contacts: map[string]string{c.Ev.Transport: c.Ev.User},
		Consent:  storage.Consent{Given: true, At: c.Now},
		Joined:   c.Now,
	}
	grant(m, inv, target)
	if err := db(c).PutMember(m); errors.Is(err, storage.ErrContactTaken) {
		// The account became another member's while the person was
		// answering (a link code from /me used in another chat).
		c.End()
		c.Say("reg.contact_taken")
		return "", nil
	} else if err != nil {
		return "", err
	}
	inv.UsedBy = append(inv.UsedBy, m.ID)
	if err := db(c).PutInvite(inv); err != nil {
		return "", err
	}
	c.Me, c.Lang = m, lang
	if err := auditJoined(c, inv, target, m); err != nil {
		return "", err
	}
	c.Say("reg.done", "Name", m.Name, "Cell", target.name, "Role", c.RoleName(inv.Role))
	if inv.CreatedBy != 0 {
		if by, err := db(c).Member(inv.CreatedBy); err == nil {
			c.SendTo(by, "reg.notify_inviter", "Name", m.Name, "Cell", target.name)
		}
	}
	c.End()
	return "", nil
}

// auditJoined records that m took the invite's role (a new member, or a
// member who becomes secretary or group leader): who invited is the
// invite's creator, the one acting is m.
func auditJoined(c *core.Ctx, inv *storage.Invite, t joinTarget, m *storage.Member) error {
	return c.Audit("member_join", t.cellID, m.ID, nil, map[string]any{"role": inv.Role, "invited_by": inv.CreatedBy, "org": t.orgID})
}
