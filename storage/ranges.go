package storage

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// DueBetween returns open interests whose next action is due in [from, to), earliest
// first: the scheduler's scan reads only what fell due since its last run.
func (t *tx) DueBetween(from, to time.Time, limit int) ([]*crm.Interest, error) {
	var start []byte
	if !from.IsZero() {
		start = u64(timeKey(from))
	}
	c := t.btx.Bucket(idxInterestDue).Cursor()
	k, v := c.Seek(start)
	return dueUntil(c, k, v, u64(timeKey(to)), limit)
}

// dueUntil decodes the interests of the due index from the cursor's position (k, v)
// up to the due time end, at most limit (<= 0: all). DueBetween and DueAfter share it.
func dueUntil(c *bolt.Cursor, k, v, end []byte, limit int) ([]*crm.Interest, error) {
	var out []*crm.Interest
	for ; k != nil && bytes.Compare(k[:8], end) < 0; k, v = c.Next() {
		if limit > 0 && len(out) >= limit {
			break
		}
		if len(v) < 8 {
			return nil, fmt.Errorf("%s: short value under %x", idxInterestDue, k)
		}
		i := new(crm.Interest)
		if err := decode(v[8:], i); err != nil {
			return nil, fmt.Errorf("%s %x: %w", idxInterestDue, k, err)
		}
		out = append(out, i)
	}
	return out, nil
}

// AuditSince calls fn for every audit entry at or after t, oldest first. Audit ids grow
// with time, so a binary search over ids finds the first one in log(n) reads, and the
// cost is in proportion to the entries returned.
func (t *tx) AuditSince(since time.Time, fn func(*crm.AuditEntry) error) error {
	b := t.btx.Bucket(bucketAudit)
	n := b.Sequence()
	var err error
	first := sort.Search(int(n), func(i int) bool {
		if err != nil {
			return true
		}
		e, lerr := load[crm.AuditEntry](t.btx, bucketAudit, uint64(i+1))
		if lerr != nil {
			err = lerr
			return true
		}
		return e != nil && !e.At.Before(since)
	})
	if err != nil {
		return err
	}
	c := b.Cursor()
	for k, v := c.Seek(u64(uint64(first + 1))); k != nil; k, v = c.Next() {
		e := new(crm.AuditEntry)
		if err := decode(v, e); err != nil {
			return fmt.Errorf("audit %x: %w", k, err)
		}
		if e.At.Before(since) {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// DueAfter returns open interests whose (due time, id) comes after pos and whose next
// action is due before to, in that order. The scheduler walks the due index a chunk
// at a time with it, resuming after the last interest it saw, so no transaction reads
// more than a chunk however large the backlog.
func (t *tx) DueAfter(pos crm.DuePos, to time.Time, limit int) ([]*crm.Interest, error) {
	var start []byte
	if !pos.IsZero() {
		start = key(u64(timeKey(pos.Due)), u64(pos.ID))
	}
	c := t.btx.Bucket(idxInterestDue).Cursor()
	k, v := c.Seek(start)
	if start != nil && bytes.Equal(k, start) {
		k, v = c.Next()
	}
	return dueUntil(c, k, v, u64(timeKey(to)), limit)
}
