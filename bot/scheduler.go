package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"crmbot/crm"
	"crmbot/metrics"
)

// SchedulerConfig tunes the scheduler; zero fields take the defaults.
type SchedulerConfig struct {
	// Grace is how late a missed digest may still be sent (once); older ones are
	// recorded as skipped. Default 2h.
	Grace time.Duration
	// EscalateAfter is how many working days a follow-up may be overdue before the
	// head is told. Default 2.
	EscalateAfter int
	// IdleDays: the digest lists open interests nobody touched for this long. Default 14.
	IdleDays int
	// HeadChannel is where the head's digest and escalations go ("telegram:-100…",
	// "slack:T…/C…") unless set in chat with /channel. Empty: to heads privately.
	HeadChannel crm.Identity
	// HeadDigestAt ("08:30") and HeadTZ are the time of the head's digest.
	HeadDigestAt string
	HeadTZ       string
	// HeadDigestChart adds the pipeline chart (a PNG) to the department's digest.
	HeadDigestChart bool
	// PerPerson is how many nudges and escalations one person gets on their own per
	// scan; the rest are folded into one summary. Default 5.
	PerPerson int
	// MaxAttempts bounds retries of one message before it is given up. Default 10.
	MaxAttempts int
	// Workers is how many messages a platform sends at once (each to a different
	// chat, so per-chat order holds). Default 16.
	Workers int
}

func (c *SchedulerConfig) defaults() {
	if c.Grace == 0 {
		c.Grace = 2 * time.Hour
	}
	if c.EscalateAfter == 0 {
		c.EscalateAfter = 2
	}
	if c.IdleDays == 0 {
		c.IdleDays = 14
	}
	if c.HeadDigestAt == "" {
		c.HeadDigestAt = "08:30"
	}
	if c.PerPerson == 0 {
		c.PerPerson = 5
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 10
	}
	if c.Workers == 0 {
		c.Workers = 16
	}
}

// Scheduler decides what to push — follow-up nudges, digests, escalations — and
// delivers it. Decisions are read from the database (due times, the outbox's keys),
// never from the memory of a timer, and are written to the outbox in the transaction
// that makes them; so overlapping scans, restarts and missed ticks neither lose nor
// repeat a message.
type Scheduler struct {
	e         *Engine
	cfg       SchedulerConfig
	log       *slog.Logger
	mu        sync.Mutex
	notifiers map[string]Notifier
	order     []string // platforms in order of preference for reaching a person
	wake      chan struct{}
	sleep     func(context.Context, time.Duration) // waits between delivery passes
}

// NewScheduler returns a scheduler for the engine's service.
func NewScheduler(e *Engine, cfg SchedulerConfig) *Scheduler {
	cfg.defaults()
	return &Scheduler{e: e, cfg: cfg, log: e.log, notifiers: map[string]Notifier{}, wake: make(chan struct{}, 1), sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// AddNotifier registers the sender for a platform ("telegram", "slack", "console").
// People are reached on the first registered platform they have an identity on.
func (s *Scheduler) AddNotifier(platform string, n Notifier) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.notifiers[platform]; !ok {
		s.order = append(s.order, platform)
	}
	s.notifiers[platform] = n
}

// target picks where to reach u: the first reachable identity on a platform with a
// notifier.
func (s *Scheduler) target(u *crm.User) (crm.Identity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.order {
		for _, id := range u.Identities {
			if id.Platform() == p && u.Reachable(id) {
				return id, true
			}
		}
	}
	return "", false
}

// ScanStats says what one scan decided.
type ScanStats struct {
	Nudges, Escalations, Digests, Skipped int
	// Folded counts nudges counted into a summary instead of sent on their own;
	// Summaries the summaries decided.
	Folded, Summaries int
	// SkippedBy counts skipped digests by reason ("late", "offline", "day_off",
	// "no_open").
	SkippedBy map[string]int
}

func (st *ScanStats) add(o ScanStats) {
	st.Nudges += o.Nudges
	st.Escalations += o.Escalations
	st.Digests += o.Digests
	st.Skipped += o.Skipped
	st.Folded += o.Folded
	st.Summaries += o.Summaries
	for k, v := range o.SkippedBy {
		if st.SkippedBy == nil {
			st.SkippedBy = map[string]int{}
		}
		st.SkippedBy[k] += v
	}
}

const (
	nsScheduler = "scheduler"
	// nudgeLookback re-reads due times this far behind the last scan, so a next action
	// set a moment into the past is still seen; the outbox keys dedupe the overlap.
	nudgeLookback = time.Hour
	// escalationEvery is how often overdue follow-ups are checked for escalation.
	escalationEvery = 15 * time.Minute
)

func getMark(tx crm.Tx, name string) (time.Time, error) {
	b, err := tx.Blob(nsScheduler, name)
	if err != nil || b == nil {
		return time.Time{}, err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return time.Time{}, nil
	}
	return time.Unix(0, n).UTC(), nil
}

func setMark(tx crm.Tx, name string, t time.Time) error {
	return tx.PutBlob(nsScheduler, name, []byte(strconv.FormatInt(t.UnixNano(), 10)))
}

// conv returns a rendering context for u (their language and time zone).
func (s *Scheduler) conv(ctx context.Context, u *crm.User) *conv {
	return &conv{ctx: ctx, e: s.e, u: u, lang: s.e.userLang(u)}
}

func (s *Scheduler) enqueue(tx crm.Tx, key string, to crm.Identity, r Reply, now, notBefore time.Time, state crm.OutboxState) (bool, error) {
	payload, err := json.Marshal(r)
	if err != nil {
		return false, err
	}
	return tx.Enqueue(&crm.OutboxMessage{Key: key, Target: to, Payload: payload, Created: now, NotBefore: notBefore, State: state})
}

// headUser is whose language and time zone the department's messages use: the first
// head, else the first admin.
func (s *Scheduler) headUser(users map[uint64]*crm.User) *crm.User {
	var best *crm.User
	for _, u := range users {
		if u.Disabled || !u.IsLead() {
			continue
		}
		if best == nil || (u.Role == crm.RoleHead && best.Role != crm.RoleHead) || (u.Role == best.Role && u.ID < best.ID) {
			best = u
		}
	}
	if best == nil {
		best = &crm.User{Name: "head", TZ: s.cfg.HeadTZ}
	}
	if s.cfg.HeadTZ != "" {
		cp := *best
		cp.TZ = s.cfg.HeadTZ
		best = &cp
	}
	return best
}

// ---- delivery --------------------------------------------------------------------

// Poke wakes the senders: something was just enqueued.
func (s *Scheduler) Poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Deliver sends the messages pending for platform whose time has come, marking each
// sent only after the platform accepted it. It returns how many were sent.
//
// Messages to different chats go out concurrently (the adapter's limiter keeps the
// platform's rates); messages to one chat go in order. A crash between a platform's
// acceptance and the mark can re-send only the messages in flight — at most one per
// worker — and never loses one.
func (s *Scheduler) Deliver(ctx context.Context, platform string) (int, error) {
	s.mu.Lock()
	n := s.notifiers[platform]
	s.mu.Unlock()
	if n == nil {
		return 0, nil
	}
	now := s.e.clock()
	var batch []*crm.OutboxMessage
	if err := s.e.svc.Store.View(ctx, func(tx crm.Tx) error {
		var err error
		batch, err = tx.PendingOutbox(platform, now, 1000)
		return err
	}); err != nil {
		return 0, err
	}
	if len(batch) == 0 {
		return 0, nil
	}
	shards := make([][]*crm.OutboxMessage, s.cfg.Workers)
	for _, m := range batch {
		h := fnv.New32a()
		h.Write([]byte(m.Target))
		i := int(h.Sum32() % uint32(len(shards)))
		shards[i] = append(shards[i], m)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	var firstErr error
	for _, shard := range shards {
		if len(shard) == 0 {
			continue
		}
		wg.Add(1)
		go func(shard []*crm.OutboxMessage) {
			defer wg.Done()
			for _, m := range shard {
				if ctx.Err() != nil {
					return
				}
				ok, err := s.deliverOne(ctx, n, m)
				mu.Lock()
				if ok {
					sent++
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}(shard)
	}
	wg.Wait()
	return sent, firstErr
}

// deliverOne sends m and records the outcome. The error is a storage error; delivery
// failures are recorded on the message.
func (s *Scheduler) deliverOne(ctx context.Context, n Notifier, m *crm.OutboxMessage) (bool, error) {
	var r Reply
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		m.State, m.LastError = crm.OutboxFailed, "undecodable payload"
		return false, s.e.svc.Store.Update(ctx, func(tx crm.Tx) error { return tx.UpdateOutbox(m) })
	}
	sendErr := n.Notify(ctx, m.Target, r)
	if sendErr != nil && ctx.Err() != nil {
		return false, nil // shutting down: it stays pending and goes out after the restart
	}
	now := s.e.clock()
	permanent := sendErr != nil && isUnreachable(sendErr)
	err := s.e.svc.Store.Update(ctx, func(tx crm.Tx) error {
		cur, err := tx.OutboxMessage(m.Key)
		if err != nil {
			return err
		}
		if cur.State != crm.OutboxPending {
			return nil
		}
		switch {
		case sendErr == nil:
			cur.State, cur.SentAt, cur.LastError = crm.OutboxSent, now, ""
		case permanent || cur.Attempts+1 >= s.cfg.MaxAttempts:
			cur.Attempts++
			cur.State, cur.LastError = crm.OutboxFailed, shortErr(sendErr)
			if err := s.unreachable(tx, cur.Target, now); err != nil {
				return err
			}
		default:
			cur.Attempts++
			cur.LastError = shortErr(sendErr)
			cur.NotBefore = now.Add(backoff(cur.Attempts))
		}
		return tx.UpdateOutbox(cur)
	})
	metrics.Delivered(m.Key, sendErr == nil && err == nil)
	if sendErr != nil {
		s.log.Warn("delivery failed", "platform", m.Target.Platform(), "permanent", permanent, "err", shortErr(sendErr))
	}
	return sendErr == nil, err
}

// isUnreachable reports whether err wraps ErrUnreachable. errors.Is also follows the
// multi-%w wrapping the adapters use (fmt.Errorf("%w: %w", ErrUnreachable, err)),
// whose Unwrap returns []error.
func isUnreachable(err error) bool { return errors.Is(err, ErrUnreachable) }

// shortErr keeps an error's text short for the outbox record; adapters already scrub
// tokens from their errors.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// backoff is exponential with jitter: 5s, 10s, 20s… capped at 30 minutes.
func backoff(attempt int) time.Duration {
	d := 5 * time.Second << min(attempt-1, 10)
	if d > 30*time.Minute {
		d = 30 * time.Minute
	}
	return d/2 + time.Duration(rand.Int64N(int64(d)))/2
}

// unreachable marks a person's identity unreachable and tells the admins, once per
// identity, so somebody asks them to unblock the bot.
func (s *Scheduler) unreachable(tx crm.Tx, to crm.Identity, now time.Time) error {
	u, err := tx.UserByIdentity(to)
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			u = nil // a channel, not a person
		} else {
			return err
		}
	}
	name := string(to)
	if u != nil {
		name = u.Name
		if u.Reachable(to) {
			u.Unreachable = append(u.Unreachable, to)
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
	}
	users, err := tx.Users()
	if err != nil {
		return err
	}
	for _, a := range users {
		if a.Role != crm.RoleAdmin || a.Disabled || (u != nil && a.ID == u.ID) {
			continue
		}
		target, ok := s.target(a)
		if !ok || target == to {
			continue
		}
		c := s.conv(context.Background(), a)
		r := Reply{Text: c.t("admin.unreachable", name, to.Platform()), Private: true}
		if _, err := s.enqueue(tx, fmt.Sprintf("unreachable:%s:%d", to, a.ID), target, r, now, now, crm.OutboxPending); err != nil {
			return err
		}
	}
	return nil
}

// ---- running ---------------------------------------------------------------------

// Run scans on the cron schedule spec ("@every 1m") and keeps every platform's sender
// delivering until ctx ends. It scans once at start, so whatever fell due while the
// process was down goes out now (once).
//
// cron only wakes the scanner: it keeps nothing across restarts and may skip a tick in
// the hour a DST change removes, which is why what is due is always read from the
// database.
func (s *Scheduler) Run(ctx context.Context, spec string) error {
	if _, err := s.Scan(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("scan", "err", err)
	}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithChain(cron.Recover(cronLogger{s.log}), cron.SkipIfStillRunning(cronLogger{s.log})))
	if _, err := c.AddFunc(spec, func() {
		if _, err := s.Scan(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("scan", "err", err)
		}
	}); err != nil {
		return fmt.Errorf("schedule %q: %w", spec, err)
	}
	c.Start()
	defer func() { <-c.Stop().Done() }()

	s.mu.Lock()
	platforms := append([]string(nil), s.order...)
	s.mu.Unlock()
	var wg sync.WaitGroup
	wakes := make([]chan struct{}, len(platforms))
	for i, p := range platforms {
		wakes[i] = make(chan struct{}, 1)
		wg.Add(1)
		go func(p string, wake chan struct{}) {
			defer wg.Done()
			for ctx.Err() == nil {
				n, err := s.Deliver(ctx, p)
				if err != nil && ctx.Err() == nil {
					s.log.Error("deliver", "platform", p, "err", err)
				}
				if n > 0 {
					continue
				}
				select {
				case <-ctx.Done():
				case <-wake:
				case <-time.After(time.Second):
				}
			}
		}(p, wakes[i])
	}
	// Fan the single wake-up out to every platform's sender.
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
				for _, w := range wakes {
					select {
					case w <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
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
