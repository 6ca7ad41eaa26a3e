package flows

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"strconv"
	"strings"
	"testing"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

func TestAdmin_createsCellAndInvitesSecretary(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	var tok string
	err := h.db.Update(func(tx *storage.Tx) error {
		tok = members.NewToken()
		return tx.PutInvite(&storage.Invite{Token: tok, OrgID: h.cell.OrgID, Role: storage.RoleAdmin, Created: h.now, Expires: h.now.Add(time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.names["adm"] = "Lương Văn Quản"
	h.wantText(h.say("adm", "/start "+tok), "vi", "reg.confirm_name", "Cell", "Đảng bộ xã Thử", "Name", "Lương Văn Quản")
	h.tap("adm", "Đúng")
	h.tap("adm", "Tôi đồng ý")
	h.wantText(h.tap("adm", "Tiếng Việt"), "vi", "reg.done", "Name", "Lương Văn Quản", "Cell", "Đảng bộ xã Thử", "Role", "quản trị đảng bộ")
	if m := h.member("adm"); !m.Administers(h.cell.OrgID) || m.HomeCellID != 0 {
		t.Fatalf("admin stored as %+v", m)
	}
	if !strings.Contains(h.say("adm", "/help")[0].Text, "/newcell") || strings.Contains(h.say("tranthibinh", "/help")[0].Text, "/newcell") {
		t.Fatal("/help does not follow the admin role")
	}

	// Bad names change nothing.
	h.say("adm", "/newcell")
	before := h.snapshot("convs")
	h.wantText(h.say("adm", "AB"), "vi", "admin.cell_name_invalid", "Max", core.MaxNameLen)
	h.wantText(h.say("adm", "chi bo thu"), "vi", "admin.cell_exists", "Cell", "Chi bộ Thử")
	if h.snapshot("convs") != before {
		t.Fatal("a refused cell name changed stored data")
	}
	out := h.say("adm", "Chi bộ ấp Mới")
	h.wantText(out, "vi", "admin.cell_created", "Cell", "Chi bộ ấp Mới", "Org", "Đảng bộ xã Thử")
	out = h.tap("adm", "Mời bí thư")
	link := out[0].Text[strings.Index(out[0].Text, "https://"):]
	newTok := strings.TrimPrefix(link, "https://t.me/chibo_test_bot?start=")

	h.names["new"] = "Phan Văn Mới"
	h.say("new", "/start "+newTok)
	h.tap("new", "Đúng")
	h.tap("new", "Tôi đồng ý")
	h.wantContains(h.tap("new", "Tiếng Việt"), "bí thư Chi bộ ấp Mới")
	h.wantContains(h.inbox["adm"], "Đồng chí Phan Văn Mới đã đăng ký vào Chi bộ ấp Mới.")

	// The admin sees the changes of the organization's cells.
	audit := h.say("adm", "/audit")[0].Text
	if !strings.Contains(audit, "tạo Chi bộ ấp Mới") || !strings.Contains(audit, "tạo lời mời (bí thư)") ||
		!strings.Contains(audit, "Phan Văn Mới: Phan Văn Mới tham gia trợ lý chibo – bí thư") {
		t.Fatalf("/audit for the admin:\n%s", audit)
	}
}

func TestAdmin_authority(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	var foreign *storage.Cell
	err := h.db.Update(func(tx *storage.Tx) error {
		org := &storage.Organization{Name: "Đảng bộ phường Khác"}
		if err := tx.PutOrg(org); err != nil {
			return err
		}
		foreign = &storage.Cell{OrgID: org.ID, Name: "Chi bộ Khác"}
		if err := tx.PutCell(foreign); err != nil {
			return err
		}
		_, err := h.addMember(tx, "adm", "Lương Văn Quản", storage.RoleMember)
		if err != nil {
			return err
		}
		m, _ := tx.MemberByContact(tr, "adm")
		m.AdminOf = []uint64{h.cell.OrgID}
		return tx.PutMember(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	h.wantText(h.say("sec", "/newcell"), "vi", "err.admins_only")
	h.wantText(h.say("tranthibinh", "/secinvite"), "vi", "err.admins_only")
	before := h.snapshot()
	// A forged button for another organization's cell.
	h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "adm", Data: "si:" + strconv.FormatUint(foreign.ID, 10) + ":s"}), "vi", "err.admins_only")
	h.wantText(h.event(chat.Event{Kind: chat.EventButton, User: "sec", Data: "si:" + strconv.FormatUint(h.cell.ID, 10) + ":s"}), "vi", "err.admins_only")
	if h.snapshot() != before {
		t.Fatal("a refused invite changed stored data")
	}
	// /secinvite lists only the admin's own cells.
	out := h.say("adm", "/secinvite")
	for _, b := range out[0].Choices() {
		if b.Label == "Chi bộ Khác" {
			t.Fatal("another organization's cell was offered")
		}
	}
	h.wantText(h.say("adm", "Khác"), "vi", "admin.cell_not_found")
}
