package storage

import (
	"bytes"
	"encoding/json"
	"time"
)

// AuditEntry records one change made by a secretary, deputy or admin: who,
// when, what, and the value before and after. It is written in the same
// transaction as the change, so both commit or neither does.
type AuditEntry struct {
	ID        uint64          `json:"id"`
	At        time.Time       `json:"at"`
	ActorID   uint64          `json:"actor_id"` // member id; 0: the operator's command line
	CellID    uint64          `json:"cell_id,omitempty"`
	Action    string          `json:"action"`               // a code such as "status_set"
	SubjectID uint64          `json:"subject_id,omitempty"` // the member concerned, if any
	MeetingID uint64          `json:"meeting_id,omitempty"` // the meeting concerned, if any (entries since issue 12)
	Before    json.RawMessage `json:"before,omitempty"`
	After     json.RawMessage `json:"after,omitempty"`
}

// AppendAudit adds an entry, assigning its id.
func (tx *Tx) AppendAudit(e *AuditEntry) error {
	b := tx.tx.Bucket(bucketAudit)
	id, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.ID = id
	return putJSON(b, itob(id), e)
}

// AuditLog returns up to limit entries that keep returns true for, newest
// first.
func (tx *Tx) AuditLog(limit int, keep func(*AuditEntry) bool) ([]AuditEntry, error) {
	var out []AuditEntry
	c := tx.tx.Bucket(bucketAudit).Cursor()
	for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, err
		}
		if keep == nil || keep(&e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// PruneAudit deletes entries older than cutoff and returns how many.
func (tx *Tx) PruneAudit(cutoff time.Time) (int, error) {
	b := tx.tx.Bucket(bucketAudit)
	var doomed [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return 0, err
		}
		if !e.At.Before(cutoff) {
			break // entries are in time order
		}
		doomed = append(doomed, bytes.Clone(k))
	}
	return deleteKeys(b, doomed)
}
