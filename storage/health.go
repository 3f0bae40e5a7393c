package storage

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"
)

// OutboxHealth is what readiness and metrics need of the outbox.
type OutboxHealth struct {
	Pending int
	// OldestDue is the earliest not-before time among pending messages, zero when
	// none is pending. A due message that stays pending means sending is stuck.
	OldestDue time.Time
	// OldestDueBy is OldestDue per platform ("telegram", "slack"): only a platform
	// with a running adapter can be stuck; another's messages wait for its adapter.
	OldestDueBy map[string]time.Time
}

// Outbox reads the pending index: its size, and the first key of each platform's
// range (keys sort by not-before within a platform), so it costs one seek per
// platform, not a scan.
func (db *DB) Outbox() (OutboxHealth, error) {
	h := OutboxHealth{OldestDueBy: map[string]time.Time{}}
	err := db.bolt.View(func(btx *bolt.Tx) error {
		b := btx.Bucket(idxOutboxPending)
		h.Pending = b.Stats().KeyN
		c := b.Cursor()
		for k, _ := c.First(); k != nil; {
			i := bytes.IndexByte(k, 0)
			if i < 0 || len(k) < i+9 {
				k, _ = c.Next()
				continue
			}
			if tk := getU64(k[i+1 : i+9]); tk != 0 {
				t := time.Unix(0, int64(tk^(1<<63)))
				if h.OldestDue.IsZero() || t.Before(h.OldestDue) {
					h.OldestDue = t
				}
				h.OldestDueBy[string(k[:i])] = t // the first key of the platform's range
			}
			// Jump past this platform: its name followed by a byte above \0.
			next := append(append([]byte{}, k[:i]...), 1)
			k, _ = c.Seek(next)
		}
		return nil
	})
	return h, err
}

// ProbeWrite commits a small write (the time, under the meta bucket), which fails
// when the disk is full or the file read-only: readiness means writes work.
func (db *DB) ProbeWrite(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(func(btx *bolt.Tx) error {
		return btx.Bucket(bucketMeta).Put([]byte("probe"), u64(uint64(db.now().Unix())))
	})
}

// FileSize is the database file's size in bytes.
func (db *DB) FileSize() int64 {
	var n int64
	db.bolt.View(func(btx *bolt.Tx) error { n = btx.Size(); return nil })
	return n
}
