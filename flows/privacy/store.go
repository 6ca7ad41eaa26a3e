package privacy

import (
	"time"

	"chibo/flows/core"
	"chibo/storage"
)

// store is what the privacy journey itself asks of storage: the audit log
// and its pruning and scrubbing, the erasure of a member's records and
// transient texts, conversations, offers, and the housekeeping's progress
// in meta keys. What it asks of the core (c.Profile, c.Audit) and of other
// journeys through hooks (MyData, Forget, Retain) is theirs to declare.
//
// *storage.Tx implements it; a method is added here when this package
// starts to call it, so that this list says what privacy touches. Calls
// run inside the caller's transaction; errors are storage's
// (storage.ErrNotFound, storage.ErrContactTaken …), returned as they come.
type store interface {
	// What /mydata and /forget read and change.
	AuditLog(limit int, keep func(*storage.AuditEntry) bool) ([]storage.AuditEntry, error)
	Members(cellID uint64) ([]storage.Member, error)
	PutMember(m *storage.Member) error
	DeleteConv(key string) error
	DeleteOffer(transport, chat string) error
	EraseMemberRecords(memberID uint64) error
	ScrubAudit(subjectID uint64) error
	ScrubTransient(needles [][]byte, reason string, now time.Time) error

	// What the daily housekeeping prunes and where it keeps its progress.
	PruneOutboxKeys(cutoff time.Time, limit int) (int, error)
	PruneAudit(cutoff time.Time) (int, error)
	PruneConvs(cutoff time.Time) (int, error)
	Meta(key string) []byte
	PutMeta(key string, v []byte) error
	MetaInt(key string) int64
	PutMetaInt(key string, v int64) error
}

var _ store = (*storage.Tx)(nil)

// db is the event's transaction, seen as the privacy journey's store.
func db(c *core.Ctx) store { return c.Tx }
