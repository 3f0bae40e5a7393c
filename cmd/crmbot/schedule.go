package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"crmbot/bot/scheduler"
)

// runScheduler scans on the cron schedule spec ("@every 1m") and keeps every
// platform's sender delivering until ctx ends. It scans once at start, so whatever
// fell due while the process was down goes out now (once).
//
// cron only wakes the scanner: it keeps nothing across restarts and may skip a tick in
// the hour a DST change removes, which is why the scheduler reads what is due from
// the database. A spec that does not parse is returned before anything starts.
func runScheduler(ctx context.Context, sched *scheduler.Scheduler, spec string, log *slog.Logger) error {
	c := cron.New(cron.WithLocation(time.UTC), cron.WithChain(cron.Recover(cronLogger{log}), cron.SkipIfStillRunning(cronLogger{log})))
	scan := func() {
		if _, err := sched.Scan(ctx); err != nil && ctx.Err() == nil {
			log.Error("scan", "err", err)
		}
	}
	if _, err := c.AddFunc(spec, scan); err != nil {
		return fmt.Errorf("schedule %q: %w", spec, err)
	}
	scan()
	c.Start()
	defer func() { <-c.Stop().Done() }()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); sched.Send(ctx) }()
	<-ctx.Done()
	wg.Wait()
	return nil
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
