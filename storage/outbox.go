package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Enqueue appends a pending outbox row. With a non-empty Key the insert
// happens at most once: if a row with that key exists, Enqueue does nothing
// and reports false.
func (tx *Tx) Enqueue(it *OutboxItem, now time.Time) (bool, error) {
	keys := tx.tx.Bucket(bucketOutboxKey)
	if it.Key != "" && keys.Get([]byte(it.Key)) != nil {
		return false, nil
	}
	b := tx.tx.Bucket(bucketOutbox)
	id, err := b.NextSequence()
	if err != nil {
		return false, err
	}
	it.ID, it.State, it.Created = id, OutboxPending, now
	if err := putJSON(b, itob(id), it); err != nil {
		return false, err
	}
	if err := tx.tx.Bucket(bucketPending).Put(itob(id), nil); err != nil {
		return false, err
	}
	if it.Key != "" {
		if err := keys.Put([]byte(it.Key), itob(id)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// OutboxItem returns the row with the id.
func (tx *Tx) OutboxItem(id uint64) (*OutboxItem, error) {
	return getJSON[OutboxItem](tx.tx.Bucket(bucketOutbox), itob(id))
}

// OutboxKeyUsed reports whether a row was ever enqueued with the
// idempotency key, even one pruned since: keys outlive their rows, so a
// reminder is not sent again once its delivery record is gone.
func (tx *Tx) OutboxKeyUsed(key string) bool {
	return tx.tx.Bucket(bucketOutboxKey).Get([]byte(key)) != nil
}

// PruneOutbox removes rows that ended (sent or failed) before cutoff and
// returns how many. Their idempotency keys stay (see OutboxKeyUsed). Rows
// are in creation order, so the scan stops at the first one created after
// cutoff.
func (tx *Tx) PruneOutbox(cutoff time.Time) (int, error) {
	b := tx.tx.Bucket(bucketOutbox)
	var doomed [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var it OutboxItem
		if err := json.Unmarshal(v, &it); err != nil {
			return 0, fmt.Errorf("outbox row %d: %w", btoi(k), err)
		}
		if !it.Created.Before(cutoff) {
			break
		}
		if it.State != OutboxPending && it.Ended.Before(cutoff) {
			doomed = append(doomed, bytes.Clone(k))
		}
	}
	return deleteKeys(b, doomed)
}

// OutboxByKey returns the row enqueued with the idempotency key.
func (tx *Tx) OutboxByKey(key string) (*OutboxItem, error) {
	id := tx.tx.Bucket(bucketOutboxKey).Get([]byte(key))
	if id == nil {
		return nil, ErrNotFound
	}
	return tx.OutboxItem(btoi(id))
}

// PendingCount is the outbox backlog.
func (tx *Tx) PendingCount() int { return count(tx.tx.Bucket(bucketPending)) }

// UpdateOutbox stores a changed row; a row that ended (sent or failed) leaves
// the pending index and drops its message: text about people is kept only
// until it is delivered (Law 91/2025: keep the minimum).
func (tx *Tx) UpdateOutbox(it *OutboxItem) error {
	if it.ID == 0 {
		return errors.New("outbox row without id")
	}
	if it.State != OutboxPending {
		it.Payload = nil
	}
	if err := putJSON(tx.tx.Bucket(bucketOutbox), itob(it.ID), it); err != nil {
		return err
	}
	if it.State != OutboxPending {
		return tx.tx.Bucket(bucketPending).Delete(itob(it.ID))
	}
	return nil
}

// OutboxRows lists every outbox row, pending or ended, in order.
func (tx *Tx) OutboxRows() ([]OutboxItem, error) {
	return listJSON[OutboxItem](tx.tx.Bucket(bucketOutbox), nil)
}

// PendingAfter returns up to limit pending rows with ids above after, in order.
func (tx *Tx) PendingAfter(after uint64, limit int) ([]OutboxItem, error) {
	var out []OutboxItem
	c := tx.tx.Bucket(bucketPending).Cursor()
	for k, _ := c.Seek(itob(after + 1)); k != nil && len(out) < limit; k, _ = c.Next() {
		it, err := tx.OutboxItem(btoi(k))
		if err != nil {
			return nil, err
		}
		out = append(out, *it)
	}
	return out, nil
}

// RecentOutbox returns the rows that ended (were sent or failed) since
// since. It walks back from the newest row and stops at the first one
// created a minute before since, so it reads only the tail of the outbox (a
// row retried for longer than that is missed).
func (tx *Tx) RecentOutbox(since time.Time) ([]OutboxItem, error) {
	var out []OutboxItem
	c := tx.tx.Bucket(bucketOutbox).Cursor()
	old := since.Add(-time.Minute)
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var it OutboxItem
		if err := json.Unmarshal(v, &it); err != nil {
			return nil, fmt.Errorf("outbox row %d: %w", btoi(k), err)
		}
		if it.Created.Before(old) {
			break
		}
		if it.State != OutboxPending && !it.Ended.Before(since) {
			it.Payload = nil
			out = append(out, it)
		}
	}
	return out, nil
}
