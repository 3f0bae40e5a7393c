package storage

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// idempotencyRecord is what an idempotency key holds: the result, and when it was
// recorded so that old keys can be pruned.
type idempotencyRecord struct {
	Result string    `json:"result"`
	At     time.Time `json:"at"`
}

// idempotencyEntries: at | key, so pruning walks the oldest keys only.
func idempotencyEntries(k string, r *idempotencyRecord) []entry {
	return []entry{{idxIdempotencyTime, key(u64(timeKey(r.At)), []byte(k)), nil}}
}

func (t *tx) Idempotency(k string) (string, bool, error) {
	data := t.btx.Bucket(bucketIdempotency).Get([]byte(k))
	if data == nil {
		return "", false, nil
	}
	var r idempotencyRecord
	if err := decode(data, &r); err != nil {
		return "", false, fmt.Errorf("idempotency %q: %w", k, err)
	}
	return r.Result, true, nil
}

func (t *tx) SetIdempotency(k, result string) error {
	if k == "" {
		return fmt.Errorf("idempotency: empty key")
	}
	b := t.btx.Bucket(bucketIdempotency)
	var oldEntries []entry
	if data := b.Get([]byte(k)); data != nil {
		var old idempotencyRecord
		if err := decode(data, &old); err != nil {
			return fmt.Errorf("idempotency %q: %w", k, err)
		}
		oldEntries = idempotencyEntries(k, &old)
	}
	r := &idempotencyRecord{Result: result, At: t.now().UTC()}
	data, err := encode(r)
	if err != nil {
		return err
	}
	if err := b.Put([]byte(k), data); err != nil {
		return err
	}
	return t.reindex(oldEntries, idempotencyEntries(k, r))
}

// PruneIdempotency deletes the idempotency keys recorded before the given time (a
// redelivery comes within minutes; 30 days is plenty) and returns how many it deleted.
func (db *DB) PruneIdempotency(before time.Time) (int, error) {
	n := 0
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		idx, recs := btx.Bucket(idxIdempotencyTime), btx.Bucket(bucketIdempotency)
		end := u64(timeKey(before))
		// Collect first: deleting under a bolt cursor can skip keys.
		var keys [][]byte
		c := idx.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			if err := idx.Delete(k); err != nil {
				return err
			}
			if err := recs.Delete(k[8:]); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return n, nil
}
