package flows

import (
	"math"
	"time"

	"chibo/storage"
)

// Daily housekeeping: what the law or good sense says to delete (check-in
// details past their retention, reminder keys past their window, audit
// entries past their retention, conversations abandoned for a week) is
// deleted once a day, not looked for on every
// minute's tick, and in batches that each commit on their own so that no
// write transaction holds the writer for long (issue 15).

// Meta keys of the housekeeping: the local day it last finished, and the
// last cell whose check-in retention is done in a run that has not.
const (
	metaHousekeepDay  = "housekeeping_day"
	metaHousekeepCell = "housekeeping_cell"
)

// Sizes of one housekeeping batch: cells looked at, check-ins deleted,
// reminder keys forgotten.
const (
	housekeepCells   = 100
	housekeepDeletes = 2000
	housekeepKeys    = 5000
)

// housekeepCellsDone in metaHousekeepCell says the check-in retention of
// every cell is done for the day.
const housekeepCellsDone = math.MaxInt64

// Housekeep does the next batch of the day's housekeeping and reports
// whether more remains: the scheduler calls it after each tick, each call in
// its own write transaction, until it says no. Once the day's work is done
// it costs one read until the next local day. A run cut short (a crash, a
// stop) resumes where its last committed batch ended.
func (e *Engine) Housekeep(tx *storage.Tx, now time.Time) (more bool, err error) {
	day := now.In(e.cfg.Zone).Format("2006-01-02")
	if string(tx.Meta(metaHousekeepDay)) == day {
		return false, nil
	}
	c := &Ctx{e: e, Tx: tx, Now: now, Lang: e.cfg.DefaultLang}
	if after := tx.MetaInt(metaHousekeepCell); after != housekeepCellsDone {
		next, done, err := retainCheckins(c, uint64(after))
		if err != nil {
			return false, err
		}
		if !done {
			return true, tx.PutMetaInt(metaHousekeepCell, int64(next))
		}
		return true, tx.PutMetaInt(metaHousekeepCell, housekeepCellsDone)
	}
	if n, err := tx.PruneOutboxKeys(now, housekeepKeys); err != nil || n == housekeepKeys {
		return err == nil, err
	}
	if _, err := tx.PruneAudit(now.Add(-e.cfg.AuditRetention)); err != nil {
		return false, err
	}
	if _, err := tx.PruneConvs(now.Add(-abandonedAfter)); err != nil {
		return false, err
	}
	if err := tx.PutMetaInt(metaHousekeepCell, 0); err != nil {
		return false, err
	}
	return false, tx.PutMeta(metaHousekeepDay, []byte(day))
}

// retainCheckins deletes check-in details older than each cell's retention
// period (default 24 months; DOMAIN.md §5: keep the minimum), for the cells
// after the cell id after, within one batch's budget. It returns the last
// cell finished and whether every cell is.
func retainCheckins(c *Ctx, after uint64) (last uint64, done bool, err error) {
	ids := c.Tx.CellIDsAfter(after, housekeepCells)
	budget := housekeepDeletes
	for _, id := range ids {
		cell, err := c.Tx.Cell(id)
		if err != nil {
			return after, false, err
		}
		r, err := ckRulesOf(c, cell)
		if err != nil {
			return after, false, err
		}
		cutoff := r.current(c.Now).add(-r.s.RetentionMonths)
		n, err := c.Tx.DeleteCheckinsBefore(id, cutoff.String(), budget)
		if err != nil {
			return after, false, err
		}
		if budget -= n; budget == 0 {
			return after, false, nil // this cell may have more: the next batch starts with it
		}
		after = id
	}
	return after, len(ids) < housekeepCells, nil
}
