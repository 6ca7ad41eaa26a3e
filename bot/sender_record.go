package bot

import (
	"slices"
	"time"

	"chibo/storage"
)

// write records outcomes until records is closed: it takes whatever has
// come in, commits it in one transaction at once, and hands each result to
// the loop.
func (s *Sender) write(records <-chan record, results chan<- sendResult) {
	batch := make([]record, 0, 64)
	for r := range records {
		batch = append(batch[:0], r)
	more:
		for len(batch) < cap(batch) {
			select {
			case r, ok := <-records:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		errs := s.commit(batch)
		for i, r := range batch {
			results <- s.recorded(r, errs[i])
		}
	}
}

// commit records a batch of outcomes in one transaction; when that fails,
// each on its own, so one bad row does not hold back the others.
func (s *Sender) commit(batch []record) []error {
	errs := make([]error, len(batch))
	if !slices.ContainsFunc(batch, func(r record) bool { return r.unsentUntil.IsZero() }) {
		return errs // only sends that never left: nothing to record
	}
	err := s.db.Update(func(tx *storage.Tx) error {
		for i := range batch {
			if err := s.mark(tx, &batch[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(batch) == 1 {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	for i := range batch {
		errs[i] = s.db.Update(func(tx *storage.Tx) error { return s.mark(tx, &batch[i]) })
	}
	return errs
}

func (s *Sender) mark(tx *storage.Tx, r *record) error {
	if !r.unsentUntil.IsZero() {
		return nil // nothing happened to the row
	}
	row := r.it // the row keeps its payload in memory for a retry
	if err := tx.UpdateOutbox(&row); err != nil {
		return err
	}
	if r.se != nil && r.se.Outcome == SendBlocked && s.opt.OnBlocked != nil {
		return s.opt.OnBlocked(tx, &row)
	}
	return nil
}

// recorded counts and logs a recorded outcome and makes the loop's result.
func (s *Sender) recorded(r record, markErr error) sendResult {
	it := r.it
	if !r.unsentUntil.IsZero() {
		return sendResult{q: r.q, item: it, unsentUntil: r.unsentUntil}
	}
	s.opt.OnResult(&it, attemptResult(it, r.se, markErr))
	switch {
	case markErr != nil && r.sent:
		s.unmarked.Add(1)
		s.opt.Log.Error("message sent but not marked", "outbox", it.ID, "err", markErr)
		return sendResult{q: r.q, item: it, ended: true} // do not send it again in this run
	case markErr != nil:
		s.opt.Log.Error("outbox update failed", "outbox", it.ID, "err", markErr)
	case it.State == storage.OutboxSent:
		s.sent.Add(1)
	case it.State == storage.OutboxFailed:
		s.failed.Add(1)
		s.opt.Log.Warn("message failed", "outbox", it.ID, "transport", it.Transport, "reason", it.Reason)
	default:
		s.retried.Add(1)
	}
	return sendResult{q: r.q, item: it, ended: it.State != storage.OutboxPending}
}

// attemptResult names the result of an attempt for OnResult.
func attemptResult(it storage.OutboxItem, se *SendError, markErr error) string {
	switch {
	case se == nil && markErr != nil:
		return ResultUnmarked
	case se == nil:
		return ResultSent
	case it.State == storage.OutboxPending:
		return ResultRetry
	case se.Outcome == SendBlocked:
		return ResultBlocked
	case se.Outcome == SendPermanent:
		return ResultPermanent
	}
	return ResultFailed
}

// record is a send's outcome on its way to the writer.
type record struct {
	q    *chatQueue
	it   storage.OutboxItem
	se   *SendError // nil when sent
	sent bool       // the messenger accepted the message
	// unsentUntil: the message never reached its messenger (not
	// connected); nothing is recorded and the row waits in memory.
	unsentUntil time.Time
}
