package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// An update delivered to two replicas (a platform's retry through another node of
// the load balancer) is handed to one of them while its claim lasts; the other takes
// it over only once the claim has passed (its replica died), and a replica restarted
// under its own name takes its own entries back at once.
func TestInboxOneReplicaPerEntry(t *testing.T) {
	if storagetest.PostgresURL(t) == "" {
		t.Skip("PostgreSQL tests skipped: set CRMBOT_TEST_POSTGRES or run .ci/run")
	}
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	open := func(replica string) *postgres.Inbox {
		db, err := postgres.OpenWith(ctx, u, postgres.Options{Now: clock, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db.Inbox(postgres.InboxOptions{Replica: replica, Lease: time.Minute})
	}
	a, b := open("a"), open("b")
	item := []crm.InboxItem{{ID: "77", Body: []byte(`{"update_id":77}`)}}
	got, err := a.Accept(ctx, "telegram", item, "")
	if err != nil || len(got) != 1 {
		t.Fatalf("a accepts: %v %v", got, err)
	}
	if got, err := b.Accept(ctx, "telegram", item, ""); err != nil || len(got) != 0 {
		t.Fatalf("b given the retry while a handles it: %v %v; want nothing", got, err)
	}
	if got, err := b.Pending(ctx, "telegram"); err != nil || len(got) != 0 {
		t.Fatalf("b starting while a handles it: pending %v %v; want nothing", got, err)
	}
	// a restarts under its own name: its entry is its own again at once.
	a2 := open("a")
	if got, err := a2.Pending(ctx, "telegram"); err != nil || len(got) != 1 {
		t.Fatalf("a after its restart: pending %v %v; want its entry", got, err)
	}
	// a dies for good: once the claim has passed, b's retry takes the entry over.
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	got, err = b.Accept(ctx, "telegram", item, "")
	if err != nil || len(got) != 1 {
		t.Fatalf("b after a's claim passed: %v %v; want the entry", got, err)
	}
	if err := b.Done(ctx, got[0].Seq); err != nil {
		t.Fatal(err)
	}
	if got, err := a2.Accept(ctx, "telegram", item, ""); err != nil || len(got) != 0 {
		t.Fatalf("a given it after b handled it: %v %v; want nothing", got, err)
	}
}
