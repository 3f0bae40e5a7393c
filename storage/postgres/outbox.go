package postgres

import (
	"fmt"
	"sort"
	"time"

	"crmbot/crm"
)

// Enqueue implements crm.Outbox: the key's primary key makes a second decision of the
// same push a no-op, whichever transaction comes second.
func (t *tx) Enqueue(m *crm.OutboxMessage) (bool, error) {
	if m.Key == "" {
		return false, fmt.Errorf("outbox: empty key")
	}
	state := m.State
	if state == "" {
		state = crm.OutboxPending
	}
	saved := m.State
	m.State = state
	row, err := outboxRow(m)
	if err != nil {
		m.State = saved
		return false, err
	}
	tag, err := t.q.Exec(t.ctx, `INSERT INTO outbox (key, platform, state, not_before, created, data)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING`, row...)
	if err != nil || tag.RowsAffected() == 0 {
		m.State = saved
		return false, err
	}
	return true, nil
}

// OutboxMessage implements crm.Outbox.
func (t *tx) OutboxMessage(key string) (*crm.OutboxMessage, error) {
	return getOne[crm.OutboxMessage](t, notFound("outbox", key), `SELECT data FROM outbox WHERE key = $1`, key)
}

// PendingOutbox implements crm.Outbox.
func (t *tx) PendingOutbox(platform string, at time.Time, limit int) ([]*crm.OutboxMessage, error) {
	return list[crm.OutboxMessage](t, `SELECT data FROM outbox WHERE state = 'pending' AND platform = $1 AND not_before <= $2
		ORDER BY not_before, key LIMIT $3`, platform, tk(at), limitArg(limit))
}

// ClaimOutbox implements crm.Outbox: the due, unleased rows are locked with FOR
// UPDATE SKIP LOCKED, so a concurrent claim passes over them instead of waiting, and
// leased in the same statement. A claim that raced past the lock on an older
// snapshot fails to serialize and runs again (Update), then sees the lease.
func (t *tx) ClaimOutbox(platform string, at time.Time, by string, until time.Time, limit int) ([]*crm.OutboxMessage, error) {
	out, err := list[crm.OutboxMessage](t, `UPDATE outbox SET claimed_by = $4, claimed_until = $5 WHERE key IN (
		SELECT key FROM outbox WHERE state = 'pending' AND platform = $1 AND not_before <= $2
			AND (claimed_until IS NULL OR claimed_until <= $2)
		ORDER BY not_before, key LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING data`, platform, tk(at), limitArg(limit), by, tk(until))
	if err != nil {
		return nil, err
	}
	// RETURNING keeps no order: the senders expect PendingOutbox's.
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NotBefore.Equal(out[j].NotBefore) {
			return out[i].NotBefore.Before(out[j].NotBefore)
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// UpdateOutbox implements crm.Outbox. It ends the message's lease: recorded (sent,
// failed, or put back with a backoff), it is no longer anybody's to send.
func (t *tx) UpdateOutbox(m *crm.OutboxMessage) error {
	row, err := outboxRow(m)
	if err != nil {
		return err
	}
	tag, err := t.q.Exec(t.ctx, `UPDATE outbox SET platform = $2, state = $3, not_before = $4, created = $5, data = $6,
		claimed_by = NULL, claimed_until = NULL WHERE key = $1`,
		row...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return crm.Errorf(crm.ENOTFOUND, "err.outbox_not_found", m.Key)
	}
	return nil
}

// PruneOutbox implements crm.Outbox: the oldest messages no longer pending first.
func (t *tx) PruneOutbox(before time.Time, limit int) (int, error) {
	tag, err := t.q.Exec(t.ctx, `DELETE FROM outbox WHERE key IN (SELECT key FROM outbox
		WHERE created < $1 AND state <> 'pending' ORDER BY created, key LIMIT $2)`, tk(before), limitArg(limit))
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
