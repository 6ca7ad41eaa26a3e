package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CommuneKind is a role of the commune's party committee (đảng ủy xã/phường,
// an Organization) in chibo (DOMAIN.md, "The commune's side").
type CommuneKind string

// Commune roles. A standing member (thường trực: bí thư or phó bí thư đảng
// ủy) sees every cell of the organization; a committee member (cấp ủy viên)
// sees the cells they are assigned to follow (phụ trách chi bộ).
const (
	CommuneSecretary CommuneKind = "secretary" // bí thư đảng ủy (standing)
	CommuneDeputy    CommuneKind = "deputy"    // phó bí thư đảng ủy (standing)
	CommuneMember    CommuneKind = "member"    // cấp ủy viên
	// CommuneFollow assigns a committee member to follow one cell (CellID).
	CommuneFollow CommuneKind = "follow"
)

// Standing reports whether the kind is of the standing committee.
func (k CommuneKind) Standing() bool { return k == CommuneSecretary || k == CommuneDeputy }

// CommuneRole is one decision of the commune: a member holds a title of the
// committee, or follows a cell, from a day to a day. "What was true on that
// day" reads From and To; an assignment ended is kept, with To set.
type CommuneRole struct {
	ID       uint64      `json:"id"`
	OrgID    uint64      `json:"org_id"`
	MemberID uint64      `json:"member_id"`
	Kind     CommuneKind `json:"kind"`
	CellID   uint64      `json:"cell_id,omitempty"` // for CommuneFollow
	From     time.Time   `json:"from"`              // first day, 00:00 in the organization's zone
	To       time.Time   `json:"to,omitzero"`       // last day; zero: open-ended
	By       uint64      `json:"by"`                // who assigned it; 0: the operator's command line
	At       time.Time   `json:"at"`
	EndedBy  uint64      `json:"ended_by,omitempty"`
	EndedAt  time.Time   `json:"ended_at,omitzero"`
}

// On reports whether the role applies at t (its last day included).
func (r *CommuneRole) On(t time.Time) bool {
	if t.Before(r.From) {
		return false
	}
	return r.To.IsZero() || t.Before(r.To.AddDate(0, 0, 1))
}

func communeKey(orgID, id uint64) []byte { return append(itob(orgID), itob(id)...) }

// PutCommuneRole stores r, assigning an id when r.ID is 0. The organization
// must exist.
func (tx *Tx) PutCommuneRole(r *CommuneRole) error {
	if _, err := tx.Org(r.OrgID); err != nil {
		return fmt.Errorf("commune role's organization %d: %w", r.OrgID, err)
	}
	b := tx.tx.Bucket(bucketCommuneRoles)
	if r.ID == 0 {
		id, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.ID = id
	}
	if err := putJSON(b, communeKey(r.OrgID, r.ID), r); err != nil {
		return err
	}
	// Who is on the standing committee is who gets a giao ban's reports.
	if err := tx.touchOrgCells(r.OrgID); err != nil {
		return err
	}
	if err := tx.menusChanged(); err != nil { // a commune role has its own menu
		return err
	}
	return tx.tx.Bucket(bucketCommuneHolders).Put(pairKey(r.MemberID, r.OrgID), nil)
}

// CommuneRoles lists the organization's commune roles, ended ones too, in
// the order they were recorded.
func (tx *Tx) CommuneRoles(orgID uint64) ([]CommuneRole, error) {
	var out []CommuneRole
	prefix := itob(orgID)
	c := tx.tx.Bucket(bucketCommuneRoles).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var r CommuneRole
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("commune role %x: %w", k, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// CommuneOrgsOf lists the organizations in which the member holds or held a
// commune role.
func (tx *Tx) CommuneOrgsOf(memberID uint64) []uint64 {
	var out []uint64
	prefix := itob(memberID)
	c := tx.tx.Bucket(bucketCommuneHolders).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, btoi(k[8:]))
	}
	return out
}

// HoldsCommuneRole reports whether the member holds a commune role in force
// at t, in any organization (a role not yet begun, or ended, does not
// count). A record that does not decode counts as not in force.
func (tx *Tx) HoldsCommuneRole(memberID uint64, t time.Time) bool {
	for _, orgID := range tx.CommuneOrgsOf(memberID) {
		roles, err := tx.CommuneRoles(orgID)
		if err != nil {
			continue
		}
		for _, r := range roles {
			if r.MemberID == memberID && r.On(t) {
				return true
			}
		}
	}
	return false
}

// CommuneRolesTurned reports whether a commune role began, or ended (its
// last day over), after from and at or before to: someone's menu may have
// changed then without any record changing.
func (tx *Tx) CommuneRolesTurned(from, to time.Time) (bool, error) {
	in := func(t time.Time) bool { return t.After(from) && !t.After(to) }
	c := tx.tx.Bucket(bucketCommuneRoles).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var r CommuneRole
		if err := json.Unmarshal(v, &r); err != nil {
			return false, fmt.Errorf("commune role %x: %w", k, err)
		}
		if in(r.From) || (!r.To.IsZero() && in(r.To.AddDate(0, 0, 1))) {
			return true, nil
		}
	}
	return false, nil
}

// CommuneHolders lists the members who hold or held a commune role, once
// each, in id order.
func (tx *Tx) CommuneHolders() []uint64 {
	var out []uint64
	c := tx.tx.Bucket(bucketCommuneHolders).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if id := btoi(k[:8]); len(out) == 0 || out[len(out)-1] != id {
			out = append(out, id)
		}
	}
	return out
}

// OrgCells lists the organization's cells in id order, reading the
// organization's part of the index only.
func (tx *Tx) OrgCells(orgID uint64) ([]Cell, error) {
	return indexed(tx, bucketOrgCells, orgID, tx.Cell, "cell %d of organization %d")
}

// OrgCellIDs lists the ids of the organization's cells, in id order,
// through the index without reading the cells.
func (tx *Tx) OrgCellIDs(orgID uint64) []uint64 {
	var out []uint64
	prefix := itob(orgID)
	c := tx.tx.Bucket(bucketOrgCells).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, btoi(k[len(prefix):]))
	}
	return out
}

// FirstOrgCellID is the organization's cell with the lowest id, found by a
// seek (a due source that works once per organization does it there).
func (tx *Tx) FirstOrgCellID(orgID uint64) (uint64, bool) {
	prefix := itob(orgID)
	k, _ := tx.tx.Bucket(bucketOrgCells).Cursor().Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return 0, false
	}
	return btoi(k[len(prefix):]), true
}

// touchOrgCells asks the due sources to look at every cell of the
// organization: a briefing's schedule or time is the reminders of each.
func (tx *Tx) touchOrgCells(orgID uint64) error {
	for _, id := range tx.OrgCellIDs(orgID) {
		if err := tx.TouchCell(id); err != nil {
			return err
		}
	}
	return nil
}

// migrateOrgCellsV10 builds the index of cells by organization, so that a
// commune's overview reads its own cells, not every cell of the province
// (schema 9 → 10), in batches that resume after the last cell recorded in
// meta. Rows are keys: a batch done twice writes the same rows.
func migrateOrgCellsV10(tx *bolt.Tx, b *budget) (more bool, err error) {
	idx := tx.Bucket(bucketOrgCells)
	more, err = indexBatch(tx, bucketCells, keyOrgCellsIndexed, b, func(v []byte) error {
		var c Cell
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		return idx.Put(pairKey(c.OrgID, c.ID), nil)
	})
	if err != nil || more {
		return more, err
	}
	return false, tx.Bucket(bucketMeta).Delete(keyOrgCellsIndexed)
}

// keyOrgCellsIndexed is the meta key of the last cell the schema 10
// migration indexed, while it runs.
var keyOrgCellsIndexed = []byte("migrate10_orgcells_after")

// BriefingSettings is an organization's schedule of briefings (giao ban)
// of the standing committee with the cells' secretaries.
type BriefingSettings struct {
	OrgID uint64    `json:"org_id"`
	Spec  string    `json:"spec"` // cron spec in the organization's zone, e.g. "0 8 25 * *" (monthly) or "0 8 25 3,6,9,12 *" (quarterly)
	Place string    `json:"place,omitempty"`
	By    uint64    `json:"by"`
	At    time.Time `json:"at"`
}

// Briefing is one giao ban: when and where, the secretaries' answers to the
// notice, their reports (kept when the briefing moves) and the committee's
// conclusions per cell.
type Briefing struct {
	ID          uint64                         `json:"id"`
	OrgID       uint64                         `json:"org_id"`
	At          time.Time                      `json:"at"`
	Place       string                         `json:"place,omitempty"`
	MovedFrom   time.Time                      `json:"moved_from,omitzero"` // the time before the last move
	Noticed     time.Time                      `json:"noticed,omitzero"`    // when the first notice went out
	Cancelled   bool                           `json:"cancelled,omitempty"`
	RSVP        map[uint64]RSVP                `json:"rsvp,omitempty"`        // secretary's member id → answer
	Reports     map[uint64]*BriefingReport     `json:"reports,omitempty"`     // cell id → report
	Conclusions map[uint64]*BriefingConclusion `json:"conclusions,omitempty"` // cell id → conclusion
	Created     time.Time                      `json:"created"`
}

// BriefingReport is a cell's short report for a briefing: the figures chibo
// prefilled, and what the secretary wrote.
type BriefingReport struct {
	Figures      string    `json:"figures"`
	Done         string    `json:"done"`
	Difficulties string    `json:"difficulties"`
	By           uint64    `json:"by"`
	At           time.Time `json:"at"`
}

// BriefingConclusion is the committee's conclusion for one cell.
type BriefingConclusion struct {
	Text string    `json:"text"`
	By   uint64    `json:"by"`
	At   time.Time `json:"at"`
}

// BriefingSettingsOf returns the organization's schedule (ErrNotFound: none).
func (tx *Tx) BriefingSettingsOf(orgID uint64) (*BriefingSettings, error) {
	return getJSON[BriefingSettings](tx.tx.Bucket(bucketBriefingSettings), itob(orgID))
}

// PutBriefingSettings stores the organization's schedule.
func (tx *Tx) PutBriefingSettings(s *BriefingSettings) error {
	if err := tx.touchOrgCells(s.OrgID); err != nil {
		return err
	}
	return putJSON(tx.tx.Bucket(bucketBriefingSettings), itob(s.OrgID), s)
}

// BriefingOrgs lists the organizations with a briefing schedule.
func (tx *Tx) BriefingOrgs() []uint64 {
	var out []uint64
	_ = tx.tx.Bucket(bucketBriefingSettings).ForEach(func(k, _ []byte) error {
		out = append(out, btoi(k))
		return nil
	})
	return out
}

// PutBriefing stores b, assigning an id when b.ID is 0.
func (tx *Tx) PutBriefing(b *Briefing) error {
	bk := tx.tx.Bucket(bucketBriefings)
	if b.ID == 0 {
		id, err := bk.NextSequence()
		if err != nil {
			return err
		}
		b.ID = id
	}
	if err := tx.touchOrgCells(b.OrgID); err != nil {
		return err
	}
	return putJSON(bk, communeKey(b.OrgID, b.ID), b)
}

// Briefing returns the organization's briefing with the id.
func (tx *Tx) Briefing(orgID, id uint64) (*Briefing, error) {
	return getJSON[Briefing](tx.tx.Bucket(bucketBriefings), communeKey(orgID, id))
}

// Briefings lists the organization's briefings, newest last.
func (tx *Tx) Briefings(orgID uint64) ([]Briefing, error) {
	var out []Briefing
	prefix := itob(orgID)
	c := tx.tx.Bucket(bucketBriefings).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var b Briefing
		if err := json.Unmarshal(v, &b); err != nil {
			return nil, fmt.Errorf("briefing %x: %w", k, err)
		}
		out = append(out, b)
	}
	return out, nil
}
