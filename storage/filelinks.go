package storage

import (
	"encoding/json"
	"time"
)

// FileLink is a picture or file published at a signed, expiring link, for a
// messenger that cannot carry files (the Zalo Bot Platform). The link names
// only ID: nothing personal is in a URL.
type FileLink struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	MIME    string    `json:"mime,omitempty"`
	Data    []byte    `json:"data"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// PutFileLink stores a published file under its id.
func (tx *Tx) PutFileLink(f *FileLink) error {
	return putJSON(tx.tx.Bucket(bucketFileLinks), []byte(f.ID), f)
}

// FileLink returns the published file with the id.
func (tx *Tx) FileLink(id string) (*FileLink, error) {
	return getJSON[FileLink](tx.tx.Bucket(bucketFileLinks), []byte(id))
}

// DeleteExpiredFileLinks deletes files whose link expired at or before now,
// at most limit of them, and returns how many it deleted.
func (tx *Tx) DeleteExpiredFileLinks(now time.Time, limit int) (int, error) {
	b := tx.tx.Bucket(bucketFileLinks)
	var gone [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil && len(gone) < limit; k, v = c.Next() {
		var head struct {
			Expires time.Time `json:"expires"`
		}
		if err := json.Unmarshal(v, &head); err != nil || !head.Expires.After(now) {
			gone = append(gone, append([]byte(nil), k...))
		}
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}
