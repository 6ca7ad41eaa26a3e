package privacy

import (
	"chibo/flows/core"
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

// Meta keys of the housekeeping: the local day it last finished, and, per
// retention job (metaHousekeep + its name; "housekeeping_cell" for the
// check-ins'), where it stopped in a run that has not.
const (
	MetaHousekeepDay = "housekeeping_day"
	metaHousekeep    = "housekeeping_"
)

// housekeepKeys is how many reminder keys one batch forgets.
const housekeepKeys = 5000

// housekeepDone in a retention job's meta key says it is done for the day.
const housekeepDone = math.MaxInt64

// Housekeep does the next batch of the day's housekeeping and reports
// whether more remains: the scheduler calls it after each tick, each call in
// its own write transaction, until it says no. Once the day's work is done
// it costs one read until the next local day. A run cut short (a crash, a
// stop) resumes where its last committed batch ended.
func Housekeep(e *core.Engine, btx *storage.Tx, now time.Time) (more bool, err error) {
	var tx store = btx
	day := now.In(e.Cfg.Zone).Format("2006-01-02")
	if string(tx.Meta(MetaHousekeepDay)) == day {
		return false, nil
	}
	// The retention batches are other journeys' work, on the whole store.
	c := &core.Ctx{E: e, Tx: btx, Now: now, Lang: e.Cfg.DefaultLang}
	for _, r := range e.Hooks.Retain {
		key := metaHousekeep + r.Name
		after := tx.MetaInt(key)
		if after == housekeepDone {
			continue
		}
		next, done, err := r.F(c, uint64(after))
		if err != nil {
			return false, err
		}
		if !done {
			return true, tx.PutMetaInt(key, int64(next))
		}
		return true, tx.PutMetaInt(key, housekeepDone)
	}
	if n, err := tx.PruneOutboxKeys(now, housekeepKeys); err != nil || n == housekeepKeys {
		return err == nil, err
	}
	if _, err := tx.PruneAudit(now.Add(-e.Cfg.AuditRetention)); err != nil {
		return false, err
	}
	if _, err := tx.PruneConvs(now.Add(-AbandonedAfter)); err != nil {
		return false, err
	}
	for _, r := range e.Hooks.Retain {
		if err := tx.PutMetaInt(metaHousekeep+r.Name, 0); err != nil {
			return false, err
		}
	}
	return false, tx.PutMeta(MetaHousekeepDay, []byte(day))
}
