package members

import (
	"chibo/flows/core"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"time"

	"chibo/storage"
)

// Invite codes: the Zalo Bot Platform has no start payload, so an invite is
// also a short code a person sends to the bot ("K7Q-4MX": six characters of
// codeAlphabet, ~30 bits; an invite lives days and is single use by
// default). Typed in any case, with spaces or the dash, or without.
const inviteCodeLen = 6

// linkCodeTTL is how long a code from /me that links another messenger
// works: the member uses it at once, on the phone in their hand.
const linkCodeTTL = 24 * time.Hour

func registerInviteCodes(e *core.Engine) {
	e.OnText(func(c *core.Ctx, text string) (bool, error) {
		code, ok := ParseInviteCode(text)
		if !ok {
			return false, nil
		}
		return onInviteCode(c, code)
	})
}

// newInviteCode picks a code no stored invite has.
func newInviteCode(tx store) (string, error) {
	for {
		var b [inviteCodeLen]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(err) // crypto/rand never fails on Linux
		}
		for i := range b {
			b[i] = core.CodeAlphabet[int(b[i])%len(core.CodeAlphabet)]
		}
		code := string(b[:])
		if _, err := tx.InviteByCode(code); errors.Is(err, storage.ErrNotFound) {
			return code, nil
		} else if err != nil {
			return "", err
		}
	}
}

// AddInviteCode gives inv a fresh short code.
func AddInviteCode(tx store, inv *storage.Invite) error {
	code, err := newInviteCode(tx)
	inv.Code = code
	return err
}

// FormatInviteCode shows a code as people read it: "K7Q-4MX".
func FormatInviteCode(code string) string {
	if len(code) != inviteCodeLen {
		return code
	}
	return code[:3] + "-" + code[3:]
}

// ParseInviteCode reads a typed code: case, spaces and dashes ignored.
func ParseInviteCode(text string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(text) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case r < 128 && strings.ContainsRune(core.CodeAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	code := b.String()
	return code, len(code) == inviteCodeLen
}

// onInviteCode handles text shaped like an invite code. It reports false
// when the text is not a known code and the person is registered: then the
// text is an ordinary answer (a six-letter word).
func onInviteCode(c *core.Ctx, code string) (bool, error) {
	inv, err := db(c).InviteByCode(code)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		if c.Me != nil {
			return false, nil
		}
		c.Say("zalo.code_unknown")
		return true, nil
	case err != nil:
		return true, err
	case !c.Now.Before(inv.Expires):
		c.Say("zalo.code_expired")
		return true, nil
	case !inv.Usable(c.Now):
		c.Say("zalo.code_used")
		return true, nil
	case inv.LinkMember != 0:
		return true, linkContact(c, inv)
	}
	return true, runStart(c, inv.Token)
}

// linkContact links the messenger the code was sent from to the member who
// asked for the code in /me: one member record, reachable on both.
func linkContact(c *core.Ctx, inv *storage.Invite) error {
	if c.Me != nil {
		if c.Me.ID == inv.LinkMember {
			c.Say("zalo.link_already")
		} else {
			c.Say("zalo.link_other_member")
		}
		return nil
	}
	m, err := db(c).Member(inv.LinkMember)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("zalo.code_unknown")
		return nil
	}
	if err != nil {
		return err
	}
	before := map[string]any{"transports": transportsOf(m)}
	if m.Contacts == nil {
		m.Contacts = map[string]string{}
	}
	m.Contacts[c.Ev.Transport] = c.Ev.User
	if err := db(c).PutMember(m); errors.Is(err, storage.ErrContactTaken) {
		c.Say("zalo.link_other_member")
		return nil
	} else if err != nil {
		return err
	}
	inv.UsedBy = append(inv.UsedBy, m.ID)
	if err := db(c).PutInvite(inv); err != nil {
		return err
	}
	c.Me = m
	c.Lang = core.LangOf(m, c.E.Cfg.DefaultLang)
	if err := c.Audit("contact_link", m.HomeCellID, m.ID, before, map[string]any{"transports": transportsOf(m)}); err != nil {
		return err
	}
	c.Say("zalo.link_done", "Name", m.Name, "Transport", messengerName(c.Ev.Transport))
	return nil
}

func transportsOf(m *storage.Member) []string {
	var out []string
	for t := range m.Contacts {
		out = append(out, t)
	}
	return out
}

// actLinkCode is the /me button that makes a one-time code linking another
// messenger to the caller's record.
func actLinkCode(c *core.Ctx, _ string) error {
	if c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	inv := &storage.Invite{Token: NewToken(), LinkMember: c.Me.ID, Role: storage.RoleMember, CreatedBy: c.Me.ID, Created: c.Now, Expires: c.Now.Add(linkCodeTTL)}
	if err := AddInviteCode(db(c), inv); err != nil {
		return err
	}
	if err := db(c).PutInvite(inv); err != nil {
		return err
	}
	// The code stays out of the audit: it is the link's secret.
	if err := c.Audit("link_code_create", c.Me.HomeCellID, c.Me.ID, nil, map[string]any{"expires": inv.Expires}); err != nil {
		return err
	}
	c.Say("zalo.link_code", "Code", FormatInviteCode(inv.Code), "Until", c.Date(inv.Expires))
	if link := c.E.Cfg.InviteLink(inv.Token); strings.HasPrefix(link, "https://") {
		c.Say("zalo.link_code_telegram", "Link", link)
	}
	return nil
}

// sayInviteCode adds the invite's code to the invite message, for people on
// Zalo.
func SayInviteCode(c *core.Ctx, inv *storage.Invite) {
	if inv.Code != "" {
		c.Say("zalo.invite_code", "Code", FormatInviteCode(inv.Code))
	}
}

// messengerName is a transport's brand name.
func messengerName(transport string) string {
	switch transport {
	case "zalo":
		return "Zalo"
	case "telegram":
		return "Telegram"
	}
	return transport
}

// messengersOf names the messengers a member is reachable on, for the
// secretary's list.
func messengersOf(m *storage.Member) string {
	names := make([]string, 0, len(m.Contacts))
	for t := range m.Contacts {
		names = append(names, messengerName(t))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
