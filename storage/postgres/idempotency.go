package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

func (t *tx) Idempotency(key string) (string, bool, error) {
	var result string
	err := t.q.QueryRow(t.ctx, `SELECT result FROM idempotency WHERE key = $1`, key).Scan(&result)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return result, true, nil
}

// SetIdempotency records result under key, stamped with the clock for pruning. Under
// SERIALIZABLE, two transactions that both found the key new and both set it cannot
// both commit: the second is retried and then finds the first one's result.
func (t *tx) SetIdempotency(key, result string) error {
	if key == "" {
		return fmt.Errorf("idempotency: empty key")
	}
	_, err := t.q.Exec(t.ctx, `INSERT INTO idempotency (key, result, at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET result = EXCLUDED.result, at = EXCLUDED.at`, key, result, tk(t.now().UTC()))
	return err
}

// PruneIdempotency deletes the idempotency keys recorded before the given time and
// returns how many it deleted.
func (db *DB) PruneIdempotency(ctx context.Context, before time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM idempotency WHERE at < $1`, tk(before))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", classify(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}
