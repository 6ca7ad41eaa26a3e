package core

import (
	"errors"
	"fmt"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// DueFunc finds what is due at c.Now (reminders, follow-ups) and sends it
// with c.Remind. It runs on every scheduler tick, so it must be a function of
// the time and the records: a reminder is due during a window, and the
// outbox key makes sure it goes once.
type DueFunc func(c *Ctx) error

// DueSource registers a source of reminders.
func (e *Engine) DueSource(name string, f DueFunc) {
	for _, d := range e.Dues {
		if d.Name == name {
			panic("flows: duplicate due source " + name)
		}
	}
	e.Dues = append(e.Dues, namedDue{name, f})
}

type namedDue struct {
	Name string
	F    DueFunc
}

// Due returns the reminders due at now that were not sent before. The
// scheduler calls it on every tick and after a restart, which catches up
// what was missed while chibo was down.
func (e *Engine) Due(tx *storage.Tx, now time.Time) ([]chat.Message, error) {
	c := &Ctx{E: e, Tx: tx, Now: now, Lang: e.Cfg.DefaultLang}
	for _, d := range e.Dues {
		if err := d.F(c); err != nil {
			return nil, fmt.Errorf("due %s: %w", d.Name, err)
		}
	}
	if err := e.recordOffers(c); err != nil {
		return nil, err
	}
	return c.Out, nil
}

// Remind sends message id to member m once ever under key (for example
// "reminder/meeting-t1/<meeting>/<member>"). It reports false, sending
// nothing, when that key was sent before or m has no contact.
func (c *Ctx) Remind(key string, m *storage.Member, buttons [][]chat.Button, id string, kv ...any) (bool, error) {
	if key == "" {
		return false, errors.New("remind without key")
	}
	if c.Tx.OutboxKeyUsed(key) {
		return false, nil
	}
	for _, m := range c.Out {
		if m.Key == key {
			return false, nil
		}
	}
	if !c.SendButtonsTo(m, buttons, id, kv...) {
		return false, nil
	}
	c.Out[len(c.Out)-1].Key = key
	return true, nil
}

// RemindUntil is Remind for a reminder that can no longer fall due after
// until: its key is then forgotten by the daily housekeeping, so the index
// of keys sent holds only what can still matter.
func (c *Ctx) RemindUntil(until time.Time, key string, m *storage.Member, buttons [][]chat.Button, id string, kv ...any) (bool, error) {
	sent, err := c.Remind(key, m, buttons, id, kv...)
	if sent {
		c.Out[len(c.Out)-1].KeyUntil = until
	}
	return sent, err
}

// reminder is one point in a meeting's reminder series.
type Reminder struct {
	Kind string    // part of the outbox key
	At   time.Time // due from then until the meeting
}

// latestDue is the last point of a series that is due at now, or false. An
// earlier point missed while chibo was down is not sent once a later one is
// due: the later one says what is still useful.
func LatestDue(series []Reminder, now time.Time) (Reminder, bool) {
	var best Reminder
	found := false
	for _, p := range series {
		if !p.At.After(now) && (!found || !p.At.Before(best.At)) {
			best, found = p, true
		}
	}
	return best, found
}
