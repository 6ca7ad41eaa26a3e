package core

import (
	"chibo/flows/chat"
	"chibo/storage"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// dispatch hands an event to what handles its kind; text goes to onText.
func (e *Engine) dispatch(c *Ctx, expired bool) error {
	ev := c.Ev
	switch ev.Kind {
	case chat.EventBotAdded, chat.EventBotRemoved:
		for _, f := range e.Hooks.membership {
			if err := f(c); err != nil {
				return err
			}
		}
		return nil
	case chat.EventButton:
		return e.onButton(c, ev.Data, expired)
	case chat.EventOther:
		switch {
		case ev.ChatKind == chat.ChatGroup:
			return nil // photos in the cell's group are not for chibo
		case c.conv != nil:
			return e.reask(c, Invalid("err.unsupported"))
		}
		c.Say("err.unsupported")
		return nil
	case chat.EventLocation, chat.EventContact:
		if c.conv == nil {
			c.Say("err.not_expected")
			return nil
		}
		in := Input{Location: ev.Location, Phone: ev.Phone}
		if ev.Kind == chat.EventContact && ev.SharedBy != "" && ev.SharedBy != ev.User {
			return e.reask(c, Invalid("err.contact_not_yours"))
		}
		return e.answer(c, in)
	}
	return e.onText(c, NormalizeText(ev.Text), expired)
}

// onText handles typed text, in this order: too long; the journeys' text
// hooks (outside a conversation, in private); a command; group chatter
// (ignored); empty; a cancel word; a typed choice of the buttons shown; an
// answer to the conversation; else the menu again or "not understood".
func (e *Engine) onText(c *Ctx, text string, expired bool) error {
	ev := c.Ev
	if most := e.Caps(ev.Transport).MaxText; most > 0 && Utf8Len(text) > most {
		if c.conv != nil {
			return e.reask(c, Invalid("err.too_long", "Max", most))
		}
		c.Say("err.too_long", "Max", most)
		return nil
	}
	if c.conv == nil && ev.ChatKind != chat.ChatGroup {
		for _, f := range e.Hooks.texts {
			if done, err := f(c, text); done || err != nil {
				return err
			}
		}
	}
	if strings.HasPrefix(text, "/") {
		return e.onCommand(c, text)
	}
	if ev.ChatKind == chat.ChatGroup {
		return nil // group chatter is not for chibo
	}
	if text == "" {
		if c.conv != nil {
			return e.reask(c, Invalid("err.empty"))
		}
		c.Say("err.empty")
		return nil
	}
	if cancelWords[typedWord(text)] {
		return e.onCommand(c, "/cancel")
	}
	if data, ok, err := e.typedChoice(c, text); err != nil {
		return err
	} else if ok {
		return e.onButton(c, data, false)
	}
	if c.conv != nil {
		return e.answer(c, Input{Text: text})
	}
	if expired {
		c.Say("err.conv_expired")
		return nil
	}
	if ok, err := e.reshowMenu(c); ok || err != nil {
		return err
	}
	c.Say("err.unknown_text")
	return nil
}

// ValueChoices reports whether buttons offer values: a button whose label is
// a number (a score, a day) makes a typed number that value, so the buttons
// are not numbered by position where they cannot be tapped.
func ValueChoices(bs []chat.Button) bool {
	return slices.ContainsFunc(bs, func(b chat.Button) bool { return isValueLabel(b.Label) })
}

func isValueLabel(label string) bool {
	_, err := strconv.Atoi(strings.TrimSpace(label))
	return err == nil
}

// typedChoice maps a typed number or label to the payload of a button last
// shown in this chat (transports without buttons show them numbered).
func (e *Engine) typedChoice(c *Ctx, text string) (string, bool, error) {
	o, err := c.Tx.Offer(c.Ev.Transport, c.Ev.Chat)
	if errors.Is(err, storage.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	values := slices.ContainsFunc(o.Choices, func(ch storage.Choice) bool { return isValueLabel(ch.Label) })
	if n, err := strconv.Atoi(text); err == nil && values {
		// The buttons are values (scores, days): a typed number is the
		// value, never the position of a button (issue 12).
		for _, ch := range o.Choices {
			if v, err := strconv.Atoi(strings.TrimSpace(ch.Label)); err == nil && v == n {
				return ch.Data, true, nil
			}
		}
		return "", false, nil
	} else if err == nil && n >= 1 && n <= len(o.Choices) {
		return o.Choices[n-1].Data, true, nil
	}
	key := FoldForSearch(text)
	for _, ch := range o.Choices {
		if FoldForSearch(ch.Label) == key {
			return ch.Data, true, nil
		}
	}
	data, ok := yesNoChoice(o.Choices, text)
	return data, ok, nil
}

func (e *Engine) onButton(c *Ctx, data string, expired bool) error {
	if rest, ok := strings.CutPrefix(data, "c:"); ok {
		nonce, value, _ := strings.Cut(rest, ":")
		if c.conv == nil || c.conv.Nonce != nonce {
			if expired {
				c.Say("err.conv_expired")
			} else {
				c.Say("err.stale_button")
			}
			return nil
		}
		return e.answer(c, Input{Choice: value})
	}
	name, args, _ := strings.Cut(data, ":")
	a, ok := e.actions[ActionCode(name)]
	if !ok {
		c.Say("err.stale_button")
		return nil
	}
	return a(c, args)
}

// answer gives input to the current step.
func (e *Engine) answer(c *Ctx, in Input) error {
	f := e.Flows[c.conv.Flow]
	s, ok := f.Steps[StepName(c.conv.Step)]
	if !ok || !e.allowed(c, f.Need) {
		// The flow changed under a stored conversation, or the person lost
		// the role that started it: end it rather than guess.
		c.conv = nil
		if err := c.Tx.DeleteConv(c.convKey); err != nil {
			return err
		}
		c.Say("err.conv_expired")
		return nil
	}
	before := c.conv
	next, err := s.Answer(c, in)
	if err != nil {
		return e.reask(c, err)
	}
	switch {
	case c.ended:
		c.conv = nil
		return c.Tx.DeleteConv(c.convKey)
	case c.conv != before: // the step started another flow, which is saved
		return nil
	}
	if err := checkNext(f, c.conv.Step, next); err != nil {
		return err
	}
	return c.goTo(next)
}

// reask tells the person what was wrong and asks the same step again.
func (e *Engine) reask(c *Ctx, err error) error {
	var inv *InvalidInput
	if !errors.As(err, &inv) {
		return err
	}
	c.Say(inv.MsgID, inv.KV...)
	if c.conv == nil {
		return nil
	}
	s := e.Flows[c.conv.Flow].Steps[StepName(c.conv.Step)]
	c.conv.Expires = c.Now.Add(e.Cfg.ConvTTL)
	if err := s.Ask(c); err != nil {
		return err
	}
	if err := c.saveState(); err != nil {
		return err
	}
	return c.Tx.PutConv(c.convKey, c.conv)
}

func (e *Engine) allowed(c *Ctx, need Need) bool {
	switch need {
	case NeedMember:
		return c.Me != nil
	case NeedLeader:
		return c.Me != nil && len(c.Me.LedCells()) > 0
	case NeedGroupLeader:
		return c.Me != nil && (len(c.Me.LedCells()) > 0 || LeadsGroup(c.Tx, c.Me))
	case NeedAdmin:
		return c.Me != nil && len(c.Me.AdminOf) > 0
	case NeedLeaderOrAdmin:
		return c.Me != nil && (len(c.Me.AdminOf) > 0 || len(c.Me.LedCells()) > 0)
	case NeedCommune:
		return c.Me != nil && (len(c.Me.AdminOf) > 0 || c.Tx.HoldsCommuneRole(c.Me.ID, c.Now))
	}
	return true
}

// leadsGroup reports whether m has the group leader role or leads a group of
// their home cell. It reads the index of leaders: every permission check and
// every menu level asks.
func LeadsGroup(tx *storage.Tx, m *storage.Member) bool {
	for _, r := range m.Roles {
		if r.Role == storage.RoleGroupLeader {
			return true
		}
	}
	groups, err := tx.LedGroups(m.ID)
	if err != nil {
		return false
	}
	for _, g := range groups {
		if g.CellID == m.HomeCellID {
			return true
		}
	}
	far, err := tx.LedFarGroups(m.ID)
	return err == nil && len(far) > 0
}

func (e *Engine) onCommand(c *Ctx, text string) error {
	word, args, _ := strings.Cut(text[1:], " ")
	word, _, _ = strings.Cut(word, "@") // "/help@chibo_bot" in groups
	word = strings.ToLower(word)
	args = strings.TrimSpace(args)
	cmd, ok := e.commands[word]
	if !ok {
		c.Say("err.unknown_command")
		return nil
	}
	if cmd.PrivateOnly && c.Ev.ChatKind == chat.ChatGroup {
		c.Say("err.private_only")
		return nil
	}
	if !e.allowed(c, cmd.Need) {
		switch {
		case c.Me == nil:
			c.Say("err.not_registered")
		case cmd.Need == NeedGroupLeader:
			c.Say("err.group_leaders_only")
		case cmd.Need == NeedAdmin:
			c.Say("err.admins_only")
		case cmd.Need == NeedCommune:
			c.Say("commune.roles_only")
		default:
			c.Say("err.leaders_only")
		}
		return nil
	}
	// A new command leaves whatever conversation was in progress.
	if c.conv != nil && word != "cancel" {
		c.sayLeft(c.conv.Flow)
		c.conv = nil
		if err := c.Tx.DeleteConv(c.convKey); err != nil {
			return err
		}
	}
	return cmd.Run(c, args)
}
