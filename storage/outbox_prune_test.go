package storage

import (
	"fmt"
	"testing"
	"time"

	"crmbot/crm"
)

// PruneOutbox with a limit deletes a chunk per call, leaving pending messages alone,
// so a month-old backlog is pruned in short transactions.
func TestPruneOutboxLimit(t *testing.T) {
	db := mustOpen(t)
	base := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	update(t, db, func(tx crm.Tx) error {
		for i := 0; i < 5; i++ {
			if _, err := tx.Enqueue(&crm.OutboxMessage{Key: fmt.Sprintf("done:%d", i), Target: "telegram:1", Created: base, State: crm.OutboxFolded}); err != nil {
				return err
			}
		}
		_, err := tx.Enqueue(&crm.OutboxMessage{Key: "waiting", Target: "telegram:1", Created: base, NotBefore: base})
		return err
	})
	var got []int
	for i := 0; i < 4; i++ {
		update(t, db, func(tx crm.Tx) error {
			n, err := tx.PruneOutbox(base.Add(time.Minute), 2)
			got = append(got, n)
			return err
		})
	}
	if fmt.Sprint(got) != "[2 2 1 0]" {
		t.Fatalf("pruned per call %v, want [2 2 1 0]", got)
	}
	view(t, db, func(tx crm.Tx) error {
		if _, err := tx.OutboxMessage("waiting"); err != nil {
			t.Errorf("a pending message was pruned: %v", err)
		}
		return nil
	})
	mustVerify(t, db)
}
