package storage

import (
	"slices"
	"strings"
	"testing"
)

func namesOf(ms []Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	slices.Sort(out)
	return out
}

func TestTx_MembersNamed(t *testing.T) {
	db := openTemp(t)
	long := "Nguyễn Thị Minh Khai Phương Thảo Ngọc Bích Hoàng Yến " + strings.Repeat("Lê ", 10) + "Hà"
	err := db.Update(func(tx *Tx) error {
		org, other := &Organization{Name: "Đảng bộ xã A"}, &Organization{Name: "Đảng bộ xã B"}
		for _, o := range []*Organization{org, other} {
			if err := tx.PutOrg(o); err != nil {
				return err
			}
		}
		c1, c2, c3 := &Cell{OrgID: org.ID, Name: "Chi bộ 1"}, &Cell{OrgID: org.ID, Name: "Chi bộ 2"}, &Cell{OrgID: other.ID, Name: "Chi bộ 3"}
		for _, c := range []*Cell{c1, c2, c3} {
			if err := tx.PutCell(c); err != nil {
				return err
			}
		}
		for _, m := range []*Member{
			{Name: "Nguyễn Văn An", HomeCellID: c1.ID}, {Name: "Trần Thị Bình", HomeCellID: c1.ID},
			{Name: "Đỗ Văn Hùng", HomeCellID: c2.ID}, {Name: "Nguyễn Thị Bình", HomeCellID: c3.ID},
			{Name: long, HomeCellID: c2.ID}, {Name: "Lê Lê Lê", HomeCellID: c1.ID},
		} {
			if err := tx.PutMember(m); err != nil {
				return err
			}
		}
		for _, tc := range []struct {
			scope  string
			id     uint64
			query  string
			want   []string
			nTotal int
		}{
			{"cell", c1.ID, "nguyen van", []string{"Nguyễn Văn An"}, 1},
			{"cell", c1.ID, "  BÌNH ", []string{"Trần Thị Bình"}, 1},
			{"cell", c1.ID, "thi binh", []string{"Trần Thị Bình"}, 1},
			{"cell", c1.ID, "inh", nil, 0}, // inside a word: not a name's reading
			{"cell", c1.ID, "le", []string{"Lê Lê Lê"}, 1},
			{"cell", c2.ID, "do van", []string{"Đỗ Văn Hùng"}, 1},
			{"org", org.ID, "binh", []string{"Trần Thị Bình"}, 1}, // not the other organization's
			{"org", org.ID, "nguyen", []string{"Nguyễn Văn An", long}, 2},
			{"org", other.ID, "binh", []string{"Nguyễn Thị Bình"}, 1},
			{"org", org.ID, "", nil, 0},
			{"org", org.ID, Fold(long), []string{long}, 1},
			{"org", org.ID, Fold(long) + " x", nil, 0},
		} {
			var got []Member
			var n int
			var err error
			if tc.scope == "cell" {
				got, n, err = tx.MembersNamed(tc.id, tc.query, 8)
			} else {
				got, n, err = tx.OrgMembersNamed(tc.id, tc.query, 8)
			}
			if err != nil {
				return err
			}
			if want := slices.Sorted(slices.Values(tc.want)); !slices.Equal(namesOf(got), want) || n != tc.nTotal {
				t.Errorf("%s %d %q: %q (%d), want %q (%d)", tc.scope, tc.id, tc.query, namesOf(got), n, tc.want, tc.nTotal)
			}
		}
		// A renamed member is found by the new name only; a moved one in the
		// new cell only; a cell moved to another organization takes its
		// members' names along.
		an, _, _ := tx.MembersNamed(c1.ID, "nguyen van an", 1)
		an[0].Name, an[0].HomeCellID = "Nguyễn Văn Ân", c2.ID
		if err := tx.PutMember(&an[0]); err != nil {
			return err
		}
		if got, _, _ := tx.MembersNamed(c1.ID, "nguyen", 8); len(got) != 0 {
			t.Errorf("the old cell still finds %q", namesOf(got))
		}
		if got, _, _ := tx.MembersNamed(c2.ID, "nguyen van an", 8); len(got) != 1 || got[0].Name != "Nguyễn Văn Ân" {
			t.Errorf("the new cell finds %q", namesOf(got))
		}
		c2.OrgID = other.ID
		if err := tx.PutCell(c2); err != nil {
			return err
		}
		if got, _, _ := tx.OrgMembersNamed(org.ID, "do van", 8); len(got) != 0 {
			t.Errorf("the old organization still finds %q", namesOf(got))
		}
		if got, _, _ := tx.OrgMembersNamed(other.ID, "do van", 8); len(got) != 1 {
			t.Errorf("the new organization finds %q", namesOf(got))
		}
		// Cells by name, over every organization; a renamed cell by its new name.
		if got, n, err := tx.CellsNamed("CHI BO", 2); err != nil || len(got) != 2 || n != 3 {
			t.Errorf("cells named chi bo: %v (%d), %v", got, n, err)
		}
		c3.Name = "Chi bộ Ấp Đông"
		if err := tx.PutCell(c3); err != nil {
			return err
		}
		if got, n, _ := tx.CellsNamed("ap dong", 8); n != 1 || got[0].ID != c3.ID {
			t.Errorf("cells named ap dong: %v (%d)", got, n)
		}
		if _, n, _ := tx.CellsNamed("3", 8); n != 0 {
			t.Errorf("the old name still finds %d cells", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpen_migratesV6NamesIndex(t *testing.T) {
	db, err := Open(v6File(t), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		if tx.Meta(string(keyNamesIndexed)) != nil {
			t.Errorf("the migration's progress is still recorded")
		}
		cells, err := tx.Cells()
		if err != nil {
			return err
		}
		n := 0
		for _, c := range cells {
			ms, err := tx.Members(c.ID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				n++
				for _, q := range []string{m.Name, strings.ToUpper(Fold(m.Name))} {
					in, _, err := tx.MembersNamed(c.ID, q, 1)
					if err != nil || len(in) != 1 || in[0].ID != m.ID {
						t.Fatalf("cell %d does not find %q by %q: %v %v", c.ID, m.Name, q, in, err)
					}
					org, _, err := tx.OrgMembersNamed(c.OrgID, q, 1)
					if err != nil || len(org) != 1 || org[0].ID != m.ID {
						t.Fatalf("organization %d does not find %q by %q: %v %v", c.OrgID, m.Name, q, org, err)
					}
				}
			}
		}
		if n < 200 {
			t.Errorf("only %d members checked", n)
		}
		for _, c := range cells {
			found, _, err := tx.CellsNamed(c.Name, 10)
			if err != nil || !slices.ContainsFunc(found, func(f Cell) bool { return f.ID == c.ID }) {
				t.Errorf("cell %q not found by its name: %v %v", c.Name, found, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
