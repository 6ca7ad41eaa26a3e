package storage

import (
	bolt "go.etcd.io/bbolt"
)

// rollsInRecords puts every meeting's roll back into its record and empties
// the marks bucket: the layout chibo wrote before schema 7, for the tests
// that write an older file through today's API.
func rollsInRecords(tx *bolt.Tx) error {
	t := &Tx{tx: tx}
	meetings := tx.Bucket(bucketMeetings)
	var ms []Meeting
	err := meetings.ForEach(func(k, v []byte) error {
		m, err := decodeMeeting(k, v)
		if err != nil {
			return err
		}
		ms = append(ms, *m)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range ms {
		roll, err := t.Roll(ms[i].ID)
		if err != nil {
			return err
		}
		if len(roll) > 0 {
			ms[i].Roll = roll
		}
		if err := putJSON(meetings, itob(ms[i].ID), &ms[i]); err != nil {
			return err
		}
	}
	if err := tx.DeleteBucket(bucketMarks); err != nil {
		return err
	}
	_, err = tx.CreateBucket(bucketMarks)
	return err
}
