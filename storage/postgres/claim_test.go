package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// A claimed message is the claimant's until its lease ends or it is recorded: a
// second sender's claim passes over it; a message put back with a backoff is
// claimable again when due.
func TestClaimOutboxIsExclusive(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	err := a.Update(ctx, func(tx crm.Tx) error {
		for i := range 3 {
			m := &crm.OutboxMessage{Key: fmt.Sprintf("nudge:%d:1", i), Target: "telegram:7", Payload: []byte("{}"),
				Created: now, NotBefore: now.Add(time.Duration(i) * time.Second)}
			if _, err := tx.Enqueue(m); err != nil {
				return err
			}
		}
		// Another platform's message is not claimed with Telegram's.
		_, err := tx.Enqueue(&crm.OutboxMessage{Key: "slack:1", Target: "slack:T1/U1", Payload: []byte("{}"), Created: now, NotBefore: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	claim := func(db *postgres.DB, by string, at time.Time) []string {
		t.Helper()
		var keys []string
		err := db.Update(ctx, func(tx crm.Tx) error {
			keys = nil
			ms, err := tx.ClaimOutbox("telegram", at, by, at.Add(10*time.Minute), 100)
			for _, m := range ms {
				keys = append(keys, m.Key)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	at := now.Add(5 * time.Second)
	if got := fmt.Sprint(claim(a, "a", at)); got != "[nudge:0:1 nudge:1:1 nudge:2:1]" {
		t.Fatalf("a claims %s", got)
	}
	if got := claim(b, "b", at); len(got) != 0 {
		t.Fatalf("b claims what a holds: %v", got)
	}
	// a sends nudge:0 and puts nudge:1 back for a retry in a minute.
	err = a.Update(ctx, func(tx crm.Tx) error {
		m, err := tx.OutboxMessage("nudge:0:1")
		if err != nil {
			return err
		}
		m.State, m.SentAt = crm.OutboxSent, at
		if err := tx.UpdateOutbox(m); err != nil {
			return err
		}
		m, err = tx.OutboxMessage("nudge:1:1")
		if err != nil {
			return err
		}
		m.Attempts, m.NotBefore = 1, at.Add(time.Minute)
		return tx.UpdateOutbox(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := claim(b, "b", at.Add(2*time.Minute)); fmt.Sprint(got) != "[nudge:1:1]" {
		t.Fatalf("b after a's backoff: %v, want the message put back", got)
	}
	// a died holding nudge:2: once its lease is over, b sends it.
	if got := claim(b, "b", at.Add(11*time.Minute)); fmt.Sprint(got) != "[nudge:2:1]" {
		t.Fatalf("b after a's lease: %v, want nudge:2:1", got)
	}
}
