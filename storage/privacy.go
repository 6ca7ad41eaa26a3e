package storage

import (
	"bytes"
	"encoding/json"
	"time"
)

// deletePrefix deletes every key of bucket b that starts with prefix and
// returns how many it deleted.
func (tx *Tx) deletePrefix(bucket, prefix []byte) (int, error) {
	c := tx.tx.Bucket(bucket).Cursor()
	n := 0
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// EraseMemberRecords deletes what chibo keeps about a member's own
// reporting: monthly check-ins, far-away details and requests, the
// residence link and activity reports. Meeting rolls and residence comments
// are the cells' records and are reduced by the caller instead.
func (tx *Tx) EraseMemberRecords(memberID uint64) error {
	if err := tx.deleteCheckinsOf(memberID); err != nil {
		return err
	}
	prefix := itob(memberID)
	for _, b := range [][]byte{bucketFarAway, bucketResidenceReports} {
		if _, err := tx.deletePrefix(b, prefix); err != nil {
			return err
		}
	}
	return tx.DeleteResidenceLink(memberID)
}

// ResidenceComments lists every annual comment on the member, oldest first.
func (tx *Tx) ResidenceComments(memberID uint64) ([]ResidenceComment, error) {
	var out []ResidenceComment
	prefix := itob(memberID)
	b := tx.tx.Bucket(bucketResidenceComments)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var rc ResidenceComment
		if err := json.Unmarshal(v, &rc); err != nil {
			return nil, err
		}
		out = append(out, rc)
	}
	return out, nil
}

// ReplaceResidenceComment overwrites a stored comment (only to reduce it
// when its member withdraws consent; comments are otherwise final).
func (tx *Tx) ReplaceResidenceComment(c *ResidenceComment) error {
	return putJSON(tx.tx.Bucket(bucketResidenceComments), commentKey(c.MemberID, c.Year), c)
}

// AllResidenceAttendance lists the member's residence attendance records.
func (tx *Tx) AllResidenceAttendance(memberID uint64) ([]ResidenceAttendance, error) {
	return tx.MemberResidenceAttendance(memberID, time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
}

// ScrubAudit empties the before and after values of the audit entries about
// a member, keeping who did what and when.
func (tx *Tx) ScrubAudit(subjectID uint64) error {
	b := tx.tx.Bucket(bucketAudit)
	// Collected first, written after: bbolt's cursor may move when the
	// bucket changes under it.
	scrubbed := map[string]*AuditEntry{}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if e.SubjectID != subjectID || (e.Before == nil && e.After == nil) {
			continue
		}
		e.Before, e.After = nil, nil
		scrubbed[string(k)] = &e
	}
	for k, e := range scrubbed {
		if err := putJSON(b, []byte(k), e); err != nil {
			return err
		}
	}
	return nil
}

// ScrubTransient removes every trace of the needles (a name, a phone
// number…) from data kept only for delivery: conversations and offered
// choices that mention one are dropped, and outbox rows whose message
// mentions one lose their text (a pending one ends failed with reason).
func (tx *Tx) ScrubTransient(needles [][]byte, reason string, now time.Time) error {
	has := func(v []byte) bool {
		for _, n := range needles {
			if len(n) > 0 && bytes.Contains(v, n) {
				return true
			}
		}
		return false
	}
	for _, name := range [][]byte{bucketConvs, bucketOffers} {
		b := tx.tx.Bucket(name)
		var doomed [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			if has(v) {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	rows, err := tx.OutboxRows()
	if err != nil {
		return err
	}
	for _, it := range rows {
		if !has(it.Payload) && !has([]byte(it.Chat)) {
			continue
		}
		it.Payload = nil
		if has([]byte(it.Chat)) {
			it.Chat = ""
		}
		if it.State == OutboxPending {
			it.State, it.Reason, it.Ended = OutboxFailed, reason, now
		}
		if err := tx.UpdateOutbox(&it); err != nil {
			return err
		}
	}
	return nil
}
