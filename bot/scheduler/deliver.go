package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/metrics"
)

// Poke wakes the senders: something was just enqueued.
func (s *Scheduler) Poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// deliveryLease is the default of Config.DeliveryLease, how long a claimed batch is this sender's alone (crm.Outbox's
// ClaimOutbox): longer than sending a batch of 1000 takes under the platforms' rate
// limits, so a second scheduler by mistake never sends a message in flight. A sender
// that dies mid-batch delays the rest of its batch by at most this much.
const deliveryLease = 10 * time.Minute

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
	batch, err := s.svc.ClaimOutbox(ctx, platform, s.e.Now(), s.claimant, s.cfg.DeliveryLease, 1000)
	if err != nil || len(batch) == 0 {
		return 0, err
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
	if ctx.Err() != nil {
		// Shutting down (or the lead lost) mid-batch: what was claimed and not sent
		// goes back at once, rather than wait out the lease, for the next start or
		// the next leader. A process killed outright leaves it to the lease.
		keys := make([]string, len(batch))
		for i, m := range batch {
			keys[i] = m.Key
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.svc.ReleaseOutbox(rctx, keys); err != nil {
			s.log.Warn("outbox: the claimed messages not sent stay leased until the lease ends", "err", err)
		}
	}
	return sent, firstErr
}

// deliverOne sends m and records the outcome. The error is a storage error; delivery
// failures are recorded on the message.
func (s *Scheduler) deliverOne(ctx context.Context, n bot.Notifier, m *crm.OutboxMessage) (bool, error) {
	d := crm.Delivery{MaxAttempts: s.cfg.MaxAttempts, Backoff: backoff}
	var r bot.Reply
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		d.Err, d.Broken = "undecodable payload", true
		_, err := s.svc.RecordDelivery(ctx, m.Key, s.e.Now(), d, nil)
		return false, err
	}
	sendErr := n.Notify(ctx, m.Target, r)
	if sendErr != nil && ctx.Err() != nil {
		return false, nil // shutting down: it stays pending and goes out after the restart
	}
	if sendErr != nil {
		d.Err, d.Unreachable = shortErr(sendErr), isUnreachable(sendErr)
	}
	_, err := s.svc.RecordDelivery(ctx, m.Key, s.e.Now(), d, s.tellAdmins(ctx))
	metrics.Delivered(m.Key, sendErr == nil && err == nil)
	if sendErr != nil {
		s.log.Warn("delivery failed", "platform", m.Target.Platform(), "permanent", d.Unreachable, "err", d.Err)
	}
	return sendErr == nil, err
}

// tellAdmins renders, for each admin who can be reached elsewhere, that a person (or
// a channel) cannot be reached, so somebody asks them to unblock the bot. Its key
// names the identity: told once.
func (s *Scheduler) tellAdmins(ctx context.Context) crm.Unreachable {
	return func(name string, to crm.Identity, admins []*crm.User) []*crm.OutboxMessage {
		now := s.e.Now()
		var out []*crm.OutboxMessage
		for _, a := range admins {
			target, ok := s.target(a)
			if !ok || target == to {
				continue
			}
			r := bot.Reply{Text: s.pusher(ctx, a).T("admin.unreachable", name, to.Platform()), Private: true}
			if addr, ok := crm.EmailAddress(to); ok {
				// A seminar invitation the mail server refused: the address is wrong,
				// not a person who blocked the bot.
				r.Text = s.pusher(ctx, a).T("seminar.email_refused", addr)
			}
			m, err := message(fmt.Sprintf("unreachable:%s:%d", to, a.ID), target, r, now, now, crm.OutboxPending)
			if err == nil {
				out = append(out, m)
			}
		}
		return out
	}
}

// isUnreachable reports whether err wraps ErrUnreachable. errors.Is also follows the
// multi-%w wrapping the adapters use (fmt.Errorf("%w: %w", ErrUnreachable, err)),
// whose Unwrap returns []error.
func isUnreachable(err error) bool { return errors.Is(err, bot.ErrUnreachable) }

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

// Send keeps every platform's sender delivering until ctx ends: each delivers what is
// due, then waits for a Poke or a second, whichever comes first. Senders of different
// platforms run side by side.
func (s *Scheduler) Send(ctx context.Context) {
	platforms := s.Platforms()
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
				t := time.NewTimer(time.Second)
				select {
				case <-ctx.Done():
				case <-wake:
				case <-t.C:
				}
				t.Stop()
			}
		}(p, wakes[i])
	}
	// Fan the single wake-up out to every platform's sender.
	wg.Add(1)
	go func() {
		defer wg.Done()
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
	wg.Wait()
}
