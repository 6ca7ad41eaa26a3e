package core

import (
	"errors"
	"fmt"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// DueFunc does one due source's work for one cell at c.Now: it sends what
// is due with c.Remind and returns when it next needs to look at the cell
// (the zero time: not until the cell's records change). It must be a
// function of the time and the records: a reminder is due during a window,
// and the outbox key makes sure it goes once. The time it returns may be
// early (the source then finds nothing and says again), never late: the
// scheduler does not look at the cell before it unless its records change.
type DueFunc func(c *Ctx, cell *storage.Cell) (next time.Time, err error)

// DueSource registers a source of reminders. Its work is found through the
// due-work index (storage's due rows): f runs for a cell when the cell's
// row of this source falls due, or the cell's records changed.
func (e *Engine) DueSource(name string, f DueFunc) {
	for _, d := range e.Dues {
		if d.Name == name {
			panic("flows: duplicate due source " + name)
		}
	}
	if name == storage.DueAny {
		panic("flows: due source named " + name)
	}
	e.Dues = append(e.Dues, namedDue{name, f})
}

type namedDue struct {
	Name string
	F    DueFunc
}

// Due returns the reminders due at now that were not sent before, doing in
// tx the work of every row of the due-work index that is due. The scheduler
// does the same a row per transaction (DueStep); a restart catches up what
// was missed while chibo was down, since rows stay until their work is done.
func (e *Engine) Due(tx *storage.Tx, now time.Time) ([]chat.Message, error) {
	var out []chat.Message
	var after []byte
	for {
		msgs, key, ok, err := e.DueStep(tx, now, after)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out, after = append(out, msgs...), key
	}
}

// DueStep does the work of the first row of the due-work index that is due
// at now and comes after the key after (nil: the first), and returns what
// it sends and the row's key, to be given as after to the next step. ok is
// false when no row is due. A row whose cell no longer exists is removed.
// A row the step itself writes again (a cell it touched) comes before the
// key and waits for the next tick, so a tick ends.
func (e *Engine) DueStep(tx *storage.Tx, now time.Time, after []byte) (msgs []chat.Message, key []byte, ok bool, err error) {
	row, key, ok, err := tx.NextDue(now, after)
	if err != nil || !ok {
		return nil, nil, false, err
	}
	c := &Ctx{E: e, Tx: tx, Now: now, Lang: e.Cfg.DefaultLang}
	if err := e.dueRow(c, row); err != nil {
		return nil, key, true, fmt.Errorf("due %s for cell %d: %w", row.Kind, row.Subject, err)
	}
	if err := e.recordOffers(c); err != nil {
		return nil, key, true, err
	}
	return c.Out, key, true, nil
}

// dueRow runs the row's source (every source for a DueAny row) for its
// cell, and sets each source's next row.
func (e *Engine) dueRow(c *Ctx, row storage.DueRow) error {
	cell, err := c.Tx.Cell(row.Subject)
	if errors.Is(err, storage.ErrNotFound) {
		e.Cfg.Log.Warn("due row of a cell that is gone: removed", "kind", row.Kind, "cell", row.Subject)
		return c.Tx.SetDue(row.Kind, row.Subject, time.Time{})
	}
	if err != nil {
		return err
	}
	found := false
	for _, d := range e.Dues {
		if row.Kind != storage.DueAny && row.Kind != d.Name {
			continue
		}
		found = true
		next, err := d.F(c, cell)
		if err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
		if !next.IsZero() && !next.After(c.Now) {
			next = c.Now.Add(time.Minute) // a source that says "now" looks again at the next tick
		}
		if err := c.Tx.SetDue(d.Name, cell.ID, next); err != nil {
			return err
		}
	}
	if !found { // a source of an older chibo
		return c.Tx.SetDue(row.Kind, row.Subject, time.Time{})
	}
	if row.Kind == storage.DueAny {
		// Every source has looked at the cell. What they wrote (a regular
		// meeting made) touched it again, but in source order none changes
		// what an earlier one looks at: the touch is done with.
		return c.Tx.SetDue(storage.DueAny, cell.ID, time.Time{})
	}
	return nil
}

// DueDisagreement is a difference between the due-work index and a
// recomputation from the records: the index would look at the cell for
// the source later than the records need (Indexed zero: never).
type DueDisagreement struct {
	Source  string
	Cell    uint64
	Needed  time.Time // when the records say the source must look
	Indexed time.Time // when the index says it will
}

// CheckDue recomputes from the records what every due source needs of the
// cell at now and compares it with the index. It runs the sources in tx,
// which the caller must roll back (they create meetings and send nothing
// only because the transaction is thrown away). A source that would send
// something now needs to look now.
func (e *Engine) CheckDue(tx *storage.Tx, now time.Time, cellID uint64) ([]DueDisagreement, error) {
	cell, err := tx.Cell(cellID)
	if err != nil {
		return nil, err
	}
	if _, touched := tx.DueAt(storage.DueAny, cellID); touched {
		return nil, nil
	}
	var out []DueDisagreement
	for _, d := range e.Dues {
		indexed, has := tx.DueAt(d.Name, cellID)
		c := &Ctx{E: e, Tx: tx, Now: now, Lang: e.Cfg.DefaultLang}
		next, err := d.F(c, cell)
		if err != nil {
			return nil, fmt.Errorf("%s for cell %d: %w", d.Name, cellID, err)
		}
		if len(c.Out) > 0 {
			next = now
		}
		if next.IsZero() || (has && !indexed.After(next)) {
			continue
		}
		out = append(out, DueDisagreement{Source: d.Name, Cell: cellID, Needed: next, Indexed: indexed})
	}
	return out, nil
}

// Soonest keeps the earliest time after After that it is given: a due
// source's next look.
type Soonest struct {
	After, At time.Time
}

// Add offers t.
func (s *Soonest) Add(t time.Time) {
	if t.After(s.After) && (s.At.IsZero() || t.Before(s.At)) {
		s.At = t
	}
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
