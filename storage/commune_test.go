package storage

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// v9File writes a database of schema 9: cells (ids 1…n, in three
// organizations), no index of them by organization.
func v9File(t *testing.T, cells int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v9.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		for id := 1; id <= cells; id++ {
			c := Cell{ID: uint64(id), OrgID: uint64(7 + id%3), Name: fmt.Sprintf("Chi bộ %d", id)}
			if err := putJSON(tx.tx.Bucket(bucketCells), itob(c.ID), c); err != nil {
				return err
			}
		}
		if err := tx.tx.DeleteBucket(bucketOrgCells); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put(keySchemaVersion, itob(9))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return path
}

// A database of schema 9 has cells but no index of them by organization:
// opening it builds the index (migration 10), so a commune's overview finds
// its cells.
func TestOpen_migratesV9OrgCells(t *testing.T) {
	db, err := Open(v9File(t, 3), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		if tx.Meta(string(keyOrgCellsIndexed)) != nil {
			t.Errorf("the migration's progress is still recorded")
		}
		cs, err := tx.OrgCells(7)
		if err != nil || len(cs) != 1 || cs[0].Name != "Chi bộ 3" {
			t.Errorf("cells of organization 7 after the migration: %+v %v", cs, err)
		}
		cs, err = tx.OrgCells(8)
		if err != nil || len(cs) != 1 || cs[0].Name != "Chi bộ 1" {
			t.Errorf("cells of organization 8 after the migration: %+v %v", cs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The file of the release of schema 6 is brought to this release with
// every one of its cells indexed by organization, beside the later
// migrations.
func TestOpen_v6FileOrgCells(t *testing.T) {
	db, err := Open(v6File(t), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		if v := btoi(tx.tx.Bucket(bucketMeta).Get(keySchemaVersion)); v != SchemaVersion {
			t.Errorf("schema %d after opening, want %d", v, SchemaVersion)
		}
		cells, err := tx.Cells()
		if err != nil || len(cells) == 0 {
			t.Fatalf("cells of the file: %d %v", len(cells), err)
		}
		for _, c := range cells {
			ids := tx.OrgCellIDs(c.OrgID)
			if !slices.Contains(ids, c.ID) {
				t.Errorf("cell %d not in the index of organization %d: %v", c.ID, c.OrgID, ids)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A commune role says what was true on each day: before it, on its last
// day, after it; whether a member holds one at a time, and whether one
// began or ended in a span (menus change then, with no record written).
func TestCommuneRole_On(t *testing.T) {
	db := MustOpenDB(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	err := db.Update(func(tx *Tx) error {
		o := &Organization{Name: "Xã"}
		if err := tx.PutOrg(o); err != nil {
			return err
		}
		r := &CommuneRole{OrgID: o.ID, MemberID: 5, Kind: CommuneFollow, CellID: 2, From: day(3), To: day(10)}
		if err := tx.PutCommuneRole(r); err != nil {
			return err
		}
		rs, err := tx.CommuneRoles(o.ID)
		if err != nil || len(rs) != 1 {
			t.Fatalf("roles: %+v %v", rs, err)
		}
		for _, c := range []struct {
			at   time.Time
			want bool
		}{{day(2), false}, {day(3), true}, {day(10).Add(23 * time.Hour), true}, {day(11), false}} {
			if got := rs[0].On(c.at); got != c.want {
				t.Errorf("On(%v) = %v, want %v", c.at, got, c.want)
			}
		}
		if orgs := tx.CommuneOrgsOf(5); len(orgs) != 1 || orgs[0] != o.ID {
			t.Errorf("orgs of member 5: %v", orgs)
		}
		// In force, across the member's roles; begun or ended in a span.
		if err := tx.PutCommuneRole(&CommuneRole{OrgID: o.ID, MemberID: 6, Kind: CommuneSecretary, From: day(20)}); err != nil {
			return err
		}
		for _, c := range []struct {
			member uint64
			at     time.Time
			want   bool
		}{{5, day(2), false}, {5, day(3), true}, {5, day(10).Add(23 * time.Hour), true}, {5, day(11), false},
			{6, day(19), false}, {6, day(20), true}, {7, day(5), false}} {
			if got := tx.HoldsCommuneRole(c.member, c.at); got != c.want {
				t.Errorf("member %d holds at %v: %v, want %v", c.member, c.at, got, c.want)
			}
		}
		for _, c := range []struct {
			from, to time.Time
			want     bool
		}{{day(1), day(2), false}, {day(2), day(3), true}, {day(3), day(4), false}, {day(4), day(10), false},
			{day(10), day(11), true}, {day(11), day(19), false}, {day(19), day(20), true}, {day(20), day(30), false}} {
			got, err := tx.CommuneRolesTurned(c.from, c.to)
			if err != nil {
				return err
			}
			if got != c.want {
				t.Errorf("turned in (%v, %v]: %v, want %v", c.from, c.to, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The year's dues as the flags read them: paid months read from the key
// without decoding, unpaid ones with their reason, other years left out.
func TestDuesStatesOfYear(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		for _, d := range []Dues{{MemberID: 4, Month: "2025-12", State: DuesUnpaid}, {MemberID: 4, Month: "2026-01", State: DuesPaid, Via: DuesViaRoll},
			{MemberID: 4, Month: "2026-02", State: DuesUnpaid, Reason: "ốm"}, {MemberID: 5, Month: "2026-01", State: DuesUnpaid}} {
			if err := tx.PutDues(&d); err != nil {
				return err
			}
		}
		ds, err := tx.DuesStatesOfYear(4, 2026)
		if err != nil {
			return err
		}
		if len(ds) != 2 || ds[0].Month != "2026-01" || ds[0].State != DuesPaid || ds[1].Month != "2026-02" || ds[1].State != DuesUnpaid || ds[1].Reason != "ốm" {
			t.Errorf("dues of 2026: %+v", ds)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
