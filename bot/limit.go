package bot

import (
	"sync"
	"time"
)

// Limiter paces sends. Implementations are safe for concurrent use.
type Limiter interface {
	// Reserve takes a slot to send to chat at now and returns 0, or returns
	// how long to wait before asking again (taking nothing).
	Reserve(chat string, group bool, now time.Time) time.Duration
	// Pause holds back chat until the time given; with chat == "" it holds
	// back every chat (the messenger said to slow down).
	Pause(chat string, until time.Time)
}

// RateLimits are Telegram's documented sending limits. Zero fields mean the defaults.
type RateLimits struct {
	// PerSecond is the overall rate. Zero means 30 (Telegram's free limit;
	// paid broadcasts allow more).
	PerSecond float64
	// PrivateInterval is the gap between two messages to one private chat.
	// Zero means 1 s.
	PrivateInterval time.Duration
	// GroupInterval is the gap between two messages to one group. Zero means
	// 3 s (20 per minute).
	GroupInterval time.Duration
}

// RateLimiter enforces RateLimits. Messages are spread evenly rather than
// sent in bursts, so a backlog never trips Telegram's flood control.
type RateLimiter struct {
	mu       sync.Mutex
	gap      time.Duration
	private  time.Duration
	group    time.Duration
	start    time.Time            // the first Reserve: the process's start, as far as sends go
	next     time.Time            // earliest time of the next send overall
	chatNext map[string]time.Time // earliest time of the next send per chat
}

// NewRateLimiter makes a limiter with the given limits.
func NewRateLimiter(l RateLimits) *RateLimiter {
	if l.PerSecond <= 0 {
		l.PerSecond = 30
	}
	if l.PrivateInterval <= 0 {
		l.PrivateInterval = time.Second
	}
	if l.GroupInterval <= 0 {
		l.GroupInterval = 3 * time.Second
	}
	return &RateLimiter{
		gap:      time.Duration(float64(time.Second) / l.PerSecond),
		private:  l.PrivateInterval,
		group:    l.GroupInterval,
		chatNext: map[string]time.Time{},
	}
}

// Reserve implements Limiter.
func (r *RateLimiter) Reserve(chat string, group bool, now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	interval := r.private
	if group {
		interval = r.group
	}
	if r.start.IsZero() {
		r.start = now
	}
	at := r.next
	cn, seen := r.chatNext[chat]
	if !seen {
		// A process that just started cannot know when it (or the one it
		// replaces, killed after a send) last wrote to this chat: wait one
		// interval from the start rather than risk Telegram's flood control.
		cn = r.start.Add(interval)
	}
	if cn.After(at) {
		at = cn
	}
	if at.After(now) {
		return at.Sub(now)
	}
	r.next = now.Add(r.gap)
	r.chatNext[chat] = now.Add(interval)
	if len(r.chatNext) > 10000 {
		r.forget(now)
	}
	return 0
}

// forget drops chats whose gap has passed, so the map does not grow forever.
func (r *RateLimiter) forget(now time.Time) {
	for c, t := range r.chatNext {
		if !t.After(now) {
			delete(r.chatNext, c)
		}
	}
}

// Pause implements Limiter.
func (r *RateLimiter) Pause(chat string, until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if chat == "" {
		if until.After(r.next) {
			r.next = until
		}
		return
	}
	if until.After(r.chatNext[chat]) {
		r.chatNext[chat] = until
	}
}

// Unlimited is a Limiter that never waits, for the console and benchmarks.
type Unlimited struct{}

// Reserve implements Limiter.
func (Unlimited) Reserve(string, bool, time.Time) time.Duration { return 0 }

// Pause implements Limiter.
func (Unlimited) Pause(string, time.Time) {}
