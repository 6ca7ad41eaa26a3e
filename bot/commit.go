package bot

import (
	"sync"

	"chibo/storage"
)

// groupCommit runs the transactions of concurrent callers together, with
// no delay: a caller that finds no commit running commits at once, alone;
// callers that come while one runs wait and go together in the next. Under
// load this shares fsyncs as bbolt's Batch does, without Batch's 10 ms wait
// for company, which a lone update (one getUpdates answer, one webhook call
// on a quiet day) paid in full.
//
// Like Batch, when a shared transaction fails each function runs again on
// its own, so one failing function does not fail the others: functions
// must be safe to run twice.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupJob
	leading bool // a caller is committing; the next waits for its turn
}

type groupJob struct {
	fn   func(tx *storage.Tx) error
	err  error
	done chan struct{}
	lead chan struct{} // this caller commits the queue
}

// do runs fn in a write transaction shared with concurrent callers and
// returns its error once committed (or not).
func (g *groupCommit) do(db *storage.DB, fn func(tx *storage.Tx) error) error {
	j := &groupJob{fn: fn, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, j)
	if !g.leading {
		g.leading = true
		j.lead <- struct{}{}
	}
	g.mu.Unlock()
	select {
	case <-j.done:
		return j.err
	case <-j.lead:
	}
	g.mu.Lock()
	jobs := g.queue
	g.queue = nil
	g.mu.Unlock()
	commitJobs(db, jobs)
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].lead <- struct{}{} // one commit per leader: no caller serves others for long
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	return j.err
}

func commitJobs(db *storage.DB, jobs []*groupJob) {
	err := db.Update(func(tx *storage.Tx) error {
		for _, j := range jobs {
			if err := j.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	for _, j := range jobs {
		if err != nil && len(jobs) > 1 {
			j.err = db.Update(j.fn)
		} else {
			j.err = err
		}
		close(j.done)
	}
}
