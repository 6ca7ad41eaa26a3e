package faraway

import (
	"chibo/flows/core"
	"chibo/flows/members"
	"chibo/storage"
	"errors"
)

// forgetCheckins returns the longer answers m gave in check-ins, which
// /forget also scrubs from transient stores; the check-ins themselves go
// with the member's records.
func forgetCheckins(c *core.Ctx, m *storage.Member) ([][]byte, error) {
	cks, err := db(c).Checkins(m.ID)
	if err != nil {
		return nil, err
	}
	var needles [][]byte
	for _, ck := range cks {
		for _, v := range ck.Answers {
			if len(v) >= 4 { // short answers (yes/no codes) would match everywhere
				needles = append(needles, []byte(v))
			}
		}
	}
	return needles, nil
}

// Sizes of one retention batch: cells looked at, check-ins deleted.
const (
	HousekeepCells   = 100
	HousekeepDeletes = 2000
)

// retainCheckins deletes check-in details older than each cell's retention
// period (default 24 months; DOMAIN.md §5: keep the minimum), for the cells
// after the cell id after, within one batch's budget. It returns the last
// cell finished and whether every cell is.
func retainCheckins(c *core.Ctx, after uint64) (last uint64, done bool, err error) {
	ids := db(c).CellIDsAfter(after, HousekeepCells)
	budget := HousekeepDeletes
	for _, id := range ids {
		cell, err := db(c).Cell(id)
		if err != nil {
			return after, false, err
		}
		r, err := ckRulesOf(c, cell)
		if err != nil {
			return after, false, err
		}
		cutoff := r.current(c.Now).Add(-r.s.RetentionMonths)
		n, err := db(c).DeleteCheckinsBefore(id, cutoff.String(), budget)
		if err != nil {
			return after, false, err
		}
		if budget -= n; budget == 0 {
			return after, false, nil // this cell may have more: the next batch starts with it
		}
		after = id
	}
	return after, len(ids) < HousekeepCells, nil
}

// duesFields are the dues questions of a check-in form.
func duesFields(form *storage.CheckinTemplate) []int {
	var out []int
	for i, f := range form.Fields {
		if f.Kind == "dues" {
			out = append(out, i)
		}
	}
	return out
}

// recordCheckinDues carries a check-in's dues answer (the form's first dues
// question answered) to the dues record of its month. A correction that
// leaves the dues answer as it was (old is the report before it) does not
// write it again over what an officer may have recorded since.
func recordCheckinDues(c *core.Ctx, form *storage.CheckinTemplate, ck, old *storage.Checkin) error {
	for _, i := range duesFields(form) {
		key := form.Fields[i].Key
		d := storage.DuesFromAnswer(ck, ck.Answers[key])
		if d == nil {
			continue
		}
		if old != nil && old.Answers[key] == ck.Answers[key] {
			return nil
		}
		_, err := members.RecordDues(c, c.Me, d)
		var inv *core.InvalidInput
		if errors.As(err, &inv) {
			return nil // a month the member was not yet in the cell: the report stands, the dues record does not
		}
		return err
	}
	return nil
}
