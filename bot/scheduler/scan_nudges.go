package scheduler

import (
	"context"
	"fmt"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/metrics"
)

// nudgeChunk decides the nudges of one chunk of the due index: one per interest and
// due time, for the due times passed since the last scan. A follow-up that falls due
// outside the owner's working hours waits for the start of the next working period.
// Past the owner's handful in this pass, a nudge is recorded as folded (so it is
// decided once) and counted into the pass's summary for the owner.
func (s *Scheduler) nudgeChunk(ctx context.Context, c *crm.ScanChunk, now time.Time, st *ScanStats) error {
	p, users := c.Pass, c.Users
	due, err := c.DueAfter(p.Nudge, now.Add(time.Nanosecond), scanChunk)
	if err != nil {
		return err
	}
	budget, started := chunkBudget, time.Now()
	// The pass's part is done when a short read was handled to its end.
	p.NudgeDone = len(due) < scanChunk
	for _, in := range due {
		// At least one interest per chunk, so a slow machine still makes progress.
		if budget <= 0 || budget < chunkBudget && time.Since(started) > chunkTime {
			p.NudgeDone = false
			break
		}
		budget -= costRead
		p.Nudge = crm.PosOf(in)
		owner := users[in.OwnerID]
		if owner == nil || owner.Disabled {
			continue
		}
		to, ok := s.target(owner)
		if !ok {
			continue
		}
		key := fmt.Sprintf("nudge:%d:%d", in.ID, in.Next.Due.Unix())
		if done, err := c.Decided(key); err != nil {
			return err
		} else if done {
			continue // decided before: rendering it again would be wasted work
		}
		at := owner.Schedule().NextWorking(now, owner.Location())
		if in.Next.Due.After(now) {
			at = owner.Schedule().NextWorking(in.Next.Due, owner.Location())
		}
		if p.Fold(owner.ID, s.cfg.PerPerson) {
			p.Folded[owner.ID]++
			st.Folded++
			// The pass's position already makes this decision once: no later pass
			// reads it again, except one looking back over the last scan (see
			// nudgeLookback). Only those get a record, so a backlog of thousands
			// costs reads, not writes.
			if !in.Next.Due.Before(now.Add(-2 * nudgeLookback)) {
				if _, err := s.enqueue(c, key, to, bot.Reply{}, now, at, crm.OutboxFolded); err != nil {
					return err
				}
				budget -= costFold
			}
			continue
		}
		budget -= costRender
		f, err := c.Facts(in)
		if err != nil {
			return err
		}
		r := s.pusher(ctx, owner).Nudge(in, f)
		added, err := s.enqueue(c, key, to, r, now, at, crm.OutboxPending)
		if err != nil {
			return err
		}
		if added {
			st.Nudges++
			metrics.NudgeQueued(at.After(now))
		}
	}
	return nil
}
