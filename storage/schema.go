package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the version of the layout this code writes.
const SchemaVersion = 7

var keySchemaVersion = []byte("schema_version")

// migrations[i] moves a database from version i+1 to i+2. They run in order,
// each in the same transaction as the version bump.
var migrations = []func(tx *bolt.Tx) error{
	migrateContactsIndex, // 1 → 2
	migrateIndexesV3,     // 2 → 3
	migrateDuesV4,        // 3 → 4
	migrateFarAwayExempt, // 4 → 5
	migrateIndexesV6,     // 5 → 6
	migrateOrgCellsV7,    // 6 → 7
}

// migrate creates missing buckets and brings the schema up to SchemaVersion.
// A new file starts at SchemaVersion; a file from a newer chibo is refused.
func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		fresh := meta == nil || meta.Get(keySchemaVersion) == nil
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta = tx.Bucket(bucketMeta)
		if fresh {
			return putVersion(meta, SchemaVersion)
		}
		v := binary.BigEndian.Uint64(meta.Get(keySchemaVersion))
		if v > SchemaVersion {
			return fmt.Errorf("database schema %d is newer than this chibo (%d): upgrade chibo", v, SchemaVersion)
		}
		for ; v < SchemaVersion; v++ {
			if err := migrations[v-1](tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
			if err := putVersion(meta, v+1); err != nil {
				return err
			}
		}
		return nil
	})
}

func putVersion(meta *bolt.Bucket, v uint64) error {
	return meta.Put(keySchemaVersion, itob(v))
}

// Version reads the stored schema version.
func (tx *Tx) Version() uint64 {
	v := tx.tx.Bucket(bucketMeta).Get(keySchemaVersion)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// migrateContactsIndex builds the contacts index (transport:user → member),
// which schema 1 did not have: members were found by scanning.
func migrateContactsIndex(tx *bolt.Tx) error {
	idx := tx.Bucket(bucketContacts)
	return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("member %x: %w", k, err)
		}
		for transport, user := range m.Contacts {
			if err := idx.Put([]byte(contactKey(transport, user)), k); err != nil {
				return err
			}
		}
		return nil
	})
}

// migrateIndexesV3 builds the indexes schema 3 reads instead of scanning:
// members by home cell, and meetings by cell and time (with the rest of the
// meeting index, which files written before it existed lack).
func migrateIndexesV3(tx *bolt.Tx) error {
	homes := tx.Bucket(bucketHomes)
	err := tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("member %x: %w", k, err)
		}
		if m.HomeCellID == 0 {
			return nil
		}
		return homes.Put(homeKey(m.HomeCellID, m.ID), nil)
	})
	if err != nil {
		return err
	}
	idx := tx.Bucket(bucketMeetingIndex)
	return tx.Bucket(bucketMeetings).ForEach(func(k, v []byte) error {
		var m Meeting
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("meeting %x: %w", k, err)
		}
		for _, key := range meetingIndexKeys(&m) {
			if err := idx.Put(key, itob(m.ID)); err != nil {
				return err
			}
		}
		return nil
	})
}

// migrateFarAwayExempt writes on each far-away status whether a temporary
// exemption was granted, which schema 3 kept only in the member's FarAway
// record (for their latest marking) while meetings treated every far-away
// member as exempt. The latest far-away status takes the record's answer
// (exempt when there is no record: the status alone meant an exemption);
// earlier ones keep the meaning they had (exempt).
func migrateFarAwayExempt(tx *bolt.Tx) error {
	members, far := tx.Bucket(bucketMembers), tx.Bucket(bucketFarAway)
	type change struct {
		k []byte
		m Member
	}
	var changed []change
	err := members.ForEach(func(k, v []byte) error {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("member %x: %w", k, err)
		}
		all := append(m.History, m.Status)
		latest := -1
		for i := range all {
			if all[i].Kind == StatusFarAway {
				all[i].Exempt, latest = true, i
			}
		}
		if latest < 0 {
			return nil
		}
		if v := far.Get(k); v != nil {
			var fa FarAway
			if err := json.Unmarshal(v, &fa); err != nil {
				return fmt.Errorf("far away %x: %w", k, err)
			}
			all[latest].Exempt = fa.Exempt
		}
		m.History, m.Status = all[:len(all)-1], all[len(all)-1]
		changed = append(changed, change{slices.Clone(k), m})
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range changed { // bbolt forbids writing a bucket during its ForEach
		v, err := json.Marshal(c.m)
		if err != nil {
			return err
		}
		if err := members.Put(c.k, v); err != nil {
			return err
		}
	}
	return nil
}
