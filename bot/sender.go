package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"chibo/storage"
)

// SenderOptions configure a Sender. Zero values mean defaults.
type SenderOptions struct {
	// Limiter paces sends. Nil means Unlimited.
	Limiter Limiter
	// Concurrency is how many sends may be in flight. Zero means 8.
	Concurrency int
	// MaxAttempts is how often a row is tried before it fails. Zero means 10.
	MaxAttempts int
	// Backoff is the wait before attempt n+1 after n failed attempts with no
	// retry_after. Nil means 1 s doubling up to 5 minutes.
	Backoff func(attempts int) time.Duration
	// SendTimeout bounds one send. Zero means 30 s.
	SendTimeout time.Duration
	// OnBlocked is called in the transaction that marks a row failed because
	// the recipient blocked the bot, to record them as unreachable.
	OnBlocked func(tx *storage.Tx, it *storage.OutboxItem) error
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Log receives send faults, with row ids only. Nil discards.
	Log *slog.Logger
	// OnResult is called after each attempt with the row as recorded and
	// the attempt's result (ResultSent …), for metrics. It is called from
	// several goroutines at once and must not block. Nil means nothing.
	OnResult func(it *storage.OutboxItem, result string)
	// Draw fills in a document to be drawn at delivery (Document.Draw) from
	// the records in tx. When it is nil or fails, the message goes without
	// the document rather than not at all.
	Draw func(tx *storage.Tx, d *Document) error
}

// The results of one send attempt, as OnResult reports them.
const (
	ResultSent      = "sent"      // the messenger accepted the message
	ResultRetry     = "retry"     // a passing fault: the row waits for another attempt
	ResultBlocked   = "blocked"   // the recipient blocked the bot: the row failed
	ResultPermanent = "permanent" // the messenger refused the message: the row failed
	ResultFailed    = "failed"    // passing faults until MaxAttempts: the row failed
	ResultUnmarked  = "unmarked"  // accepted, but the row could not be marked sent
)

// Sender delivers outbox rows through their transports, in order per chat,
// within the limiter's pace, and ends every row sent or failed with a reason.
type Sender struct {
	db         *storage.DB
	transports map[string]Transport
	opt        SenderOptions
	wake       chan struct{}

	// Owned by the Run loop.
	queues map[string]*chatQueue
	lastID uint64

	sent, failed, retried, unmarked atomic.Int64
}

type chatQueue struct {
	key   string
	items []storage.OutboxItem
	busy  bool
}

type sendResult struct {
	q     *chatQueue
	item  storage.OutboxItem
	ended bool
}

// NewSender makes a sender for the given transports, by name.
func NewSender(db *storage.DB, transports map[string]Transport, opt SenderOptions) *Sender {
	if opt.Limiter == nil {
		opt.Limiter = Unlimited{}
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 8
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 10
	}
	if opt.Backoff == nil {
		opt.Backoff = func(n int) time.Duration {
			return min(time.Second<<min(n-1, 10), 5*time.Minute)
		}
	}
	if opt.SendTimeout <= 0 {
		opt.SendTimeout = 30 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.OnResult == nil {
		opt.OnResult = func(*storage.OutboxItem, string) {}
	}
	return &Sender{db: db, transports: transports, opt: opt, wake: make(chan struct{}, 1), queues: map[string]*chatQueue{}}
}

// Notify tells the sender new rows are in the outbox. It never blocks.
func (s *Sender) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// SenderStats counts what the sender did since it started.
type SenderStats struct {
	Sent, Failed, Retried int64
	// Unmarked counts messages the messenger accepted whose row could not be
	// marked sent: they may be sent again after a restart.
	Unmarked int64
}

// Stats returns the sender's counters.
func (s *Sender) Stats() SenderStats {
	return SenderStats{Sent: s.sent.Load(), Failed: s.failed.Load(), Retried: s.retried.Load(), Unmarked: s.unmarked.Load()}
}

// Run sends until ctx ends, then waits for the sends in flight and returns.
func (s *Sender) Run(ctx context.Context) error {
	return s.run(ctx, false)
}

// Drain sends everything that is due now and returns when nothing due is
// left (rows waiting for a retry later stay pending). For the console.
func (s *Sender) Drain(ctx context.Context) error {
	return s.run(ctx, true)
}

func (s *Sender) run(ctx context.Context, untilIdle bool) error {
	results := make(chan sendResult)
	inflight := 0
	defer func() {
		for inflight > 0 { // let sends in flight finish and be recorded
			s.apply(<-results)
			inflight--
		}
	}()
	for {
		if err := s.load(); err != nil {
			return err
		}
		now := s.opt.Now()
		wait := time.Second
		for _, q := range s.ready() {
			if inflight >= s.opt.Concurrency {
				break
			}
			head := q.items[0]
			if head.NotBefore.After(now) {
				wait = min(wait, head.NotBefore.Sub(now))
				continue
			}
			if d := s.opt.Limiter.Reserve(q.key, head.Group, now); d > 0 {
				wait = min(wait, d)
				continue
			}
			q.busy = true
			inflight++
			go func() { results <- s.send(ctx, q, head) }()
		}
		if untilIdle && inflight == 0 && !s.anyDue(now) {
			return nil
		}
		timer := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case r := <-results:
			s.apply(r)
			inflight--
		case <-s.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// ready lists the chats with a row to send and none in flight, oldest first.
func (s *Sender) ready() []*chatQueue {
	var qs []*chatQueue
	for _, q := range s.queues {
		if !q.busy && len(q.items) > 0 {
			qs = append(qs, q)
		}
	}
	slices.SortFunc(qs, func(a, b *chatQueue) int { return cmp.Compare(a.items[0].ID, b.items[0].ID) })
	return qs
}

func (s *Sender) anyDue(now time.Time) bool {
	for _, q := range s.queues {
		if len(q.items) > 0 && !q.items[0].NotBefore.After(now) {
			return true
		}
	}
	return false
}

// load reads rows enqueued since the last load.
func (s *Sender) load() error {
	return s.db.View(func(tx *storage.Tx) error {
		items, err := tx.PendingAfter(s.lastID, 1000)
		if err != nil {
			return err
		}
		for _, it := range items {
			k := it.Transport + ":" + it.Chat
			q := s.queues[k]
			if q == nil {
				q = &chatQueue{key: k}
				s.queues[k] = q
			}
			q.items = append(q.items, it)
			s.lastID = it.ID
		}
		return nil
	})
}

func (s *Sender) apply(r sendResult) {
	r.q.busy = false
	if r.ended {
		r.q.items = r.q.items[1:]
		if len(r.q.items) == 0 {
			delete(s.queues, r.q.key)
		}
		return
	}
	r.q.items[0] = r.item
}

// send delivers one row and records the outcome.
func (s *Sender) send(ctx context.Context, q *chatQueue, it storage.OutboxItem) sendResult {
	err := s.deliver(ctx, &it)
	now := s.opt.Now()
	it.Attempts++
	var se *SendError
	switch {
	case err == nil:
		it.State, it.Ended, it.Reason = storage.OutboxSent, now, ""
	default:
		se = classify(err)
		it.Reason = se.Reason
		switch {
		case se.Outcome == SendRetry && it.Attempts < s.opt.MaxAttempts:
			wait := se.RetryAfter
			if wait <= 0 {
				wait = s.opt.Backoff(it.Attempts)
			}
			it.NotBefore = now.Add(wait)
			if se.RetryAfter > 0 {
				chat := q.key
				if se.Global {
					chat = ""
				}
				s.opt.Limiter.Pause(chat, it.NotBefore)
			}
		case se.Outcome == SendRetry:
			it.State, it.Ended = storage.OutboxFailed, now
			it.Reason = fmt.Sprintf("gave up after %d attempts: %s", it.Attempts, se.Reason)
		default:
			it.State, it.Ended = storage.OutboxFailed, now
		}
	}
	markErr := s.db.Batch(func(tx *storage.Tx) error {
		row := it // Batch may run this twice: work on a copy
		if err := tx.UpdateOutbox(&row); err != nil {
			return err
		}
		if se != nil && se.Outcome == SendBlocked && s.opt.OnBlocked != nil {
			return s.opt.OnBlocked(tx, &row)
		}
		return nil
	})
	s.opt.OnResult(&it, attemptResult(it, se, markErr))
	switch {
	case markErr != nil && err == nil:
		s.unmarked.Add(1)
		s.opt.Log.Error("message sent but not marked", "outbox", it.ID, "err", markErr)
		return sendResult{q: q, item: it, ended: true} // do not send it again in this run
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
	return sendResult{q: q, item: it, ended: it.State != storage.OutboxPending}
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

// deliver sends the row's message. Parts of a split message delivered
// before are skipped, and each new one is recorded in the row at once, so a
// crash in the middle does not send them again.
func (s *Sender) deliver(ctx context.Context, it *storage.OutboxItem) error {
	t, ok := s.transports[it.Transport]
	if !ok {
		return &SendError{Outcome: SendPermanent, Reason: "no transport " + it.Transport}
	}
	var m Message
	if err := json.Unmarshal(it.Payload, &m); err != nil {
		return &SendError{Outcome: SendPermanent, Reason: "bad payload", Err: err}
	}
	m.PartsSent = it.Parts
	m.OnPart = func(n int) {
		it.Parts = n
		row := *it
		if err := s.db.Batch(func(tx *storage.Tx) error { r := row; return tx.UpdateOutbox(&r) }); err != nil {
			s.opt.Log.Error("delivered part not recorded", "outbox", it.ID, "part", n, "err", err)
		}
	}
	if d := m.Document; d != nil && d.Draw != nil {
		s.draw(it.ID, &m)
	}
	// A send in flight finishes even during shutdown, so its row is marked.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opt.SendTimeout)
	defer cancel()
	err := t.Send(sctx, m)
	if errors.Is(err, context.DeadlineExceeded) {
		return &SendError{Outcome: SendRetry, Reason: "timeout", Err: err}
	}
	return err
}

// draw draws m's document, or takes it off m when it cannot be drawn.
func (s *Sender) draw(id uint64, m *Message) {
	if s.opt.Draw != nil {
		d := *m.Document
		err := s.db.View(func(tx *storage.Tx) error { return s.opt.Draw(tx, &d) })
		if err == nil && d.Draw == nil {
			m.Document = &d
			return
		}
		s.opt.Log.Error("document not drawn; the message goes without it", "outbox", id, "err", err)
	}
	m.Document = nil
}
