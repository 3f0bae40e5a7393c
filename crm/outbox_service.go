package crm

import (
	"context"
	"time"
)

// PendingOutbox returns up to limit messages for platform due by now (see
// Outbox.PendingOutbox), in one read.
func (s *Service) PendingOutbox(ctx context.Context, platform string, now time.Time, limit int) ([]*OutboxMessage, error) {
	var out []*OutboxMessage
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.PendingOutbox(platform, now, limit)
		return err
	})
	return out, err
}

// ClaimOutbox returns up to limit messages for platform due by now, leased to by for
// lease (see Outbox.ClaimOutbox): what a sender is about to send. It reads first and
// writes only when something is due, so an idle sender's polling writes nothing.
func (s *Service) ClaimOutbox(ctx context.Context, platform string, now time.Time, by string, lease time.Duration, limit int) ([]*OutboxMessage, error) {
	due, err := s.PendingOutbox(ctx, platform, now, 1)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	var out []*OutboxMessage
	err = s.Store.Update(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ClaimOutbox(platform, now, by, now.Add(lease), limit)
		return err
	})
	return out, err
}

// ReleaseOutbox ends the leases of the claimed messages under keys that are still
// pending (not sent, not given up), so that another sender may send them now. A
// sender that stops mid-batch calls it for its batch.
func (s *Service) ReleaseOutbox(ctx context.Context, keys []string) error {
	return s.Store.Update(ctx, func(tx Tx) error {
		for _, k := range keys {
			cur, err := tx.OutboxMessage(k)
			if ErrorCode(err) == ENOTFOUND {
				continue // pruned
			}
			if err != nil {
				return err
			}
			if cur.State != OutboxPending {
				continue
			}
			if err := tx.UpdateOutbox(cur); err != nil { // unchanged: only the lease ends
				return err
			}
		}
		return nil
	})
}

// Delivery is the outcome of one attempt to send an outbox message.
type Delivery struct {
	// Err is the failure, short and free of secrets; "" when the platform accepted it.
	Err string
	// Unreachable: the target blocked the bot or is gone; not retried.
	Unreachable bool
	// Broken: the message itself can never be sent (an unreadable payload); given up
	// without blaming the target.
	Broken bool
	// MaxAttempts bounds the retries; Backoff is the wait after the nth failure.
	MaxAttempts int
	Backoff     func(attempt int) time.Duration
}

// Unreachable is what a failed delivery's target is told through: tell returns the
// messages for the admins (rendered in their language) that say name cannot be
// reached on to's platform. It must do no I/O: it runs inside the write.
type Unreachable func(name string, to Identity, admins []*User) []*OutboxMessage

// RecordDelivery records the outcome of sending the message under key, unless another
// sender recorded it first. A message given up marks its target unreachable and tells
// the admins, once per identity, so somebody asks them to unblock the bot. It reports
// whether the message was given up.
func (s *Service) RecordDelivery(ctx context.Context, key string, now time.Time, d Delivery, tell Unreachable) (gaveUp bool, err error) {
	err = s.Store.Update(ctx, func(tx Tx) error {
		gaveUp = false
		cur, err := tx.OutboxMessage(key)
		if err != nil {
			return err
		}
		if cur.State != OutboxPending {
			return nil
		}
		switch {
		case d.Err == "":
			cur.State, cur.SentAt, cur.LastError = OutboxSent, now, ""
		case d.Broken:
			cur.State, cur.LastError = OutboxFailed, d.Err
		case d.Unreachable || cur.Attempts+1 >= d.MaxAttempts:
			cur.Attempts++
			cur.State, cur.LastError = OutboxFailed, d.Err
			gaveUp = true
			if err := markUnreachable(tx, cur.Target, tell); err != nil {
				return err
			}
		default:
			cur.Attempts++
			cur.LastError = d.Err
			cur.NotBefore = now.Add(d.Backoff(cur.Attempts))
		}
		return tx.UpdateOutbox(cur)
	})
	return gaveUp, err
}

func markUnreachable(tx Tx, to Identity, tell Unreachable) error {
	u, err := tx.UserByIdentity(to)
	if err != nil {
		if ErrorCode(err) != ENOTFOUND {
			return err
		}
		u = nil // a channel, not a person
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
	var admins []*User
	for _, a := range users {
		if a.Role == RoleAdmin && !a.Disabled && (u == nil || a.ID != u.ID) {
			admins = append(admins, a)
		}
	}
	if tell == nil {
		return nil
	}
	for _, m := range tell(name, to, admins) {
		if _, err := tx.Enqueue(m); err != nil {
			return err
		}
	}
	return nil
}
