package scheduler

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"crmbot/bot"
	"crmbot/crm"
)

// escalationChunk tells the heads, once, of every follow-up in one chunk of the due
// index that is overdue by more than EscalateAfter working days, and tells its owner
// it was escalated.
//
// By default each head is told privately, naming the client and the manager, and the
// department channel gets only counts per manager (client details stay out of shared
// chats); with named escalations in the channel (/settings escalations channel) the
// channel gets the named messages instead. Past a person's handful in this pass the
// rest are folded into the pass's summaries.
func (s *Scheduler) escalationChunk(ctx context.Context, c *crm.ScanChunk, now time.Time, ch bot.DeptChannel, st *ScanStats) error {
	p, users := c.Pass, c.Users
	n := s.cfg.EscalateAfter
	cands, err := c.DueAfter(p.Esc, now.Add(-time.Duration(n)*24*time.Hour), scanChunk)
	if err != nil {
		return err
	}
	budget, started := chunkBudget, time.Now()
	// The pass's part is done when a short read was handled to its end.
	p.EscDone = len(cands) < scanChunk
	heads := leads(users)
	for _, in := range cands {
		// At least one interest per chunk, so a slow machine still makes progress.
		if budget <= 0 || budget < chunkBudget && time.Since(started) > chunkTime {
			p.EscDone = false
			break
		}
		budget -= costRead
		p.Esc = crm.PosOf(in)
		owner := users[in.OwnerID]
		if owner == nil {
			continue
		}
		days := owner.Schedule().WorkingDaysSince(in.Next.Due, now, owner.Location())
		if days <= n {
			continue
		}
		base := fmt.Sprintf("esc:%d:%d", in.ID, in.Next.Due.Unix())
		noteKey := "escnote:" + base[4:]
		// The owner's note (or its folded record) is written with every escalation:
		// its key is the decision's.
		if done, err := c.Decided(noteKey); err != nil {
			return err
		} else if done {
			continue
		}
		decided := false
		if ch.Target != "" && ch.Named {
			if p.ChannelShown < s.cfg.PerPerson {
				p.ChannelShown++
				budget -= costRender
				company, err := c.CompanyName(in.CompanyID)
				if err != nil {
					return err
				}
				r := s.pusher(ctx, s.channelUser(ch, users)).Escalation(in, company, owner, days)
				if _, err := s.enqueue(c, base, ch.Target, r, now, now, crm.OutboxPending); err != nil {
					return err
				}
			} else {
				p.Channel[owner.ID]++
			}
			decided = true
		} else {
			for _, h := range heads {
				if h.ID == owner.ID {
					continue
				}
				to, ok := s.target(h)
				if !ok {
					continue
				}
				key := base + ":" + strconv.FormatUint(h.ID, 10)
				at := h.Schedule().NextWorking(now, h.Location())
				decided = true
				if p.Fold(h.ID, s.cfg.PerPerson) {
					// Counted only: the owner's note below is the decision's record.
					if p.EscFolded[h.ID] == nil {
						p.EscFolded[h.ID] = map[uint64]int{}
					}
					p.EscFolded[h.ID][owner.ID]++
					continue
				}
				budget -= costRender
				company, err := c.CompanyName(in.CompanyID)
				if err != nil {
					return err
				}
				r := s.pusher(ctx, h).Escalation(in, company, owner, days)
				if _, err := s.enqueue(c, key, to, r, now, at, crm.OutboxPending); err != nil {
					return err
				}
			}
			if ch.Target != "" {
				p.Channel[owner.ID]++
				decided = true
			}
		}
		if !decided {
			continue // nobody to tell yet: decided when a head or a channel exists
		}
		st.Escalations++
		to, reachable := s.target(owner)
		if !reachable || p.Fold(owner.ID, s.cfg.PerPerson) {
			if reachable {
				p.NoteFolded[owner.ID]++
			}
			if _, err := s.enqueue(c, noteKey, to, bot.Reply{}, now, now, crm.OutboxFolded); err != nil {
				return err
			}
			budget -= costFold
			continue
		}
		budget -= costFold // a short text, no reads
		r := s.pusher(ctx, owner).EscalationNote(in)
		if _, err := s.enqueue(c, noteKey, to, r, now, owner.Schedule().NextWorking(now, owner.Location()), crm.OutboxPending); err != nil {
			return err
		}
	}
	return nil
}

// leads are the department's heads (admins when there is no head).
func leads(users map[uint64]*crm.User) []*crm.User {
	var heads, admins []*crm.User
	for _, id := range sortedKeys(users) {
		u := users[id]
		switch {
		case u.Disabled:
		case u.Role == crm.RoleHead:
			heads = append(heads, u)
		case u.Role == crm.RoleAdmin:
			admins = append(admins, u)
		}
	}
	if len(heads) == 0 {
		return admins
	}
	return heads
}
