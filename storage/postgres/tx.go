package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"crmbot/crm"
)

// querier is what a tx needs of a pgx transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// tx adapts one PostgreSQL transaction to crm.Tx. crm.Tx's methods take no context;
// the one Update or View was called with is kept here, so cancelling it stops a query.
type tx struct {
	ctx context.Context
	q   querier
	now func() time.Time
	// shard is the pipeline counter shard this transaction adds to (see migration
	// 0003), chosen at random per transaction.
	shard int16
}

var _ crm.Tx = (*tx)(nil)

// tk is a time as the int8 the schema orders by: nanoseconds since 1970, the zero time
// the smallest value (as bbolt's timeKey sorts it first).
func tk(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}

// nullable returns nil for "", so that an absent value is NULL (and out of the
// partial indexes) rather than an empty string.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nextID assigns the entity's next id (its sequence seq_<entity>) when *id is 0. An
// id chosen by the caller (an import) is kept; raiseSeq then moves the sequence past
// it.
func (t *tx) nextID(seq string, id *uint64) error {
	if *id != 0 {
		return nil
	}
	var n int64
	if err := t.q.QueryRow(t.ctx, `SELECT nextval($1::regclass)`, "seq_"+seq).Scan(&n); err != nil {
		return fmt.Errorf("next %s id: %w", seq, err)
	}
	*id = uint64(n)
	return nil
}

// raiseSeq moves the entity's sequence to id when id is beyond it, so that a later
// assigned id cannot collide with one an import chose.
func (t *tx) raiseSeq(seq string, id uint64) error {
	_, err := t.q.Exec(t.ctx, `SELECT setval($1::regclass, $2) WHERE $2 > coalesce(pg_sequence_last_value($1::regclass), 0)`,
		"seq_"+seq, int64(id))
	if err != nil {
		return fmt.Errorf("raise %s sequence: %w", seq, err)
	}
	return nil
}

// getOne decodes the data of the single row sql selects; notFound when there is none.
func getOne[T any](t *tx, notFound func() error, sql string, args ...any) (*T, error) {
	var data []byte
	err := t.q.QueryRow(t.ctx, sql, args...).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("decode %T: %w", v, err)
	}
	return v, nil
}

// list decodes the data column of every row sql selects, in order.
func list[T any](t *tx, sql string, args ...any) ([]*T, error) {
	var out []*T
	err := each(t, func(v *T) error { out = append(out, v); return nil }, sql, args...)
	return out, err
}

// pageSize is how many records eachByID decodes per query.
const pageSize = 500

// eachByID calls fn for every record of table matching cond (SQL over the table's
// columns, its arguments from $2 on; "" for all), in id order. It reads a page at a
// time, keyed by the last id (idOf), with no query left open while fn runs: fn may
// use the transaction itself (a connection answers one query at a time), and memory
// stays that of one page however large the table.
func eachByID[T any](t *tx, table, cond string, idOf func(*T) uint64, fn func(*T) error, args ...any) error {
	where := "id > $1"
	if cond != "" {
		where += " AND " + cond
	}
	sql := fmt.Sprintf(`SELECT data FROM %s WHERE %s ORDER BY id LIMIT %d`, table, where, pageSize)
	last := int64(math.MinInt64)
	for {
		page, err := list[T](t, sql, append([]any{last}, args...)...)
		if err != nil {
			return err
		}
		for _, v := range page {
			if err := fn(v); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		last = int64(idOf(page[len(page)-1]))
	}
}

// each calls fn with every row's decoded data, in order, without keeping them. The
// query stays open while fn runs, so fn must not use the transaction.
func each[T any](t *tx, fn func(*T) error, sql string, args ...any) error {
	rows, err := t.q.Query(t.ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return err
		}
		v := new(T)
		if err := json.Unmarshal(data, v); err != nil {
			return fmt.Errorf("decode %T: %w", v, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

func notFound(entity string, id any) func() error {
	return func() error { return crm.Errorf(crm.ENOTFOUND, "err."+entity+"_not_found", id) }
}

// limitArg is a LIMIT argument: NULL (no limit) for limit <= 0.
func limitArg(limit int) any {
	if limit <= 0 {
		return nil
	}
	return limit
}
