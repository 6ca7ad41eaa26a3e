package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The index of names (schema 8): members by accent-folded name, within their
// home cell and within its organization, never over every member; and
// cells by name. Each has one row per word of its folded name, keyed by the
// name from that word on, so typing any whole first words ("nguyen van",
// "binh", "thi binh") seeks the rows that begin with them:
//
//	scope ('c' cell, 'o' organization) + scope id + name from a word + 0 + member id → nil
//	'k' + 0 + cell name from a word + 0 + cell id → nil

// maxNameKey bounds the name part of a row, in bytes: a longer query is
// checked against the member's whole name (NameMatches).
const maxNameKey = 48

// Fold lowercases s and strips its diacritics, so "Nguyen Van A" finds
// "Nguyễn Văn A" (đ becomes d), with single spaces.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	out = strings.Map(func(r rune) rune {
		switch r {
		case 'đ', 'Đ':
			return 'd'
		}
		return unicode.ToLower(r)
	}, out)
	return strings.Join(strings.Fields(out), " ")
}

// NameMatches reports whether the folded query is how the name, folded,
// reads from one of its words on: what the index of names finds.
func NameMatches(name, query string) bool {
	f := Fold(name)
	for rest := f; ; {
		if strings.HasPrefix(rest, query) {
			return true
		}
		_, after, ok := strings.Cut(rest, " ")
		if !ok {
			return false
		}
		rest = after
	}
}

// nameSuffixes are the folded name from each of its words on, cut to
// maxNameKey bytes on a rune boundary, without repeats.
func nameSuffixes(name string) []string {
	f := Fold(name)
	var out []string
	for rest := f; rest != ""; {
		s := cutBytes(rest, maxNameKey)
		if !contains(out, s) {
			out = append(out, s)
		}
		_, after, ok := strings.Cut(rest, " ")
		if !ok {
			break
		}
		rest = after
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// cutBytes cuts s to at most n bytes, on a rune boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func nameScope(kind byte, id uint64) []byte { return append([]byte{kind}, itob(id)...) }

func nameRow(scope []byte, suffix string, memberID uint64) []byte {
	k := append(append(bytes.Clone(scope), suffix...), 0)
	return append(k, itob(memberID)...)
}

// nameScopes are the scopes a member is found in: their home cell and its
// organization (none without a home cell).
func nameScopes(b *bolt.Bucket, m *Member) [][]byte {
	if m.HomeCellID == 0 {
		return nil
	}
	scopes := [][]byte{nameScope('c', m.HomeCellID)}
	if v := b.Get(itob(m.HomeCellID)); v != nil {
		var c Cell
		if json.Unmarshal(v, &c) == nil && c.OrgID != 0 {
			scopes = append(scopes, nameScope('o', c.OrgID))
		}
	}
	return scopes
}

// nameRows are the index rows of m as it is.
func nameRows(tx *bolt.Tx, m *Member) [][]byte {
	var rows [][]byte
	for _, scope := range nameScopes(tx.Bucket(bucketCells), m) {
		for _, s := range nameSuffixes(m.Name) {
			rows = append(rows, nameRow(scope, s, m.ID))
		}
	}
	return rows
}

// reindexName replaces the rows of old (nil: none) by those of m.
func reindexName(tx *bolt.Tx, old, m *Member) error {
	b := tx.Bucket(bucketNames)
	if old != nil {
		for _, k := range nameRows(tx, old) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range nameRows(tx, m) {
		if err := b.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// named walks the rows of a scope that begin with the folded query and
// returns the distinct member ids, in the order found, up to limit, and how
// many distinct members match in all.
func (tx *Tx) named(scope []byte, query string, limit int) ([]uint64, int) {
	query = Fold(query)
	if query == "" {
		return nil, 0
	}
	prefix := append(bytes.Clone(scope), cutBytes(query, maxNameKey)...)
	seen := map[uint64]bool{}
	var ids []uint64
	c := tx.tx.Bucket(bucketNames).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		id := btoi(k[len(k)-8:])
		if seen[id] {
			continue
		}
		seen[id] = true
		if len(ids) < limit {
			ids = append(ids, id)
		}
	}
	return ids, len(seen)
}

// MembersNamed lists up to limit members of the home cell whose folded name
// reads query (folded here) from one of its words on, through the index of
// names, and how many match in all. A query of more than maxNameKey bytes
// may list members whose name only begins like it: check with NameMatches.
func (tx *Tx) MembersNamed(cellID uint64, query string, limit int) ([]Member, int, error) {
	return tx.loadNamed(nameScope('c', cellID), query, limit)
}

// OrgMembersNamed is MembersNamed over the cells of an organization.
func (tx *Tx) OrgMembersNamed(orgID uint64, query string, limit int) ([]Member, int, error) {
	return tx.loadNamed(nameScope('o', orgID), query, limit)
}

func (tx *Tx) loadNamed(scope []byte, query string, limit int) ([]Member, int, error) {
	long := len(Fold(query)) > maxNameKey // rows hold only the name's beginning: check each
	want := limit
	if long {
		want = int(^uint(0) >> 1)
	}
	ids, n := tx.named(scope, query, want)
	out := make([]Member, 0, len(ids))
	for _, id := range ids {
		m, err := tx.Member(id)
		if errors.Is(err, ErrNotFound) { // a row left by a record deleted outside PutMember
			n--
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("member %d of the index of names: %w", id, err)
		}
		if !long || NameMatches(m.Name, Fold(query)) {
			out = append(out, *m)
		}
	}
	if long {
		n = len(out)
		out = out[:min(limit, len(out))]
	}
	return out, n, nil
}

// reindexCellNames rewrites the organization rows of a cell's members when
// the cell moves to another organization.
func (tx *Tx) reindexCellNames(cellID, fromOrg, toOrg uint64) error {
	ms, err := tx.Members(cellID)
	if err != nil {
		return err
	}
	b := tx.tx.Bucket(bucketNames)
	for i := range ms {
		for _, s := range nameSuffixes(ms[i].Name) {
			if fromOrg != 0 {
				if err := b.Delete(nameRow(nameScope('o', fromOrg), s, ms[i].ID)); err != nil {
					return err
				}
			}
			if toOrg != 0 {
				if err := b.Put(nameRow(nameScope('o', toOrg), s, ms[i].ID), nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// cellScope is the scope of the rows of cells' names.
var cellScope = nameScope('k', 0)

// reindexCellName replaces the name rows of old (nil: none) by those of c.
func reindexCellName(tx *bolt.Tx, old, c *Cell) error {
	b := tx.Bucket(bucketNames)
	if old != nil {
		for _, s := range nameSuffixes(old.Name) {
			if err := b.Delete(nameRow(cellScope, s, old.ID)); err != nil {
				return err
			}
		}
	}
	for _, s := range nameSuffixes(c.Name) {
		if err := b.Put(nameRow(cellScope, s, c.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

// CellsNamed lists up to limit cells whose folded name reads query (folded
// here) from one of its words on, through the index of names, and how many
// match in all.
func (tx *Tx) CellsNamed(query string, limit int) ([]Cell, int, error) {
	long := len(Fold(query)) > maxNameKey
	want := limit
	if long {
		want = int(^uint(0) >> 1)
	}
	ids, n := tx.named(cellScope, query, want)
	out := make([]Cell, 0, len(ids))
	for _, id := range ids {
		c, err := tx.Cell(id)
		if errors.Is(err, ErrNotFound) {
			n--
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("cell %d of the index of names: %w", id, err)
		}
		if !long || NameMatches(c.Name, Fold(query)) {
			out = append(out, *c)
		}
	}
	if long {
		n = len(out)
		out = out[:min(limit, len(out))]
	}
	return out, n, nil
}

// keyNamesIndexed and keyCellNamesIndexed are the meta keys of the last
// member and the last cell the schema 8 migration indexed, while it runs
// (indexedAll when all are).
var (
	keyNamesIndexed     = []byte("migrate8_names_after")
	keyCellNamesIndexed = []byte("migrate8_cells_after")
)

// indexedAll is the progress of an indexBatch that indexed every record.
const indexedAll = ^uint64(0)

// migrateNamesBatch indexes the names of members, then of cells, after the
// last one recorded in meta (schema 7 → 8), until the batch's budget is
// spent, recording where it stopped in the same transaction. Rows are keys:
// a batch done twice writes the same rows.
func migrateNamesBatch(tx *bolt.Tx, b *budget) (more bool, err error) {
	more, err = indexBatch(tx, bucketMembers, keyNamesIndexed, b, func(v []byte) error {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return err
		}
		return reindexName(tx, nil, &m)
	})
	if err != nil || more {
		return more, err
	}
	more, err = indexBatch(tx, bucketCells, keyCellNamesIndexed, b, func(v []byte) error {
		var c Cell
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		return reindexCellName(tx, nil, &c)
	})
	if err != nil || more {
		return more, err
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Delete(keyNamesIndexed); err != nil {
		return false, err
	}
	return false, meta.Delete(keyCellNamesIndexed)
}

// indexBatch applies index to the records of bucket (keyed by id) after
// the id recorded under progress in meta, one unit each, until the budget
// is spent, and records the last one, or indexedAll after the last record.
// index writes other buckets only, so the cursor on bucket stays valid.
// A budget already spent (by a first indexBatch of the same batch) does
// none.
func indexBatch(tx *bolt.Tx, bucket, progress []byte, b *budget, index func(v []byte) error) (more bool, err error) {
	meta := tx.Bucket(bucketMeta)
	after := uint64(0)
	if v := meta.Get(progress); len(v) == 8 {
		after = btoi(v)
	}
	if after == indexedAll {
		return false, nil
	}
	c := tx.Bucket(bucket).Cursor()
	for k, v := c.Seek(itob(after + 1)); k != nil; k, v = c.Next() {
		if b.full() {
			return true, meta.Put(progress, itob(after))
		}
		if err := index(v); err != nil {
			return false, fmt.Errorf("%s %x: %w", bucket, k, err)
		}
		after = btoi(k)
		b.spend(1)
	}
	return false, meta.Put(progress, itob(indexedAll))
}
