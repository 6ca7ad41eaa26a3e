package commune

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"chibo/flows/core"
	"chibo/storage"
)

// The commune's roles: an organization admin gives a member a title of the
// committee (bí thư, phó bí thư: the standing committee; cấp ủy viên) and
// assigns committee members to follow cells (phụ trách chi bộ), in chat
// with /capuy or on the command line. Every decision takes effect from the
// day it is recorded and ends the day before it is withdrawn.

func registerRoles(e *core.Engine) {
	e.Command(&core.Command{Name: "capuy", Need: core.NeedAdmin, PrivateOnly: true, HelpID: "commune.help_capuy", MenuID: "commune.menu_capuy", Run: runCapuy})
	e.OnNoticeGuests(followersOf)
	e.MyData(80, "commune.mydata_title", myRoles)
	e.AuditWords(map[string]core.AuditFunc{
		"commune_role": auditRole,
		"commune_view": auditView,
		"score_review": auditReview,
	})
}

// Verbs of /capuy and of `chibo admin commune`.
const (
	VerbSecretary = "bithu"
	VerbDeputy    = "phobithu"
	VerbMember    = "uyvien"
	VerbFollow    = "phutrach"
	VerbUnfollow  = "bo"
	VerbEnd       = "thoi"
)

var titleOf = map[string]storage.CommuneKind{VerbSecretary: storage.CommuneSecretary, VerbDeputy: storage.CommuneDeputy, VerbMember: storage.CommuneMember}

// Result is the outcome of a change of roles in words: a message id and its
// values, for the chat and the command line alike.
type Result struct {
	MsgID string
	KV    []any
}

// refusal is a change that cannot be made; nothing is stored.
type refusal struct{ Result }

func (r *refusal) Error() string { return "commune: " + r.MsgID }

func refuse(id string, kv ...any) error { return &refusal{Result{id, kv}} }

// AsRefusal reports whether err is a change refused for a reason the person
// is told (in words: MsgID, KV).
func AsRefusal(err error) (Result, bool) {
	var r *refusal
	if errors.As(err, &r) {
		return r.Result, true
	}
	return Result{}, false
}

// today is the start of the day of c.Now in the engine's zone.
func today(c *core.Ctx) time.Time { return core.DayStart(c.Now.In(c.Zone())) }

// activeRoles are the organization's roles in force at t.
func activeRoles(c *core.Ctx, orgID uint64, t time.Time) ([]storage.CommuneRole, error) {
	all, err := db(c).CommuneRoles(orgID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, r := range all {
		if r.On(t) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Change applies one decision of the organization's admin (or the operator,
// with c.Me nil) about member m: a title, a cell to follow or to stop
// following, or the end of every role. It is audited; a change that cannot
// be made is refused (AsRefusal) with nothing stored.
func Change(c *core.Ctx, org *storage.Organization, m *storage.Member, verb string, cellID uint64) (Result, error) {
	home, err := db(c).Cell(m.HomeCellID)
	if err != nil || home.OrgID != org.ID {
		return Result{}, refuse("commune.err_not_in_org", "Name", c.MemberName(m), "Org", org.Name)
	}
	roles, err := activeRoles(c, org.ID, c.Now)
	if err != nil {
		return Result{}, err
	}
	var mine []storage.CommuneRole
	for _, r := range roles {
		if r.MemberID == m.ID {
			mine = append(mine, r)
		}
	}
	title := slices.IndexFunc(mine, func(r storage.CommuneRole) bool { return r.Kind != storage.CommuneFollow })
	switch verb {
	case VerbSecretary, VerbDeputy, VerbMember:
		kind := titleOf[verb]
		if title >= 0 && mine[title].Kind == kind {
			return Result{}, refuse("commune.err_already_title", "Name", c.MemberName(m), "Title", titleName(c, kind))
		}
		if title >= 0 {
			if err := endRole(c, &mine[title]); err != nil {
				return Result{}, err
			}
		}
		if err := addRole(c, &storage.CommuneRole{OrgID: org.ID, MemberID: m.ID, Kind: kind}); err != nil {
			return Result{}, err
		}
		return Result{"commune.title_done", []any{"Name", c.MemberName(m), "Title", titleName(c, kind), "Date", c.Date(today(c))}}, nil
	case VerbFollow, VerbUnfollow:
		cell, err := db(c).Cell(cellID)
		if err != nil || cell.OrgID != org.ID {
			return Result{}, refuse("commune.err_cell", "ID", cellID, "Org", org.Name)
		}
		i := slices.IndexFunc(mine, func(r storage.CommuneRole) bool { return r.Kind == storage.CommuneFollow && r.CellID == cellID })
		if verb == VerbUnfollow {
			if i < 0 {
				return Result{}, refuse("commune.err_not_following", "Name", c.MemberName(m), "Cell", cell.Name)
			}
			if err := endRole(c, &mine[i]); err != nil {
				return Result{}, err
			}
			return Result{"commune.unfollow_done", []any{"Name", c.MemberName(m), "Cell", cell.Name}}, nil
		}
		if title < 0 {
			return Result{}, refuse("commune.err_not_committee", "Name", c.MemberName(m))
		}
		if i >= 0 {
			return Result{}, refuse("commune.err_already_following", "Name", c.MemberName(m), "Cell", cell.Name)
		}
		if err := addRole(c, &storage.CommuneRole{OrgID: org.ID, MemberID: m.ID, Kind: storage.CommuneFollow, CellID: cellID}); err != nil {
			return Result{}, err
		}
		return Result{"commune.follow_done", []any{"Name", c.MemberName(m), "Cell", cell.Name, "Date", c.Date(today(c))}}, nil
	case VerbEnd:
		if len(mine) == 0 {
			return Result{}, refuse("commune.err_no_role", "Name", c.MemberName(m))
		}
		for i := range mine {
			if err := endRole(c, &mine[i]); err != nil {
				return Result{}, err
			}
		}
		return Result{"commune.end_done", []any{"Name", c.MemberName(m)}}, nil
	}
	return Result{}, refuse("commune.capuy_usage")
}

func addRole(c *core.Ctx, r *storage.CommuneRole) error {
	r.From, r.By, r.At = today(c), c.MeID(), c.Now
	if err := db(c).PutCommuneRole(r); err != nil {
		return err
	}
	return c.Audit("commune_role", r.CellID, r.MemberID, nil, r)
}

// endRole ends a role the day before today: from today it no longer holds.
func endRole(c *core.Ctx, r *storage.CommuneRole) error {
	before := *r
	r.To, r.EndedBy, r.EndedAt = today(c).AddDate(0, 0, -1), c.MeID(), c.Now
	if err := db(c).PutCommuneRole(r); err != nil {
		return err
	}
	return c.Audit("commune_role", r.CellID, r.MemberID, before, r)
}

func titleName(c *core.Ctx, k storage.CommuneKind) string {
	switch k {
	case storage.CommuneSecretary:
		return c.T("commune.title_secretary")
	case storage.CommuneDeputy:
		return c.T("commune.title_deputy")
	case storage.CommuneFollow:
		return c.T("commune.title_follow")
	}
	return c.T("commune.title_member")
}

// followersOf lists the committee members who follow the cell at t: its
// meeting notices' guests.
func followersOf(c *core.Ctx, cell *storage.Cell, t time.Time) ([]storage.Member, error) {
	roles, err := activeRoles(c, cell.OrgID, t)
	if err != nil {
		return nil, err
	}
	var out []storage.Member
	for _, r := range roles {
		if r.Kind != storage.CommuneFollow || r.CellID != cell.ID {
			continue
		}
		m, err := db(c).Member(r.MemberID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, nil
}

// ---- /capuy ----

// runCapuy is "/capuy" (the committee and who follows which cell) or
// "/capuy <member> <verb> [cell]": the member by number or name, the verb
// one of bithu, phobithu, uyvien, phutrach N, bo N, thoi.
func runCapuy(c *core.Ctx, args string) error {
	orgs := adminOrgs(c)
	if len(orgs) == 0 {
		c.Say("err.admins_only")
		return nil
	}
	if strings.TrimSpace(args) == "" {
		for _, org := range orgs {
			text, err := RolesText(c, &org)
			if err != nil {
				return err
			}
			c.Reply(text + "\n" + c.T("commune.capuy_usage"))
		}
		return nil
	}
	who, verb, cellID, ok := parseCapuy(args)
	if !ok {
		c.Say("commune.capuy_usage")
		return nil
	}
	m, org, err := findMember(c, orgs, who)
	if err == nil {
		var res Result
		res, err = Change(c, org, m, verb, cellID)
		if err == nil {
			c.Say(res.MsgID, res.KV...)
			return nil
		}
	}
	if r, ok := AsRefusal(err); ok {
		c.Say(r.MsgID, r.KV...)
		return nil
	}
	return err
}

func adminOrgs(c *core.Ctx) []storage.Organization {
	var out []storage.Organization
	for _, id := range c.Me.AdminOf {
		if o, err := db(c).Org(id); err == nil {
			out = append(out, *o)
		}
	}
	return out
}

// parseCapuy splits "/capuy" arguments: who, the verb and, for phutrach and
// bo, the cell's number last.
func parseCapuy(args string) (who, verb string, cellID uint64, ok bool) {
	words := strings.Fields(args)
	for i, w := range words {
		v := strings.ReplaceAll(core.FoldForSearch(w), " ", "")
		if _, title := titleOf[v]; !title && v != VerbFollow && v != VerbUnfollow && v != VerbEnd {
			continue
		}
		if i == 0 {
			return "", "", 0, false
		}
		who, verb = strings.Join(words[:i], " "), v
		rest := words[i+1:]
		switch {
		case (v == VerbFollow || v == VerbUnfollow) && len(rest) == 1:
			id, err := strconv.ParseUint(rest[0], 10, 64)
			return who, verb, id, err == nil && id > 0
		case v != VerbFollow && v != VerbUnfollow && len(rest) == 0:
			return who, verb, 0, true
		}
		return "", "", 0, false
	}
	return "", "", 0, false
}

// maxMemberHits is how many members a name lists at most per organization
// when it matches more than one.
const maxMemberHits = 10

// findMember finds who (a member's number, or their name from one of its words on,
// diacritics ignored) among the members of the admin's organizations.
func findMember(c *core.Ctx, orgs []storage.Organization, who string) (*storage.Member, *storage.Organization, error) {
	type hit struct {
		m   storage.Member
		org *storage.Organization
	}
	var hits []hit
	if id, err := strconv.ParseUint(strings.TrimPrefix(who, "#"), 10, 64); err == nil {
		m, err := db(c).Member(id)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, nil, err
		}
		if m != nil && !m.Forgotten() {
			if cell, err := db(c).Cell(m.HomeCellID); err == nil {
				for i := range orgs {
					if orgs[i].ID == cell.OrgID {
						hits = append(hits, hit{*m, &orgs[i]})
					}
				}
			}
		}
	} else {
		// Through the index of names (storage.OrgMembersNamed): a part of
		// the name from one of its words on, diacritics ignored.
		for i := range orgs {
			ms, _, err := db(c).OrgMembersNamed(orgs[i].ID, who, maxMemberHits)
			if err != nil {
				return nil, nil, err
			}
			for _, m := range ms {
				if !m.Forgotten() && storage.NameMatches(m.Name, storage.Fold(who)) {
					hits = append(hits, hit{m, &orgs[i]})
				}
			}
		}
	}
	switch len(hits) {
	case 0:
		return nil, nil, refuse("commune.err_no_member", "Who", who)
	case 1:
		return &hits[0].m, hits[0].org, nil
	}
	names := make([]string, len(hits))
	for i, h := range hits {
		names[i] = c.T("commune.member_choice", "Name", h.m.Name, "ID", h.m.ID)
	}
	return nil, nil, refuse("commune.err_many_members", "Who", who, "List", strings.Join(names, "\n"))
}

// RolesText lists the organization's committee in force today, the cells
// each follows, and the cells no one follows.
func RolesText(c *core.Ctx, org *storage.Organization) (string, error) {
	roles, err := activeRoles(c, org.ID, c.Now)
	if err != nil {
		return "", err
	}
	cells, err := db(c).OrgCells(org.ID)
	if err != nil {
		return "", err
	}
	cellName := map[uint64]string{}
	followed := map[uint64]bool{}
	for _, cell := range cells {
		cellName[cell.ID] = cell.Name
	}
	lines := []string{c.T("commune.roles_header", "Org", org.Name, "Date", c.Date(c.Now))}
	titles := 0
	for _, r := range roles {
		if r.Kind == storage.CommuneFollow {
			followed[r.CellID] = true
			continue
		}
		titles++
		var follows []string
		for _, f := range roles {
			if f.Kind == storage.CommuneFollow && f.MemberID == r.MemberID {
				follows = append(follows, fmt.Sprintf("%s (%d)", cellName[f.CellID], f.CellID))
			}
		}
		line := c.T("commune.roles_line", "Name", c.PersonName(r.MemberID), "ID", r.MemberID, "Title", titleName(c, r.Kind), "Since", c.Date(r.From))
		if len(follows) > 0 {
			line += "\n" + c.T("commune.roles_follows", "Cells", strings.Join(follows, ", "))
		}
		lines = append(lines, line)
	}
	if titles == 0 {
		lines = append(lines, c.T("commune.roles_none"))
	}
	var orphans []string
	for _, cell := range cells {
		if !followed[cell.ID] {
			orphans = append(orphans, fmt.Sprintf("%s (%d)", cell.Name, cell.ID))
		}
	}
	if len(orphans) > 0 {
		lines = append(lines, c.N("commune.roles_unfollowed", len(orphans), "Cells", strings.Join(orphans, ", ")))
	}
	return strings.Join(lines, "\n"), nil
}

// myRoles lists m's commune roles, ended ones too, for /mydata.
func myRoles(c *core.Ctx, m *storage.Member) ([]string, error) {
	var lines []string
	for _, orgID := range db(c).CommuneOrgsOf(m.ID) {
		roles, err := db(c).CommuneRoles(orgID)
		if err != nil {
			return nil, err
		}
		for _, r := range roles {
			if r.MemberID != m.ID {
				continue
			}
			what := titleName(c, r.Kind)
			if r.Kind == storage.CommuneFollow {
				name := ""
				if cell, err := db(c).Cell(r.CellID); err == nil {
					name = cell.Name
				}
				what = c.T("commune.audit_follow", "Cell", name)
			}
			to := c.T("commune.mydata_open")
			if !r.To.IsZero() {
				to = c.Date(r.To)
			}
			lines = append(lines, c.T("commune.mydata_line", "Role", what, "From", c.Date(r.From), "To", to))
		}
	}
	return lines, nil
}
