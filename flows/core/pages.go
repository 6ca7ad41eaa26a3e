package core

import (
	"errors"
	"strconv"

	"chibo/flows/chat"
	"chibo/storage"
)

// A list of choices longer than a messenger takes in one message (its
// Caps: buttons in all and in a row), such as the roll of a large cell, is
// shown a page at a time, with buttons to turn the page; the whole list is
// kept in the chat's offer.
//
// PageSize is how many choices a page shows where the messenger takes them
// (fewer where it does not: pageSize).
const PageSize = 48

// navButtons is how many buttons turn pages: back and on.
const navButtons = 2

// pageSet is a list of choices too long for one keyboard.
type pageSet struct {
	all    []chat.Button
	perRow int
	page   int
}

func (e *Engine) registerPages() {
	e.Actions(ActionSet{Journey: "core", Prefix: "k", Actions: map[ActionCode]Action{ActionPage: actPage}})
}

// paginate shows the first page of a message whose buttons are too many for
// caps, and returns the whole list; nil when they fit.
func paginate(c *Ctx, m *chat.Message, caps chat.Caps) *pageSet {
	all := m.Choices()
	if (caps.MaxButtons == 0 || len(all) <= caps.MaxButtons) && rowsFit(m.Buttons, caps.MaxPerRow) {
		return nil
	}
	perRow := 1
	if len(m.Buttons) > 0 {
		perRow = max(len(m.Buttons[0]), 1)
	}
	if caps.MaxPerRow > 0 {
		perRow = min(perRow, caps.MaxPerRow)
	}
	p := &pageSet{all: all, perRow: perRow}
	m.Buttons = c.page(p, caps)
	return p
}

func rowsFit(rows [][]chat.Button, most int) bool {
	for _, r := range rows {
		if most > 0 && len(r) > most {
			return false
		}
	}
	return true
}

// pageSize is how many choices a page shows on a messenger that takes caps:
// PageSize, or as many as leave room for the page-turning buttons, in full
// rows.
func pageSize(caps chat.Caps, perRow int) int {
	n := PageSize
	if caps.MaxButtons > 0 && n+navButtons > caps.MaxButtons {
		n = max(caps.MaxButtons-navButtons, 1)
		if n > perRow {
			n -= n % perRow
		}
	}
	return n
}

// page lays out page p.page of the list, with the buttons to turn pages.
func (c *Ctx) page(p *pageSet, caps chat.Caps) [][]chat.Button {
	size := pageSize(caps, p.perRow)
	from := p.page * size
	to := min(from+size, len(p.all))
	var rows [][]chat.Button
	for i := from; i < to; i++ {
		if (i-from)%p.perRow == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], p.all[i])
	}
	var nav []chat.Button
	if p.page > 0 {
		nav = append(nav, ActionButton(c.T("btn.prev_page"), ActionPage, strconv.Itoa(p.page-1)))
	}
	if to < len(p.all) {
		nav = append(nav, ActionButton(c.T("btn.next_page", "Page", p.page+2, "Pages", (len(p.all)+size-1)/size), ActionPage, strconv.Itoa(p.page+1)))
	}
	for len(nav) > 0 {
		n := len(nav)
		if caps.MaxPerRow > 0 {
			n = min(n, caps.MaxPerRow)
		}
		rows, nav = append(rows, nav[:n]), nav[n:]
	}
	return rows
}

// actPage turns the page of the last long list shown in the chat: "pg:<n>".
func actPage(c *Ctx, args string) error {
	n, err := strconv.Atoi(args)
	o, oerr := c.Tx.Offer(c.Ev.Transport, c.Ev.Chat)
	caps := c.E.Caps(c.Ev.Transport)
	if errors.Is(oerr, storage.ErrNotFound) || (oerr == nil && len(o.All) == 0) || err != nil || n < 0 || n*pageSize(caps, max(o.PerRow, 1)) >= max(len(o.All), 1) {
		c.Say("err.stale_button")
		return nil
	}
	if oerr != nil {
		return oerr
	}
	p := &pageSet{perRow: max(o.PerRow, 1), page: n}
	for _, ch := range o.All {
		p.all = append(p.all, chat.Button{Label: ch.Label, Data: ch.Data})
	}
	c.Emit(chat.Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, Group: c.Ev.ChatKind == chat.ChatGroup, Text: o.Text,
		Buttons: c.page(p, caps), EditMessageID: c.Ev.MessageID, RecipientID: c.MeID()})
	if c.pages == nil {
		c.pages = map[int]*pageSet{}
	}
	c.pages[len(c.Out)-1] = p
	return nil
}
