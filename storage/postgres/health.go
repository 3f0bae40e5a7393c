package postgres

import (
	"context"
	"time"

	"crmbot/crm"
)

// OutboxHealth is what readiness and metrics need of the outbox (the same figures
// as the file backend's).
type OutboxHealth struct {
	Pending int
	// OldestDue is the earliest not-before among pending messages, zero when none is.
	OldestDue time.Time
	// OldestDueBy is OldestDue per platform.
	OldestDueBy map[string]time.Time
}

// Outbox reads the pending rows per platform through the partial pending index.
func (db *DB) Outbox(ctx context.Context) (OutboxHealth, error) {
	h := OutboxHealth{OldestDueBy: map[string]time.Time{}}
	rows, err := db.pool.Query(ctx, `SELECT platform, count(*), min(NULLIF(not_before, $1)) FROM outbox WHERE state = 'pending' GROUP BY platform`, tk(time.Time{}))
	if err != nil {
		return h, classify(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var platform string
		var n int64
		var due *int64 // NULL when every pending message has no not-before (as bbolt skips them)
		if err := rows.Scan(&platform, &n, &due); err != nil {
			return h, err
		}
		h.Pending += int(n)
		if due == nil {
			continue
		}
		t := time.Unix(0, *due)
		h.OldestDueBy[platform] = t
		if h.OldestDue.IsZero() || t.Before(h.OldestDue) {
			h.OldestDue = t
		}
	}
	return h, classify(ctx, rows.Err())
}

// ProbeWrite runs a read-write transaction that takes a transaction id, which fails
// on a read-only server (a standby, default_transaction_read_only) and when the
// database is unreachable: readiness means writes work. It writes no row.
func (db *DB) ProbeWrite(ctx context.Context) error {
	return db.Update(ctx, func(x crm.Tx) error {
		t := x.(*tx)
		_, err := t.q.Exec(t.ctx, `SELECT txid_current()`)
		return err
	})
}

// Size is the database's size in bytes (pg_database_size), 0 when it cannot be read.
func (db *DB) Size(ctx context.Context) int64 {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
		return 0
	}
	return n
}
