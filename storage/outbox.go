package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// The outbox: one record per key, plus an index of the pending ones by platform and
// NotBefore, so a sender reads what is due for it without scanning what was sent.
var (
	bucketOutbox     = []byte("outbox")
	idxOutboxPending = []byte("idx_outbox_pending") // platform \0 not-before | key
	idxOutboxCreated = []byte("idx_outbox_created") // created | key (for pruning)
)

// outboxBuckets returns the outbox's buckets. Open creates them (databases from before
// the outbox get them there too), so they exist in every transaction.
func (t *tx) outboxBuckets() (rec, pend, created *bolt.Bucket, err error) {
	return t.btx.Bucket(bucketOutbox), t.btx.Bucket(idxOutboxPending), t.btx.Bucket(idxOutboxCreated), nil
}

// outboxEntries: the created index always, the pending index while pending. Put,
// Verify and Rebuild all derive them here.
func outboxEntries(m *crm.OutboxMessage) []entry {
	es := []entry{{idxOutboxCreated, createdKey(m), nil}}
	if m.State == crm.OutboxPending {
		es = append(es, entry{idxOutboxPending, pendingKey(m), nil})
	}
	return es
}

func pendingKey(m *crm.OutboxMessage) []byte {
	k := append([]byte(m.Target.Platform()), 0)
	k = append(k, u64(timeKey(m.NotBefore))...)
	return append(k, m.Key...)
}

func createdKey(m *crm.OutboxMessage) []byte {
	return append(u64(timeKey(m.Created)), m.Key...)
}

// Enqueue implements crm.Outbox.
func (t *tx) Enqueue(m *crm.OutboxMessage) (bool, error) {
	rec, _, _, err := t.outboxBuckets()
	if err != nil {
		return false, err
	}
	if m.Key == "" {
		return false, fmt.Errorf("outbox: empty key")
	}
	if rec.Get([]byte(m.Key)) != nil {
		return false, nil
	}
	if m.State == "" {
		m.State = crm.OutboxPending
	}
	return true, t.putOutbox(rec, nil, m)
}

func (t *tx) putOutbox(rec *bolt.Bucket, old, m *crm.OutboxMessage) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := rec.Put([]byte(m.Key), append([]byte{recordVersion}, data...)); err != nil {
		return err
	}
	var was []entry
	if old != nil {
		was = outboxEntries(old)
	}
	return t.reindex(was, outboxEntries(m))
}

func decodeOutbox(v []byte) (*crm.OutboxMessage, error) {
	if len(v) == 0 || v[0] != recordVersion {
		return nil, fmt.Errorf("outbox: unknown record version")
	}
	m := &crm.OutboxMessage{}
	return m, json.Unmarshal(v[1:], m)
}

// OutboxMessage implements crm.Outbox.
func (t *tx) OutboxMessage(key string) (*crm.OutboxMessage, error) {
	rec, _, _, err := t.outboxBuckets()
	if err != nil {
		return nil, err
	}
	var v []byte
	if rec != nil {
		v = rec.Get([]byte(key))
	}
	if v == nil {
		return nil, crm.Errorf(crm.ENOTFOUND, "err.outbox_not_found", key)
	}
	return decodeOutbox(v)
}

// PendingOutbox implements crm.Outbox.
func (t *tx) PendingOutbox(platform string, at time.Time, limit int) ([]*crm.OutboxMessage, error) {
	rec, pend, _, err := t.outboxBuckets()
	if err != nil || pend == nil {
		return nil, err
	}
	prefix := append([]byte(platform), 0)
	end := append(append([]byte{}, prefix...), u64(timeKey(at))...)
	var out []*crm.OutboxMessage
	c := pend.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if bytes.Compare(k[:len(end)], end) > 0 {
			break
		}
		m, err := decodeOutbox(rec.Get(k[len(end):]))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// UpdateOutbox implements crm.Outbox.
func (t *tx) UpdateOutbox(m *crm.OutboxMessage) error {
	rec, _, _, err := t.outboxBuckets()
	if err != nil {
		return err
	}
	v := rec.Get([]byte(m.Key))
	if v == nil {
		return crm.Errorf(crm.ENOTFOUND, "err.outbox_not_found", m.Key)
	}
	old, err := decodeOutbox(v)
	if err != nil {
		return err
	}
	return t.putOutbox(rec, old, m)
}

// PruneOutbox implements crm.Outbox.
func (t *tx) PruneOutbox(before time.Time, limit int) (int, error) {
	rec, _, created, err := t.outboxBuckets()
	if err != nil {
		return 0, err
	}
	end := u64(timeKey(before))
	var drop [][]byte
	c := created.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
		if limit > 0 && len(drop) >= limit {
			break
		}
		key := k[8:]
		if v := rec.Get(key); v != nil {
			m, err := decodeOutbox(v)
			if err != nil {
				return 0, err
			}
			if m.State == crm.OutboxPending {
				continue
			}
		}
		drop = append(drop, append([]byte{}, k...))
	}
	for _, k := range drop {
		if err := created.Delete(k); err != nil {
			return 0, err
		}
		if err := rec.Delete(k[8:]); err != nil {
			return 0, err
		}
	}
	return len(drop), nil
}
