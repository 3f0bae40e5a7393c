// Package postgres implements crm.Store on PostgreSQL with pgx: one table per entity
// holding each record whole as JSON, beside the columns and side tables (name words,
// search terms, pipeline counters) that the queries of crm.Tx need, all written in the
// same transaction as the record. The schema is a list of embedded SQL migrations,
// applied at Open under an advisory lock so that replicas starting together do not race.
//
// It is the second backend beside storage (bbolt): for a team that wants its data in
// the database its IT already runs, or more than one crmbot process.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"crmbot/crm"
)

// DB is a crmbot database in PostgreSQL. It implements crm.Store.
type DB struct {
	pool *pgxpool.Pool
	now  func() time.Time
	// retries is how many times Update runs fn again after a serialization failure.
	// Ids from sequences and sharded counters keep writers from colliding on shared
	// rows; what remains is two writers changing the same record, which is rare.
	retries int
	// retried counts the transactions run again, for metrics and benchmarks.
	retried atomic.Int64
	// observe, when set, is told each View's and Update's duration (metrics).
	observe func(write bool, d time.Duration)
}

// ObserveTx makes every View and Update report its duration to f (metrics), an
// Update's retries included. Call it before the database is in use.
func (db *DB) ObserveTx(f func(write bool, d time.Duration)) { db.observe = f }

// Retried returns how many times an Update has run its fn again after a serialization
// failure or deadlock since Open.
func (db *DB) Retried() int64 { return db.retried.Load() }

var _ crm.Store = (*DB)(nil)

// Options configures OpenWith.
type Options struct {
	// Now is the clock that stamps idempotency keys (for pruning); nil means time.Now.
	Now func() time.Time
	// MaxConns caps the connection pool; 0 means pgxpool's default (4 per CPU, at
	// least 4).
	MaxConns int32
}

// Open connects to the database at url (postgres://user@host:port/db?…), brings its
// schema up to date and returns it ready for use.
func Open(ctx context.Context, url string) (*DB, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error can quote the URL, password included: say only what is wrong.
		return nil, errors.New("postgres: the database URL cannot be read (expected postgres://user:password@host:port/database)")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", redact(err))
	}
	db := &DB{pool: pool, now: opts.Now, retries: 30}
	if db.now == nil {
		db.now = time.Now
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes every connection; transactions in progress finish first.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Pool returns the connection pool, for tools and tests that need plain SQL.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// View runs fn in a read-only transaction that sees one snapshot (REPEATABLE READ).
func (db *DB) View(ctx context.Context, fn func(crm.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.observe != nil {
		defer func(t time.Time) { db.observe(false, time.Since(t)) }(time.Now())
	}
	return db.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// Update runs fn in one SERIALIZABLE transaction: PostgreSQL then guarantees that
// concurrent Updates behave as if run one after the other, which is what the domain's
// invariants (one next action per open interest, one use of an idempotency key or an
// outbox key, the pipeline counters) were written against on bbolt's single writer.
// When PostgreSQL aborts it to keep that promise (serialization failure or deadlock),
// fn runs again in a new transaction, a few times, after a short random backoff; fn
// must therefore not do I/O or keep state across calls (the crm.Store contract).
func (db *DB) Update(ctx context.Context, fn func(crm.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.observe != nil {
		defer func(t time.Time) { db.observe(true, time.Since(t)) }(time.Now())
	}
	opts := pgx.TxOptions{IsoLevel: pgx.Serializable}
	backoff := time.Millisecond
	for attempt := 0; ; attempt++ {
		err := db.run(ctx, opts, fn)
		if err == nil || !retryable(err) || attempt >= db.retries {
			return err
		}
		db.retried.Add(1)
		// Jitter, so two transactions that collided do not collide again.
		d := backoff/2 + rand.N(backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
		backoff = min(backoff*2, 100*time.Millisecond)
	}
}

// run is one attempt: begin, fn, commit (or roll back when fn or the commit fails).
func (db *DB) run(ctx context.Context, opts pgx.TxOptions, fn func(crm.Tx) error) error {
	ptx, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return classify(ctx, err)
	}
	t := &tx{ctx: ctx, q: ptx, now: db.now, shard: int16(rand.N(pipelineShards))}
	if err := fn(t); err != nil {
		ptx.Rollback(context.WithoutCancel(ctx))
		return classify(ctx, err)
	}
	if err := ptx.Commit(ctx); err != nil {
		return classify(ctx, err)
	}
	return nil
}

// retryable reports a failure after which the same transaction may succeed when run
// again: serialization failure (40001) or deadlock (40P01).
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// UnavailableError is a failure to reach the database (connection refused or lost,
// the server shutting down or starting up). Nothing was changed; the same request
// can succeed a moment later. It is not a crm.Error, so the bot answers with its
// generic "nothing was changed; please try again in a minute".
type UnavailableError struct{ err error }

func (e *UnavailableError) Error() string {
	return "postgres: the database is unavailable, try again: " + e.err.Error()
}

func (e *UnavailableError) Unwrap() error { return e.err }

// Temporary reports that the failure is expected to pass.
func (e *UnavailableError) Temporary() bool { return true }

// classify keeps crm errors and context errors as they are, and turns a lost or
// refused connection into an *UnavailableError.
func classify(ctx context.Context, err error) error {
	if err == nil || crm.AsError(err) != nil {
		return err
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	if unavailable(err) {
		return &UnavailableError{err: redact(err)}
	}
	return err
}

// unavailable reports a connection-level failure rather than a failing statement.
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P01..03: admin shutdown, crash shutdown, cannot
		// connect now (starting up); 53300: too many connections.
		switch {
		case len(pe.Code) == 5 && pe.Code[:2] == "08",
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", pe.Code == "53300":
			return true
		}
		return false
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &ce) || pgconn.SafeToRetry(err) || errors.Is(err, net.ErrClosed)
}

// redact drops what a connection error may carry of the connection string (a
// password) by keeping only its message from the point the server or the network
// explains itself.
func redact(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return fmt.Errorf("cannot connect: %w", ce.Unwrap())
	}
	return err
}
