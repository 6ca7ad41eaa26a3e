package residence

import (
	"chibo/flows/chat"
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
	"fmt"
	"strings"
	"time"
)

// runResidence is /residence: the member's own link, reports and comment,
// and for secretaries and deputies the tools of the cells they lead.
func runResidence(c *core.Ctx, _ string) error {
	year := c.Now.In(c.Zone()).Year()
	l, err := db(c).ResidenceLink(c.Me.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	switch {
	case l == nil && len(c.Me.LedCells()) > 0:
		// A secretary or deputy sees their cells' tools below; a leader who
		// also works at an agency finds the request button there.
	case l == nil:
		c.Reply(c.T("res.not_linked"), []chat.Button{core.ActionButton(c.T("res.btn_request"), codeResidence, "req")})
	case l.Pending:
		c.Reply(c.T("res.pending_view", "Link", linkText(c, l), "Date", c.Date(l.RequestedAt)),
			[]chat.Button{core.ActionButton(c.T("res.btn_request_again"), codeResidence, "req")})
	default:
		if err := memberResidenceView(c, c.Me, l, year); err != nil {
			return err
		}
	}
	for _, id := range c.Me.LedCells() {
		cell, err := db(c).Cell(id)
		if err != nil {
			continue
		}
		if err := leaderResidenceView(c, cell, year); err != nil {
			return err
		}
	}
	return nil
}

// memberResidenceView shows a linked member their link, the year's reports
// and the comment once given.
func memberResidenceView(c *core.Ctx, m *storage.Member, l *storage.ResidenceLink, year int) error {
	var b strings.Builder
	b.WriteString(c.T("res.view_header", "Name", m.Name))
	b.WriteString("\n")
	b.WriteString(linkText(c, l))
	reports, err := db(c).ResidenceReports(m.ID, year)
	if err != nil {
		return err
	}
	b.WriteString("\n\n")
	b.WriteString(c.N("res.view_reports", len(reports), "Year", year))
	for _, r := range reports {
		b.WriteString("\n")
		b.WriteString(reportLine(c, &r))
	}
	rows := [][]chat.Button{{core.ActionButton(c.T("res.btn_report"), codeResidence, "rep")}}
	cm, cyear, err := latestComment(db(c), m.ID, year)
	if err != nil {
		return err
	}
	b.WriteString("\n\n")
	switch {
	case cm != nil:
		b.WriteString(c.T("res.view_comment_given", "Year", cyear, "Date", c.Date(cm.At)))
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_view_comment", "Year", cyear), codeCommentView, fmt.Sprintf("%d:%d", m.ID, cyear))})
	case l.Status == storage.ResidenceWithComment:
		b.WriteString(c.T("res.view_comment_none", "Year", year))
	default:
		b.WriteString(c.T("res.view_no_comment_needed"))
	}
	c.Reply(b.String(), rows...)
	return nil
}

// latestComment is the member's comment of year, or else of the year before.
func latestComment(tx store, memberID uint64, year int) (*storage.ResidenceComment, int, error) {
	for _, y := range []int{year, year - 1} {
		cm, err := tx.ResidenceComment(memberID, y)
		if err == nil {
			return cm, y, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return nil, 0, err
		}
	}
	return nil, 0, nil
}

func reportLine(c *core.Ctx, r *storage.ResidenceReport) string {
	d, _ := time.ParseInLocation("2006-01-02", r.Date, c.Zone())
	if r.Text != "" {
		return c.T("res.report_line_text", "Date", c.Date(d), "Kind", resKindName(c, r.Kind), "Text", r.Text)
	}
	return c.T("res.report_line", "Date", c.Date(d), "Kind", resKindName(c, r.Kind))
}

// leaderResidenceView shows a secretary or deputy the working members linked
// to their cell, the requests waiting, the comment round, and the cell's own
// members linked to residence cells elsewhere.
func leaderResidenceView(c *core.Ctx, cell *storage.Cell, year int) error {
	links, err := db(c).ResidenceLinks(cell.ID)
	if err != nil {
		return err
	}
	active, pending, owed, given := 0, 0, 0, 0
	for _, l := range links {
		if l.Pending {
			pending++
			continue
		}
		active++
		if l.Status == storage.ResidenceWithComment {
			owed++
			if _, err := db(c).ResidenceComment(l.MemberID, year); err == nil {
				given++
			}
		}
	}
	away, err := homeMembersLinked(db(c), cell.ID)
	if err != nil {
		return err
	}
	id := fmt.Sprint(cell.ID)
	rows := [][]chat.Button{
		{core.ActionButton(c.T("res.btn_list"), codeResidence, "list:"+id), core.ActionButton(c.T("res.btn_add"), codeResidence, "add:"+id)},
	}
	if owed > given {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_comment_round"), codeResidence, "cm:"+id)})
	}
	if given > 0 {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_export"), codeResidence, "x:"+id)})
	}
	if len(away) > 0 {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_home"), codeResidence, "home:"+id)})
	}
	if _, err := db(c).ResidenceLink(c.Me.ID); errors.Is(err, storage.ErrNotFound) {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_request"), codeResidence, "req")})
	}
	c.Reply(c.T("res.leader_view", "Cell", cell.Name, "Active", active, "Pending", pending, "Year", year, "Given", given, "Owed", owed, "Away", len(away)), rows...)
	return nil
}

// homeMembersLinked lists the members of a home cell who are linked to a
// residence cell (confirmed), with their links.
func homeMembersLinked(tx store, cellID uint64) ([]members.LinkedMember, error) {
	ms, err := tx.Members(cellID)
	if err != nil {
		return nil, err
	}
	var out []members.LinkedMember
	for i := range ms {
		l, err := tx.ResidenceLink(ms[i].ID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if l.Active() {
			out = append(out, members.LinkedMember{M: ms[i], L: *l})
		}
	}
	return out, nil
}

// listLinked shows the residence cell's linked members and the requests
// waiting for a decision, with their buttons.
func listLinked(c *core.Ctx, cell *storage.Cell) error {
	links, err := db(c).ResidenceLinks(cell.ID)
	if err != nil {
		return err
	}
	if len(links) == 0 {
		c.Say("res.list_empty", "Cell", cell.Name)
		return nil
	}
	year := c.Now.In(c.Zone()).Year()
	var b strings.Builder
	b.WriteString(c.N("res.list_header", len(links), "Cell", cell.Name))
	var rows [][]chat.Button
	for i, l := range links {
		m, err := db(c).Member(l.MemberID)
		if err != nil {
			continue
		}
		home := homeLabel(c, m, &l)
		b.WriteString("\n")
		if l.Pending {
			b.WriteString(c.T("res.list_line_pending", "N", i+1, "Name", m.Name, "Home", home, "Workplace", l.Workplace))
			rows = append(rows, []chat.Button{
				core.ActionButton(c.T("res.btn_confirm_name", "Name", core.CkShorten(m.Name, 24)), codeLinkRequest, linkRequestArgs(&l, "a")),
				core.ActionButton(c.T("res.btn_refuse"), codeLinkRequest, linkRequestArgs(&l, "r")),
			})
			continue
		}
		state := resStatusName(c, l.Status)
		if l.Status == storage.ResidenceWithComment {
			if _, err := db(c).ResidenceComment(m.ID, year); err == nil {
				state = c.T("res.list_commented", "Year", year)
				rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_view_name", "Name", core.CkShorten(m.Name, 40)), codeCommentView, fmt.Sprintf("%d:%d", m.ID, year))})
			}
		}
		b.WriteString(c.T("res.list_line", "N", i+1, "Name", m.Name, "Home", home, "Workplace", l.Workplace, "State", state))
	}
	c.Reply(b.String(), rows...)
	return nil
}

// homeLabel names the member's own cell, or, when it does not use chibo,
// the workplace party organisation they gave.
func homeLabel(c *core.Ctx, m *storage.Member, l *storage.ResidenceLink) string {
	if hc, err := db(c).Cell(m.HomeCellID); err == nil {
		return cellName(c, hc)
	}
	return l.WorkplaceOrg
}

// listHomeLinked shows a home cell's leader their members linked to
// residence cells and whether the year's comment came.
func listHomeLinked(c *core.Ctx, cell *storage.Cell) error {
	away, err := homeMembersLinked(db(c), cell.ID)
	if err != nil {
		return err
	}
	year := c.Now.In(c.Zone()).Year()
	var b strings.Builder
	b.WriteString(c.N("res.home_header", len(away), "Cell", cell.Name))
	var rows [][]chat.Button
	for _, lm := range away {
		rc := ""
		if rcell, err := db(c).Cell(lm.L.CellID); err == nil {
			rc = cellName(c, rcell)
		}
		b.WriteString("\n")
		cm, cyear, err := latestComment(db(c), lm.M.ID, year)
		if err != nil {
			return err
		}
		if cm != nil {
			b.WriteString(c.T("res.home_line_given", "Name", lm.M.Name, "Cell", rc, "Year", cyear))
			rows = append(rows, []chat.Button{core.ActionButton(c.T("res.btn_view_name", "Name", core.CkShorten(lm.M.Name, 40)), codeCommentView, fmt.Sprintf("%d:%d", lm.M.ID, cyear))})
			continue
		}
		b.WriteString(c.T("res.home_line", "Name", lm.M.Name, "Cell", rc, "Status", resStatusName(c, lm.L.Status)))
	}
	c.Reply(b.String(), rows...)
	return nil
}
