package storagetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"crmbot/crm"
)

// Wrappers around a real database that watch the transactions a crm.Service opens on
// it: they count and time, they do not mock. Build the Service on the wrapper
// (crm.NewService(storagetest.Count(db), …)); tests outside crm and storage get the
// figures without naming the storage port.

// Counting counts the transactions opened on the store it wraps.
type Counting struct {
	crm.Store
	views, updates, commits atomic.Int64
}

// Count wraps s to count its transactions.
func Count(s crm.Store) *Counting { return &Counting{Store: s} }

// View counts a read transaction and runs it.
func (c *Counting) View(ctx context.Context, fn func(crm.Tx) error) error {
	c.views.Add(1)
	return c.Store.View(ctx, fn)
}

// Update counts a write transaction and, when it commits, a commit.
func (c *Counting) Update(ctx context.Context, fn func(crm.Tx) error) error {
	c.updates.Add(1)
	err := c.Store.Update(ctx, fn)
	if err == nil {
		c.commits.Add(1)
	}
	return err
}

// Views is how many read transactions were opened since the last Reset.
func (c *Counting) Views() int64 { return c.views.Load() }

// Updates is how many write transactions were opened (committed or not).
func (c *Counting) Updates() int64 { return c.updates.Load() }

// Commits is how many write transactions committed.
func (c *Counting) Commits() int64 { return c.commits.Load() }

// Reset sets every count to zero.
func (c *Counting) Reset() { c.views.Store(0); c.updates.Store(0); c.commits.Store(0) }

// ErrCrash is what Observed's failing write returns: the transaction is rolled back,
// as a crash before its commit would leave it.
var ErrCrash = errors.New("storagetest: crash before the commit")

// Observed watches write transactions: how many outbox records each writes, and it
// fails the nth, as a crash in the middle of a long job (a scheduler pass) would.
type Observed struct {
	crm.Store
	mu     sync.Mutex
	writes []int // outbox records written, per write transaction
	failAt int   // fail the failAt-th write transaction (1-based); 0: never
	gen    int   // Reset count: a transaction that spans a Reset is not recorded
}

// Observe wraps s to watch its write transactions.
func Observe(s crm.Store) *Observed { return &Observed{Store: s} }

// Rewrap makes o watch s from now on (the database reopened, as after a restart),
// keeping what it saw so far.
func (o *Observed) Rewrap(s crm.Store) {
	o.mu.Lock()
	o.Store = s
	o.mu.Unlock()
}

// Reset forgets the write transactions seen so far and fails the failAt-th from now
// (1-based; 0: never).
func (o *Observed) Reset(failAt int) {
	o.mu.Lock()
	o.writes, o.failAt = nil, failAt
	o.gen++
	o.mu.Unlock()
}

// Writes returns the outbox records written by each write transaction since the last
// Reset, in order (a failed one included).
func (o *Observed) Writes() []int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]int(nil), o.writes...)
}

type observedTx struct {
	crm.Tx
	n *int
}

func (t observedTx) Enqueue(m *crm.OutboxMessage) (bool, error) {
	*t.n++
	return t.Tx.Enqueue(m)
}

// Update runs fn, counting its Enqueue calls, and rolls it back with ErrCrash when it
// is the write transaction to fail.
func (o *Observed) Update(ctx context.Context, fn func(crm.Tx) error) error {
	o.mu.Lock()
	o.writes = append(o.writes, 0)
	i, gen := len(o.writes)-1, o.gen
	fail := o.failAt > 0 && len(o.writes) == o.failAt
	inner := o.Store
	o.mu.Unlock()
	n := 0
	err := inner.Update(ctx, func(tx crm.Tx) error {
		n = 0 // fn may run again (group commit): count its last run only
		if err := fn(observedTx{tx, &n}); err != nil {
			return err
		}
		if fail {
			return ErrCrash
		}
		return nil
	})
	o.mu.Lock()
	if gen == o.gen {
		o.writes[i] = n
	}
	o.mu.Unlock()
	return err
}

// Timed times each write transaction from the moment it holds the writer lock (its
// function starts) to its commit: what another writer may wait behind, whatever the
// machine's own fsync jitter adds to its own wait.
type Timed struct {
	crm.Store
	mu   sync.Mutex
	held []time.Duration
}

// Time wraps s to time its write transactions.
func Time(s crm.Store) *Timed { return &Timed{Store: s} }

// Update runs fn and records how long the transaction held the writer lock.
func (h *Timed) Update(ctx context.Context, fn func(crm.Tx) error) error {
	var start time.Time
	err := h.Store.Update(ctx, func(tx crm.Tx) error {
		start = time.Now()
		return fn(tx)
	})
	if !start.IsZero() {
		h.mu.Lock()
		h.held = append(h.held, time.Since(start))
		h.mu.Unlock()
	}
	return err
}

// Held returns how long each write transaction held the writer lock, in order.
func (h *Timed) Held() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.held...)
}
