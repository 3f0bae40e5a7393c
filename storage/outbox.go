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

func (t *tx) outboxBuckets() (rec, pend, created *bolt.Bucket, err error) {
	if !t.btx.Writable() {
		return t.btx.Bucket(bucketOutbox), t.btx.Bucket(idxOutboxPending), t.btx.Bucket(idxOutboxCreated), nil
	}
	// Created on first use, so databases made before the outbox existed need no
	// migration step.
	for _, p := range []struct {
		name []byte
		b    **bolt.Bucket
	}{{bucketOutbox, &rec}, {idxOutboxPending, &pend}, {idxOutboxCreated, &created}} {
		if *p.b, err = t.btx.CreateBucketIfNotExists(p.name); err != nil {
			return nil, nil, nil, fmt.Errorf("outbox bucket: %w", err)
		}
	}
	return rec, pend, created, nil
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
	rec, pend, created, err := t.outboxBuckets()
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
	if err := t.putOutbox(rec, pend, nil, m); err != nil {
		return false, err
	}
	return true, created.Put(createdKey(m), empty)
}

func (t *tx) putOutbox(rec, pend *bolt.Bucket, old, m *crm.OutboxMessage) error {
	if old != nil && old.State == crm.OutboxPending {
		if err := pend.Delete(pendingKey(old)); err != nil {
			return err
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := rec.Put([]byte(m.Key), append([]byte{recordVersion}, data...)); err != nil {
		return err
	}
	if m.State == crm.OutboxPending {
		return pend.Put(pendingKey(m), empty)
	}
	return nil
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
	rec, pend, _, err := t.outboxBuckets()
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
	return t.putOutbox(rec, pend, old, m)
}

// PruneOutbox implements crm.Outbox.
func (t *tx) PruneOutbox(before time.Time) (int, error) {
	rec, _, created, err := t.outboxBuckets()
	if err != nil {
		return 0, err
	}
	end := u64(timeKey(before))
	var drop [][]byte
	c := created.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
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
