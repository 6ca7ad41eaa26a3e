package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Indexes of groups (schema 6): every permission check of a group leader and
// every menu level asks which groups a member leads, and a cell's groups are
// listed in far-away flows; neither may read every group of a province.

// indexGroup writes g's index entries: by cell, and by leader when it has one.
func (tx *Tx) indexGroup(g *Group) error {
	if err := tx.tx.Bucket(bucketGroupCells).Put(pairKey(g.CellID, g.ID), nil); err != nil {
		return err
	}
	if g.LeaderID == 0 {
		return nil
	}
	return tx.tx.Bucket(bucketLeaders).Put(pairKey(g.LeaderID, g.ID), nil)
}

// unindexGroup deletes the index entries of g as it was stored.
func (tx *Tx) unindexGroup(g *Group) error {
	if err := tx.tx.Bucket(bucketGroupCells).Delete(pairKey(g.CellID, g.ID)); err != nil {
		return err
	}
	if g.LeaderID == 0 {
		return nil
	}
	return tx.tx.Bucket(bucketLeaders).Delete(pairKey(g.LeaderID, g.ID))
}

// LedGroups lists the groups the member leads, in id order, through the
// index of leaders.
func (tx *Tx) LedGroups(memberID uint64) ([]Group, error) {
	return indexed(tx, bucketLeaders, memberID, tx.Group, "group %d led by %d")
}

// migrateIndexesV6 builds the indexes schema 6 reads instead of scanning:
// groups by cell and by leader, role holders, members with a status for a
// period, and check-ins by cell and period.
func migrateIndexesV6(tx *bolt.Tx) error {
	if err := indexGroups(tx); err != nil {
		return err
	}
	if err := indexRoleHolders(tx); err != nil {
		return err
	}
	if err := indexPeriodMembers(tx); err != nil {
		return err
	}
	return indexCheckins(tx)
}

// indexGroups builds the indexes of groups by cell and by leader, which
// schema 5 did not have: groups were found by reading them all.
func indexGroups(tx *bolt.Tx) error {
	cells, leaders := tx.Bucket(bucketGroupCells), tx.Bucket(bucketLeaders)
	return tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
		var g Group
		if err := json.Unmarshal(v, &g); err != nil {
			return fmt.Errorf("group %x: %w", k, err)
		}
		if err := cells.Put(pairKey(g.CellID, g.ID), nil); err != nil {
			return err
		}
		if g.LeaderID == 0 {
			return nil
		}
		return leaders.Put(pairKey(g.LeaderID, g.ID), nil)
	})
}
