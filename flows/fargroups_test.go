package flows

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chibo/storage"
)

// communeCells adds a second cell to the harness's organization (its
// secretary is "sec2") with the named members, and makes "admin" the
// organization's admin.
func (h *harness) communeCells(members ...string) {
	h.t.Helper()
	_, cell := h.secondCell()
	err := h.db.Update(func(tx *storage.Tx) error {
		home := h.cell
		h.cell = cell
		defer func() { h.cell = home }()
		for _, name := range members {
			if _, err := h.addMember(tx, userOf(name), name, storage.RoleMember); err != nil {
				return err
			}
		}
		admin := &storage.Member{Name: "Hoàng Văn Đảng Ủy", Lang: "vi", Contacts: map[string]string{tr: "admin"}, AdminOf: []uint64{h.cell.OrgID},
			Status: storage.Status{Kind: storage.StatusActive, SetAt: h.now}, Consent: storage.Consent{Given: true, At: h.now}, Joined: h.now}
		return tx.PutMember(admin)
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) farGroups() []storage.FarGroup {
	h.t.Helper()
	var gs []storage.FarGroup
	if err := h.db.View(func(tx *storage.Tx) (err error) { gs, err = tx.OrgFarGroups(h.cell.OrgID); return err }); err != nil {
		h.t.Fatal(err)
	}
	return gs
}

// Issue 17: the commune forms a far-away party group from two cells; its
// leader must be one of it, and a member in one group cannot join another.
// The leader then follows the members' check-ins across cells, and the
// home secretaries keep theirs.
func TestFarGroup_formedAcrossCellsAndFollowedByItsLeader(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Thị Hai")
	h.communeCells("Phạm Văn Ba", "Ngô Thị Tư")

	h.say("admin", "/fargroup")
	h.tap("admin", h.vi("fargroup.btn_new"))
	h.say("admin", "Tổ đảng tại TP. Hồ Chí Minh")
	h.say("admin", "Tran Van An, Phạm Văn Ba")
	before := h.snapshot("convs")
	out := h.say("admin", "Lê Thị Hai")
	h.wantContains(out, h.vi("fargroup.err_leader_not_member", "Name", "Lê Thị Hai"))
	if h.snapshot("convs") != before {
		t.Fatal("a refused leader changed the records")
	}
	h.tap("admin", "Trần Văn An")
	out = h.tap("admin", h.vi("fargroup.btn_form"))
	gs := h.farGroups()
	an, ba := h.member("tranvanan"), h.member("phamvanba")
	if len(gs) != 1 || gs[0].LeaderID != an.ID || len(gs[0].MemberIDs) != 2 || gs[0].MemberIDs[1] != ba.ID {
		t.Fatalf("far groups %+v", gs)
	}
	h.wantText(to(out, "tranvanan"), "vi", "fargroup.you_lead", "Name", "Tổ đảng tại TP. Hồ Chí Minh", "Count", 2)
	h.wantText(to(out, "phamvanba"), "vi", "fargroup.you_member", "Name", "Tổ đảng tại TP. Hồ Chí Minh", "Leader", "Trần Văn An")

	// A member of that group cannot join another: refused by name, nothing stored.
	h.say("admin", "/fargroup")
	h.tap("admin", h.vi("fargroup.btn_new"))
	h.say("admin", "Tổ đảng tại Bình Dương")
	before = h.snapshot("convs")
	out = h.say("admin", "Ngô Thị Tư, Phạm Văn Ba")
	h.wantContains(out, h.vi("fargroup.err_other_group", "Name", "Phạm Văn Ba", "Group", "Tổ đảng tại TP. Hồ Chí Minh"))
	if h.snapshot("convs") != before || len(h.farGroups()) != 1 {
		t.Fatal("a member was put in two far groups")
	}
	h.say("admin", "/cancel")

	// Phạm Văn Ba (Chi bộ Hai) works far away: the leader, in another
	// cell, sees him on the group's board and his check-ins; his own
	// secretary still does; the other cell's secretary does not.
	h.markFar("phamvanba", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	out = h.say("tranvanan", "/board")
	h.wantContains(out, h.vi("fargroup.board_header", "Name", "Tổ đảng tại TP. Hồ Chí Minh", "Leader", "Trần Văn An"))
	h.wantContains(out, "Phạm Văn Ba (Chi bộ ấp Mới)")
	if strings.Contains(texts(out), h.vi("board.not_allowed")) {
		t.Fatalf("the leader was refused: %s", texts(out))
	}
	history := fmt.Sprintf("bh:%d", ba.ID)
	if got := texts(h.press("tranvanan", history)); strings.Contains(got, h.vi("board.not_allowed")) {
		t.Fatalf("the group leader cannot read the member's check-ins: %s", got)
	}
	if got := texts(h.press("sec2", history)); strings.Contains(got, h.vi("board.not_allowed")) {
		t.Fatalf("the home secretary cannot read the member's check-ins: %s", got)
	}
	h.wantText(h.press("sec", history), "vi", "board.not_allowed")

	// The silent month's list goes to the group leader and the home secretary.
	tk := newTicker(h)
	h.at(25, 3, 0, 0)
	tk.run(time.Date(2026, 4, 6, 0, 0, 0, 0, h.zone), time.Hour, nil)
	for _, who := range []*storage.Member{an, h.member("sec2")} {
		key := fmt.Sprintf("reminder/checkin-silent/2026-03/%d", who.ID)
		if !strings.Contains(tk.msgs[key].Text, "Phạm Văn Ba") {
			t.Errorf("%s got no silent list naming the member: %q", who.Name, tk.msgs[key].Text)
		}
	}
	if _, ok := tk.sent[fmt.Sprintf("reminder/checkin-silent/2026-03/%d", h.member("sec").ID)]; ok {
		t.Error("another cell's secretary got the member's silence")
	}
}

// A far group's contact meeting keeps its own attendance; it counts as the
// cell's meeting only for members whose cell the committee approved for the
// online pilot, and only when held online. Both are audited.
func TestFarGroup_contactMeetingCountsOnlyUnderThePilot(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Thị Hai")
	h.communeCells("Phạm Văn Ba")
	ba := h.member("phamvanba")
	err := h.db.Update(func(tx *storage.Tx) error {
		an := h.member("tranvanan")
		return tx.PutFarGroup(&storage.FarGroup{OrgID: h.cell.OrgID, Name: "Tổ đảng tại TP. Hồ Chí Minh", LeaderID: an.ID, MemberIDs: []uint64{an.ID, ba.ID}, Created: h.now})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The admin approves the pilot for Phạm Văn Ba's cell only.
	h.say("admin", "/fargroup")
	h.tap("admin", h.vi("fgpilot.btn_open"))
	out := h.tap("admin", h.vi("fgpilot.btn_on", "Cell", "Chi bộ ấp Mới"))
	h.wantContains(out, h.vi("fgpilot.line_on", "Cell", "Chi bộ ấp Mới", "Date", "01/03/2026"))
	h.wantContains(out, h.vi("fgpilot.line_off", "Cell", "Chi bộ Thử"))
	// Only the group's leader records its contact meetings.
	h.wantText(h.press("phamvanba", fmt.Sprintf("f.group:%d:c", h.farGroups()[0].ID)), "vi", "board.not_allowed")

	h.advance(24 * time.Hour)
	h.say("tranvanan", "/board")
	h.tap("tranvanan", h.vi("fgcontact.btn_record"))
	out = h.say("tranvanan", "05/03/2026")
	h.wantContains(out, h.vi("fgcontact.err_future"))
	h.tap("tranvanan", h.vi("fgcontact.btn_today"))
	h.tap("tranvanan", h.vi("fgcontact.online"))
	out = h.say("tranvanan", "Nguyễn Văn Ngoài")
	h.wantContains(out, h.vi("fgcontact.err_not_in_group", "Name", "Nguyễn Văn Ngoài"))
	out = h.tap("tranvanan", h.vi("fgcontact.btn_all"))
	h.wantText(out, "vi", "fgcontact.recorded", "Name", "Tổ đảng tại TP. Hồ Chí Minh", "Date", "02/03/2026", "Kind", h.vi("fgcontact.online"), "Present", 2, "Total", 2)
	h.wantText(out, "vi", "fgcontact.counted", "Names", "Phạm Văn Ba")
	k := h.farGroups()[0].Contacts
	if len(k) != 1 || len(k[0].Present) != 2 || len(k[0].Counted) != 1 || k[0].Counted[0] != ba.ID {
		t.Fatalf("contacts %+v", k)
	}
	// The cell's own meetings are untouched.
	if ms := h.meetings(); len(ms) != 0 {
		t.Errorf("a contact meeting made cell meetings: %+v", ms)
	}
	// In person: counted for nobody.
	h.say("tranvanan", "/board")
	h.tap("tranvanan", h.vi("fgcontact.btn_record"))
	h.tap("tranvanan", h.vi("fgcontact.btn_today"))
	h.tap("tranvanan", h.vi("fgcontact.in_person"))
	out = h.say("tranvanan", "Phạm Văn Ba")
	h.wantText(out, "vi", "fgcontact.not_counted")
	if got := h.auditActions("fargroup_contact"); len(got) != 2 {
		t.Errorf("contacts audited %v", got)
	}
	if got := h.auditActions("online_pilot"); len(got) != 1 {
		t.Errorf("pilot audited %v", got)
	}
}

// Issue 17: a contact meeting counted under the pilot shows in the
// member's own year and in the home secretary's cell year, as a line of
// its own beside the cell's meetings; a member whose cell had no pilot
// sees none.
func TestFarGroup_countedContactShownInTheYear(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Thị Hai")
	h.communeCells("Phạm Văn Ba")
	ba := h.member("phamvanba")
	err := h.db.Update(func(tx *storage.Tx) error {
		an := h.member("tranvanan")
		return tx.PutFarGroup(&storage.FarGroup{OrgID: h.cell.OrgID, Name: "Tổ đảng tại TP. Hồ Chí Minh", LeaderID: an.ID, MemberIDs: []uint64{an.ID, ba.ID}, Created: h.now})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.say("admin", "/fargroup")
	h.tap("admin", h.vi("fgpilot.btn_open"))
	h.tap("admin", h.vi("fgpilot.btn_on", "Cell", "Chi bộ ấp Mới"))
	h.advance(24 * time.Hour)
	h.say("tranvanan", "/board")
	h.tap("tranvanan", h.vi("fgcontact.btn_record"))
	h.tap("tranvanan", h.vi("fgcontact.btn_today"))
	h.tap("tranvanan", h.vi("fgcontact.online"))
	h.tap("tranvanan", h.vi("fgcontact.btn_all"))

	line := h.vi("fgyear.contact", "Group", "Tổ đảng tại TP. Hồ Chí Minh", "Date", "02/03/2026")
	h.wantContains(h.say("phamvanba", "/attendance"), line)
	h.wantContains(h.say("sec2", "/attendance"), h.vi("fgyear.contact_of", "Name", "Phạm Văn Ba", "Line", line))
	out := texts(h.say("admin", "/tongquan"))
	ours, theirs, _ := strings.Cut(out, "2. Chi bộ ấp Mới")
	if !strings.Contains(theirs, h.vi("fgov.cell_contacts", "N", 1)) || strings.Contains(ours, h.vi("fgov.cell_contacts", "N", 1)) {
		t.Errorf("the commune's overview does not show the counted contact beside the right cell: %s", out)
	}
	if got := texts(h.say("tranvanan", "/attendance")); strings.Contains(got, line) {
		t.Errorf("a member whose cell had no pilot sees the contact counted: %s", got)
	}
	if ms := h.meetings(); len(ms) != 0 {
		t.Errorf("a contact meeting made cell meetings: %+v", ms)
	}

	// Phạm Văn Ba leaves the group (back home): the contact meeting he
	// attended stays in his year and in his cell's.
	if err := h.db.Update(func(tx *storage.Tx) error {
		g, err := tx.FarGroupOf(ba.ID)
		if err != nil {
			return err
		}
		g.MemberIDs = slices.DeleteFunc(g.MemberIDs, func(id uint64) bool { return id == ba.ID })
		return tx.PutFarGroup(g)
	}); err != nil {
		t.Fatal(err)
	}
	h.wantContains(h.say("phamvanba", "/attendance"), line)
	h.wantContains(h.say("sec2", "/attendance"), h.vi("fgyear.contact_of", "Name", "Phạm Văn Ba", "Line", line))
	if out := texts(h.say("admin", "/tongquan")); !strings.Contains(out, h.vi("fgov.cell_contacts", "N", 1)) {
		t.Errorf("the overview lost the former member's counted contact: %s", out)
	}
}

// Issue 17: the commune's overview shows each far group: its leader and
// members, this month's check-ins as the boards class them, and over the
// year the members flagged for a silent streak and those kept in contact.
func TestFarGroup_onTheCommuneOverview(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Văn An", "Lê Thị Hai")
	h.communeCells("Phạm Văn Ba")
	an, ba := h.member("tranvanan"), h.member("phamvanba")
	h.markFar("tranvanan", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	h.markFar("phamvanba", 0, h.date(1, 3, 2026), h.date(31, 12, 2026), true)
	err := h.db.Update(func(tx *storage.Tx) error {
		for _, p := range []string{"2026-03", "2026-04", "2026-05"} {
			ck := &storage.Checkin{MemberID: an.ID, CellID: an.HomeCellID, Period: p, At: h.now, Updated: h.now, Answers: map[string]string{}}
			if err := tx.PutCheckin(ck); err != nil {
				return err
			}
		}
		return tx.PutFarGroup(&storage.FarGroup{OrgID: h.cell.OrgID, Name: "Tổ đảng tại TP. Hồ Chí Minh", LeaderID: an.ID, MemberIDs: []uint64{an.ID, ba.ID}, Created: h.now,
			Contacts: []storage.GroupContact{{At: h.now, Present: []uint64{ba.ID}, By: an.ID, Recorded: h.now}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.at(28, 5, 12, 0) // Phạm Văn Ba silent in April and May: flagged
	out := h.say("admin", "/tongquan")
	h.wantContains(out, h.e.Cat.N("vi", "fgov.header", 1))
	h.wantContains(out, h.e.Cat.N("vi", "fgov.group", 2, "Name", "Tổ đảng tại TP. Hồ Chí Minh", "Leader", "Trần Văn An"))
	h.wantContains(out, h.vi("fgov.month", "Month", "05/2026", "Reported", 1, "Late", 0, "Silent", 1))
	h.wantContains(out, h.vi("fgov.year", "Year", 2026, "Flagged", 1, "Contact", 2, "Count", 2))

	// The workbook has the same figures on a sheet of its own.
	files := h.tap("admin", h.vi("commune.btn_workbook"))
	if len(files) != 1 || files[0].Document == nil {
		t.Fatalf("no workbook: %+v", files)
	}
	f, err := excelize.OpenReader(bytes.NewReader(files[0].Document.Data))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(h.vi("fgov.sheet"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Tổ đảng tại TP. Hồ Chí Minh", "Trần Văn An", "2", "1", "0", "1", "1", "2"}
	for _, r := range rows {
		if len(r) > 0 && r[0] == want[0] {
			if !slices.Equal(r[:min(len(r), len(want))], want) {
				t.Fatalf("the group's row in the workbook: %q, want %q", r, want)
			}
			return
		}
	}
	t.Fatalf("no row of the group in the workbook's sheet %q: %q", h.vi("fgov.sheet"), rows)
}
