package main

import (
	"errors"
	"fmt"
	"io"

	"chibo/flows"
	"chibo/flows/core"
	"chibo/locales"
	"chibo/storage"
)

// errCheckFailed ends `chibo admin check` with a non-zero exit once the
// disagreements were printed.
var errCheckFailed = errors.New("check found disagreements")

// errRollback ends a transaction whose writes are thrown away.
var errRollback = errors.New("rollback")

// checkBatch is how many cells one read of the cell list gives the check.
const checkBatch = 200

// runCheck compares the due-work index with a recomputation from the
// records, and says in words every disagreement: a row naming a cell that
// no longer exists, a rebuild left unfinished, and a cell whose due work
// the index would look at later than its records need (or never). Each
// cell is recomputed in its own transaction, which is rolled back, so a
// check beside a serving chibo never holds the writer for long.
func runCheck(cfg Config, db *storage.DB, out io.Writer, t func(string, ...any) string) error {
	cat, err := locales.Load()
	if err != nil {
		return err
	}
	e, err := core.NewEngine(cat, core.Config{Zone: cfg.zone, DefaultLang: cfg.Lang, Now: cfg.now}, flows.Journeys()...)
	if err != nil {
		return err
	}
	now := cfg.now()
	at := func(tm interface{ Format(string) string }) string { return tm.Format("02/01/2006 15:04") }
	problems := 0
	if err := db.View(func(tx *storage.Tx) error {
		if tx.DueRebuildPending() {
			fmt.Fprintln(out, t("check.rebuild_pending"))
			problems++
		}
		rows, err := tx.DueRows()
		if err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := tx.Cell(r.Subject); errors.Is(err, storage.ErrNotFound) {
				fmt.Fprintln(out, t("check.gone_cell", "Kind", r.Kind, "Cell", r.Subject))
				problems++
			}
		}
		return nil
	}); err != nil {
		return err
	}
	cells := 0
	for after := uint64(0); ; {
		var ids []uint64
		if err := db.View(func(tx *storage.Tx) error { ids = tx.CellIDsAfter(after, checkBatch); return nil }); err != nil {
			return err // a check that cannot read must not report agreement
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			var ds []core.DueDisagreement
			err := db.Update(func(tx *storage.Tx) error {
				var err error
				if ds, err = e.CheckDue(tx, now, id); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				return fmt.Errorf("check cell %d: %w", id, err)
			}
			for _, d := range ds {
				if d.Indexed.IsZero() {
					fmt.Fprintln(out, t("check.missing", "Cell", d.Cell, "Source", d.Source, "Needed", at(d.Needed.In(cfg.zone))))
				} else {
					fmt.Fprintln(out, t("check.late", "Cell", d.Cell, "Source", d.Source, "Needed", at(d.Needed.In(cfg.zone)), "Indexed", at(d.Indexed.In(cfg.zone))))
				}
				problems++
			}
			cells++
		}
		after = ids[len(ids)-1]
	}
	if problems > 0 {
		// The index is derived from the records: rebuilt, the next tick looks
		// at every cell and sets each row again.
		if err := db.RebuildDue(true); err != nil {
			return err
		}
		fmt.Fprintln(out, t("check.disagree", "Count", problems, "Cells", cells))
		return errCheckFailed
	}
	fmt.Fprintln(out, t("check.agree", "Cells", cells))
	return nil
}
