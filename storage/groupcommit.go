package storage

import (
	"errors"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// Group commit. A bbolt commit costs two fsyncs and a page write for every node it
// dirtied, whatever the size of the change; concurrent Update calls therefore share
// one transaction and one commit. There is no waiting for company: a caller that
// finds no commit in progress starts one at once (a lone writer is as fast as with
// bolt's Update), and the callers who arrive while a commit is on disk queue up and
// go together in the next one. bbolt's own Batch is not used because it waits
// MaxBatchDelay (10 ms by default) before every commit, even a lone one.
//
// The cost of sharing: when one fn fails, the transaction holding the fns before it
// is rolled back and those fns run again in the next one (its own error is final:
// it saw exactly the state it would have seen alone). crm.Store's contract says fn
// may therefore run more than once.

// DefaultMaxBatchSize is how many Update calls one commit takes at most when
// Options.MaxBatchSize is 0. Past a few dozen, a commit's pages stop being shared
// and a longer transaction only delays the callers at its front.
const DefaultMaxBatchSize = 64

// call is one Update waiting for its commit.
type call struct {
	fn    func(crm.Tx) error
	err   error
	panic any  // what fn panicked with, re-raised in the caller's goroutine
	lead  bool // set when the caller is handed the committer's role
	wake  chan struct{}
}

// committer queues Update calls and runs them in shared transactions.
type committer struct {
	mu       sync.Mutex
	queue    []*call
	busy     bool // a caller is forming or committing a batch
	maxBatch int
	delay    time.Duration
	now      func() time.Time // the tx clock
	bolt     *bolt.DB
}

var (
	errRerun = errors.New("storage: batch rolled back to rerun")
	errEmpty = errors.New("storage: nothing to commit")
)

// do runs fn in a transaction shared with whatever other calls are queued, and
// returns once that transaction is committed (fn's error, or the commit's).
func (c *committer) do(fn func(crm.Tx) error) error {
	me := &call{fn: fn, wake: make(chan struct{}, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, me)
	lead := !c.busy
	c.busy = true
	c.mu.Unlock()
	for {
		if lead {
			c.lead()
		}
		<-me.wake
		// The leader sets lead before the send that wakes us: no lock needed.
		if lead = me.lead; !lead {
			break
		}
		me.lead = false
	}
	if me.panic != nil {
		panic(me.panic)
	}
	return me.err
}

// lead takes one batch off the queue, commits it, and hands the role on to the
// first caller still queued (or gives it up). Handing on, instead of looping, keeps
// one caller from serving everybody else's writes while its own is done.
func (c *committer) lead() {
	if c.delay > 0 {
		// Wait for company only when somebody else is already writing: a lone
		// caller never pays the delay.
		c.mu.Lock()
		n := len(c.queue)
		c.mu.Unlock()
		if n > 1 && n < c.maxBatch {
			time.Sleep(c.delay)
		}
	}
	c.mu.Lock()
	n := min(len(c.queue), c.maxBatch)
	batch := append([]*call(nil), c.queue[:n]...)
	c.queue = c.queue[n:]
	c.mu.Unlock()

	c.commit(batch)

	c.mu.Lock()
	var next *call
	if len(c.queue) > 0 {
		next = c.queue[0]
		next.lead = true
	} else {
		c.busy = false
	}
	c.mu.Unlock()
	if next != nil {
		next.wake <- struct{}{}
	}
}

// commit runs the batch's fns in order in one bolt transaction and commits it. A fn
// that fails (or panics) gets its own error and leaves the batch; the transaction is
// rolled back and the fns before it run again. Every call in batch is woken exactly
// once, with its outcome.
func (c *committer) commit(batch []*call) {
	for len(batch) > 0 {
		failed := -1
		crash, err := c.update(func(btx *bolt.Tx) error {
			wrote := false
			for i, cl := range batch {
				cl.err, cl.panic = nil, nil
				cl.run(&tx{btx: btx, now: c.now})
				if errors.Is(cl.err, crm.ErrNothingWritten) && cl.panic == nil {
					continue // wrote nothing: nothing to roll back, the others go on
				}
				if cl.err != nil || cl.panic != nil {
					failed = i
					return errRerun // roll back whatever fn wrote; cl holds its outcome
				}
				wrote = true
			}
			if !wrote {
				return errEmpty // nobody wrote: an empty commit would only cost fsyncs
			}
			return nil
		})
		if errors.Is(err, errEmpty) {
			err = nil
		}
		if crash != nil {
			// bolt itself panicked (its rollback has released the file): every caller
			// of the batch hears of it, and the committer carries on for the next.
			for _, cl := range batch {
				cl.err, cl.panic = nil, crash
				cl.wake <- struct{}{}
			}
			return
		}
		if failed < 0 {
			for _, cl := range batch {
				if err != nil || !errors.Is(cl.err, crm.ErrNothingWritten) {
					cl.err = err // nil, or the commit's failure: every call shares it
				}
				cl.wake <- struct{}{}
			}
			return
		}
		batch[failed].wake <- struct{}{}
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
}

// update is bolt's Update, with a panic of bolt's own returned as a value: the leader
// must still hand its role on, or every later write would wait forever.
func (c *committer) update(fn func(*bolt.Tx) error) (crash any, err error) {
	defer func() {
		if r := recover(); r != nil {
			crash = r
		}
	}()
	return nil, c.bolt.Update(fn)
}

// run calls fn, turning a panic into a value for its own caller to re-raise.
func (cl *call) run(t *tx) {
	defer func() {
		if r := recover(); r != nil {
			cl.panic = r
		}
	}()
	cl.err = cl.fn(t)
}
