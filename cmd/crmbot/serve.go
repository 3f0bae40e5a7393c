package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	slackad "crmbot/adapters/slack"
	"crmbot/adapters/telegram"
	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/metrics"
	"crmbot/storage"
)

// runServe starts every adapter whose configuration is present, the scheduler, and the
// HTTP server for webhooks and /healthz, until ctx ends (SIGINT/SIGTERM).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crmbot serve [--db FILE] — runs the adapters configured in the environment (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN…) and the scheduler.")
		fs.PrintDefaults()
	}
	var c config
	if err := c.parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := c.logger(stderr)
	db, svc, err := c.openBackend(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	backups, err := backupScheduleFromEnv()
	if err != nil {
		return err
	}
	mailer, err := smtpFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	eng := bot.New(svc, bot.Options{Logger: log, Admins: c.Admins, DigestIdleDays: c.Sched.IdleDays, Reports: reportOptions(db.File()), DefaultLang: c.Lang, EmailBySMTP: mailer != nil})
	sched := scheduler.New(eng, c.Sched)
	if mailer != nil {
		sched.AddNotifier(crm.EmailPlatform, mailer)
	}
	stuck, err := durationEnv("CRMBOT_OUTBOX_STUCK", 15*time.Minute)
	if err != nil {
		return err
	}
	grace, err := durationEnv("CRMBOT_SHUTDOWN_TIMEOUT", 10*time.Second)
	if err != nil {
		return err
	}
	// Every Telegram update and Slack event or command passes through this one
	// durable inbox; an accepted id is remembered this long against redelivery.
	retention, err := durationEnv("CRMBOT_INBOX_RETENTION", storage.DefaultInboxRetention)
	if err != nil {
		return err
	}
	inbox := db.Inbox(retention)
	metrics.Gauge("crmbot_inbox_pending", "Platform updates and events accepted and not yet handled.", func() float64 {
		n, _ := inbox.Len()
		return float64(n)
	})
	var probes []readiness
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", readyz(db, &probes, stuck, time.Now))
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}))
	registerGauges(db, time.Now)
	if err := mountAPI(mux, svc, eng, sched, log); err != nil {
		return err
	}

	// Listen first: a port in use must end serve before any goroutine uses the
	// database, which the deferred Close shuts under them otherwise.
	ln, err := net.Listen("tcp", c.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	defer ln.Close()
	// Without the admin socket (a path longer than a socket name may be, a
	// read-only directory) the bot still runs; only live backups are lost.
	var adm net.Listener
	if file := db.File(); file == nil {
		log.Info("no admin socket and no scheduled backups on PostgreSQL: back it up with its own tools (pg_dump)")
	} else if adm, err = listenAdmin(file); err != nil {
		log.Warn("no admin socket: crmbot backup cannot copy the running database", "err", err)
	} else {
		defer adm.Close() // removes the socket file when serve ends before serving it
	}

	// From here on, an error return must stop and wait for what has started.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	stop := func(err error) error {
		cancel()
		g.Wait()
		return err
	}
	var names []string
	elect := electorFor(db)
	var leaderOnly []func(context.Context) error // what runs on the leader alone, beside the scheduler
	if tc, ok := telegram.ConfigFromEnv(os.Getenv); ok {
		tc.Commands = eng.Commands()
		tc.Menus = eng.CommandMenus()
		tc.Logger = log.With("adapter", "telegram")
		tc.ShutdownTimeout = grace
		tg, err := telegram.New(tc, eng, eng, inbox)
		if err != nil {
			return fmt.Errorf("telegram: %w", err)
		}
		if tc.WebhookURL != "" {
			mux.Handle("POST "+telegram.WebhookPath, tg.WebhookHandler())
		}
		sched.AddNotifier("telegram", tg)
		if tc.WebhookURL == "" && db.File() == nil {
			// Telegram serves long polling to one consumer: with replicas on
			// PostgreSQL, only the leader polls, and a replica standing by is ready.
			leaderOnly = append(leaderOnly, tg.Run)
			probes = append(probes, readiness{"telegram", pollingProbe{tg, elect}})
			log.Info("telegram: long polling on PostgreSQL: only the scheduler leader polls; set TELEGRAM_WEBHOOK_URL to let every replica take updates")
		} else {
			probes = append(probes, readiness{"telegram", tg})
			g.Go(func() error { return tg.Run(ctx) })
		}
		names = append(names, "telegram")
	}
	if err := serveSlack(ctx, g, mux, eng, inbox, sched, log, grace, &names, &probes); err != nil {
		return stop(err)
	}
	if len(names) == 0 {
		return stop(errors.New("no adapter is configured: set TELEGRAM_BOT_TOKEN (Telegram) or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (Slack); see README.md. For the terminal, run crmbot chat"))
	}
	// Several replicas may share a PostgreSQL database: only the leader scans and
	// delivers. On a file this process always leads.
	g.Go(func() error {
		return whileLeader(ctx, elect, leaderEvery, time.After, log, func(ctx context.Context) error {
			g, ctx := errgroup.WithContext(ctx)
			g.Go(func() error { return runScheduler(ctx, sched, c.NudgeSchedule, log) })
			for _, run := range leaderOnly {
				g.Go(func() error { return run(ctx) })
			}
			return g.Wait()
		})
	})
	g.Go(func() error { maintain(ctx, db, inbox, log); return nil })
	if file := db.File(); file != nil {
		if adm != nil {
			g.Go(func() error { return serveAdmin(ctx, adm, file, log) })
		}
		g.Go(func() error { return backups.run(ctx, file, time.Now, time.After, log.Info) })
	}

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	onServing(ln.Addr().String())
	log.Info("crmbot serving", "version", version, "adapters", names, "http", ln.Addr().String(), "db", c.dbLabel())
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// onServing is called once serve listens, with the HTTP address: tests wait on it
// instead of polling.
var onServing = func(addr string) {}

// maintain prunes idempotency keys older than a week, hourly: platforms redeliver
// within hours (Telegram keeps updates 24 h; Slack retries within 2 h, a day with
// delayed events), so a week is ample. It also prunes the inbox's ids past its
// retention (Accept prunes a slice as it goes; this catches up after a quiet spell).
func maintain(ctx context.Context, db backend, inbox serveInbox, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := db.PruneIdempotency(ctx, time.Now().Add(-7*24*time.Hour)); err != nil {
			log.Error("prune idempotency keys", "err", err)
		} else if n > 0 {
			log.Debug("pruned idempotency keys", "count", n)
		}
		if n, err := inbox.Prune(ctx); err != nil && ctx.Err() == nil {
			log.Error("prune inbox ids", "err", err)
		} else if n > 0 {
			log.Debug("pruned inbox ids", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// healthz is liveness: the process answers. It deliberately checks nothing else, so
// a full disk makes the server unready (readyz), not restarted in a loop.
func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

// readiness is an adapter that can say whether it is connected.
type readiness struct {
	name string
	c    interface{ Connected() bool }
}

// probeWrite is readyz's write check; tests replace it to inject a full disk.
var probeWrite = func(ctx context.Context, db backend) error { return db.ProbeWrite(ctx) }

// readyz is readiness: the database accepts a write, every adapter is connected,
// and the outbox is not stuck (no pending message for a platform with a running
// adapter has been due for longer than stuck). It answers 503 with the first reason otherwise.
func readyz(db backend, probes *[]readiness, stuck time.Duration, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fail := func(format string, args ...any) {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, format+"\n", args...)
		}
		if err := probeWrite(r.Context(), db); err != nil {
			metrics.Error("db_write")
			fail("database does not accept writes: %v", err)
			return
		}
		for _, p := range *probes {
			if !p.c.Connected() {
				fail("%s is not connected", p.name)
				return
			}
		}
		h, err := db.OutboxHealth(r.Context())
		if err != nil {
			fail("outbox unreadable: %v", err)
			return
		}
		// Only a platform this process runs an adapter for can be stuck: messages for
		// another (Slack turned off, say) wait for it, and must not keep the
		// process unready while the adapters it runs deliver.
		for _, p := range *probes {
			if due, ok := h.OldestDueBy[p.name]; ok && now().Sub(due) > stuck {
				fail("outbox stuck: a %s message has been due since %s", p.name, due.UTC().Format(time.RFC3339))
				return
			}
		}
		io.WriteString(w, "ready\n")
	}
}

// registerGauges exposes the values read at each scrape.
func registerGauges(db backend, now func() time.Time) {
	metrics.Gauge("crmbot_database_bytes", "Size of the database (the file, or the PostgreSQL database).", func() float64 { return float64(db.Size()) })
	metrics.Gauge("crmbot_outbox_pending", "Outbox messages waiting to be sent.", func() float64 {
		h, _ := db.OutboxHealth(context.Background())
		return float64(h.Pending)
	})
	metrics.Gauge("crmbot_outbox_oldest_due_age_seconds", "How long the oldest due pending outbox message has waited (0 when none).", func() float64 {
		h, _ := db.OutboxHealth(context.Background())
		if h.OldestDue.IsZero() || h.OldestDue.After(now()) {
			return 0
		}
		return now().Sub(h.OldestDue).Seconds()
	})
}

// durationEnv reads a duration variable, def when unset.
func durationEnv(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q: want a duration like 10s", name, v)
	}
	return d, nil
}

// serveSlack starts the Slack adapter when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET
// (or SLACK_APP_TOKEN for Socket Mode) are set.
func serveSlack(ctx context.Context, g *errgroup.Group, mux *http.ServeMux, eng *bot.Engine, inbox bot.Inbox, sched *scheduler.Scheduler, log *slog.Logger, grace time.Duration, names *[]string, probes *[]readiness) error {
	sc, ok := slackad.ConfigFromEnv(os.Getenv)
	if !ok {
		return nil
	}
	sc.Logger = log.With("adapter", "slack")
	sc.ShutdownTimeout = grace
	sa, err := slackad.New(sc, eng, inbox)
	if err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	sa.Register(mux) // HTTP mode; nothing is mounted in Socket Mode
	sched.AddNotifier("slack", sa)
	*probes = append(*probes, readiness{"slack", sa})
	g.Go(func() error { return sa.Run(ctx) })
	*names = append(*names, "slack")
	return nil
}
