package storage

import (
	"encoding/json"
	"slices"
	"time"
)

// Organization is a commune or ward party committee (đảng bộ xã/phường), the
// level above several cells.
type Organization struct {
	ID      uint64    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// Cell is a party cell (chi bộ), the unit that meets monthly.
type Cell struct {
	ID    uint64 `json:"id"`
	OrgID uint64 `json:"org_id"`
	Name  string `json:"name"`
	TZ    string `json:"tz,omitempty"` // IANA zone; empty means the server's default
	// GroupChats are the cell's linked group chats, by transport: meeting
	// notices also go there.
	GroupChats map[string]string `json:"group_chats,omitempty"`
	Created    time.Time         `json:"created"`
}

// Group is a party group (tổ đảng) inside a cell, for example the members
// working far from home, followed by a group leader.
type Group struct {
	ID       uint64 `json:"id"`
	CellID   uint64 `json:"cell_id"`
	Name     string `json:"name"`
	LeaderID uint64 `json:"leader_id,omitempty"`
}

// Role is what a member may do in one cell.
type Role string

// Roles in a cell.
const (
	RoleMember      Role = "member"
	RoleSecretary   Role = "secretary"
	RoleDeputy      Role = "deputy"
	RoleGroupLeader Role = "group_leader"
	// RoleAdmin administers an organization (Invite.OrgID): creates cells
	// and invites their secretaries.
	RoleAdmin Role = "admin"
)

// CellRole gives a member a role in a cell.
type CellRole struct {
	CellID uint64 `json:"cell_id"`
	Role   Role   `json:"role"`
}

// StatusKind is a member's standing in their home cell (DOMAIN.md §3,
// "Exemption and transfer").
type StatusKind string

// Member statuses.
const (
	StatusActive         StatusKind = "active"
	StatusExempt         StatusKind = "exempt"          // old age or weak health, decided by the cell
	StatusFarAway        StatusKind = "far_away"        // working far away (from, to); Exempt: a temporary exemption granted
	StatusTransferredOut StatusKind = "transfer_out"    // temporarily transferred out (from, to)
	StatusTransferredIn  StatusKind = "transfer_in"     // temporarily transferred in (from, to)
	StatusLeft           StatusKind = "transferred_out" // officially transferred out
)

// StatusKinds lists every status in the order a secretary sees them.
var StatusKinds = []StatusKind{StatusActive, StatusExempt, StatusFarAway, StatusTransferredOut, StatusTransferredIn, StatusLeft}

// HasPeriod reports whether the status is for a period with start and end dates.
func (k StatusKind) HasPeriod() bool {
	return k == StatusFarAway || k == StatusTransferredOut || k == StatusTransferredIn
}

// Status is a member's status with the day it takes effect, its period and
// who decided it when. From is the effective date (for every kind); SetAt is
// when it was decided. A status recorded before effective dates were asked
// for every kind has a zero From and takes effect when it was decided.
type Status struct {
	Kind StatusKind `json:"kind"`
	From time.Time  `json:"from,omitzero"`
	To   time.Time  `json:"to,omitzero"` // last day of a period; zero: open-ended
	// Exempt, for StatusFarAway, says the cell granted a temporary exemption
	// from meetings for the period (DOMAIN.md §3): without it a member working
	// far away is still expected (and can be excused).
	Exempt bool      `json:"exempt,omitempty"`
	Reason string    `json:"reason,omitempty"`
	SetBy  uint64    `json:"set_by,omitempty"` // member id of the secretary; 0: the system
	SetAt  time.Time `json:"set_at"`
}

// Effective is the moment the status takes effect: its From date, or when it
// was decided for a status recorded without one.
func (s Status) Effective() time.Time {
	if !s.From.IsZero() {
		return s.From
	}
	return s.SetAt
}

// covers reports whether the status applies at t. first is the member's
// first recorded status: without an effective date it describes the member
// from the start (records seeded with a past period).
func (s Status) covers(t time.Time, first bool) bool {
	if (!first || !s.From.IsZero()) && s.Effective().After(t) {
		return false
	}
	return !s.Kind.HasPeriod() || s.To.IsZero() || t.Before(s.To.AddDate(0, 0, 1))
}

// StatusOn is the member's status in effect at t, the one answer every rule
// asks for ("what was true on that day"). Effective dates decide, not when a
// status was recorded: of the statuses that cover t (a status from its
// effective date on; a period until the end of its last day), the one decided
// last wins, so a later decision about a day overrides an earlier one and a
// period that ended gives way to what was in effect before it. A member with
// no status covering t is active.
func (m *Member) StatusOn(t time.Time) Status {
	all := append(append(make([]Status, 0, len(m.History)+1), m.History...), m.Status)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Kind != "" && all[i].covers(t, i == 0) {
			return all[i]
		}
	}
	return Status{Kind: StatusActive}
}

// ListedSince is the first day the member is on their home cell's list:
// when they joined chibo, or when the cell received them on a transfer. No
// status of theirs in this cell takes effect before it.
func (m *Member) ListedSince() time.Time {
	if m.Received.After(m.Joined) {
		return m.Received
	}
	return m.Joined
}

// Forgotten reports whether the member withdrew consent (/forget): they stay
// a party member on the cell's list under a number, and chibo no longer
// reaches them.
func (m *Member) Forgotten() bool { return !m.Consent.Given && !m.Consent.At.IsZero() }

// Consent records the member's explicit consent to the processing of
// sensitive personal data (Law 91/2025/QH15).
type Consent struct {
	Given bool      `json:"given"`
	At    time.Time `json:"at"`
}

// Member is a party member (đảng viên).
type Member struct {
	ID         uint64            `json:"id"`
	Name       string            `json:"name"`
	HomeCellID uint64            `json:"home_cell_id"`
	GroupID    uint64            `json:"group_id,omitempty"`
	Roles      []CellRole        `json:"roles"`
	AdminOf    []uint64          `json:"admin_of,omitempty"` // organizations this member administers
	Status     Status            `json:"status"`
	History    []Status          `json:"history,omitempty"` // earlier statuses, oldest first
	Lang       string            `json:"lang"`
	Contacts   map[string]string `json:"contacts"` // transport → user id on that transport
	Consent    Consent           `json:"consent"`
	Joined     time.Time         `json:"joined"`
	// Received is when the home cell received the member on an official
	// transfer from another cell; zero: the member joined it.
	Received time.Time `json:"received,omitzero"`
	// Unreachable is when a messenger last refused a message to the member
	// (they blocked the bot); zero when they are reachable.
	Unreachable time.Time `json:"unreachable,omitzero"`
}

// HasRole reports whether the member has role r in the cell.
func (m *Member) HasRole(cellID uint64, r Role) bool {
	return slices.Contains(m.Roles, CellRole{CellID: cellID, Role: r})
}

// Leads reports whether the member is the secretary or deputy of the cell.
func (m *Member) Leads(cellID uint64) bool {
	return m.HasRole(cellID, RoleSecretary) || m.HasRole(cellID, RoleDeputy)
}

// Administers reports whether the member is an admin of the organization.
func (m *Member) Administers(orgID uint64) bool { return slices.Contains(m.AdminOf, orgID) }

// LedCells returns the cells the member is secretary or deputy of.
func (m *Member) LedCells() []uint64 {
	var ids []uint64
	for _, r := range m.Roles {
		if (r.Role == RoleSecretary || r.Role == RoleDeputy) && !slices.Contains(ids, r.CellID) {
			ids = append(ids, r.CellID)
		}
	}
	return ids
}

// AddRole gives the member role r in the cell, once.
func (m *Member) AddRole(cellID uint64, r Role) {
	if !m.HasRole(cellID, r) {
		m.Roles = append(m.Roles, CellRole{CellID: cellID, Role: r})
	}
}

// SetStatus replaces the member's status, keeping the old one in History.
func (m *Member) SetStatus(s Status) {
	if m.Status.Kind != "" {
		m.History = append(m.History, m.Status)
	}
	m.Status = s
}

// Invite lets its holder join a cell with a role. Token is the secret in the
// deep link.
type Invite struct {
	Token     string    `json:"token"`
	CellID    uint64    `json:"cell_id,omitempty"`
	OrgID     uint64    `json:"org_id,omitempty"` // for RoleAdmin invites, instead of a cell
	Role      Role      `json:"role"`
	CreatedBy uint64    `json:"created_by,omitempty"` // 0: the operator's command line
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	MultiUse  bool      `json:"multi_use,omitempty"`
	UsedBy    []uint64  `json:"used_by,omitempty"`
	// Code is a short code a person may send to the bot instead of tapping
	// the link, on messengers without start payloads (Zalo). Invites made
	// before codes existed have none.
	Code string `json:"code,omitempty"`
	// LinkMember, when set, makes the invite a one-time code (from /me) that
	// links another messenger to that member's record instead of joining.
	LinkMember uint64 `json:"link_member,omitempty"`
}

// Usable reports whether the invite can still be used at now.
func (i *Invite) Usable(now time.Time) bool {
	return now.Before(i.Expires) && (i.MultiUse || len(i.UsedBy) == 0)
}

// Conv is a conversation in progress: which flow, which step, the answers so
// far. It is stored per (transport, chat, user) so a restart resumes it.
type Conv struct {
	Flow  string `json:"flow"`
	Step  string `json:"step"`
	Nonce string `json:"nonce"` // changes each time a step is asked; buttons carry it
	// Data is the answers of a flow that has not moved to typed state, and
	// of every conversation stored before typed state (read by the flow's
	// decoder when it resumes).
	Data map[string]string `json:"data,omitempty"`
	// State is the flow's typed state as JSON, written by Schema version
	// Schema of that flow's state (0 when the flow keeps Data).
	State   json.RawMessage `json:"state,omitempty"`
	Schema  int             `json:"schema,omitempty"`
	Version int             `json:"version"` // bumped on every save
	Updated time.Time       `json:"updated"`
	Expires time.Time       `json:"expires"`
}

// Choice is one option offered to a person: the button label and its opaque
// payload.
type Choice struct {
	Label string `json:"label"`
	Data  string `json:"data"`
}

// Offer is the last set of choices shown in a chat. Transports without
// buttons render choices as numbered options; the number typed back is looked
// up here.
type Offer struct {
	Choices []Choice  `json:"choices"`
	At      time.Time `json:"at"`
	// All, Text and PerRow keep a list too long for one keyboard, shown a
	// page at a time (Choices are the page shown).
	All    []Choice `json:"all,omitempty"`
	Text   string   `json:"text,omitempty"`
	PerRow int      `json:"per_row,omitempty"`
}

// Refusal records that a person declined consent. Nothing else is kept.
type Refusal struct {
	At     time.Time `json:"at"`
	CellID uint64    `json:"cell_id"`
}

// OutboxState is where an outbox row is in its life.
type OutboxState string

// Outbox states. Every row ends Sent or Failed.
const (
	OutboxPending OutboxState = "pending"
	OutboxSent    OutboxState = "sent"
	OutboxFailed  OutboxState = "failed"
)

// OutboxItem is one message waiting to be sent, or the record of its sending.
// Payload is opaque to storage; Transport and Chat let the sender route and
// rate-limit without decoding it.
type OutboxItem struct {
	ID        uint64      `json:"id"`
	Key       string      `json:"key,omitempty"` // idempotency key; empty for plain replies
	Transport string      `json:"transport"`
	Chat      string      `json:"chat"`
	Group     bool        `json:"group,omitempty"` // group chats have stricter rate limits
	Payload   []byte      `json:"payload"`
	State     OutboxState `json:"state"`
	Attempts  int         `json:"attempts,omitempty"`
	Parts     int         `json:"parts,omitempty"` // parts of a split message already delivered
	NotBefore time.Time   `json:"not_before,omitzero"`
	Reason    string      `json:"reason,omitempty"`
	Created   time.Time   `json:"created"`
	Ended     time.Time   `json:"ended,omitzero"`
	// KeyUntil is when the key can be forgotten (its reminder can no longer
	// fall due); zero: kept for ever.
	KeyUntil time.Time `json:"key_until,omitzero"`
}
