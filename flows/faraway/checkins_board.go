package faraway

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"chibo/flows/chat"
	"chibo/storage"
)

// boardView is what one leader may see of a cell's far-away members.
type boardView struct {
	r       ckRules
	members []*storage.Member // in scope, id order
	details bool              // may see check-in answers (secretary, group leader)
}

// boardFor decides which members of the cell the caller may see on the
// board: all for the secretary and deputy, their group's for a group
// leader. ok is false when the caller may see nothing.
func boardFor(c *core.Ctx, cell *storage.Cell) (*boardView, bool, error) {
	leads := c.Me.Leads(cell.ID)
	secretary := c.Me.HasRole(cell.ID, storage.RoleSecretary)
	ms, err := db(c).Members(cell.ID)
	if err != nil {
		return nil, false, err
	}
	r, err := ckRulesOf(c, cell)
	if err != nil {
		return nil, false, err
	}
	v := &boardView{r: r, details: true}
	leaderOfAny := false
	for i := range ms {
		m := &ms[i]
		mine := members.CkGroupLeader(c.Tx, m) == c.Me.ID
		leaderOfAny = leaderOfAny || mine
		if leads || mine {
			v.members = append(v.members, m)
		}
	}
	if !leads && !leaderOfAny {
		groups, err := db(c).Groups(cell.ID)
		if err != nil {
			return nil, false, err
		}
		for _, g := range groups {
			leaderOfAny = leaderOfAny || g.LeaderID == c.Me.ID
		}
		if !leaderOfAny {
			return nil, false, nil
		}
	}
	// A deputy sees who reported, not what (only the member, their group
	// leader and the secretary see a check-in).
	v.details = secretary || !leads
	return v, true, nil
}

// canSeeCheckins reports whether the caller may read m's check-ins.
func canSeeCheckins(c *core.Ctx, m *storage.Member) bool {
	return c.Me != nil && (c.Me.ID == m.ID || c.Me.HasRole(m.HomeCellID, storage.RoleSecretary) || members.CkGroupLeader(c.Tx, m) == c.Me.ID)
}

// boardCell is the cell whose board the caller sees: the home cell when
// they lead it, else the first cell they lead.
func boardCell(c *core.Ctx) (*storage.Cell, error) {
	id := c.Me.HomeCellID
	if led := c.Me.LedCells(); len(led) > 0 && !c.Me.Leads(id) {
		id = led[0]
	}
	return db(c).Cell(id)
}

func runBoard(c *core.Ctx, _ string) error {
	far, err := db(c).LedFarGroups(c.Me.ID)
	if err != nil {
		return err
	}
	for i := range far {
		if err := showFarGroupBoard(c, &far[i]); err != nil {
			return err
		}
	}
	if len(far) > 0 && len(c.Me.LedCells()) == 0 && !leadsCellGroup(c) {
		return nil // a far group's leader only: its board is all they follow
	}
	cell, err := boardCell(c)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("board.not_allowed")
		return nil
	}
	if err != nil {
		return err
	}
	return showBoard(c, cell)
}

// leadsCellGroup reports whether the caller leads a group of their own cell.
func leadsCellGroup(c *core.Ctx) bool {
	if c.Me.HasRole(c.Me.HomeCellID, storage.RoleGroupLeader) {
		return true
	}
	gs, err := db(c).LedGroups(c.Me.ID)
	return err == nil && slices.ContainsFunc(gs, func(g storage.Group) bool { return g.CellID == c.Me.HomeCellID })
}

func showBoard(c *core.Ctx, cell *storage.Cell) error {
	v, ok, err := boardFor(c, cell)
	if err != nil {
		return err
	}
	if !ok {
		c.Say("board.not_allowed")
		return nil
	}
	p := v.r.current(c.Now)
	var done, late, missing []string
	var shown []*storage.Member
	for _, m := range v.members {
		cks, err := checkinsByPeriod(db(c), m.ID)
		if err != nil {
			return err
		}
		ck := cks[p.String()]
		if ck == nil && !v.r.expected(m, p, c.Now) {
			if farAwayAt(m, c.Now) { // away, but this month's report was not asked of them
				shown = append(shown, m)
				missing = append(missing, c.T("board.not_asked_line", "Name", m.Name))
			}
			continue
		}
		shown = append(shown, m)
		switch {
		case ck != nil && ck.Late:
			late = append(late, c.T("board.late_line", "Name", m.Name, "Date", c.Date(ck.At)))
		case ck != nil:
			line := c.T("board.done_line", "Name", m.Name, "Date", c.Date(ck.At))
			if ck.Same {
				line += c.T("board.same_note")
			}
			done = append(done, line)
		default:
			n, since := v.r.silentStreak(m, func(q string) bool { return cks[q] != nil }, p, c.Now)
			if n <= 1 && c.Now.Before(v.r.deadline(p)) {
				missing = append(missing, c.T("board.pending_line", "Name", m.Name))
			} else {
				missing = append(missing, silentText(c, m.Name, n, since))
			}
		}
	}
	var settings []chat.Button
	if c.Me.Leads(cell.ID) {
		settings = []chat.Button{core.ActionButton(c.T("ckset.btn_open"), codeCheckinSettings, fmt.Sprint(cell.ID))}
	}
	if len(shown) == 0 {
		if settings != nil {
			c.Reply(c.T("board.empty", "Cell", cell.Name), settings)
		} else {
			c.Say("board.empty", "Cell", cell.Name)
		}
		return nil
	}
	parts := []string{c.T("board.header", "Cell", cell.Name, "Month", p.Label(), "Date", c.Date(v.r.lastDay(p)))}
	section := func(id string, lines []string) {
		if len(lines) > 0 {
			parts = append(parts, c.N(id, len(lines))+"\n"+strings.Join(lines, "\n"))
		}
	}
	section("board.section_done", done)
	section("board.section_late", late)
	section("board.section_missing", missing)
	var rows [][]chat.Button
	if v.details {
		rows = append(rows, []chat.Button{core.ActionButton(c.T("board.btn_export"), codeBoardExport, fmt.Sprintf("%d:%s", cell.ID, p))})
		for _, m := range shown {
			rows = append(rows, []chat.Button{core.ActionButton(c.T("board.btn_history", "Name", m.Name), codeBoardHistory, fmt.Sprint(m.ID)), members.DuesButton(c, m)})
		}
	}
	if settings != nil {
		rows = append(rows, settings)
	}
	c.Reply(strings.Join(parts, "\n\n"), rows...)
	return nil
}

// actionBoardOpen shows the board of the cell in args (from a silent list).
func actionBoardOpen(c *core.Ctx, args string) error {
	cell, ok, err := members.ButtonCell(c, args)
	if !ok {
		return err
	}
	return showBoard(c, cell)
}

// actionBoardExport sends the month's check-ins in full, as messages that
// read well on a phone: "<cell>:<yyyy-mm>".
func actionBoardExport(c *core.Ctx, args string) error {
	cs, ps, _ := strings.Cut(args, ":")
	id, err := strconv.ParseUint(cs, 10, 64)
	p, okp := core.ParsePeriod(ps)
	if err != nil || !okp || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	cell, err := db(c).Cell(id)
	if errors.Is(err, storage.ErrNotFound) {
		c.Say("err.stale_button")
		return nil
	}
	if err != nil {
		return err
	}
	v, ok, err := boardFor(c, cell)
	if err != nil {
		return err
	}
	if !ok || !v.details {
		c.Say("board.not_allowed")
		return nil
	}
	form, err := ckFormOf(db(c), cell)
	if err != nil {
		return err
	}
	var blocks []string
	for _, m := range v.members {
		ck, err := db(c).Checkin(m.ID, p.String())
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if ck == nil && !v.r.expected(m, p, c.Now) {
			continue
		}
		n := len(blocks) + 1
		switch {
		case ck == nil:
			blocks = append(blocks, c.T("board.export_missing", "N", n, "Name", m.Name))
		case ck.Late:
			blocks = append(blocks, c.T("board.export_late", "N", n, "Name", m.Name, "Date", c.Date(ck.At))+"\n"+ckSummary(c, form, ck.Period, ck.Answers))
		default:
			blocks = append(blocks, c.T("board.export_done", "N", n, "Name", m.Name, "Date", c.Date(ck.At))+"\n"+ckSummary(c, form, ck.Period, ck.Answers))
		}
	}
	if len(blocks) == 0 {
		c.Say("board.empty", "Cell", cell.Name)
		return nil
	}
	c.Reply(c.T("board.export_header", "Cell", cell.Name, "Month", p.Label()) + "\n\n" + strings.Join(blocks, "\n\n"))
	return nil
}

// actionBoardHistory shows a member's check-ins month by month: "<member>".
func actionBoardHistory(c *core.Ctx, args string) error {
	id, err := strconv.ParseUint(args, 10, 64)
	if err != nil || c.Me == nil {
		c.Say("err.stale_button")
		return nil
	}
	m, err := db(c).Member(id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !canSeeCheckins(c, m)) {
		c.Say("board.not_allowed")
		return nil
	}
	if err != nil {
		return err
	}
	r, ok, err := ckMemberRules(c, m)
	if err != nil || !ok {
		if err == nil {
			c.Say("board.not_allowed")
		}
		return err
	}
	form, err := ckFormOf(db(c), r.cell)
	if err != nil {
		return err
	}
	cks, err := checkinsByPeriod(db(c), m.ID)
	if err != nil {
		return err
	}
	cur := r.current(c.Now)
	var lines []string
	var latest *storage.Checkin
	for q := cur; !q.Before(cur.Add(-(r.s.RetentionMonths - 1))); q = q.Add(-1) {
		ck := cks[q.String()]
		if latest == nil {
			latest = ck
		}
		switch {
		case ck != nil:
			line := c.T("board.history_done", "Month", q.Label(), "Date", c.Date(ck.At))
			if ck.Late {
				line += c.T("board.late_note")
			}
			if ck.Same {
				line += c.T("board.same_note")
			}
			if ck.Corrections > 0 {
				line += c.T("board.corrected_note", "Date", c.Date(ck.Updated))
			}
			lines = append(lines, line)
		case !r.expected(m, q, c.Now):
		case q == cur && c.Now.Before(r.deadline(q)):
			lines = append(lines, c.T("board.history_pending", "Month", q.Label()))
		default:
			lines = append(lines, c.T("board.history_missing", "Month", q.Label()))
		}
	}
	if len(lines) == 0 {
		c.Say("board.history_empty", "Name", m.Name)
		return nil
	}
	text := c.T("board.history_header", "Name", m.Name) + "\n" + strings.Join(lines, "\n")
	if latest != nil {
		text += "\n\n" + c.T("board.history_latest", "Month", c.MonthLabel(latest.Period)) + "\n" + ckSummary(c, form, latest.Period, latest.Answers)
	}
	c.Reply(text)
	return nil
}
