// Package scheduler decides what crmbot pushes — follow-up nudges, digests,
// escalations — and delivers it through each platform's bot.Notifier.
//
// Decisions are read from the database (due times, the outbox's keys), never from the
// memory of a timer, and are recorded in the outbox by the crm.Service in the
// transaction that makes them; so overlapping scans, restarts and missed ticks neither
// lose nor repeat a message. The scheduler opens no transaction itself and keeps no
// clock of its own: cmd's cron calls Scan, the senders call Deliver, and tests call
// both with the engine's injected clock.
package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"crmbot/bot"
	"crmbot/crm"
)

// Config tunes the scheduler; zero fields take the defaults.
type Config struct {
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
	// DeliveryLease is how long a claimed batch is this sender's alone; a sender that
	// dies mid-batch delays the rest of it by at most this much. Default 10m.
	DeliveryLease time.Duration
}

func (c *Config) defaults() {
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
	if c.DeliveryLease == 0 {
		c.DeliveryLease = deliveryLease
	}
}

// Scheduler decides what to push and delivers it. Its doors are the engine (for
// rendering in each person's language, and the department channel's setting) and the
// engine's crm.Service (for every read and write).
type Scheduler struct {
	e         *bot.Engine
	svc       *crm.Service
	cfg       Config
	log       *slog.Logger
	mu        sync.Mutex
	notifiers map[string]bot.Notifier
	order     []string // platforms in order of preference for reaching a person
	wake      chan struct{}
	// claimant names this scheduler on the outbox's leases: random per process, so
	// two replicas' claims never pass for one.
	claimant string
}

// New returns a scheduler for the engine's service.
func New(e *bot.Engine, cfg Config) *Scheduler {
	cfg.defaults()
	return &Scheduler{e: e, svc: e.Service(), cfg: cfg, log: e.Logger(), notifiers: map[string]bot.Notifier{}, wake: make(chan struct{}, 1),
		claimant: fmt.Sprintf("%016x", rand.Uint64())}
}

// AddNotifier registers the sender for a platform ("telegram", "slack", "console").
// People are reached on the first registered platform they have an identity on.
func (s *Scheduler) AddNotifier(platform string, n bot.Notifier) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.notifiers[platform]; !ok {
		s.order = append(s.order, platform)
	}
	s.notifiers[platform] = n
}

// Platforms returns the platforms with a notifier, in the order they were added.
func (s *Scheduler) Platforms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
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
	// nudgeLookback re-reads due times this far behind the last scan, so a next action
	// set a moment into the past is still seen; the outbox keys dedupe the overlap.
	nudgeLookback = time.Hour
	// escalationEvery is how often overdue follow-ups are checked for escalation.
	escalationEvery = 15 * time.Minute
)

// pusher returns a renderer for u (their language and time zone).
func (s *Scheduler) pusher(ctx context.Context, u *crm.User) *bot.Pusher { return s.e.Pusher(ctx, u) }

// message is the outbox record of r, decided now for to.
func message(key string, to crm.Identity, r bot.Reply, now, notBefore time.Time, state crm.OutboxState) (*crm.OutboxMessage, error) {
	payload, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return &crm.OutboxMessage{Key: key, Target: to, Payload: payload, Created: now, NotBefore: notBefore, State: state}, nil
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

// deptChannel reads the department channel (the configured default when none was set
// in chat) and the escalation mode.
func (s *Scheduler) deptChannel(ctx context.Context) (bot.DeptChannel, error) {
	ch, err := s.e.DeptChannel(ctx)
	if err != nil {
		return ch, err
	}
	if ch.Target == "" {
		ch.Target = s.cfg.HeadChannel
	}
	return ch, nil
}

// channelUser is whose language, zone, digest time and working days the channel's
// messages follow: the lead who set the channel while they still are one, else the
// first head (first admin), with the configured zone.
func (s *Scheduler) channelUser(ch bot.DeptChannel, users map[uint64]*crm.User) *crm.User {
	if u := users[ch.SetBy]; u != nil && !u.Disabled && u.IsLead() {
		return u
	}
	return s.headUser(users)
}
