package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// tx adapts one bolt transaction to crm.Tx.
type tx struct {
	btx *bolt.Tx
	now func() time.Time
}

var _ crm.Tx = (*tx)(nil)

// entry is one secondary-index key that a record implies. Every entity has a function
// from a record to its entries; Put deletes the old record's entries and writes the
// new one's, and Verify and Rebuild use the same functions, so the three cannot drift.
type entry struct {
	bucket []byte
	key    []byte
	val    []byte
}

var empty = []byte{}

// reindex replaces the entries of the old version of a record by those of the new.
// An entry both versions have, with the same value, is left alone: writing it again
// would dirty its leaf and the path above it for nothing, and most changes (a logged
// call, a new due date) keep most of a record's entries.
func (t *tx) reindex(old, new []entry) error {
	for _, e := range old {
		if slices.ContainsFunc(new, e.same) {
			continue
		}
		if err := t.btx.Bucket(e.bucket).Delete(e.key); err != nil {
			return fmt.Errorf("delete %s index key: %w", e.bucket, err)
		}
	}
	for _, e := range new {
		if slices.ContainsFunc(old, e.same) {
			continue
		}
		if err := t.putEntry(e); err != nil {
			return err
		}
	}
	return nil
}

// same reports whether e and o are one key of one bucket with one value.
func (e entry) same(o entry) bool {
	return bytes.Equal(e.key, o.key) && bytes.Equal(e.val, o.val) && bytes.Equal(e.bucket, o.bucket)
}

func (t *tx) putEntries(es []entry) error {
	for _, e := range es {
		if err := t.putEntry(e); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) putEntry(e entry) error {
	v := e.val
	if v == nil {
		v = empty
	}
	if err := t.btx.Bucket(e.bucket).Put(e.key, v); err != nil {
		return fmt.Errorf("put %s index key: %w", e.bucket, err)
	}
	return nil
}

// nextID returns *id, assigning the bucket's next sequence number when it is 0, and
// raising the sequence past an id chosen by the caller (an import) so that a later
// assigned id cannot collide with it.
func nextID(b *bolt.Bucket, id *uint64) error {
	if *id == 0 {
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		*id = n
		return nil
	}
	if *id > b.Sequence() {
		return b.SetSequence(*id)
	}
	return nil
}

// load decodes the record under id in bucket into a new T; nil when absent.
func load[T any](btx *bolt.Tx, bucket []byte, id uint64) (*T, error) {
	data := btx.Bucket(bucket).Get(u64(id))
	if data == nil {
		return nil, nil
	}
	v := new(T)
	if err := decode(data, v); err != nil {
		return nil, fmt.Errorf("%s %d: %w", bucket, id, err)
	}
	return v, nil
}

// store encodes v under id in bucket.
func store(btx *bolt.Tx, bucket []byte, id uint64, v any) error {
	data, err := encode(v)
	if err != nil {
		return err
	}
	if err := btx.Bucket(bucket).Put(u64(id), data); err != nil {
		return fmt.Errorf("put %s %d: %w", bucket, id, err)
	}
	return nil
}

// loadIDs decodes the records for ids, in order.
func loadIDs[T any](btx *bolt.Tx, bucket []byte, ids []uint64) ([]*T, error) {
	r := newReader[T](btx, bucket)
	out := make([]*T, 0, len(ids))
	for _, id := range ids {
		v, err := r.get(id)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, fmt.Errorf("%s %d: indexed but missing (run crmbot doctor)", bucket, id)
		}
		out = append(out, v)
	}
	return out, nil
}

// reader looks records up by id through one reused cursor: bolt's Bucket.Get
// allocates a new cursor on every call, a measurable share of a 20-result search.
type reader[T any] struct {
	bucket []byte
	c      *bolt.Cursor
	k      [8]byte
}

func newReader[T any](btx *bolt.Tx, bucket []byte) *reader[T] {
	return &reader[T]{bucket: bucket, c: btx.Bucket(bucket).Cursor()}
}

// get returns the record under id, nil when absent.
func (r *reader[T]) get(id uint64) (*T, error) {
	binary.BigEndian.PutUint64(r.k[:], id)
	k, data := r.c.Seek(r.k[:])
	if !bytes.Equal(k, r.k[:]) {
		return nil, nil
	}
	v := new(T)
	if err := decode(data, v); err != nil {
		return nil, fmt.Errorf("%s %d: %w", r.bucket, id, err)
	}
	return v, nil
}

// scanIDs returns the ids at the end of the keys starting with prefix in an index
// bucket, in key order, at most limit (<= 0: all).
func scanIDs(b *bolt.Bucket, prefix []byte, limit int) []uint64 {
	var ids []uint64
	c := b.Cursor()
	for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, idAfter(k))
		if limit > 0 && len(ids) >= limit {
			break
		}
	}
	return ids
}

// scanIDsLast returns the ids of the last limit keys starting with prefix, in key
// order: the latest entries of a time-ordered index.
func scanIDsLast(b *bolt.Bucket, prefix []byte, limit int) []uint64 {
	if limit <= 0 {
		return scanIDs(b, prefix, 0)
	}
	c := b.Cursor()
	// Seek to the first key after the prefix, then walk back.
	var k []byte
	if end := prefixEnd(prefix); end != nil {
		k, _ = c.Seek(end)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
	} else {
		k, _ = c.Last()
	}
	ids := make([]uint64, 0, limit)
	for ; hasPrefix(k, prefix) && len(ids) < limit; k, _ = c.Prev() {
		ids = append(ids, idAfter(k))
	}
	for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
		ids[i], ids[j] = ids[j], ids[i]
	}
	return ids
}

// prefixEnd returns the smallest key greater than every key starting with p, or nil
// when there is none (p is all 0xff).
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func notFound(entity string, id any) error {
	return crm.Errorf(crm.ENOTFOUND, "err."+entity+"_not_found", id)
}
