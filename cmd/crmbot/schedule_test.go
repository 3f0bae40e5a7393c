package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

func schedulerFor(t *testing.T, now *time.Time) (*crm.Service, *bot.Engine, *scheduler.Scheduler) {
	t.Helper()
	db := storagetest.Open(t)
	clock := func() time.Time { return *now }
	svc := crm.NewService(db, clock, crm.Config{})
	if _, err := svc.EnsureAdmin(context.Background(), "console:ana", "Ana"); err != nil {
		t.Fatal(err)
	}
	eng := bot.New(svc, bot.Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return svc, eng, scheduler.New(eng, scheduler.Config{})
}

// The cron wiring scans once at start, so what fell due while the process was down
// goes out at once, and its senders deliver it.
func TestRunSchedulerScansAtStartAndDelivers(t *testing.T) {
	now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC) // a Wednesday, in working hours
	_, eng, sched := schedulerFor(t, &now)
	if r := eng.Handle(context.Background(), bot.Request{Identity: "console:ana", Text: "/new Marko Đurić, Acme d.o.o., next thu 10:30 call"}); len(r) == 0 || r[0].Error {
		t.Fatalf("/new: %+v", r)
	}
	now = now.Add(24 * time.Hour) // the process was down across the follow-up's time
	// A safety net against a hang, not a timing assertion: the test fails below when
	// nothing was delivered.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var got []string
	sched.AddNotifier("console", bot.NotifierFunc(func(_ context.Context, to crm.Identity, r bot.Reply) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, string(to)+" "+r.Text)
		cancel()
		return nil
	}))
	if err := runScheduler(ctx, sched, "@every 1h", slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || !strings.HasPrefix(got[0], "console:ana ") || !strings.Contains(got[0], "Acme d.o.o.") {
		t.Fatalf("nothing delivered to console:ana at start: %q", got)
	}
}

// A cron spec that does not parse stops the scheduler before it scans anything.
func TestRunSchedulerRejectsBadSpec(t *testing.T) {
	now := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
	svc, _, sched := schedulerFor(t, &now)
	err := runScheduler(context.Background(), sched, "every minute", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), `schedule "every minute"`) {
		t.Fatalf("bad spec: %v", err)
	}
	_, _, marks, err := svc.Decided(context.Background(), func(map[uint64]*crm.User) []string { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !marks.Alive.IsZero() {
		t.Fatalf("scanned (heartbeat at %v) before the spec was checked", marks.Alive)
	}
}
