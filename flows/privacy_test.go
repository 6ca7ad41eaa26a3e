package flows

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"chibo/storage"
)

// seedPrivateLife gives Đỗ Văn Hùng one record of every kind chibo keeps.
func seedPrivateLife(t *testing.T, h *harness) *storage.Member {
	t.Helper()
	h.backdateJoined("dovanhung", time.Date(2026, 1, 5, 9, 0, 0, 0, h.zone))
	h.say("sec", "/status")
	h.tap("sec", "Đỗ Văn Hùng")
	h.tap("sec", "đi làm ăn xa")
	h.say("sec", "01/02/2026")
	h.say("sec", "31/08/2026")
	h.tap("sec", "Có, tạm miễn sinh hoạt")
	h.say("sec", "Làm công nhân ở Khu công nghiệp Sóng Thần")
	h.tap("sec", "Xác nhận")
	hung := h.member("dovanhung")
	lat, lon := 10.912345, 106.712345
	err := h.db.Update(func(tx *storage.Tx) error {
		mt := &storage.Meeting{CellID: h.cell.ID, Kind: storage.MeetingRegular, Month: "2026-02", At: h.now.AddDate(0, 0, -20), State: storage.MeetingClosed,
			Roll: map[uint64]*storage.Attendance{hung.ID: {RSVP: storage.RSVPNo, Reason: storage.ReasonSick, ReasonText: "Đau dạ dày phải nằm viện", Excuse: storage.ExcuseAccepted, Outcome: storage.OutcomeExcused}}}
		if err := tx.PutMeeting(mt); err != nil {
			return err
		}
		if err := tx.PutCheckin(&storage.Checkin{MemberID: hung.ID, CellID: h.cell.ID, Period: "2026-02", At: h.now, Updated: h.now,
			Answers: map[string]string{"place": "Thuận An, Bình Dương", "phone": "0912345678", "thoughts": "Nhớ nhà, mong về ăn Tết"}, Lat: &lat, Lon: &lon}); err != nil {
			return err
		}
		if err := tx.PutFarAway(&storage.FarAway{MemberID: hung.ID, Province: "Bình Dương", Exempt: true, Resolution: "Nghị quyết 05-NQ/CB", SetBy: 1, SetAt: h.now}); err != nil {
			return err
		}
		if err := tx.PutResidenceLink(&storage.ResidenceLink{MemberID: hung.ID, CellID: h.cell.ID, Workplace: "Công ty May Việt Tiến", WorkplaceOrg: "Đảng bộ Công ty May", Introduced: h.now, Status: storage.ResidenceWithComment, RequestedBy: hung.ID, RequestedAt: h.now}); err != nil {
			return err
		}
		return tx.AddResidenceReport(&storage.ResidenceReport{MemberID: hung.ID, CellID: h.cell.ID, Kind: storage.ActivityOther, Date: "2026-02-20", Text: "Quét dọn đường làng cùng tổ dân phố", At: h.now})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The secretary is in the middle of something that lists Hùng by name.
	h.say("sec", "/status")
	return hung
}

func TestMyData_listsEveryRecordKind(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	seedPrivateLife(t, h)
	out := h.say("dovanhung", "/mydata")
	if len(out) != 1 || out[0].Document == nil {
		t.Fatalf("/mydata sent %+v", out)
	}
	doc := string(out[0].Document.Data)
	for _, want := range []string{
		"Đỗ Văn Hùng", "Chi bộ Thử", // profile
		"Làm công nhân ở Khu công nghiệp Sóng Thần", // status with reason
		"Đau dạ dày phải nằm viện",                  // meeting absence reason
		"0912345678", "Nhớ nhà, mong về ăn Tết",     // check-in answers
		"10.91234",              // a shared point
		"Nghị quyết 05-NQ/CB",   // far-away record
		"Công ty May Việt Tiến", // residence link
		"Quét dọn đường làng cùng tổ dân phố",                                                 // residence report
		"Đồng chí Nguyễn Văn Bí Thư: tình trạng sinh hoạt của Đỗ Văn Hùng – đang sinh hoạt →", // the audit of changes about them, in words
		"Báo cáo tháng 02/2026", // months as people read them (issue 12)
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("/mydata lacks %q:\n%s", want, doc)
		}
	}
	// Bình has none of Hùng's data.
	other := string(h.say("tranthibinh", "/mydata")[0].Document.Data)
	if strings.Contains(other, "Đỗ Văn Hùng") || strings.Contains(other, "0912345678") {
		t.Fatalf("another member's file shows Hùng's data:\n%s", other)
	}
}

func TestForget_leavesNoPersonalTrace(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	hung := seedPrivateLife(t, h)
	h.say("dovanhung", "/forget")
	h.tap("dovanhung", "Hủy")
	if h.member("dovanhung").Name != "Đỗ Văn Hùng" {
		t.Fatal("cancelling /forget erased something")
	}
	h.say("dovanhung", "/forget")
	out := h.tap("dovanhung", "Rút lại và xóa dữ liệu")
	h.wantText(out, "vi", "privacy.forget_done")
	h.wantText(out, "vi", "privacy.forget_notify", "Name", "Đỗ Văn Hùng", "Code", "#"+uitoa(hung.ID),
		"Shown", h.vi("status.forgotten_name", "N", hung.ID))

	// Deliver what is pending, as the sender does: an ended row keeps no text.
	err := h.db.Update(func(tx *storage.Tx) error {
		rows, err := tx.OutboxRows()
		for _, r := range rows {
			if r.State == storage.OutboxPending {
				r.State, r.Ended = storage.OutboxSent, h.now
				if err := tx.UpdateOutbox(&r); err != nil {
					return err
				}
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	dump := h.dump()
	for _, secret := range []string{
		"Đỗ Văn Hùng", "0912345678", "Thuận An", "Nhớ nhà", "10.912345", "106.712345",
		"Đau dạ dày", "Sóng Thần", "Nghị quyết 05-NQ/CB", "Việt Tiến", "Quét dọn",
	} {
		// JSON escapes nothing in these, so a plain search of every bucket finds them.
		if strings.Contains(dump, secret) {
			i := strings.Index(dump, secret)
			t.Errorf("%q is still stored: …%s…", secret, dump[max(0, i-120):min(len(dump), i+60)])
		}
	}
	// What the cell keeps: the mark under a pseudonym.
	err = h.db.View(func(tx *storage.Tx) error {
		m, err := tx.Member(hung.ID)
		if err != nil {
			return err
		}
		if m.Name != "#"+uitoa(hung.ID) || len(m.Contacts) != 0 || m.Consent.Given {
			t.Errorf("member after /forget: %+v", m)
		}
		// Their messenger id is gone from the member's record and index; only
		// the delivery log of the last confirmation still names the chat.
		if _, err := tx.MemberByContact(tr, "dovanhung"); err != storage.ErrNotFound {
			t.Errorf("the contact index still finds them: %v", err)
		}
		mts, err := meetingsWithRolls(tx, h.cell.ID)
		if err != nil || len(mts) != 1 || mts[0].Roll[hung.ID].Outcome != storage.OutcomeExcused {
			t.Errorf("the attendance mark was lost: %+v %v", mts, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// No more messages: a reminder finds no contact.
	h.advance(24 * time.Hour)
	for _, m := range h.due() {
		if m.RecipientID == hung.ID {
			t.Fatalf("a reminder went to a member who withdrew consent: %+v", m)
		}
	}
	// The person writing again is a stranger.
	h.wantText(h.say("dovanhung", "/me"), "vi", "err.not_registered")
}

func TestAuditRetention(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Trần Thị Bình")
	h.inviteToken()
	h.advance(5*365*24*time.Hour - time.Hour)
	h.inviteToken()
	h.advance(2 * time.Hour)
	h.due()
	var n int
	_ = h.db.View(func(tx *storage.Tx) error {
		es, _ := tx.AuditLog(10, nil)
		n = len(es)
		return nil
	})
	if n != 1 {
		t.Fatalf("%d audit entries left, want 1 (the older is past 5 years)", n)
	}
}

func uitoa(n uint64) string { return strconv.FormatUint(n, 10) }
