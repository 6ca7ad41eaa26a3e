package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// MustOpenDB opens a database in a fresh temporary directory.
func MustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(filepath.Join(tb.TempDir(), "chibo.db"), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

var t0 = time.Date(2026, 11, 26, 19, 30, 0, 0, time.UTC)

func TestOpen_fileModeAndLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	// A second open (as a second process would) fails fast with ErrLocked.
	start := time.Now()
	_, err = Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("second open did not time out")
	}
}

func TestOpen_tightensModeOfExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chibo.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after reopen, want 0600", st.Mode().Perm())
	}
}

func TestRecords_roundTrip(t *testing.T) {
	db := MustOpenDB(t)
	var m Member
	err := db.Update(func(tx *Tx) error {
		org := &Organization{Name: "Đảng bộ xã Tân Phú", Created: t0}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		cell := &Cell{OrgID: org.ID, Name: "Chi bộ ấp 3", TZ: "Asia/Ho_Chi_Minh", Created: t0}
		if err := tx.PutCell(cell); err != nil {
			return err
		}
		g := &Group{CellID: cell.ID, Name: "Tổ đi làm ăn xa"}
		if err := tx.PutGroup(g); err != nil {
			return err
		}
		m = Member{Name: "Lê Văn Cường", HomeCellID: cell.ID, GroupID: g.ID, Lang: "vi",
			Contacts: map[string]string{"telegram": "12345", "zalo": "abc"},
			Consent:  Consent{Given: true, At: t0}, Joined: t0,
			Status: Status{Kind: StatusFarAway, From: t0, To: t0.AddDate(0, 6, 0), Reason: "Bình Dương", SetBy: 1, SetAt: t0}}
		m.AddRole(cell.ID, RoleMember)
		m.AddRole(cell.ID, RoleGroupLeader)
		m.AddRole(cell.ID, RoleGroupLeader)
		if err := tx.PutMember(&m); err != nil {
			return err
		}
		if err := tx.PutInvite(&Invite{Token: "tok", CellID: cell.ID, Role: RoleMember, Created: t0, Expires: t0.Add(time.Hour)}); err != nil {
			return err
		}
		return tx.PutConv(ConvKey("telegram", "12345", "12345"), &Conv{Flow: "reg", Step: "consent", Data: map[string]string{"name": "X"}, Expires: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error {
		got, err := tx.MemberByContact("zalo", "abc")
		if err != nil {
			return err
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(m)
		if !bytes.Equal(a, b) {
			t.Errorf("member round trip:\n%s\n%s", a, b)
		}
		if len(got.Roles) != 2 || !got.HasRole(got.HomeCellID, RoleGroupLeader) || got.Leads(got.HomeCellID) {
			t.Errorf("roles %+v", got.Roles)
		}
		inv, err := tx.Invite("tok")
		if err != nil || !inv.Usable(t0) || inv.Usable(t0.Add(time.Hour)) {
			t.Errorf("invite %+v %v", inv, err)
		}
		c, err := tx.Conv(ConvKey("telegram", "12345", "12345"))
		if err != nil || c.Step != "consent" || c.Data["name"] != "X" || c.Version != 1 {
			t.Errorf("conv %+v %v", c, err)
		}
		if ms, err := tx.Members(got.HomeCellID); err != nil || len(ms) != 1 {
			t.Errorf("members %v %v", ms, err)
		}
		if _, err := tx.Member(99); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing member: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPutMember_contactsIndex(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		a := &Member{Name: "A", Contacts: map[string]string{"telegram": "1"}}
		if err := tx.PutMember(a); err != nil {
			return err
		}
		// Changing a contact moves the index entry.
		a.Contacts["telegram"] = "2"
		if err := tx.PutMember(a); err != nil {
			return err
		}
		if _, err := tx.MemberByContact("telegram", "1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("old contact still found: %v", err)
		}
		if got, err := tx.MemberByContact("telegram", "2"); err != nil || got.ID != a.ID {
			t.Errorf("new contact: %v %v", got, err)
		}
		// Nobody can take another member's contact.
		b := &Member{Name: "B", HomeCellID: 7, Contacts: map[string]string{"telegram": "2"}}
		if err := tx.PutMember(b); !errors.Is(err, ErrContactTaken) {
			t.Errorf("two members share a contact: %v", err)
		}
		// Nothing of b was written: the cell lists no member.
		if ms, err := tx.Members(7); err != nil || len(ms) != 0 {
			t.Errorf("members of b's cell after the refusal: %v %v", ms, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPutCell_needsOrganization(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error { return tx.PutCell(&Cell{OrgID: 7, Name: "x"}) })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("cell without organization: %v", err)
	}
}

func TestProcessed_markAndPrune(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		if tx.Processed("tg:1") {
			t.Error("processed before marking")
		}
		if err := tx.MarkProcessed("tg:1", t0); err != nil {
			return err
		}
		if err := tx.MarkProcessed("tg:2", t0.Add(48*time.Hour)); err != nil {
			return err
		}
		n, err := tx.PruneProcessed(t0.Add(24 * time.Hour))
		if err != nil || n != 1 {
			t.Errorf("pruned %d, %v", n, err)
		}
		if tx.Processed("tg:1") || !tx.Processed("tg:2") {
			t.Error("pruned the wrong key")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOutbox_idempotentKeysAndStates(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		for i := 0; i < 3; i++ {
			ok, err := tx.Enqueue(&OutboxItem{Key: "reminder/t1/5/7", Transport: "telegram", Chat: "7", Payload: []byte("{}")}, t0)
			if err != nil {
				return err
			}
			if ok != (i == 0) {
				t.Errorf("enqueue #%d inserted=%v", i, ok)
			}
		}
		if _, err := tx.Enqueue(&OutboxItem{Transport: "telegram", Chat: "8"}, t0); err != nil {
			return err
		}
		if _, err := tx.Enqueue(&OutboxItem{Transport: "telegram", Chat: "8"}, t0); err != nil {
			return err
		}
		if tx.PendingCount() != 3 {
			t.Errorf("pending %d, want 3", tx.PendingCount())
		}
		p, err := tx.PendingAfter(0, 10)
		if err != nil || len(p) != 3 || p[0].Key != "reminder/t1/5/7" || p[0].State != OutboxPending {
			t.Fatalf("pending %+v %v", p, err)
		}
		p[0].State = OutboxSent
		if err := tx.UpdateOutbox(&p[0]); err != nil {
			return err
		}
		p[1].State, p[1].Reason = OutboxFailed, "blocked"
		if err := tx.UpdateOutbox(&p[1]); err != nil {
			return err
		}
		rest, err := tx.PendingAfter(0, 10)
		if err != nil || len(rest) != 1 || rest[0].ID != p[2].ID {
			t.Errorf("pending after ending two: %+v", rest)
		}
		if later, _ := tx.PendingAfter(p[2].ID, 10); len(later) != 0 {
			t.Errorf("PendingAfter its own id: %+v", later)
		}
		got, err := tx.OutboxByKey("reminder/t1/5/7")
		if err != nil || got.State != OutboxSent {
			t.Errorf("by key: %+v %v", got, err)
		}
		if got.Payload != nil {
			t.Errorf("a sent row kept its message: %q", got.Payload)
		}
		// An ended row keeps its key: the reminder is never sent again.
		if ok, _ := tx.Enqueue(&OutboxItem{Key: "reminder/t1/5/7", Transport: "telegram", Chat: "7"}, t0); ok {
			t.Error("a sent reminder was enqueued again")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// writeV1 writes a database as chibo's schema 1 did: no contacts index, no
// index of members by home cell.
func writeV1(t *testing.T, path string) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		if err := meta.Put([]byte("schema_version"), itob(1)); err != nil {
			return err
		}
		members, err := tx.CreateBucket([]byte("members"))
		if err != nil {
			return err
		}
		for id, user := range map[uint64]string{1: "111", 2: "222"} {
			v, _ := json.Marshal(Member{ID: id, Name: "Member " + user, HomeCellID: 4 + id, Contacts: map[string]string{"telegram": user}})
			if err := members.Put(itob(id), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func TestOpen_migratesV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	writeV1(t, path)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		if v := tx.Version(); v != SchemaVersion {
			t.Errorf("version %d, want %d", v, SchemaVersion)
		}
		m, err := tx.MemberByContact("telegram", "222")
		if err != nil || m.ID != 2 {
			t.Errorf("contacts index after migration: %+v %v", m, err)
		}
		// Schema 3's index of members by home cell.
		ms, err := tx.Members(6)
		if err != nil || len(ms) != 1 || ms[0].ID != 2 {
			t.Errorf("members of cell 6 after migration: %+v %v", ms, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpen_refusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket([]byte("meta"))
		return meta.Put([]byte("schema_version"), itob(SchemaVersion+1))
	})
	b.Close()
	if _, err := Open(path, Options{}); err == nil {
		t.Fatal("opened a database from a newer chibo")
	}
}

func TestBackupFile_consistentCopy(t *testing.T) {
	db := MustOpenDB(t)
	if err := db.Update(func(tx *Tx) error { return tx.PutOrg(&Organization{Name: "Đảng bộ phường 1"}) }); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := db.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v", st.Mode().Perm())
	}
	b, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.View(func(tx *Tx) error {
		orgs, err := tx.Orgs()
		if err != nil || len(orgs) != 1 || orgs[0].Name != "Đảng bộ phường 1" {
			t.Errorf("backup holds %+v %v", orgs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMeta_reservedKey(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		if err := tx.PutMeta("schema_version", []byte("x")); err == nil {
			t.Error("PutMeta overwrote the schema version")
		}
		if err := tx.PutMetaInt("telegram.offset", 42); err != nil {
			return err
		}
		if tx.MetaInt("telegram.offset") != 42 || tx.MetaInt("unset") != 0 {
			t.Error("meta int round trip")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMembers_followTheirHomeCell(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Update(func(tx *Tx) error {
		a := &Member{Name: "A", HomeCellID: 1}
		b := &Member{Name: "B", HomeCellID: 1}
		none := &Member{Name: "Admin"} // an organization admin without a cell
		for _, m := range []*Member{a, b, none} {
			if err := tx.PutMember(m); err != nil {
				return err
			}
		}
		b.HomeCellID = 2 // transferred to another cell
		if err := tx.PutMember(b); err != nil {
			return err
		}
		b.Name = "B đã đổi tên"
		if err := tx.PutMember(b); err != nil {
			return err
		}
		one, err := tx.Members(1)
		if err != nil {
			return err
		}
		two, err := tx.Members(2)
		if err != nil {
			return err
		}
		if len(one) != 1 || one[0].ID != a.ID || len(two) != 1 || two[0].Name != "B đã đổi tên" {
			t.Errorf("cell 1: %+v; cell 2: %+v", one, two)
		}
		if zero, _ := tx.Members(0); len(zero) != 0 {
			t.Errorf("members without a cell listed: %+v", zero)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpen_migratesFarAwayExemptV4: schema 3 kept whether a far-away member
// was granted a temporary exemption only in their FarAway record, and
// meetings treated every far-away status as exempt. Schema 4 writes it on the
// status; a record saying "not exempt" must survive as not exempt.
func TestOpen_migratesFarAwayExemptV4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v3.db")
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := func(d, m int) time.Time { return time.Date(2026, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	err = b.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		if err := meta.Put([]byte("schema_version"), itob(3)); err != nil {
			return err
		}
		members, err := tx.CreateBucket([]byte("members"))
		if err != nil {
			return err
		}
		far, err := tx.CreateBucket([]byte("faraway"))
		if err != nil {
			return err
		}
		// Old JSON, written by hand: no "exempt" on any status.
		old := map[uint64]string{
			1: `{"id":1,"name":"A","home_cell_id":1,"status":{"kind":"far_away","from":"2026-03-01T00:00:00Z","to":"2026-05-31T00:00:00Z","set_at":"2026-03-01T00:00:00Z"}}`,
			2: `{"id":2,"name":"B","home_cell_id":1,"status":{"kind":"far_away","from":"2026-03-01T00:00:00Z","to":"2026-05-31T00:00:00Z","set_at":"2026-03-01T00:00:00Z"}}`,
			3: `{"id":3,"name":"C","home_cell_id":1,"status":{"kind":"active","set_at":"2026-01-01T00:00:00Z"}}`,
			// Back home since 1/4; his record says he had an exemption.
			4: `{"id":4,"name":"D","home_cell_id":1,"history":[{"kind":"far_away","from":"2026-03-01T00:00:00Z","to":"2026-12-31T00:00:00Z","set_at":"2026-03-01T00:00:00Z"}],"status":{"kind":"active","set_at":"2026-04-01T00:00:00Z"}}`,
		}
		for id, v := range old {
			if err := members.Put(itob(id), []byte(v)); err != nil {
				return err
			}
		}
		if err := far.Put(itob(4), []byte(`{"member_id":4,"province":"Huế","exempt":true,"set_at":"2026-03-01T00:00:00Z"}`)); err != nil {
			return err
		}
		return far.Put(itob(2), []byte(`{"member_id":2,"province":"Bình Dương","exempt":false,"set_by":9,"set_at":"2026-03-01T00:00:00Z"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		for id, want := range map[uint64]bool{1: true, 2: false, 3: false, 4: true} {
			m, err := tx.Member(id)
			if err != nil {
				return err
			}
			got, err := tx.ExemptFromMeetings(m, day(15, 3))
			if err != nil {
				return err
			}
			if got != want {
				t.Errorf("member %d exempt on 1/4 after migration: %v, want %v", id, got, want)
			}
		}
		if v := tx.Version(); v != SchemaVersion {
			t.Errorf("version %d, want %d", v, SchemaVersion)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
