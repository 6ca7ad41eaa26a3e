package storage

import (
	"path/filepath"
	"slices"
	"testing"
)

func groupIDs(gs []Group) []uint64 {
	var ids []uint64
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	return ids
}

// A group's cell and leader are found through indexes that follow every
// change of the group: a new leader, a group moved to another cell.
func TestTx_PutGroupKeepsIndexes(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		a, b, c := &Group{CellID: 1, Name: "A", LeaderID: 10}, &Group{CellID: 2, Name: "B", LeaderID: 10}, &Group{CellID: 1, Name: "C"}
		for _, g := range []*Group{a, b, c} {
			if err := tx.PutGroup(g); err != nil {
				return err
			}
		}
		if gs, err := tx.Groups(1); err != nil || !slices.Equal(groupIDs(gs), []uint64{a.ID, c.ID}) {
			t.Errorf("groups of cell 1: %v %v", groupIDs(gs), err)
		}
		if gs, err := tx.LedGroups(10); err != nil || !slices.Equal(groupIDs(gs), []uint64{a.ID, b.ID}) {
			t.Errorf("groups led by 10: %v %v", groupIDs(gs), err)
		}
		a.LeaderID, b.CellID, c.LeaderID = 11, 1, 10
		for _, g := range []*Group{a, b, c} {
			if err := tx.PutGroup(g); err != nil {
				return err
			}
		}
		if gs, _ := tx.Groups(2); len(gs) != 0 {
			t.Errorf("cell 2 still lists %v", groupIDs(gs))
		}
		if gs, _ := tx.Groups(1); !slices.Equal(groupIDs(gs), []uint64{a.ID, b.ID, c.ID}) {
			t.Errorf("groups of cell 1 after the move: %v", groupIDs(gs))
		}
		if gs, _ := tx.LedGroups(10); !slices.Equal(groupIDs(gs), []uint64{b.ID, c.ID}) {
			t.Errorf("groups led by 10 after the change: %v", groupIDs(gs))
		}
		if gs, _ := tx.LedGroups(11); !slices.Equal(groupIDs(gs), []uint64{a.ID}) || gs[0].LeaderID != 11 {
			t.Errorf("groups led by 11: %+v", gs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A schema 5 file, whose groups were found by reading them all, gets the
// indexes of groups by cell and by leader when it is opened.
func TestOpen_migratesV5GroupIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v5.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		// Written as schema 5 wrote them: the record alone.
		for _, g := range []Group{{ID: 3, CellID: 1, Name: "Tổ xa", LeaderID: 20}, {ID: 4, CellID: 2, Name: "Tổ 1"}, {ID: 5, CellID: 1, Name: "Tổ 2", LeaderID: 21}} {
			if err := putJSON(tx.tx.Bucket(bucketGroups), itob(g.ID), g); err != nil {
				return err
			}
		}
		for _, m := range []Member{{ID: 30, Roles: []CellRole{{1, RoleMember}}}, {ID: 31, Roles: []CellRole{{1, RoleMember}, {1, RoleDeputy}}}, {ID: 32, AdminOf: []uint64{1}}, {ID: 33, HomeCellID: 2, History: []Status{{Kind: StatusFarAway}}, Status: Status{Kind: StatusActive}}} {
			if err := putJSON(tx.tx.Bucket(bucketMembers), itob(m.ID), m); err != nil {
				return err
			}
		}
		for _, name := range [][]byte{bucketGroupCells, bucketLeaders, bucketRoleHolders, bucketPeriodCells} {
			if err := tx.tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.tx.Bucket(bucketMeta).Put(keySchemaVersion, itob(5))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		if v := tx.Version(); v != SchemaVersion {
			t.Errorf("version %d, want %d", v, SchemaVersion)
		}
		if gs, err := tx.Groups(1); err != nil || !slices.Equal(groupIDs(gs), []uint64{3, 5}) {
			t.Errorf("groups of cell 1 after the migration: %v %v", groupIDs(gs), err)
		}
		if gs, err := tx.LedGroups(20); err != nil || !slices.Equal(groupIDs(gs), []uint64{3}) || gs[0].Name != "Tổ xa" {
			t.Errorf("groups led by 20 after the migration: %+v %v", gs, err)
		}
		if gs, _ := tx.LedGroups(22); len(gs) != 0 {
			t.Errorf("member 22 leads %v", groupIDs(gs))
		}
		if got, want := tx.RoleHolders(), []uint64{20, 21, 31, 32}; !slices.Equal(got, want) {
			t.Errorf("role holders after the migration: %v, want %v", got, want)
		}
		if ms, err := tx.CellLeaders(1); err != nil || len(ms) != 1 || ms[0].ID != 31 {
			t.Errorf("leaders of cell 1 after the migration: %v %v", ms, err)
		}
		if ms, err := tx.PeriodMembers(2); err != nil || len(ms) != 1 || ms[0].ID != 33 || !slices.Equal(tx.PeriodCells(), []uint64{2}) {
			t.Errorf("members once away after the migration: %v %v, cells %v", ms, err, tx.PeriodCells())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A schema 5 file's check-ins are indexed by cell and period when it is
// opened, so retention finds the old ones without reading the others; a
// check-in that moved cell, or was erased, leaves no entry behind.
func TestOpen_migratesV5CheckinIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v5.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		for _, ck := range []Checkin{{MemberID: 1, CellID: 10, Period: "2023-05"}, {MemberID: 1, CellID: 10, Period: "2025-05"}, {MemberID: 2, CellID: 10, Period: "2023-06"}, {MemberID: 3, CellID: 11, Period: "2023-05"}} {
			if err := putJSON(tx.tx.Bucket(bucketCheckins), checkinKey(ck.MemberID, ck.Period), ck); err != nil {
				return err
			}
		}
		if err := tx.tx.DeleteBucket(bucketCheckinCells); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put(keySchemaVersion, itob(5))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *Tx) error {
		// Member 2's check-in moves to cell 11; member 1's records are erased.
		if err := tx.PutCheckin(&Checkin{MemberID: 2, CellID: 11, Period: "2023-06"}); err != nil {
			return err
		}
		if err := tx.EraseMemberRecords(1); err != nil {
			return err
		}
		if n, err := tx.DeleteCheckinsBefore(10, "2024-01", 100); err != nil || n != 0 {
			t.Errorf("cell 10: deleted %d (%v), want 0", n, err)
		}
		if n, err := tx.DeleteCheckinsBefore(11, "2024-01", 100); err != nil || n != 2 {
			t.Errorf("cell 11: deleted %d (%v), want 2", n, err)
		}
		if count(tx.tx.Bucket(bucketCheckins)) != 0 || count(tx.tx.Bucket(bucketCheckinCells)) != 0 {
			t.Errorf("left: %d check-ins, %d index entries", count(tx.tx.Bucket(bucketCheckins)), count(tx.tx.Bucket(bucketCheckinCells)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The role holders follow every change of a member's roles and of the
// groups' leaders.
func TestTx_RoleHolders(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		plain, sec := &Member{Name: "A", Roles: []CellRole{{1, RoleMember}}}, &Member{Name: "B", Roles: []CellRole{{1, RoleSecretary}}}
		for _, m := range []*Member{plain, sec} {
			if err := tx.PutMember(m); err != nil {
				return err
			}
		}
		if got := tx.RoleHolders(); !slices.Equal(got, []uint64{sec.ID}) {
			t.Errorf("role holders %v, want [%d]", got, sec.ID)
		}
		v := tx.MenusVersion()
		plain.Name = "A2"
		if err := tx.PutMember(plain); err != nil {
			return err
		}
		if tx.MenusVersion() != v {
			t.Error("a change to a plain member changed the menus' version")
		}
		g := &Group{CellID: 1, LeaderID: plain.ID}
		if err := tx.PutGroup(g); err != nil {
			return err
		}
		if tx.MenusVersion() == v {
			t.Error("a new group leader left the menus' version")
		}
		v = tx.MenusVersion()
		plain.HomeCellID = 2
		if err := tx.PutMember(plain); err != nil {
			return err
		}
		if tx.MenusVersion() == v {
			t.Error("a group leader's move left the menus' version")
		}
		if ms, _ := tx.CellLeaders(1); len(ms) != 1 || ms[0].ID != sec.ID {
			t.Errorf("leaders of cell 1: %+v", ms)
		}
		sec.Roles = []CellRole{{1, RoleMember}, {2, RoleDeputy}}
		if err := tx.PutMember(sec); err != nil {
			return err
		}
		if ms, _ := tx.CellLeaders(1); len(ms) != 0 {
			t.Errorf("cell 1 keeps its former secretary: %+v", ms)
		}
		if ms, _ := tx.CellLeaders(2); len(ms) != 1 || ms[0].ID != sec.ID {
			t.Errorf("leaders of cell 2: %+v", ms)
		}
		sec.Roles = []CellRole{{1, RoleMember}}
		if err := tx.PutMember(sec); err != nil {
			return err
		}
		if got := tx.RoleHolders(); !slices.Equal(got, []uint64{plain.ID}) {
			t.Errorf("role holders %v, want [%d] (the group's leader)", got, plain.ID)
		}
		if err := tx.PutChatMenu("telegram", "12", []byte{1}); err != nil {
			return err
		}
		if got := tx.ChatMenus("telegram"); len(got) != 1 || string(got["12"]) != "\x01" || tx.ChatMenu("zalo", "12") != nil {
			t.Errorf("chat menus %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The members with a status for a period follow their home cell and keep
// their place once the period is over (the tick still judges their past).
func TestTx_PeriodMembers(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		m, other := &Member{Name: "A", HomeCellID: 1}, &Member{Name: "B", HomeCellID: 1}
		for _, x := range []*Member{m, other} {
			if err := tx.PutMember(x); err != nil {
				return err
			}
		}
		if got := tx.PeriodCells(); len(got) != 0 {
			t.Errorf("cells %v before anyone went away", got)
		}
		m.SetStatus(Status{Kind: StatusFarAway})
		if err := tx.PutMember(m); err != nil {
			return err
		}
		m.SetStatus(Status{Kind: StatusActive})
		m.HomeCellID = 3
		if err := tx.PutMember(m); err != nil {
			return err
		}
		if got := tx.PeriodCells(); !slices.Equal(got, []uint64{3}) {
			t.Errorf("cells %v, want [3]", got)
		}
		if ms, _ := tx.PeriodMembers(3); len(ms) != 1 || ms[0].ID != m.ID {
			t.Errorf("members of cell 3: %+v", ms)
		}
		if ms, _ := tx.PeriodMembers(1); len(ms) != 0 {
			t.Errorf("cell 1 keeps %+v", ms)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
