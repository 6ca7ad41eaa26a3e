package console

import (
	"chibo/flows/core"
	"strconv"
	"strings"
	"sync"
	"time"

	"chibo/storage"
)

// metaClockOffset keeps the demo clock's offset, so it persists between runs.
const metaClockOffset = "demo_clock_offset"

// Clock is the demo's clock: real time plus an offset the person at the
// console can move forward to see reminders fire, plus the operator's
// rehearsal offset (CHIBO_CLOCK_OFFSET), which is not stored.
type Clock struct {
	mu     sync.Mutex
	base   time.Duration
	offset time.Duration
}

// LoadClock reads the demo clock's offset from the database; base is the
// operator's rehearsal offset added to it.
func LoadClock(db *storage.DB, base time.Duration) (*Clock, error) {
	c := &Clock{base: base}
	err := db.View(func(tx *storage.Tx) error {
		c.offset = time.Duration(tx.MetaInt(metaClockOffset))
		return nil
	})
	return c, err
}

// Now is real time plus the offset.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.base + c.offset)
}

// moveTo sets the clock to t (never backwards) and stores the offset.
func (c *Clock) moveTo(db *storage.DB, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	off := time.Until(t) - c.base
	if off < c.offset {
		off = c.offset
	}
	c.offset = off
	return db.Update(func(tx *storage.Tx) error { return tx.PutMetaInt(metaClockOffset, int64(off)) })
}

// parseClock reads "+2d", "+3h", "+90m" relative to now, or "dd/mm/yyyy
// [hh:mm]" in zone.
func parseClock(arg string, now time.Time, zone *time.Location) (time.Time, bool) {
	arg = strings.TrimSpace(arg)
	if rest, ok := strings.CutPrefix(arg, "+"); ok && len(rest) > 1 {
		n, err := strconv.Atoi(rest[:len(rest)-1])
		if err != nil || n <= 0 {
			return time.Time{}, false
		}
		switch rest[len(rest)-1] {
		case 'd':
			return now.AddDate(0, 0, n), true
		case 'h':
			return now.Add(time.Duration(n) * time.Hour), true
		case 'm':
			return now.Add(time.Duration(n) * time.Minute), true
		}
		return time.Time{}, false
	}
	date, clock, _ := strings.Cut(arg, " ")
	day, err := core.ParseDateFrom(date, now, zone)
	if err != nil {
		return time.Time{}, false
	}
	if clock != "" {
		hm, err := time.Parse("15:04", strings.TrimSpace(clock))
		if err != nil {
			return time.Time{}, false
		}
		day = day.Add(time.Duration(hm.Hour())*time.Hour + time.Duration(hm.Minute())*time.Minute)
	}
	return day, true
}
