package telegram

import (
	"context"
	"sync"
)

// dispatcher handles the updates of one chat in order and different chats
// concurrently: each chat with work has one goroutine that drains that chat's queue
// and exits when it is empty. A slow chat (waiting out its rate limit) holds up no
// other chat.
type dispatcher struct {
	handle func(ctx context.Context, e entry)

	mu      sync.Mutex
	ctx     context.Context
	queues  map[int64][]queued
	running map[int64]bool
	keys    map[uint64]bool // inbox entries queued or being handled
	wg      sync.WaitGroup
}

type queued struct {
	e    entry
	done func() // releases the poller's in-flight slot; may be nil
}

func newDispatcher(handle func(ctx context.Context, e entry)) *dispatcher {
	return &dispatcher{handle: handle, queues: map[int64][]queued{}, running: map[int64]bool{}, keys: map[uint64]bool{}}
}

// start sets the context the workers run under.
func (d *dispatcher) start(ctx context.Context) {
	d.mu.Lock()
	d.ctx = ctx
	d.mu.Unlock()
}

// started reports whether start was called and its context is still live.
func (d *dispatcher) started() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ctx != nil && d.ctx.Err() == nil
}

// add queues e behind the earlier updates of the same chat. An entry already queued
// or being handled is not queued twice. Before start and after shutdown nothing is
// queued: the entry stays in the persistent inbox for the next start.
func (d *dispatcher) add(chat int64, e entry, done func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	// A stranger's update has no entry (it is not stored) and is never a duplicate here.
	if d.ctx == nil || d.ctx.Err() != nil || (e.seq != 0 && d.keys[e.seq]) {
		if done != nil {
			done()
		}
		return
	}
	if e.seq != 0 {
		d.keys[e.seq] = true
	}
	d.queues[chat] = append(d.queues[chat], queued{e, done})
	if d.running[chat] {
		return
	}
	d.running[chat] = true
	d.wg.Add(1)
	go d.work(d.ctx, chat)
}

func (d *dispatcher) work(ctx context.Context, chat int64) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[chat]
		if len(q) == 0 || ctx.Err() != nil {
			// On shutdown the rest stays in the persistent inbox for the next start.
			for _, x := range q {
				delete(d.keys, x.e.seq)
				if x.done != nil {
					x.done()
				}
			}
			delete(d.queues, chat)
			delete(d.running, chat)
			d.mu.Unlock()
			return
		}
		x := q[0]
		q[0] = queued{}
		d.queues[chat] = q[1:]
		d.mu.Unlock()

		d.handle(ctx, x.e)
		d.mu.Lock()
		delete(d.keys, x.e.seq)
		d.mu.Unlock()
		if x.done != nil {
			x.done()
		}
	}
}

// idle reports whether no update is queued or being handled.
func (d *dispatcher) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.running) == 0
}

// wait blocks until every worker has returned.
func (d *dispatcher) wait() { d.wg.Wait() }
