package bot

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"chibo/flows/chat"
	"chibo/storage"
)

// DefaultConcurrency is how many sends a Sender has in flight when
// SenderOptions.Concurrency is zero. Telegram allows 30 messages a second;
// with a round trip of 30-60 ms from Vietnam to Telegram's Singapore data
// centre, 2 sends in flight keep that pace, and 8 keep it up to a round trip
// of about 250 ms, so the limiter, not the round trip, stays the bound. More
// buys nothing at the real limits (no gain measured with 16 on the
// end-to-end benchmark, where the CPU is the bound) and would raise what a
// crash may send twice: a reply in flight when chibo is killed is sent again
// on restart.
const DefaultConcurrency = 8

// MaxConcurrency bounds ConcurrencyFor. On the end-to-end benchmark
// (10,000 distinct chats, the overall rate raised, the CPU the bound) 32
// sends in flight answered about 1.7× as many updates a second as 8 and
// cost less CPU per reply, the results of more sends sharing one commit;
// 64 gave nothing more. It is also what a crash may send twice.
const MaxConcurrency = 32

// ConcurrencyFor is how many sends to keep in flight for transports allowed
// perSecond requests a second together: enough for that pace with round
// trips up to 250 ms, at least DefaultConcurrency (which is what Telegram's
// 30/s needs) and at most MaxConcurrency. A kill -9 may send again the
// replies in flight, so this is also the most a crash may double; at
// Telegram's real pace with a 50 ms round trip about 2 are in flight at a
// time whatever the bound.
func ConcurrencyFor(perSecond float64) int {
	n := math.Ceil(perSecond / 4)
	if !(n < MaxConcurrency) { // also NaN and +Inf
		return MaxConcurrency
	}
	return max(int(n), DefaultConcurrency)
}

// SenderOptions configure a Sender. Zero values mean defaults.
type SenderOptions struct {
	// Limiter paces the sends of the sender's transports, keyed by
	// "transport:chat". Nil means Unlimited.
	Limiter Limiter
	// Concurrency is how many sends may be in flight. Zero means
	// DefaultConcurrency.
	Concurrency int
	// MaxAttempts is how often a row is tried before it fails. Zero means 10.
	MaxAttempts int
	// Backoff is the wait before attempt n+1 after n failed attempts with no
	// retry_after. Nil means 1 s doubling up to 5 minutes.
	Backoff func(attempts int) time.Duration
	// SendTimeout bounds one send. Zero means 30 s.
	SendTimeout time.Duration
	// GiveUpAfter is how long reading the outbox may keep failing before
	// Run returns an error (so the process exits and is restarted). Zero
	// means 5 minutes.
	GiveUpAfter time.Duration
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
	Draw func(tx *storage.Tx, d *chat.Document) error
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
//
// Its loop costs O(log chats) per message: chats whose next row may go are
// in a heap by that row's id (oldest first), chats that must wait (a retry
// later, the chat's interval) in a heap by the time they may go. Results
// are recorded by one writer that commits whatever has come in since its
// last commit, at once: no batch delay between the messenger's answer and
// the row marked sent.
type Sender struct {
	db         *storage.DB
	transports map[string]Transport
	opt        SenderOptions
	wake       chan struct{}

	// Owned by the Run loop.
	queues   map[string]*chatQueue
	ready    queueHeap // by head row id
	waiting  queueHeap // by at
	lastID   uint64
	recalled bool // the limiter knows the previous process's last sends
	started  bool // the rows pending at start are loaded
	// decoded holds the messages of rows taken from an offer, by row id,
	// until their send starts: their payload need not be decoded.
	decoded map[uint64]*chat.Message

	offers chan []Enqueued // rows just committed, from Offer

	readFailing atomic.Int64 // unix nanoseconds since reading the outbox fails; 0 when it works
	// pendingAfter reads the outbox: (*storage.Tx).PendingAfter, or a
	// failing one in tests.
	pendingAfter func(tx *storage.Tx, after uint64, limit int) ([]storage.OutboxItem, error)

	sent, failed, retried, unmarked atomic.Int64
}

type sendResult struct {
	q     *chatQueue
	item  storage.OutboxItem
	ended bool
	// unsentUntil: the row never reached its messenger and waits till then.
	unsentUntil time.Time
}

// NewSender makes a sender for the given transports, by name.
func NewSender(db *storage.DB, transports map[string]Transport, opt SenderOptions) *Sender {
	if opt.Limiter == nil {
		opt.Limiter = Unlimited{}
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = DefaultConcurrency
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
	if opt.GiveUpAfter <= 0 {
		opt.GiveUpAfter = 5 * time.Minute
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
	return &Sender{
		db: db, transports: transports, opt: opt, wake: make(chan struct{}, 1), queues: map[string]*chatQueue{},
		decoded: map[uint64]*chat.Message{}, offers: make(chan []Enqueued, 64),
		ready:        queueHeap{less: func(a, b *chatQueue) bool { return a.items[0].ID < b.items[0].ID }},
		waiting:      queueHeap{less: func(a, b *chatQueue) bool { return a.at.Before(b.at) }},
		pendingAfter: (*storage.Tx).PendingAfter,
	}
}

// Notify tells the sender new rows are in the outbox. It never blocks.
func (s *Sender) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Offer hands the sender rows just committed to the outbox (the
// dispatcher's OnEnqueued), so it need not read them back and decode them.
// It never blocks: an offer the sender cannot take at once is dropped, and
// the rows are read from the outbox as always; so is an offer that does
// not follow the last row the sender has, so that no row is taken twice
// or skipped. Call Notify after it.
func (s *Sender) Offer(rows []Enqueued) {
	select {
	case s.offers <- rows:
	default:
	}
}

// takeOffers takes the offered rows that follow the last row read.
func (s *Sender) takeOffers(now time.Time) {
	for {
		select {
		case rows := <-s.offers:
			if !s.started {
				continue // the rows pending at start come from the outbox
			}
			for _, e := range rows {
				if e.Item.ID != s.lastID+1 {
					break // read from the outbox (or read already)
				}
				s.take(e.Item, now, false)
				if e.Msg != nil {
					s.decoded[e.Item.ID] = e.Msg
				}
			}
		default:
			return
		}
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

// ErrOutboxUnreadable is returned by Run when reading the outbox failed for
// GiveUpAfter without a break.
var ErrOutboxUnreadable = errors.New("sender: the outbox could not be read")

// Healthy returns nil while the sender reads its outbox, or an error saying
// since when reading it fails (retried with back-off meanwhile).
func (s *Sender) Healthy() error {
	if since := s.readFailing.Load(); since != 0 {
		return fmt.Errorf("%w since %s", ErrOutboxUnreadable, time.Unix(0, since).UTC().Format(time.RFC3339))
	}
	return nil
}

// Run sends until ctx ends, then waits for the sends in flight and returns
// nil. It returns ErrOutboxUnreadable when the outbox could not be read for
// GiveUpAfter.
func (s *Sender) Run(ctx context.Context) error {
	return s.run(ctx, false)
}

// Drain sends everything that is due now and returns when nothing due is
// left (rows waiting for a retry later stay pending). For the console.
func (s *Sender) Drain(ctx context.Context) error {
	return s.run(ctx, true)
}

func (s *Sender) run(ctx context.Context, untilIdle bool) error {
	results := make(chan sendResult, s.opt.Concurrency)
	records := make(chan record, s.opt.Concurrency)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		s.write(records, results)
	}()
	inflight := 0
	defer func() {
		for inflight > 0 { // let sends in flight finish and be recorded
			s.apply(<-results, s.opt.Now())
			inflight--
		}
		close(records)
		<-writerDone
	}()
	// The queues in memory are the sender's to-do list: the outbox is read
	// when Notify says rows were committed, while a read found more than it
	// took, and once a second in case a writer did not notify, never once
	// per send result.
	rd := outboxReads{unread: true}
	timer := time.NewTimer(time.Hour) // one timer, reset each turn (Go 1.23 timers need no draining)
	defer timer.Stop()
	for {
		now := s.opt.Now()
		s.takeOffers(now)
		wait, err := s.readOutbox(&rd, now)
		if err != nil {
			return err
		}
		s.promote(now)
		wait = s.startSends(ctx, now, &inflight, wait, records)
		if s.waiting.Len() > 0 {
			wait = min(wait, s.waiting.qs[0].at.Sub(now))
		}
		if untilIdle && inflight == 0 && s.ready.Len() == 0 && (s.waiting.Len() == 0 || s.waiting.qs[0].at.After(now)) {
			return nil
		}
		timer.Reset(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case r := <-results:
			inflight -= s.applyAll(r, results)
		case <-s.wake:
			rd.unread = true
		case <-timer.C:
		}
	}
}

// outboxReads is the run loop's account of its reads of the outbox.
type outboxReads struct {
	err      error // the last read's error, while reads fail
	failures int
	next     time.Time // while reads fail: not before the back-off ends
	unread   bool      // told of (or left) rows not yet read
	last     time.Time
}

// readOutbox reads the outbox into the queues when it is time to, and
// returns the longest the loop may wait before its next turn; while reads
// fail it backs off, and it gives up with ErrOutboxUnreadable.
func (s *Sender) readOutbox(rd *outboxReads, now time.Time) (time.Duration, error) {
	wait := time.Second
	if now.Before(rd.next) {
		return rd.next.Sub(now), nil
	}
	if !rd.unread && now.Sub(rd.last) < time.Second && !now.Before(rd.last) {
		return wait, nil
	}
	more, err := s.load(now)
	switch {
	case err != nil:
		rd.failures++
		wait = s.readFailed(err, rd.failures, now)
		if wait < 0 {
			return 0, fmt.Errorf("%w: %w", ErrOutboxUnreadable, err)
		}
		rd.err, rd.next = err, now.Add(wait)
	case rd.err != nil:
		s.opt.Log.Info("outbox read again", "failures", rd.failures)
		s.readFailing.Store(0)
		rd.err, rd.failures = nil, 0
	}
	rd.unread, rd.last = more || err != nil, now
	return wait, nil
}

// startSends starts the heads of the ready queues while fewer than
// Concurrency sends are in flight; a queue the limiter holds back waits,
// and when the limiter holds back every send the loop waits (at most wait)
// until it frees a slot. It returns the wait.
func (s *Sender) startSends(ctx context.Context, now time.Time, inflight *int, wait time.Duration, records chan<- record) time.Duration {
	for *inflight < s.opt.Concurrency && s.ready.Len() > 0 {
		q := s.ready.qs[0]
		head := q.items[0]
		if d, all := s.opt.Limiter.Reserve(q.key, head.Group, now); d > 0 {
			if all {
				return min(wait, d)
			}
			heap.Pop(&s.ready)
			q.at = now.Add(d)
			heap.Push(&s.waiting, q)
			continue
		}
		heap.Pop(&s.ready)
		q.busy = true
		*inflight++
		m := s.decoded[head.ID]
		delete(s.decoded, head.ID)
		go func() { records <- s.send(ctx, q, head, m) }()
	}
	return wait
}

// applyAll applies r and the results that came with it, in one turn of the
// loop, and returns how many.
func (s *Sender) applyAll(r sendResult, results <-chan sendResult) int {
	now := s.opt.Now()
	s.apply(r, now)
	for n := 1; ; n++ {
		select {
		case r := <-results:
			s.apply(r, now)
		default:
			return n
		}
	}
}

// readFailed logs a failed outbox read and returns the back-off before the
// next, or a negative duration when it has failed for GiveUpAfter.
func (s *Sender) readFailed(err error, failures int, now time.Time) time.Duration {
	since := s.readFailing.Load()
	if since == 0 {
		since = now.UnixNano()
		s.readFailing.Store(since)
	}
	if now.Sub(time.Unix(0, since)) >= s.opt.GiveUpAfter {
		s.opt.Log.Error("outbox unreadable: giving up", "since", time.Unix(0, since).UTC(), "err", err)
		return -1
	}
	wait := min(100*time.Millisecond<<min(failures-1, 9), 30*time.Second)
	s.opt.Log.Error("outbox read failed; retrying", "failures", failures, "wait", wait, "err", err)
	return wait
}

// loadLimit is how many rows one read of the outbox takes.
const loadLimit = 1000

// load reads rows enqueued since the last load and reports whether more
// are left. The first load also tells the limiter about the sends of the
// process before this one.
func (s *Sender) load(now time.Time) (more bool, err error) {
	err = s.db.View(func(tx *storage.Tx) error {
		first := !s.started
		if !s.recalled {
			if err := s.recall(tx, now); err != nil {
				return err
			}
			s.recalled = true
		}
		items, err := s.pendingAfter(tx, s.lastID, loadLimit)
		if err != nil {
			return err
		}
		for _, it := range items {
			s.take(it, now, first)
		}
		more = len(items) == loadLimit
		if !more {
			s.started = true
		}
		return nil
	})
	return more, err
}

// take adds a pending row, the newest read, to its chat's queue.
func (s *Sender) take(it storage.OutboxItem, now time.Time, first bool) {
	k := it.Transport + ":" + it.Chat
	q := s.queues[k]
	if q == nil {
		q = &chatQueue{key: k, index: -1}
		s.queues[k] = q
		if first {
			// The head of a chat pending at start may have been in
			// flight when the process before this one died.
			s.opt.Limiter.Hold(k, it.Group, now)
		}
	}
	q.items = append(q.items, it)
	s.lastID = it.ID
	s.added(q, now)
}

// recall tells the limiter about the rows the process before this one
// ended within the longest interval of a chat (a group's 3 s) before now.
func (s *Sender) recall(tx *storage.Tx, now time.Time) error {
	rows, err := tx.RecentOutbox(now.Add(-3 * time.Second))
	if err != nil {
		return err
	}
	for _, it := range rows {
		if it.State != storage.OutboxPending && !it.Ended.After(now) {
			s.opt.Limiter.Done(it.Transport+":"+it.Chat, it.Group, it.Ended)
		}
	}
	return nil
}

func (s *Sender) apply(r sendResult, now time.Time) {
	r.q.busy = false
	if !r.unsentUntil.IsZero() {
		// The chat keeps its order: its head waits, nothing passes it.
		r.q.held, r.q.at = false, r.unsentUntil
		heap.Push(&s.waiting, r.q)
		return
	}
	if r.ended {
		r.q.items = r.q.items[1:]
		if len(r.q.items) == 0 {
			delete(s.queues, r.q.key)
			return
		}
	} else {
		r.q.items[0] = r.item
	}
	s.place(r.q, now)
}

// send delivers one row and returns its outcome, to be recorded.
func (s *Sender) send(ctx context.Context, q *chatQueue, it storage.OutboxItem, decoded *chat.Message) record {
	err := s.deliver(ctx, q.key, &it, decoded)
	now := s.opt.Now()
	s.opt.Limiter.Done(q.key, it.Group, now)
	if err == nil {
		it.Attempts++
		it.State, it.Ended, it.Reason = storage.OutboxSent, now, ""
		return record{q: q, it: it, sent: true}
	}
	se := classify(err)
	if se.Unsent && se.Outcome == SendRetry {
		// Not handed to the messenger: the row, unchanged, waits for it in
		// memory, without using up an attempt.
		s.opt.Log.Debug("send waits for its transport", "outbox", it.ID, "reason", se.Reason)
		return record{q: q, it: it, se: se, unsentUntil: now.Add(max(se.RetryAfter, time.Millisecond))}
	}
	it.Reason = se.Reason
	it.Attempts++
	switch {
	case se.Outcome == SendRetry && it.Attempts < s.opt.MaxAttempts:
		wait := se.RetryAfter
		if wait <= 0 {
			wait = s.opt.Backoff(it.Attempts)
		}
		it.NotBefore = now.Add(wait)
		if se.RetryAfter > 0 {
			chat := q.key
			if se.Global { // every chat of this messenger, not the others'
				chat = it.Transport + ":"
			}
			s.opt.Limiter.Pause(chat, it.NotBefore)
		}
		s.opt.Log.Warn("send failed; will retry", "outbox", it.ID, "method", se.Method, "reason", se.Reason, "attempt", it.Attempts, "wait", wait)
	case se.Outcome == SendRetry:
		it.State, it.Ended = storage.OutboxFailed, now
		it.Reason = fmt.Sprintf("gave up after %d attempts: %s", it.Attempts, se.Reason)
	default:
		it.State, it.Ended = storage.OutboxFailed, now
	}
	return record{q: q, it: it, se: se}
}

// deliver sends the row's message. Parts of a split message delivered
// before are skipped, and each new one is recorded in the row at once, so a
// crash in the middle does not send them again. Each further part waits for
// its slot from the limiter, like the first.
func (s *Sender) deliver(ctx context.Context, key string, it *storage.OutboxItem, decoded *chat.Message) error {
	t, ok := s.transports[it.Transport]
	if !ok {
		return &SendError{Outcome: SendPermanent, Reason: "no transport " + it.Transport}
	}
	var m chat.Message
	if decoded != nil {
		m = *decoded
	} else if err := json.Unmarshal(it.Payload, &m); err != nil {
		return &SendError{Outcome: SendPermanent, Reason: "bad payload", Err: err}
	}
	// A send in flight finishes even during shutdown, so its row is marked;
	// a shutdown only stops it between two parts.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opt.SendTimeout)
	defer cancel()
	m.PartsSent = it.Parts
	m.OnPart = func(n int) {
		it.Parts = n
		row := *it
		if err := s.db.Update(func(tx *storage.Tx) error { return tx.UpdateOutbox(&row) }); err != nil {
			s.opt.Log.Error("delivered part not recorded", "outbox", it.ID, "part", n, "err", err)
		}
		s.opt.Limiter.Done(key, it.Group, s.opt.Now())
		if err := s.reserve(ctx, key, it.Group); err != nil {
			cancel() // shutting down: the next part fails and waits for a retry
		}
	}
	if d := m.Document; d != nil && d.Draw != nil {
		s.draw(it.ID, &m)
	}
	err := t.Send(sctx, m)
	if errors.Is(err, context.DeadlineExceeded) {
		return &SendError{Outcome: SendRetry, Method: methodOf(err), Reason: "timeout", Err: err}
	}
	return err
}

func methodOf(err error) string {
	var se *SendError
	if errors.As(err, &se) {
		return se.Method
	}
	return ""
}

// reserve waits for the limiter to give a slot to chat, or for ctx to end.
func (s *Sender) reserve(ctx context.Context, key string, group bool) error {
	for {
		d, _ := s.opt.Limiter.Reserve(key, group, s.opt.Now())
		if d <= 0 {
			return nil
		}
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// draw draws m's document, or takes it off m when it cannot be drawn.
func (s *Sender) draw(id uint64, m *chat.Message) {
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
