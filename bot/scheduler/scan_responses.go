package scheduler

import (
	"context"
	"strconv"
	"time"

	"crmbot/bot"
	"crmbot/crm"
)

// responseEscalations tells the heads, once, of every inquiry whose owner has not
// touched it within the first-response target (R16), and tells the owner. It runs in
// the pass's last chunk, in the passes that run the escalations (every quarter hour):
// an inquiry past its due time is decided at most that late.
//
// As for overdue follow-ups, the owner's note's key ("respnote:<id>") is the
// decision's record, so a rerun never tells anyone twice. A head gets at most
// PerPerson of these per pass; the rest wait, undecided, for the next pass, so a
// burst of inquiries reaches the head as a steady trickle rather than a flood.
func (s *Scheduler) responseEscalations(ctx context.Context, c *crm.ScanChunk, now time.Time, st *ScanStats) error {
	users := c.Users
	cands, err := c.Unanswered(now)
	if err != nil {
		return err
	}
	heads := leads(users)
	told := map[uint64]int{}
	for _, in := range cands {
		owner := users[in.OwnerID]
		if owner == nil {
			continue
		}
		noteKey := "respnote:" + strconv.FormatUint(in.ID, 10)
		if done, err := c.Decided(noteKey); err != nil {
			return err
		} else if done {
			continue
		}
		decided, full := false, false
		for _, h := range heads {
			if h.ID == owner.ID {
				continue
			}
			to, ok := s.target(h)
			if !ok {
				continue
			}
			if told[h.ID] >= s.cfg.PerPerson {
				full = true
				break
			}
			company, err := c.CompanyName(in.CompanyID)
			if err != nil {
				return err
			}
			told[h.ID]++
			decided = true
			r := s.pusher(ctx, h).ResponseEscalation(in, company, owner)
			key := "resp:" + strconv.FormatUint(in.ID, 10) + ":" + strconv.FormatUint(h.ID, 10)
			if _, err := s.enqueue(c, key, to, r, now, h.Schedule().NextWorking(now, h.Location()), crm.OutboxPending); err != nil {
				return err
			}
		}
		if full || !decided {
			continue // nobody to tell yet, or this pass told enough: a later pass decides
		}
		st.Escalations++
		to, reachable := s.target(owner)
		state, r := crm.OutboxPending, s.pusher(ctx, owner).ResponseNote(in)
		if !reachable {
			state, r = crm.OutboxFolded, bot.Reply{}
		}
		if _, err := s.enqueue(c, noteKey, to, r, now, owner.Schedule().NextWorking(now, owner.Location()), state); err != nil {
			return err
		}
	}
	return nil
}
