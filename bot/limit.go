package bot

import (
	"strings"
	"sync"
	"time"
)

// Limiter paces the requests of one transport: the overall rate, the
// interval per private chat and per group. It is the transport's only pacer:
// the sender asks it before the first part of a message and before each
// further part. Implementations are safe for concurrent use.
type Limiter interface {
	// Reserve takes a slot for one request to chat at now and returns 0,
	// or returns how long to wait before asking again (taking nothing);
	// all reports that the wait is the overall limit's, so every chat waits
	// as long, rather than chat's own.
	Reserve(chat string, group bool, now time.Time) (wait time.Duration, all bool)
	// Done says the request of a slot Reserve gave for chat was answered
	// (or given up) at now. The messenger received it at some time between
	// the two, so the chat's interval and the overall window count from
	// now. Called for a chat with no slot taken, it records a request made
	// at now by someone else (the process before a restart).
	Done(chat string, group bool, now time.Time)
	// Hold holds back chat for its interval from now, as though a request
	// to it had been answered now, without counting one in the overall
	// limit: for a chat whose message may have been in flight when the
	// process before this one died.
	Hold(chat string, group bool, now time.Time)
	// Pause holds back chat until the time given, the messenger having
	// answered 429; with chat == "" or a transport's prefix alone
	// ("telegram:") it holds back every chat of the limiter.
	Pause(chat string, until time.Time)
}

// RateLimits are Telegram's documented sending limits. Zero fields mean the defaults.
type RateLimits struct {
	// PerSecond is the overall rate. Zero means 30 (Telegram's free limit;
	// paid broadcasts allow more).
	PerSecond float64
	// PrivateInterval is the gap between two messages to one private chat.
	// Zero means 1 s (Telegram's limit); negative means none, for an API
	// without a per-chat limit (a test server, a self-hosted gateway).
	PrivateInterval time.Duration
	// GroupInterval is the gap between two messages to one group. Zero means
	// 3 s (20 per minute).
	GroupInterval time.Duration
}

// RateLimiter enforces RateLimits whatever the scheduling noise: a chat's
// interval runs from the answer to its previous request, not from when that
// request left, and at most PerSecond requests are in flight or answered
// within the last second. Since the messenger receives a request between
// its Reserve and its Done, no clock skew, slow network or busy CPU can make
// the messenger see more than the limits. Within that, requests are spread
// evenly (one slot every 1/PerSecond, each slot counted from the one before,
// not from when the sender woke), so a backlog never comes as a burst.
type RateLimiter struct {
	mu       sync.Mutex
	per      int           // requests allowed within window
	window   time.Duration // Telegram's overall window: one second
	gap      time.Duration // window / PerSecond
	private  time.Duration
	group    time.Duration
	next     time.Time   // the next overall slot
	open     int         // slots taken and not yet Done
	answered []time.Time // Done times within the last window, ascending
	chats    map[string]*chatPace
	forgetAt int // forget chats when there are more than this
}

type chatPace struct {
	open int       // slots taken and not yet Done (0 or 1: the sender sends one part at a time)
	next time.Time // earliest time of the next request
}

// slotSlack is how early an overall slot may be taken. A sender's loop
// wakes no more often than its timers fire (about a millisecond), so at a
// raised rate (a gap of 10 µs at 100,000/s) it takes the slots of the
// coming millisecond at once instead of one slot a wake-up, which capped
// the rate at about 1,000/s whatever was set. At Telegram's 30/s a slot
// may come 1 ms of its 33 ms gap early; the overall window (at most
// PerSecond requests in flight or answered within a second) is kept
// exactly, whatever the slack.
const slotSlack = time.Millisecond

// NewRateLimiter makes a limiter with the given limits.
func NewRateLimiter(l RateLimits) *RateLimiter {
	if l.PerSecond <= 0 {
		l.PerSecond = 30
	}
	switch {
	case l.PrivateInterval == 0:
		l.PrivateInterval = time.Second
	case l.PrivateInterval < 0:
		l.PrivateInterval = 0
	}
	if l.GroupInterval <= 0 {
		l.GroupInterval = 3 * time.Second
	}
	return &RateLimiter{
		per:      max(int(l.PerSecond), 1),
		window:   time.Second,
		gap:      time.Duration(float64(time.Second) / l.PerSecond),
		private:  l.PrivateInterval,
		group:    l.GroupInterval,
		chats:    map[string]*chatPace{},
		forgetAt: 10000,
	}
}

// Reserve implements Limiter.
func (r *RateLimiter) Reserve(chat string, group bool, now time.Time) (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.next.Sub(now); d > slotSlack {
		return d, true
	}
	r.prune(now)
	if r.open+len(r.answered) >= r.per {
		if len(r.answered) == 0 { // all in flight: the next Done says more
			return r.gap, true
		}
		return max(r.answered[0].Add(r.window).Sub(now), time.Millisecond), true
	}
	c := r.chats[chat]
	if c != nil && c.open > 0 {
		return max(r.private, time.Millisecond), false // a part in flight: its Done frees the chat
	}
	if c != nil && c.next.After(now) {
		return c.next.Sub(now), false
	}
	if c == nil {
		c = &chatPace{}
		r.chats[chat] = c
	}
	c.open++
	r.open++
	// The next slot follows this one's; a late wake-up (less than a gap
	// late) is caught up rather than lost, a longer idle time is not.
	base := r.next
	if now.Sub(base) >= r.gap {
		base = now
	}
	r.next = base.Add(r.gap)
	interval := r.private
	if group {
		interval = r.group
	}
	c.next = now.Add(interval) // until Done says when it was answered
	if len(r.chats) > r.forgetAt {
		r.forget(now)
	}
	return 0, false
}

// prune drops answers older than the window. The slice is moved down only
// when more than half of it is dropped, so pruning costs O(1) per answer.
func (r *RateLimiter) prune(now time.Time) {
	cut := now.Add(-r.window)
	i := 0
	for i < len(r.answered) && !r.answered[i].After(cut) {
		i++
	}
	r.answered = r.answered[i:]
	if cap(r.answered) > 64 && len(r.answered) < cap(r.answered)/4 {
		r.answered = append(make([]time.Time, 0, 2*len(r.answered)+16), r.answered...)
	}
}

// Done implements Limiter.
func (r *RateLimiter) Done(chat string, group bool, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.chats[chat]
	if c == nil {
		c = &chatPace{}
		r.chats[chat] = c
	}
	if c.open > 0 {
		c.open--
		r.open--
	}
	interval := r.private
	if group {
		interval = r.group
	}
	if n := now.Add(interval); n.After(c.next) {
		c.next = n
	}
	// Keep the answers sorted: with a test clock they may come out of order.
	i := len(r.answered)
	r.answered = append(r.answered, now)
	for i > 0 && r.answered[i-1].After(now) {
		r.answered[i] = r.answered[i-1]
		i--
	}
	r.answered[i] = now
}

// forget drops chats with nothing in flight whose interval has passed, so
// the map does not grow forever. The next look is when the map has doubled
// again, so a burst to many chats costs O(1) per request on average.
func (r *RateLimiter) forget(now time.Time) {
	for k, c := range r.chats {
		if c.open == 0 && !c.next.After(now) {
			delete(r.chats, k)
		}
	}
	r.forgetAt = max(10000, 2*len(r.chats))
}

// Hold implements Limiter.
func (r *RateLimiter) Hold(chat string, group bool, now time.Time) {
	interval := r.private
	if group {
		interval = r.group
	}
	r.Pause(chat, now.Add(interval))
}

// Pause implements Limiter.
func (r *RateLimiter) Pause(chat string, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if chat == "" || strings.HasSuffix(chat, ":") {
		if until.After(r.next) {
			r.next = until
		}
		return
	}
	c := r.chats[chat]
	if c == nil {
		c = &chatPace{}
		r.chats[chat] = c
	}
	if until.After(c.next) {
		c.next = until
	}
}

// Unlimited is a Limiter that never waits, for the console and benchmarks.
type Unlimited struct{}

// Reserve implements Limiter.
func (Unlimited) Reserve(string, bool, time.Time) (time.Duration, bool) { return 0, false }

// Done implements Limiter.
func (Unlimited) Done(string, bool, time.Time) {}

// Hold implements Limiter.
func (Unlimited) Hold(string, bool, time.Time) {}

// Pause implements Limiter.
func (Unlimited) Pause(string, time.Time) {}
