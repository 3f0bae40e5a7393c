package main

import (
	"context"
	"log/slog"
	"time"

	"crmbot/storage/postgres"
)

// leaderEvery is how often a replica checks its lead or tries to take it: the
// longest a dead leader's scheduler goes unreplaced, once PostgreSQL has noticed.
const leaderEvery = 3 * time.Second

// elector is a leader election as serve uses it: postgres.Leader on a shared
// database, soleLeader on a file.
type elector interface {
	// Tick checks or takes the lead and reports whether this process leads now.
	Tick(ctx context.Context) (bool, error)
	// Close gives the lead up.
	Close() error
	// Leading reports the last Tick's answer.
	Leading() bool
}

// pollingProbe is readiness for an adapter that runs on the leader alone: a replica
// standing by is ready (it serves everything else); the leader is when connected.
type pollingProbe struct {
	c interface{ Connected() bool }
	e elector
}

func (p pollingProbe) Connected() bool { return !p.e.Leading() || p.c.Connected() }

// soleLeader always leads: a bbolt file is opened by one process (its file lock),
// so that process is the only scheduler there is.
type soleLeader struct{}

func (soleLeader) Tick(context.Context) (bool, error) { return true, nil }
func (soleLeader) Close() error                       { return nil }
func (soleLeader) Leading() bool                      { return true }

// electorFor returns the election for db: the scheduler's advisory lock on
// PostgreSQL, none on a file.
func electorFor(db backend) elector {
	if pg, ok := db.(pgBackend); ok {
		return pg.Leader(postgres.SchedulerLock)
	}
	return soleLeader{}
}

// whileLeader runs fn while e says this process leads, until ctx ends. It ticks e
// at once and then whenever after(every) fires (tests inject the clock). On taking
// the lead it starts fn on a context that is cancelled when the lead is lost (or
// ctx ends), and waits for fn to return before it may start it again: the scheduler
// never runs twice in one process. An error fn returns by itself (a schedule that
// does not parse) ends whileLeader with it.
func whileLeader(ctx context.Context, e elector, every time.Duration, after func(time.Duration) <-chan time.Time, log *slog.Logger, fn func(context.Context) error) error {
	defer e.Close()
	var run *leaderRun // the running fn, nil while not leading
	defer func() { run.end() }()
	for {
		// Bounded: on a cut network a round trip can hang for minutes while this
		// process goes on believing it leads. A check that times out loses the lead
		// (pgx closes a connection whose query was cancelled).
		tctx, cancel := context.WithTimeout(ctx, every)
		ok, err := e.Tick(tctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			log.Warn("leader election: the database cannot be reached; not leading", "err", err)
		}
		switch {
		case ok && run == nil:
			log.Info("leading: this replica runs the scheduler")
			run = startLeaderRun(ctx, fn)
		case !ok && run != nil:
			log.Warn("no longer leading: the scheduler stops here; another replica takes over")
			if err := run.end(); err != nil && ctx.Err() == nil {
				return err
			}
			run = nil
		}
		var done chan error
		if run != nil {
			done = run.done
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-done:
			run.stop()
			run = nil
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return err
			}
		case <-after(every):
		}
	}
}

// leaderRun is fn running while this process leads.
type leaderRun struct {
	stop context.CancelFunc
	done chan error
}

func startLeaderRun(ctx context.Context, fn func(context.Context) error) *leaderRun {
	fctx, stop := context.WithCancel(ctx)
	r := &leaderRun{stop: stop, done: make(chan error, 1)}
	go func() { r.done <- fn(fctx) }()
	return r
}

// end cancels fn and waits for it; nil does nothing.
func (r *leaderRun) end() error {
	if r == nil {
		return nil
	}
	r.stop()
	return <-r.done
}
