package storage

import (
	"errors"
	"sync"
	"testing"

	"crmbot/crm"

	bolt "go.etcd.io/bbolt"
)

// A caller that wrote nothing (crm.ErrNothingWritten) neither spoils the batch it
// shares nor makes its batch-mates run again; alone, it commits nothing.
func TestGroupCommitNothingWrittenSparesTheBatch(t *testing.T) {
	db := mustOpen(t)
	putParties(t, db)
	var mu sync.Mutex
	runs := map[string]int{}
	fn := func(name string, write bool) func(crm.Tx) error {
		return func(tx crm.Tx) error {
			mu.Lock()
			runs[name]++
			mu.Unlock()
			if !write {
				return crm.ErrNothingWritten
			}
			return tx.SetIdempotency(name, "done")
		}
	}
	c := db.commits
	calls := []*call{
		{fn: fn("a", true), wake: make(chan struct{}, 1)},
		{fn: fn("nothing", false), wake: make(chan struct{}, 1)},
		{fn: fn("b", true), wake: make(chan struct{}, 1)},
	}
	c.commit(calls)
	for _, cl := range calls {
		<-cl.wake
	}
	if !errors.Is(calls[1].err, crm.ErrNothingWritten) || calls[0].err != nil || calls[2].err != nil {
		t.Fatalf("errors: %v, %v, %v", calls[0].err, calls[1].err, calls[2].err)
	}
	for name, n := range runs {
		if n != 1 {
			t.Errorf("%s ran %d times, want once", name, n)
		}
	}
	view(t, db, func(tx crm.Tx) error {
		for _, k := range []string{"a", "b"} {
			if _, ok, _ := tx.Idempotency(k); !ok {
				t.Errorf("%s's write was lost", k)
			}
		}
		return nil
	})
	// Alone, it commits nothing: the file's transaction id does not move.
	txid := func() int {
		var id int
		_ = db.bolt.View(func(btx *bolt.Tx) error { id = btx.ID(); return nil })
		return id
	}
	was := txid()
	if err := db.Update(t.Context(), fn("alone", false)); !errors.Is(err, crm.ErrNothingWritten) {
		t.Fatalf("alone: %v", err)
	}
	if now := txid(); now != was {
		t.Errorf("an empty unit committed: transaction %d → %d", was, now)
	}
}
