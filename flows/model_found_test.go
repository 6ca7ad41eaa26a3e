package flows

import (
	"fmt"
	"testing"

	"chibo/storage"
)

// Found by the model test: the summary of a closed meeting names who was
// absent, and counts dues, over everyone on that meeting's list. A member
// officially transferred out and received by another cell afterwards is
// still named (and still counted for dues) when the summary is opened
// again, as it was at closing: closed is closed.
func TestModel_summaryKeepsMembersTransferredAfterwards(t *testing.T) {
	h := newHarness(t)
	h.seedCell("Đỗ Văn Hùng", "Trần Thị Bình")
	sec2, _ := h.secondCell()
	mid := h.heldMeeting(h.ts(2026, 3, 3, 19, 30), storage.MeetingRegular, map[string]string{"dovanhung": "u"})
	h.press("sec", fmt.Sprintf("rl:%d:%d:d", mid, h.member("dovanhung").ID))
	atClose := h.press("sec", fmt.Sprintf("mt:%d:s", mid))
	h.wantContains(atClose, h.vi("mt.sum_unexcused", "Names", "Đỗ Văn Hùng"))
	h.wantContains(atClose, h.vi("mt.sum_dues", "Paid", 1, "Liable", 3))

	h.now = h.ts(2026, 3, 5, 9, 0)
	h.recordStatus("dovanhung", storage.StatusLeft, "05/03/2026", "Chuyển về ấp Mới", "Xác nhận")
	h.now = h.ts(2026, 3, 10, 9, 0)
	h.wantText(h.say("dovanhung", "/start "+h.inviteBy(sec2)), "vi", "transfer.received", "Cell", "Chi bộ ấp Mới")

	later := h.press("sec", fmt.Sprintf("mt:%d:s", mid))
	h.wantContains(later, h.vi("mt.sum_attend", "Present", 2, "Excused", 0, "Unexcused", 1))
	h.wantContains(later, h.vi("mt.sum_unexcused", "Names", "Đỗ Văn Hùng"))
	h.wantContains(later, h.vi("mt.sum_dues", "Paid", 1, "Liable", 3))
}
