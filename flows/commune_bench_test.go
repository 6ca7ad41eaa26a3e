package flows

import (
	"flag"
	"testing"
	"time"

	"chibo/flows/commune"
	"chibo/flows/core"
	"chibo/storage"
)

// A generated commune, to measure the commune's overview (issue 17):
//
//	go test ./flows -run '^$' -bench Commune -benchtime 20x \
//	    -commune.cells=40 -commune.members=30 -commune.others=120
//
// -commune.others puts that many more cells in another organization of the
// same database: the overview's time must not grow with them (it reads its
// own commune, not the database).
var (
	communeCells   = flag.Int("commune.cells", 40, "cells of the measured commune")
	communeMembers = flag.Int("commune.members", 30, "members per cell")
	communeOthers  = flag.Int("commune.others", 40, "cells of another commune in the same database")
)

// genCommune makes an organization of n cells (numbered from first) of size members with
// *provinceMonths months of closed meetings, check-ins and dues (as the
// province benchmark's generator), and returns it.
func genCommune(tb testing.TB, h *harness, name string, first, n, size int) *storage.Organization {
	tb.Helper()
	org := &storage.Organization{Name: name, Created: h.now}
	if err := h.db.Update(func(tx *storage.Tx) error { return tx.PutOrg(org) }); err != nil {
		tb.Fatal(err)
	}
	p := &province{}
	start := h.now.AddDate(0, -*provinceMonths, 0)
	for c := range n {
		if err := h.db.Update(func(tx *storage.Tx) error {
			if err := genCell(tx, h, p, org.ID, first+c, size, start); err != nil {
				return err
			}
			cellID := p.cells[len(p.cells)-1]
			ms, err := tx.Members(cellID)
			if err != nil {
				return err
			}
			for mo := range *provinceMonths {
				month := start.AddDate(0, mo, 0).Format("2006-01")
				for i := range ms {
					d := &storage.Dues{MemberID: ms[i].ID, CellID: cellID, Month: month, State: storage.DuesPaid, Via: storage.DuesViaRoll, By: ms[0].ID, At: start.AddDate(0, mo, 3)}
					if i == 3 && mo >= *provinceMonths-4 {
						d.State = storage.DuesUnpaid // one member a cell flagged under art. 8
					}
					if err := tx.PutDues(d); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			tb.Fatal(err)
		}
	}
	return org
}

func BenchmarkCommune(b *testing.B) {
	h := newHarness(b)
	h.now = provinceTime(h.zone)
	began := time.Now()
	org := genCommune(b, h, "Đảng bộ xã Thử", 0, *communeCells, *communeMembers)
	if *communeOthers > 0 {
		genCommune(b, h, "Đảng bộ xã Bên Cạnh", *communeCells, *communeOthers, *communeMembers)
	}
	b.Logf("generated %d+%d cells of %d members, %d months, in %s", *communeCells, *communeOthers, *communeMembers, *provinceMonths, time.Since(began).Round(time.Second))
	month := core.Period{Y: h.now.Year(), M: h.now.Month()}
	ctx := func(tx *storage.Tx) *core.Ctx { return &core.Ctx{E: h.e, Tx: tx, Now: h.now, Lang: "vi"} }
	// This month's giao ban, every cell's secretary having reported.
	if err := h.db.Update(func(tx *storage.Tx) error {
		br := &storage.Briefing{OrgID: org.ID, At: h.now.AddDate(0, 0, 1), Place: "Hội trường", Created: h.now,
			Reports: map[uint64]*storage.BriefingReport{}}
		for _, id := range tx.OrgCellIDs(org.ID) {
			br.Reports[id] = &storage.BriefingReport{Figures: "…", Done: "Ra quân làm đường giao thông nông thôn.",
				Difficulties: "Kinh phí sửa nhà văn hóa ấp.", At: h.now}
		}
		return tx.PutBriefing(br)
	}); err != nil {
		b.Fatal(err)
	}

	b.Run("overview", func(b *testing.B) {
		defer reportCPU(b)()
		for b.Loop() {
			if err := h.db.View(func(tx *storage.Tx) error {
				o, err := commune.OrgOverview(ctx(tx), org, month)
				if err == nil && (len(o.Rows) != *communeCells || len(o.Rows[0].F.Flagged) != 1) {
					b.Fatalf("overview of %d cells, first flags %v", len(o.Rows), o.Rows[0].F.Flagged)
				}
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, w := range []struct{ name, what string }{{"workbook", commune.ExportOverview}, {"briefing-workbook", commune.ExportBriefing}} {
		b.Run(w.name, func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				if err := h.db.View(func(tx *storage.Tx) error {
					docs, err := commune.Files(ctx(tx), org, w.what, month)
					if err == nil && len(docs[0].Data) == 0 {
						b.Fatal("empty workbook")
					}
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
