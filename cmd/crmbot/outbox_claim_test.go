package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// Two schedulers on one PostgreSQL database (two leaders by mistake) delivering the
// same outbox at the same time send every message exactly once: the claim leases each
// batch to one of them.
func TestTwoSchedulersDeliverEachMessageOnce(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	const n = 300
	rec := &countingNotifier{}
	var scheds []*scheduler.Scheduler
	for range 2 {
		db, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		svc := crm.NewService(db, clock, crm.Config{})
		eng := bot.New(svc, bot.Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		s := scheduler.New(eng, scheduler.Config{})
		s.AddNotifier("telegram", rec)
		scheds = append(scheds, s)
		if len(scheds) > 1 {
			continue
		}
		err = db.Update(ctx, func(tx crm.Tx) error {
			for i := range n {
				p, _ := json.Marshal(bot.Reply{Text: fmt.Sprintf("m%03d", i)})
				m := &crm.OutboxMessage{Key: fmt.Sprintf("nudge:%d:1", i), Target: crm.Identity(fmt.Sprintf("telegram:%d", i%17)),
					Payload: p, Created: now, NotBefore: now.Add(-time.Duration(i) * time.Millisecond)}
				if _, err := tx.Enqueue(m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The first scheduler claims and starts sending; while its first message is in
	// flight, the second delivers everything it can.
	entered, gate := make(chan struct{}), make(chan struct{})
	scheds[0].AddNotifier("telegram", &gated{rec: rec, entered: entered, gate: gate})
	sent := make([]int, len(scheds))
	deliverAll := func(i int) {
		for {
			k, err := scheds[i].Deliver(ctx, "telegram")
			if err != nil {
				t.Error(err)
				return
			}
			if k == 0 {
				return
			}
			sent[i] += k
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); deliverAll(0) }()
	<-entered
	deliverAll(1)
	close(gate)
	wg.Wait()
	seen := map[string]int{}
	for _, text := range rec.sent {
		seen[text]++
	}
	for i := range n {
		if c := seen[fmt.Sprintf("m%03d", i)]; c != 1 {
			t.Errorf("m%03d sent %d times", i, c)
		}
	}
	if len(rec.sent) != n || sent[0]+sent[1] != n {
		t.Errorf("%d sent (%v by scheduler), want %d", len(rec.sent), sent, n)
	}
	t.Logf("sent by each scheduler: %v", sent)
}

// gated is a Notifier whose first call announces itself on entered and waits for
// gate: a message in flight for as long as the test needs.
type gated struct {
	rec     *countingNotifier
	once    sync.Once
	entered chan struct{}
	gate    chan struct{}
}

func (g *gated) Notify(ctx context.Context, to crm.Identity, r bot.Reply) error {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		<-g.gate
	}
	return g.rec.Notify(ctx, to, r)
}

// countingNotifier records the text of every message it is asked to send.
type countingNotifier struct {
	mu   sync.Mutex
	sent []string
}

func (c *countingNotifier) Notify(_ context.Context, _ crm.Identity, r bot.Reply) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, r.Text)
	return nil
}

// A scheduler that stops mid-batch (shutdown, the lead lost) gives back what it
// claimed and did not send: another sends it at once, not after the lease.
func TestStoppedSchedulerReleasesItsClaims(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var scheds []*scheduler.Scheduler
	for i := range 2 {
		db, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		eng := bot.New(crm.NewService(db, clock, crm.Config{}), bot.Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		scheds = append(scheds, scheduler.New(eng, scheduler.Config{}))
		if i > 0 {
			continue
		}
		err = db.Update(ctx, func(tx crm.Tx) error {
			for i := range 5 {
				p, _ := json.Marshal(bot.Reply{Text: fmt.Sprintf("m%d", i)})
				if _, err := tx.Enqueue(&crm.OutboxMessage{Key: fmt.Sprintf("nudge:%d:1", i), Target: crm.Identity(fmt.Sprintf("telegram:%d", i)),
					Payload: p, Created: now, NotBefore: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	stuck := stuckNotifier{entered: make(chan struct{}, 1)}
	rec := &countingNotifier{}
	scheds[0].AddNotifier("telegram", stuck)
	scheds[1].AddNotifier("telegram", rec)
	dctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); scheds[0].Deliver(dctx, "telegram") }()
	<-stuck.entered
	stop()
	<-done
	if n, err := scheds[1].Deliver(ctx, "telegram"); err != nil || n != 5 || len(rec.sent) != 5 {
		t.Fatalf("after the first scheduler stopped, the second sends %d (%v), want 5", n, err)
	}
}
