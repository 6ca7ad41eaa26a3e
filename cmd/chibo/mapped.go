package main

import (
	"context"
	"log/slog"
	"time"

	"chibo/storage"
)

// Pages of the database file that a read maps stay in chibo's resident
// memory until released (see storage.DB.ReleaseMapped): a province's file
// is hundreds of megabytes, and a broad read (the start's look at every
// cell, the morning's reminders, the daily housekeeping, an export) maps
// much of it. chibo releases them when they pass a budget. A first start
// on a province maps about 220 MB within 150 ms: checked every 2 s, the
// peak was 259-299 MB; every 50 ms, 128-138 MB. A check reads
// /proc/self/status (20 µs).
const (
	mappedBudget = 64 << 20              // bytes of mapped pages kept before a release
	mappedEvery  = 50 * time.Millisecond // how often the budget is checked
)

// keepMappedUnder releases the database file's mapped pages whenever the
// process's mapped memory is over budget, until ctx ends. It looks first
// at once: the start after a crash has walked the whole file (bbolt
// rebuilding its free-page list).
func keepMappedUnder(ctx context.Context, db *storage.DB, budget int64, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		releaseMappedOver(db, budget, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// releaseMappedOver releases the mapped pages if they are over budget.
func releaseMappedOver(db *storage.DB, budget int64, log *slog.Logger) {
	mapped, err := storage.MappedResident()
	if err != nil || mapped <= budget {
		return
	}
	if err := db.ReleaseMapped(); err != nil {
		log.Warn("mapped pages not released", "err", err)
		return
	}
	after, _ := storage.MappedResident()
	log.Debug("mapped pages released", "before_mb", mapped>>20, "after_mb", after>>20)
}
