package bot

import (
	"chibo/storage"
	"container/heap"
	"time"
)

// queueHeap is a heap of chat queues; each queue knows its index.
type queueHeap struct {
	qs   []*chatQueue
	less func(a, b *chatQueue) bool
}

func (h *queueHeap) Len() int { return len(h.qs) }

func (h *queueHeap) Less(i, j int) bool { return h.less(h.qs[i], h.qs[j]) }

func (h *queueHeap) Swap(i, j int) {
	h.qs[i], h.qs[j] = h.qs[j], h.qs[i]
	h.qs[i].index, h.qs[j].index = i, j
}

func (h *queueHeap) Push(x any) {
	q := x.(*chatQueue)
	q.index = len(h.qs)
	h.qs = append(h.qs, q)
}

func (h *queueHeap) Pop() any {
	n := len(h.qs) - 1
	q := h.qs[n]
	h.qs[n] = nil
	h.qs = h.qs[:n]
	q.index = -1
	return q
}

type chatQueue struct {
	key   string
	items []storage.OutboxItem
	busy  bool
	at    time.Time // when the head may go, while in waiting
	index int       // in its heap; -1 in none
	held  bool      // in waiting because its head is held for quiet hours
}

// place puts a chat with rows and none in flight in the heap it belongs in.
// A row held for the recipient's quiet hours (NotBefore, never tried) does
// not hold back a later row of the same chat that may go now, such as the
// answer to a member writing at night after a notice was held for the
// morning: that row goes first. A retry's wait (a row tried before) keeps
// the chat's order.
func (s *Sender) place(q *chatQueue, now time.Time) {
	if q.busy || len(q.items) == 0 || q.index >= 0 {
		return
	}
	q.held = false
	if nb := q.items[0].NotBefore; nb.After(now) {
		if q.items[0].Attempts == 0 {
			if i := firstDue(q.items, now); i > 0 {
				it := q.items[i]
				copy(q.items[1:i+1], q.items[:i])
				q.items[0] = it
				heap.Push(&s.ready, q)
				return
			}
			q.held = true
		}
		q.at = nb
		heap.Push(&s.waiting, q)
		return
	}
	heap.Push(&s.ready, q)
}

// firstDue is the index of the first row that may go at now, or -1.
func firstDue(items []storage.OutboxItem, now time.Time) int {
	for i := range items {
		if !items[i].NotBefore.After(now) {
			return i
		}
	}
	return -1
}

// added re-places a chat that got a new row while its head is held for
// quiet hours, so that a row that may go now does not wait for the morning.
func (s *Sender) added(q *chatQueue, now time.Time) {
	if q.held && q.index >= 0 && !q.items[len(q.items)-1].NotBefore.After(now) {
		heap.Remove(&s.waiting, q.index)
	}
	s.place(q, now)
}

// promote moves the chats whose wait is over to the ready heap.
func (s *Sender) promote(now time.Time) {
	for s.waiting.Len() > 0 && !s.waiting.qs[0].at.After(now) {
		q := heap.Pop(&s.waiting).(*chatQueue)
		heap.Push(&s.ready, q)
	}
}
