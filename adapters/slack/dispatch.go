package slack

import (
	"context"
	"sync"
)

// dispatcher runs acknowledged work after the HTTP answer has gone: the jobs of one
// person in order (the engine's dialogue expects that), different people
// concurrently, at most max jobs waiting in all. Each queue with work has one
// goroutine that drains it and exits when it is empty; every goroutine is tied to
// the context given to start and waited for by wait.
type dispatcher struct {
	max int

	mu      sync.Mutex
	ctx     context.Context
	closed  bool // shutdown began: the jobs queued still run, no new ones
	queued  int
	queues  map[string][]func(context.Context)
	running map[string]bool
	wg      sync.WaitGroup
}

func newDispatcher(max int) *dispatcher {
	return &dispatcher{max: max, queues: map[string][]func(context.Context){}, running: map[string]bool{}}
}

// start sets the context the jobs run under; before it, after close and after that
// context ends, add refuses work.
func (d *dispatcher) start(ctx context.Context) {
	d.mu.Lock()
	d.ctx = ctx
	d.mu.Unlock()
}

// close refuses new work from now on; the jobs already queued still run.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
}

// add queues fn behind the earlier jobs of key. It returns false, and fn never runs,
// when the dispatcher is not running or max jobs are already waiting.
func (d *dispatcher) add(key string, fn func(context.Context)) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == nil || d.closed || d.ctx.Err() != nil || d.queued >= d.max {
		return false
	}
	d.queued++
	d.queues[key] = append(d.queues[key], fn)
	if !d.running[key] {
		d.running[key] = true
		d.wg.Add(1)
		go d.work(d.ctx, key)
	}
	return true
}

func (d *dispatcher) work(ctx context.Context, key string) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[key]
		if len(q) == 0 {
			delete(d.queues, key)
			delete(d.running, key)
			d.mu.Unlock()
			return
		}
		fn := q[0]
		q[0] = nil
		d.queues[key] = q[1:]
		d.mu.Unlock()

		// A job still runs after shutdown began, with a cancelled context: it must
		// release what it holds (the in-flight mark of its event).
		fn(ctx)
		d.mu.Lock()
		d.queued--
		d.mu.Unlock()
	}
}

// wait blocks until every job has returned.
func (d *dispatcher) wait() { d.wg.Wait() }
