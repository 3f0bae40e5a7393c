package postgres_test

import (
	"context"
	"testing"

	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// Two replicas on one database: exactly one leads; when the leader's connection is
// killed the other takes over at its next Tick; Close hands leadership back at once.
func TestLeaderFailover(t *testing.T) {
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
	la, lb := a.Leader(postgres.SchedulerLock), b.Leader(postgres.SchedulerLock)
	t.Cleanup(func() { la.Close(); lb.Close() })
	tick := func(l *postgres.Leader) bool {
		t.Helper()
		ok, err := l.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !tick(la) || tick(lb) {
		t.Fatalf("first ticks: a %v, b %v; want a alone", la.Leading(), lb.Leading())
	}
	if !tick(la) || tick(lb) || !la.Leading() || lb.Leading() {
		t.Fatalf("second ticks: a %v, b %v; want a alone", la.Leading(), lb.Leading())
	}

	// Another schema's crmbot elects its own leader: the lock is per schema.
	other, err := postgres.Open(ctx, storagetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lo := other.Leader(postgres.SchedulerLock)
	defer lo.Close()
	if !tick(lo) {
		t.Fatal("a crmbot in another schema does not lead")
	}

	// The leader's session dies (the process killed, the network cut).
	pid := la.PID()
	if pid == 0 {
		t.Fatal("the leader has no session")
	}
	var done bool
	if err := b.Pool().QueryRow(ctx, "SELECT pg_terminate_backend($1, 5000)", int32(pid)).Scan(&done); err != nil || !done {
		t.Fatalf("terminate the leader's session: %v %v", done, err)
	}
	if !tick(lb) {
		t.Fatal("b does not take over when a's session is gone")
	}
	if ok, _ := la.Tick(ctx); ok || la.Leading() {
		t.Fatal("a still leads after losing its session")
	}
	if !tick(lb) {
		t.Fatal("b lost the lead")
	}

	// A leader that stops hands over at once.
	lb.Close()
	if lb.Leading() || !tick(la) {
		t.Fatalf("after b closes: a %v, b %v; want a", la.Leading(), lb.Leading())
	}
}
