package postgres

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// SchedulerLock names the lock the scheduler leader holds.
const SchedulerLock = "scheduler"

// Leader elects one leader among the processes sharing the database with a session
// advisory lock (pg_try_advisory_lock) held on a connection of its own, outside the
// pool. PostgreSQL releases the lock when that connection ends — the process killed,
// the network cut (once the server notices), pg_terminate_backend — so another
// candidate's next Tick takes it. A Leader is driven by Tick, which the caller runs
// every few seconds; Leading reads the state in between.
type Leader struct {
	db   *DB
	name string

	mu      sync.Mutex // serialises Tick and Close over conn
	conn    *pgx.Conn  // the candidate's own session (holding the lock while leading), or nil
	leading atomic.Bool
}

// Leader returns a candidate for the lock name (SchedulerLock for the scheduler).
// The advisory lock's key pairs the hash of the schema with the hash of name: crmbots
// in two schemas of one database (two teams, parallel tests) elect a leader each.
func (db *DB) Leader(name string) *Leader { return &Leader{db: db, name: name} }

// Leading reports whether the last Tick held the lock.
func (l *Leader) Leading() bool { return l.leading.Load() }

// PID is the server process id of the session holding the lock, 0 when not leading:
// what an operator (or a test) passes to pg_terminate_backend to force a failover.
func (l *Leader) PID() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil || !l.leading.Load() {
		return 0
	}
	return l.conn.PgConn().PID()
}

// Tick checks that a held lock's session is still alive, or tries to take the lock,
// and reports whether this candidate leads now. An error (the database unreachable)
// comes with false: a candidate that cannot reach the database does not lead. A
// candidate standing by keeps its connection between tries rather than open one
// every few seconds.
func (l *Leader) Tick(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil && l.leading.Load() {
		// The lock lives as long as the session: a round trip shows it does.
		if _, err := l.conn.Exec(ctx, "SELECT 1"); err == nil {
			return true, nil
		}
		l.drop()
	}
	if l.conn == nil {
		c, err := l.db.pool.Acquire(ctx)
		if err != nil {
			return false, classify(ctx, err)
		}
		// Hijacked, the connection leaves the pool for good: the pool must never
		// hand a lock-holding session to a transaction, nor close it as idle.
		l.conn = c.Hijack()
	}
	var got bool
	if err := l.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtext(current_schema()), hashtext($1))", l.name).Scan(&got); err != nil {
		l.drop()
		return false, classify(ctx, err)
	}
	l.leading.Store(got)
	return got, nil
}

// drop closes the candidate's connection (releasing the lock if held); l.mu is held.
func (l *Leader) drop() {
	l.leading.Store(false)
	l.conn.Close(context.Background())
	l.conn = nil
}

// Close gives the lock up (closing its connection releases it), so that another
// candidate leads at its next Tick rather than after a timeout.
func (l *Leader) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		l.drop()
	}
	return nil
}
