package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// replica is one crmbot on the shared database, reduced to what the failover
// needs: its own pool, service, engine, scheduler and leader candidate.
type replica struct {
	db     *postgres.DB
	eng    *bot.Engine
	sched  *scheduler.Scheduler
	leader *postgres.Leader
}

// stuckNotifier never completes a send: the process dies with its messages in flight.
type stuckNotifier struct{ entered chan struct{} }

func (s stuckNotifier) Notify(ctx context.Context, _ crm.Identity, _ bot.Reply) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

// Three replicas on one PostgreSQL: the leader scans the morning's digests and dies
// while sending them; another replica takes the lead, scans again and delivers.
// Every digest is delivered exactly once across the cluster (counted at the fake);
// what the dead leader had claimed waits for its lease to end, then goes out once.
func TestLeaderDiesMidDigestRun(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	zagreb, err := time.LoadLocation("Europe/Zagreb")
	if err != nil {
		t.Fatal(err)
	}
	var nowNs atomic.Int64
	nowNs.Store(time.Date(2026, 11, 30, 8, 31, 0, 0, zagreb).UnixNano()) // a Monday
	clock := func() time.Time { return time.Unix(0, nowNs.Load()).In(zagreb) }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	delivered := &countingNotifier{}
	var rs []*replica
	for range 3 {
		db, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		svc := crm.NewService(db, clock, crm.Config{})
		eng := bot.New(svc, bot.Options{Clock: clock, Logger: log})
		r := &replica{db: db, eng: eng, sched: scheduler.New(eng, scheduler.Config{}), leader: db.Leader(postgres.SchedulerLock)}
		t.Cleanup(func() { r.leader.Close() })
		rs = append(rs, r)
	}
	// The team, through the first replica; the managers own interests.
	adm, err := rs[0].eng.Service().EnsureAdmin(ctx, "telegram:1", "Admin")
	if err != nil {
		t.Fatal(err)
	}
	tz := "Europe/Zagreb"
	if _, err := rs[0].eng.Service().UpdateUser(ctx, crm.Op{Actor: adm}, adm.ID, crm.UserPatch{TZ: &tz}); err != nil {
		t.Fatal(err)
	}
	say := func(r *replica, who crm.Identity, text string) {
		r.eng.Handle(ctx, bot.Request{Identity: who, Text: text})
	}
	say(rs[0], "telegram:1", "/team add Ana Horvat manager corporate Europe/Zagreb telegram:2")
	say(rs[1], "telegram:1", "/team add Iva Kovač manager corporate Europe/Zagreb telegram:3")
	say(rs[2], "telegram:1", "/team add Luka Babić manager corporate Europe/Zagreb telegram:4")
	for i, who := range []crm.Identity{"telegram:2", "telegram:3", "telegram:4"} {
		say(rs[i], who, "/new Marko Đurić, Acme d.o.o.")
	}

	stuck := stuckNotifier{entered: make(chan struct{}, 1)}
	rs[0].sched.AddNotifier("telegram", stuck)
	rs[1].sched.AddNotifier("telegram", delivered)
	rs[2].sched.AddNotifier("telegram", delivered)

	tickAll := func() (leaders []int) {
		t.Helper()
		for i, r := range rs {
			if r.db == nil {
				continue
			}
			ok, err := r.leader.Tick(ctx)
			if err != nil {
				t.Fatalf("replica %d: %v", i, err)
			}
			if ok {
				leaders = append(leaders, i)
			}
		}
		return leaders
	}
	if l := tickAll(); len(l) != 1 || l[0] != 0 {
		t.Fatalf("leaders %v, want [0]", l)
	}
	// The leader scans and starts sending; it dies with the batch in flight.
	st, err := rs[0].sched.Scan(ctx)
	if err != nil || st.Digests != 3 {
		t.Fatalf("the leader's scan: %+v %v, want 3 digests", st, err)
	}
	dctx, kill := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); rs[0].sched.Deliver(dctx, "telegram") }()
	<-stuck.entered
	var done bool
	if err := rs[1].db.Pool().QueryRow(ctx, "SELECT pg_terminate_backend($1, 5000)", int32(rs[0].leader.PID())).Scan(&done); err != nil || !done {
		t.Fatalf("kill the leader's session: %v %v", done, err)
	}
	// Dead outright: its pool goes before its sends return, so nothing it does
	// after (giving its claims back) reaches the database.
	rs[0].db.Close()
	kill()
	wg.Wait()
	rs[0].leader.Close()
	rs[0].db = nil

	if l := tickAll(); len(l) != 1 || l[0] != 1 {
		t.Fatalf("leaders after the kill %v, want [1]", l)
	}
	// The new leader scans again at once: nothing is decided twice; the batch the
	// dead leader claimed is its own until the lease ends.
	st, err = rs[1].sched.Scan(ctx)
	if err != nil || st.Digests != 0 {
		t.Fatalf("the new leader's scan: %+v %v, want no digest decided again", st, err)
	}
	if n, err := rs[1].sched.Deliver(ctx, "telegram"); err != nil || n != 0 {
		t.Fatalf("the new leader sends %d of the dead leader's claimed batch before its lease ends (%v)", n, err)
	}
	nowNs.Add(int64(11 * time.Minute))
	for range 3 {
		if l := tickAll(); len(l) != 1 || l[0] != 1 {
			t.Fatalf("leaders %v, want [1]", l)
		}
		if _, err := rs[1].sched.Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := rs[1].sched.Deliver(ctx, "telegram"); err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	for _, text := range delivered.sent {
		first, _, _ := strings.Cut(text, "\n")
		counts[first]++
	}
	for _, name := range []string{"Ana", "Iva", "Luka"} {
		n := 0
		for first, c := range counts {
			if strings.Contains(first, "Good morning, "+name) {
				n += c
			}
		}
		if n != 1 {
			t.Errorf("%s's digest delivered %d times; sent: %q", name, n, delivered.sent)
		}
	}
}
