package scheduler

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"crmbot/bot"
	"crmbot/crm"
)

const (
	// scanChunk is how many due interests one write transaction of a scan reads at
	// most, and chunkBudget how much work it may do: reading an interest costs
	// costRead, recording a folded decision costFold, rendering a message costRender
	// (it reads the company, the contact and the timeline). A chunk so stays within a
	// few milliseconds, so a user's write never waits longer than that behind the
	// scheduler, and memory holds one chunk whatever the backlog.
	// chunkTime ends a chunk early when the work took this long by the wall clock
	// (a loaded machine): what a waiting user feels is time, not work.
	chunkTime   = 5 * time.Millisecond
	scanChunk   = 128
	chunkBudget = 128
	costRead    = 1
	costFold    = 4
	costRender  = 32
)

// Scan decides every push that is due now and records it in the outbox. Follow-ups
// are read in chunks, one short write transaction each (see scanChunk); digests are
// rendered from a read and recorded in a short write, one person at a time. It is
// safe to run at any time and any number of times, and to kill at any point.
func (s *Scheduler) Scan(ctx context.Context) (ScanStats, error) {
	var st ScanStats
	now := s.e.Now().UTC()
	// Start (or resume) the pass and beat the heart: the time of the previous scan
	// says, when a digest was missed, whether the bot was offline at the time.
	alive, err := s.svc.BeginScan(ctx, now, func(marks crm.SchedulerState) *crm.ScanPass { return s.newPass(marks, now) })
	if err != nil {
		return st, err
	}
	// The channel is a setting: read once per scan, not per chunk.
	ch, err := s.deptChannel(ctx)
	if err != nil {
		return st, err
	}
	for done := false; !done; {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		var cst ScanStats
		done, err = s.svc.ScanChunk(ctx, func(c *crm.ScanChunk) error {
			cst = ScanStats{}
			return s.scanChunk(ctx, c, now, ch, &cst)
		})
		if err != nil {
			return st, err
		}
		st.add(cst)
	}
	var dst ScanStats
	if err := s.scanDigests(ctx, now, alive, &dst); err != nil {
		return st, fmt.Errorf("digests: %w", err)
	}
	st.add(dst)
	var hst ScanStats
	if err := s.scanHeadDigest(ctx, now, alive, ch, &hst); err != nil {
		return st, fmt.Errorf("head digest: %w", err)
	}
	st.add(hst)
	emails, err := s.scanSeminarEmails(ctx, now)
	if err != nil {
		return st, fmt.Errorf("seminar emails: %w", err)
	}
	if emails > 0 {
		s.Poke()
	}
	// Sent messages are kept a month as the record that their key was used; the scans
	// look back much less than that.
	if _, err := s.svc.PruneOutbox(ctx, now.Add(-30*24*time.Hour), scanChunk); err != nil {
		return st, err
	}
	if st.Nudges+st.Escalations+st.Digests+st.Summaries > 0 {
		s.Poke()
	}
	return st, nil
}

// newPass starts a pass where the last one ended: nudges from a little before the
// last scan, escalations from far enough back to see every follow-up that can have
// crossed the limit since.
func (s *Scheduler) newPass(marks crm.SchedulerState, now time.Time) *crm.ScanPass {
	p := &crm.ScanPass{ID: now.UnixNano()}
	if !marks.Nudge.IsZero() {
		p.Nudge = crm.DuePos{Due: marks.Nudge.Add(-nudgeLookback)}
	}
	esc := marks.Esc
	// Whether a follow-up is overdue by n working days changes at most once a day;
	// re-reading days of due times on every tick is wasted. Every quarter hour is
	// prompt enough for an escalation.
	if !esc.IsZero() && now.Sub(esc) < escalationEvery && !now.Before(esc) {
		p.EscDone = true
	} else {
		p.EscRan = true
	}
	if p.EscRan && !esc.IsZero() {
		// n working days span at most n+2·⌈n/5⌉+2 calendar days; a week of margin
		// covers that and long weekends. Older ones were decided by an earlier scan.
		p.Esc = crm.DuePos{Due: esc.Add(-time.Duration(s.cfg.EscalateAfter+7) * 24 * time.Hour)}
	}
	return p
}

// scanChunk does one chunk of the pass: nudges first, then escalations, then the
// summaries and the marks that end the pass.
func (s *Scheduler) scanChunk(ctx context.Context, c *crm.ScanChunk, now time.Time, ch bot.DeptChannel, st *ScanStats) error {
	p := c.Pass
	switch {
	case !p.NudgeDone:
		if err := s.nudgeChunk(ctx, c, now, st); err != nil {
			return fmt.Errorf("nudges: %w", err)
		}
	case !p.EscDone:
		if err := s.escalationChunk(ctx, c, now, ch, st); err != nil {
			return fmt.Errorf("escalations: %w", err)
		}
	default:
		return s.endPass(ctx, c, now, ch, st)
	}
	return nil
}

// endPass sends one summary per person for what was folded and ends the pass, all in
// one transaction: the summaries go out exactly once.
func (s *Scheduler) endPass(ctx context.Context, c *crm.ScanChunk, now time.Time, ch bot.DeptChannel, st *ScanStats) error {
	p, users := c.Pass, c.Users
	if p.EscRan {
		if err := s.responseEscalations(ctx, c, now, st); err != nil {
			return fmt.Errorf("first responses: %w", err)
		}
	}
	// The owners' summaries: folded nudges, and folded "your head was told" notes.
	for _, sum := range []struct {
		counts    map[uint64]int
		text, key string
	}{{p.Folded, "sched.nudges_folded", "nudgesum"}, {p.NoteFolded, "sched.notes_folded", "escnotesum"}} {
		for _, id := range sortedKeys(sum.counts) {
			u := users[id]
			if u == nil {
				continue
			}
			to, ok := s.target(u)
			if !ok {
				continue
			}
			pu := s.pusher(ctx, u)
			r := bot.Reply{Text: pu.T(sum.text, sum.counts[id]), Private: true,
				Buttons: [][]bot.Button{{{Label: pu.T("sched.btn_today"), Action: "/today"}}}}
			if err := s.enqueueSummary(c, fmt.Sprintf("%s:%d:%d", sum.key, id, p.ID), to, r, now, u, st); err != nil {
				return err
			}
		}
	}
	for _, hid := range sortedKeys(p.EscFolded) {
		h := users[hid]
		if h == nil {
			continue
		}
		to, ok := s.target(h)
		if !ok {
			continue
		}
		pu := s.pusher(ctx, h)
		var lines []string
		for _, oid := range sortedKeys(p.EscFolded[hid]) {
			lines = append(lines, pu.T("sched.esc_folded", ownerName(users, oid), p.EscFolded[hid][oid], s.cfg.EscalateAfter))
		}
		r := bot.Reply{Text: strings.Join(lines, "\n"), Private: true,
			Buttons: [][]bot.Button{{{Label: pu.T("sched.btn_pipeline"), Action: "/pipeline"}}}}
		if err := s.enqueueSummary(c, fmt.Sprintf("escsum:%d:%d", hid, p.ID), to, r, now, h, st); err != nil {
			return err
		}
	}
	if len(p.Channel) > 0 && ch.Target != "" {
		pu := s.pusher(ctx, s.channelUser(ch, users))
		total := 0
		var parts []string
		ids := sortedKeys(p.Channel)
		sort.SliceStable(ids, func(i, j int) bool { return p.Channel[ids[i]] > p.Channel[ids[j]] })
		for _, oid := range ids {
			total += p.Channel[oid]
			parts = append(parts, fmt.Sprintf("%s %d", ownerName(users, oid), p.Channel[oid]))
		}
		key := "sched.esc_counts"
		if ch.Named {
			key = "sched.esc_counts_more"
		}
		r := bot.Reply{Text: pu.T(key, total, s.cfg.EscalateAfter, strings.Join(parts, ", "))}
		if _, err := s.enqueue(c, fmt.Sprintf("esccount:%d", p.ID), ch.Target, r, now, now, crm.OutboxPending); err != nil {
			return err
		}
		st.Summaries++
	}
	c.EndPass(now)
	return nil
}

func (s *Scheduler) enqueue(c *crm.ScanChunk, key string, to crm.Identity, r bot.Reply, now, notBefore time.Time, state crm.OutboxState) (bool, error) {
	m, err := message(key, to, r, now, notBefore, state)
	if err != nil {
		return false, err
	}
	return c.Enqueue(m)
}

func (s *Scheduler) enqueueSummary(c *crm.ScanChunk, key string, to crm.Identity, r bot.Reply, now time.Time, u *crm.User, st *ScanStats) error {
	added, err := s.enqueue(c, key, to, r, now, u.Schedule().NextWorking(now, u.Location()), crm.OutboxPending)
	if added {
		st.Summaries++
	}
	return err
}

func ownerName(users map[uint64]*crm.User, id uint64) string {
	if u := users[id]; u != nil {
		return u.Name
	}
	return "#" + strconv.FormatUint(id, 10)
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	ks := make([]uint64, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}
