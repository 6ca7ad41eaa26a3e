package members

import (
	"encoding/json"
	"errors"
	"time"

	"chibo/storage"
)

// InviteFor is what an invite lets its holder join.
type InviteFor struct {
	// CellID is the cell joined; zero for an organization admin's invite.
	CellID uint64
	// OrgID is the organization an admin's invite is for; zero otherwise.
	OrgID uint64
	// Role is the role given on joining.
	Role storage.Role
	// MultiUse lets several people join with the same invite.
	MultiUse bool
	// TTL is how long the invite works from now; it must be positive.
	TTL time.Duration
}

// MakeInvite is the one way to make an invite, from the command line or in
// a chat: it gives the invite a token (the link's secret) and a short code
// (typed on Zalo), stores it and audits it as "invite_create", by (0 for the
// operator at the command line), in tx.
func MakeInvite(tx store, f InviteFor, now time.Time, by uint64) (*storage.Invite, error) {
	if f.TTL <= 0 || f.Role == "" || (f.CellID == 0) == (f.OrgID == 0) {
		return nil, errors.New("make invite: a role, a positive lifetime and either a cell or an organization")
	}
	inv := &storage.Invite{Token: NewToken(), CellID: f.CellID, OrgID: f.OrgID, Role: f.Role, MultiUse: f.MultiUse,
		CreatedBy: by, Created: now, Expires: now.Add(f.TTL)}
	if err := AddInviteCode(tx, inv); err != nil {
		return nil, err
	}
	if err := tx.PutInvite(inv); err != nil {
		return nil, err
	}
	// The token and the code stay out of the log: they are the invite's
	// secret.
	after, err := json.Marshal(inviteAudit{Expires: inv.Expires, Org: inv.OrgID, Role: inv.Role})
	if err != nil {
		return nil, err
	}
	if err := tx.AppendAudit(&storage.AuditEntry{At: now, ActorID: by, Action: "invite_create", CellID: inv.CellID, After: after}); err != nil {
		return nil, err
	}
	return inv, nil
}

// inviteAudit is what an "invite_create" entry records.
type inviteAudit struct {
	// In the order of the keys of the map the entry was made from before,
	// so that its JSON stays byte for byte the same.
	Expires time.Time    `json:"expires"`
	Org     uint64       `json:"org,omitempty"` // an admin's invite
	Role    storage.Role `json:"role"`
}
