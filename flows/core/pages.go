package core

import (
	"errors"
	"strconv"

	"chibo/storage"
)

// Telegram refuses an inline keyboard of more than 100 buttons or more
// than 8 in a row ("reply markup is too long"). A longer list, such as the
// roll of a large cell, is shown a page at a time, with buttons to turn the
// page; the whole list is kept in the chat's offer.
const (
	MaxButtons = 100
	MaxPerRow  = 8
	PageSize   = 48
)

// pageSet is a list of choices too long for one keyboard.
type pageSet struct {
	all    []Button
	perRow int
	page   int
}

func (e *Engine) registerPages() {
	e.Actions(ActionSet{Journey: "core", Prefix: "k", Actions: map[ActionCode]Action{ActionPage: actPage}})
}

// paginate shows the first page of a message whose buttons are too many.
func paginate(c *Ctx, m *Message) {
	if m.pages != nil {
		return
	}
	all := m.Choices()
	if len(all) <= MaxButtons && rowsFit(m.Buttons) {
		return
	}
	perRow := 1
	if len(m.Buttons) > 0 {
		perRow = min(max(len(m.Buttons[0]), 1), MaxPerRow)
	}
	m.pages = &pageSet{all: all, perRow: perRow}
	m.Buttons = c.page(m.pages)
}

func rowsFit(rows [][]Button) bool {
	for _, r := range rows {
		if len(r) > MaxPerRow {
			return false
		}
	}
	return true
}

// page lays out page p.page of the list, with the buttons to turn pages.
func (c *Ctx) page(p *pageSet) [][]Button {
	from := p.page * PageSize
	to := min(from+PageSize, len(p.all))
	var rows [][]Button
	for i := from; i < to; i++ {
		if (i-from)%p.perRow == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], p.all[i])
	}
	var nav []Button
	if p.page > 0 {
		nav = append(nav, ActionButton(c.T("btn.prev_page"), ActionPage, strconv.Itoa(p.page-1)))
	}
	if to < len(p.all) {
		nav = append(nav, ActionButton(c.T("btn.next_page", "Page", p.page+2, "Pages", (len(p.all)+PageSize-1)/PageSize), ActionPage, strconv.Itoa(p.page+1)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	return rows
}

// actPage turns the page of the last long list shown in the chat: "pg:<n>".
func actPage(c *Ctx, args string) error {
	n, err := strconv.Atoi(args)
	o, oerr := c.Tx.Offer(c.Ev.Transport, c.Ev.Chat)
	if errors.Is(oerr, storage.ErrNotFound) || (oerr == nil && len(o.All) == 0) || err != nil || n < 0 || n*PageSize >= max(len(o.All), 1) {
		c.Say("err.stale_button")
		return nil
	}
	if oerr != nil {
		return oerr
	}
	p := &pageSet{perRow: max(o.PerRow, 1), page: n}
	for _, ch := range o.All {
		p.all = append(p.all, Button{Label: ch.Label, Data: ch.Data})
	}
	m := Message{Transport: c.Ev.Transport, Chat: c.Ev.Chat, Group: c.Ev.ChatKind == ChatGroup, Text: o.Text,
		Buttons: c.page(p), EditMessageID: c.Ev.MessageID, RecipientID: c.MeID(), pages: p}
	c.Emit(m)
	return nil
}
