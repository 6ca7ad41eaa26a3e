package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the version of the layout this code writes.
const SchemaVersion = 11

var keySchemaVersion = []byte("schema_version")

// migration moves a database up one version: in one transaction with the
// version bump (all), or in batches that each commit on their own and
// resume where the last one stopped (batch, until it reports no more), the
// version bumped after the last one.
type migration struct {
	all   func(tx *bolt.Tx) error
	batch func(tx *bolt.Tx, b *budget) (more bool, err error)
}

// migrations[i] moves a database from version i+1 to i+2, in order.
var migrations = []migration{
	{all: migrateContactsIndex}, // 1 → 2
	{all: migrateIndexesV3},     // 2 → 3
	{all: migrateDuesV4},        // 3 → 4
	{all: migrateFarAwayExempt}, // 4 → 5
	{all: migrateIndexesV6},     // 5 → 6
	{batch: migrateMarksBatch},  // 6 → 7
	{batch: migrateNamesBatch},  // 7 → 8
	{all: migrateDueIndex},      // 8 → 9: marks the due-work index for a batched rebuild (due.go)
	{batch: migrateOrgCellsV10}, // 9 → 10: cells indexed by organization (commune.go)
	// 10 → 11: check-ins and meeting headers are written compact
	// (compact.go); old JSON records are read as they are, so nothing
	// moves, but a release that reads only JSON must refuse the file.
	{all: func(*bolt.Tx) error { return nil }},
}

// A batch of a batched migration does at least one unit of work (a meeting
// and each mark of its roll, a member's or a cell's name, a cell), then
// stops before the next once it has worked migrateWork, changed
// migrateNodes pages or done migrateBatch units. Bounding the time and the
// pages, not the count, keeps every batch short whatever its records weigh
// and however busy the machine: at a province's size a batch of 10 ms
// changes tens of pages, and its commit (which writes each changed page and
// its parents) adds a few milliseconds to the work, more while the disk is
// busy, so a batch holds bbolt's writer well under 50 ms. The page bound
// is for records whose index rows scatter (real names do, generated ones
// less). Tests set the bounds to cut batches where they choose.
var (
	migrateWork  = 10 * time.Millisecond
	migrateNodes = 256 // pages of 4 KB: 1 MB written at the commit
	migrateBatch = 5000
)

// budget is what one batch has done and may do.
type budget struct {
	tx          *bolt.Tx
	done, limit int
	until       time.Time
}

func newBudget(tx *bolt.Tx) *budget {
	return &budget{tx: tx, limit: migrateBatch, until: time.Now().Add(migrateWork)}
}

// spend counts units done.
func (b *budget) spend(units int) { b.done += units }

// full reports whether the batch is to stop before its next unit: it did
// one at least, and its count, its pages or its time is spent.
func (b *budget) full() bool {
	if b.done == 0 {
		return false
	}
	stats := b.tx.Stats()
	return b.done >= b.limit || stats.GetNodeCount() >= int64(migrateNodes) || !time.Now().Before(b.until)
}

// afterMigrateBatch, when set (by tests), runs inside each batch's
// transaction after its writes, before it commits, with the version the
// migration moves to and the batch's number (from 1).
var afterMigrateBatch func(to uint64, n int)

// migrate creates missing buckets and brings the schema up to SchemaVersion.
// A new file starts at SchemaVersion; a file from a newer chibo is refused.
func (db *DB) migrate() error {
	var v uint64
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		fresh := meta == nil || meta.Get(keySchemaVersion) == nil
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta = tx.Bucket(bucketMeta)
		if fresh {
			v = SchemaVersion
			return putVersion(meta, SchemaVersion)
		}
		v = binary.BigEndian.Uint64(meta.Get(keySchemaVersion))
		if v > SchemaVersion {
			return fmt.Errorf("database schema %d is newer than this chibo (%d): upgrade chibo", v, SchemaVersion)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for ; v < SchemaVersion; v++ {
		if err := db.migrateOne(v); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
	}
	return nil
}

// migrateOne moves the database from version v to v+1.
func (db *DB) migrateOne(v uint64) error {
	m := migrations[v-1]
	for n, more := 1, m.batch != nil; more; n++ {
		err := timedUpdate(db.bolt, v+1, func(tx *bolt.Tx) (err error) {
			writing(tx)
			more, err = m.batch(tx, newBudget(tx))
			if err == nil && afterMigrateBatch != nil {
				afterMigrateBatch(v+1, n)
			}
			return err
		})
		if err != nil {
			return err
		}
		if db.migrating != nil {
			db.migrating(v, n)
		}
	}
	return timedUpdate(db.bolt, v+1, func(tx *bolt.Tx) error {
		if m.all != nil {
			if err := m.all(tx); err != nil {
				return err
			}
		}
		return putVersion(tx.Bucket(bucketMeta), v+1)
	})
}

// migrateTook, when set (by tests), is told how long each write
// transaction of a migration held bbolt's writer, its commit included, and
// the version the migration moves to.
var migrateTook func(to uint64, took time.Duration)

// timedUpdate runs fn in a write transaction and tells migrateTook.
func timedUpdate(b *bolt.DB, to uint64, fn func(tx *bolt.Tx) error) error {
	began := time.Now()
	err := b.Update(fn)
	if migrateTook != nil {
		migrateTook(to, time.Since(began))
	}
	return err
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
		m, err := decodeMeeting(k, v)
		if err != nil {
			return fmt.Errorf("meeting: %w", err)
		}
		for _, key := range meetingIndexKeys(m) {
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
