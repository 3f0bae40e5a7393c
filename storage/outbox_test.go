package storage

import (
	"testing"
	"time"

	"crmbot/crm"
)

// The outbox: a key is decided once; pending messages are listed per platform in
// NotBefore order up to a time; updates move them out of the pending index; pruning
// keeps what is still pending.
func TestOutbox(t *testing.T) {
	db := mustOpen(t)
	base := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	msg := func(key string, to crm.Identity, nb time.Duration) *crm.OutboxMessage {
		return &crm.OutboxMessage{Key: key, Target: to, Payload: []byte(`{}`), Created: base, NotBefore: base.Add(nb)}
	}
	update(t, db, func(tx crm.Tx) error {
		for _, m := range []*crm.OutboxMessage{msg("b", "telegram:1", time.Hour), msg("a", "telegram:2", 0), msg("s", "slack:T/U", 0)} {
			if ok, err := tx.Enqueue(m); err != nil || !ok {
				t.Fatalf("enqueue %s: %v %v", m.Key, ok, err)
			}
		}
		if ok, _ := tx.Enqueue(msg("a", "telegram:2", 0)); ok {
			t.Fatal("a key was enqueued twice")
		}
		return nil
	})
	pending := func(platform string, at time.Time) (keys []string) {
		db.View(t.Context(), func(tx crm.Tx) error {
			ms, err := tx.PendingOutbox(platform, at, 0)
			for _, m := range ms {
				keys = append(keys, m.Key)
			}
			return err
		})
		return keys
	}
	if got := pending("telegram", base); len(got) != 1 || got[0] != "a" {
		t.Fatalf("pending now: %v", got)
	}
	if got := pending("telegram", base.Add(2*time.Hour)); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("pending later: %v", got)
	}
	update(t, db, func(tx crm.Tx) error {
		m, err := tx.OutboxMessage("a")
		if err != nil {
			return err
		}
		m.State = crm.OutboxSent
		return tx.UpdateOutbox(m)
	})
	if got := pending("telegram", base.Add(2*time.Hour)); len(got) != 1 || got[0] != "b" {
		t.Fatalf("a sent message is still pending: %v", got)
	}
	update(t, db, func(tx crm.Tx) error {
		n, err := tx.PruneOutbox(base.Add(time.Minute), 0)
		if n != 1 {
			t.Errorf("pruned %d, want only the sent one", n)
		}
		if _, err := tx.OutboxMessage("a"); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("pruned message still there: %v", err)
		}
		return err
	})
	mustVerify(t, db)
}
