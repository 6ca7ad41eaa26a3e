package flows

import (
	"fmt"
	"testing"
	"time"

	"chibo/storage"
)

// BenchmarkCloseMeeting200 times closing a meeting of a 200-member cell: the
// handler's transaction with its commit, the summary and the year's tally
// (the chart is drawn later, by the sender).
func BenchmarkCloseMeeting200(b *testing.B) {
	h := newHarness(b)
	names := make([]string, 199)
	for i := range names {
		names[i] = fmt.Sprintf("Nguyễn Văn Thành Viên %03d", i)
	}
	h.seedCell(names...)
	var ids []uint64
	_ = h.db.View(func(tx *storage.Tx) error {
		ms, err := tx.Members(h.cell.ID)
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		return err
	})
	h.now = time.Date(2026, 1, 5, 22, 0, 0, 0, h.zone)
	for b.Loop() {
		b.StopTimer()
		h.now = h.now.Add(24 * time.Hour) // a meeting a day, all in 2026
		mt := &storage.Meeting{CellID: h.cell.ID, Kind: storage.MeetingExtra, At: h.now.Add(-2 * time.Hour), State: storage.MeetingOpen, Started: h.now.Add(-2 * time.Hour), Created: h.now}
		for i, id := range ids {
			a := mt.Att(id)
			if i%10 != 0 {
				a.Mark, a.MarkedAt = storage.MarkPresent, mt.At
			}
		}
		if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutMeeting(mt) }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		h.press("sec", fmt.Sprintf("mt:%d:cl", mt.ID))
		h.tap("sec", h.vi("close.btn_ok"))
	}
}
