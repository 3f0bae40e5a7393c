package postgres

// The Blob methods of crm.Tx, alone in this file (and their table alone in
// migrations/0002_blobs.sql) so that both can go when crm.Tx loses them.

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Blob returns the value, or nil when the namespace or key does not exist.
func (t *tx) Blob(ns, key string) ([]byte, error) {
	var v []byte
	err := t.q.QueryRow(t.ctx, `SELECT value FROM blobs WHERE ns = $1 AND key = $2`, ns, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// PutBlob stores value under ns and key.
func (t *tx) PutBlob(ns, key string, value []byte) error {
	if ns == "" || key == "" {
		return fmt.Errorf("blob: empty namespace or key")
	}
	if value == nil {
		value = []byte{}
	}
	_, err := t.q.Exec(t.ctx, `INSERT INTO blobs (ns, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value`, ns, key, value)
	return err
}

// DeleteBlob removes the key; a missing key is not an error.
func (t *tx) DeleteBlob(ns, key string) error {
	_, err := t.q.Exec(t.ctx, `DELETE FROM blobs WHERE ns = $1 AND key = $2`, ns, key)
	return err
}

// PutBlob appends a blob to a Load.
func (b *batch) PutBlob(ns, key string, value []byte) error {
	if ns == "" || key == "" {
		return fmt.Errorf("blob: empty namespace or key")
	}
	if value == nil {
		value = []byte{}
	}
	return b.add("blobs", []any{ns, key, value}, nil)
}

// eachBlob yields every blob to Records, in (namespace, key) order.
func eachBlob(t *tx, fn func(any) error) error {
	rows, err := t.q.Query(t.ctx, `SELECT ns, key, value FROM blobs ORDER BY ns, key`)
	if err != nil {
		return err
	}
	blobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BlobRecord, error) {
		var b BlobRecord
		err := r.Scan(&b.NS, &b.Key, &b.Value)
		return b, err
	})
	if err != nil {
		return err
	}
	for _, b := range blobs {
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}
