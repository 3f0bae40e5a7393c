package main

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// stepper is whileLeader's clock in tests: each wait announces itself on waiting and
// lasts until the test sends on the channel it got.
type stepper struct{ waiting chan chan time.Time }

func newStepper() stepper { return stepper{waiting: make(chan chan time.Time)} }

func (s stepper) after(time.Duration) <-chan time.Time {
	c := make(chan time.Time)
	s.waiting <- c
	return c
}

// Two replicas on one PostgreSQL database: only the leader runs the scheduler; when
// the leader's session dies, the other starts it at its next tick and the old leader
// stops its own at its next.
func TestSchedulerRunsOnTheLeaderOnly(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
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
	events := make(chan string, 16)
	scheduler := func(name string) func(context.Context) error {
		return func(ctx context.Context) error {
			events <- name + " start"
			<-ctx.Done()
			events <- name + " stop"
			return nil
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sa, sb := newStepper(), newStepper()
	ended := make(chan error, 2)
	go func() { ended <- whileLeader(ctx, la, leaderEvery, sa.after, log, scheduler("a")) }()
	ca := <-sa.waiting
	if ev := <-events; ev != "a start" {
		t.Fatalf("first replica: %q, want a start", ev)
	}
	go func() { ended <- whileLeader(ctx, lb, leaderEvery, sb.after, log, scheduler("b")) }()
	cb := <-sb.waiting
	cb <- time.Time{}
	cb = <-sb.waiting
	if !la.Leading() || lb.Leading() {
		t.Fatalf("a leads %v, b leads %v; want a alone", la.Leading(), lb.Leading())
	}

	var killed bool
	if err := b.Pool().QueryRow(ctx, "SELECT pg_terminate_backend($1, 5000)", int32(la.PID())).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the leader's session: %v %v", killed, err)
	}
	cb <- time.Time{}
	if ev := <-events; ev != "b start" {
		t.Fatalf("after the leader's session died: %q, want b start", ev)
	}
	cb = <-sb.waiting
	ca <- time.Time{}
	if ev := <-events; ev != "a stop" {
		t.Fatalf("the old leader's next tick: %q, want a stop", ev)
	}
	ca = <-sa.waiting

	cancel()
	for range 2 {
		if err := <-ended; err != nil {
			t.Fatal(err)
		}
	}
	close(events)
	var rest []string
	for ev := range events {
		rest = append(rest, ev)
	}
	sort.Strings(rest)
	if strings.Join(rest, ",") != "b stop" {
		t.Fatalf("events after shutdown: %v, want [b stop]", rest)
	}
	_, _ = ca, cb
}
