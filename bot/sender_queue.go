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
}

// place puts a chat with rows and none in flight in the heap it belongs in.
func (s *Sender) place(q *chatQueue, now time.Time) {
	if q.busy || len(q.items) == 0 || q.index >= 0 {
		return
	}
	if nb := q.items[0].NotBefore; nb.After(now) {
		q.at = nb
		heap.Push(&s.waiting, q)
		return
	}
	heap.Push(&s.ready, q)
}

// promote moves the chats whose wait is over to the ready heap.
func (s *Sender) promote(now time.Time) {
	for s.waiting.Len() > 0 && !s.waiting.qs[0].at.After(now) {
		q := heap.Pop(&s.waiting).(*chatQueue)
		heap.Push(&s.ready, q)
	}
}

// add puts a row in its chat's queue, in order, except that rows held for
// later (the no-message hours: never tried, NotBefore ahead) do not hold
// back a row due sooner: a member with a notice held for the morning still
// gets the answer to her own command at once. A row being retried keeps
// its place, and the head stays while in flight.
func (s *Sender) add(q *chatQueue, it storage.OutboxItem, now time.Time) {
	i := len(q.items)
	for i > 0 && !(i == 1 && q.busy) && heldPast(q.items[i-1], it, now) {
		i--
	}
	if i == 0 && q.index >= 0 { // a new head: the chat waits no more for the old one
		heap.Remove(&s.waiting, q.index)
		q.index = -1
	}
	q.items = append(q.items, storage.OutboxItem{})
	copy(q.items[i+1:], q.items[i:])
	q.items[i] = it
	s.place(q, now)
}

// heldPast reports whether row a, held for later, is due after row it.
func heldPast(a, it storage.OutboxItem, now time.Time) bool {
	return a.Attempts == 0 && a.NotBefore.After(now) && a.NotBefore.After(it.NotBefore)
}
