package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

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

// passState is a scan of the due index in progress. It is saved with every chunk, so
// the decisions and the counts of what was folded survive a crash: the next scan
// resumes the pass, and the summaries go out exactly once, in the transaction that
// ends the pass.
type passState struct {
	ID        int64      `json:"id"` // the start, in unix nanoseconds: names the summaries
	Nudge     crm.DuePos `json:"nudge"`
	NudgeDone bool       `json:"nudge_done,omitempty"`
	Esc       crm.DuePos `json:"esc"`
	EscDone   bool       `json:"esc_done,omitempty"`
	EscRan    bool       `json:"esc_ran,omitempty"` // escalations were due in this pass
	// Shown counts the messages a person got on their own in this pass.
	Shown map[uint64]int `json:"shown,omitempty"`
	// Folded counts the nudges folded per owner.
	Folded map[uint64]int `json:"folded,omitempty"`
	// EscFolded counts escalations folded per head, then per owner.
	EscFolded map[uint64]map[uint64]int `json:"esc_folded,omitempty"`
	// NoteFolded counts, per owner, the "your head was told" notes folded.
	NoteFolded map[uint64]int `json:"note_folded,omitempty"`
	// Channel counts escalations per owner for the department channel; ChannelShown
	// the named ones posted there on their own (named mode only).
	Channel      map[uint64]int `json:"channel,omitempty"`
	ChannelShown int            `json:"channel_shown,omitempty"`
}

func (p *passState) init() {
	if p.Shown == nil {
		p.Shown = map[uint64]int{}
	}
	if p.Folded == nil {
		p.Folded = map[uint64]int{}
	}
	if p.EscFolded == nil {
		p.EscFolded = map[uint64]map[uint64]int{}
	}
	if p.NoteFolded == nil {
		p.NoteFolded = map[uint64]int{}
	}
	if p.Channel == nil {
		p.Channel = map[uint64]int{}
	}
}

func loadPass(tx crm.Tx) (*passState, error) {
	b, err := tx.Blob(nsScheduler, "pass")
	if err != nil || b == nil {
		return nil, err
	}
	p := new(passState)
	if err := json.Unmarshal(b, p); err != nil {
		return nil, nil // unreadable: start a new pass; the outbox keys dedupe
	}
	p.init()
	return p, nil
}

func savePass(tx crm.Tx, p *passState) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return tx.PutBlob(nsScheduler, "pass", b)
}

// Scan decides every push that is due now and writes it to the outbox. Follow-ups are
// read in chunks, one short write transaction each (see scanChunk); digests one
// person per transaction. It is safe to run at any time and any number of times, and
// to kill at any point.
func (s *Scheduler) Scan(ctx context.Context) (ScanStats, error) {
	var st ScanStats
	now := s.e.clock().UTC()
	var alive time.Time
	// Start (or resume) the pass and beat the heart: the time of the previous scan
	// says, when a digest was missed, whether the bot was offline at the time.
	err := s.e.svc.Store.Update(ctx, func(tx crm.Tx) error {
		var err error
		if alive, err = getMark(tx, "alive"); err != nil {
			return err
		}
		if err := setMark(tx, "alive", now); err != nil {
			return err
		}
		p, err := loadPass(tx)
		if err != nil || p != nil {
			return err
		}
		p, err = s.newPass(tx, now)
		if err != nil {
			return err
		}
		return savePass(tx, p)
	})
	if err != nil {
		return st, err
	}
	for done := false; !done; {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		var cst ScanStats
		err := s.e.svc.Store.Update(ctx, func(tx crm.Tx) error {
			cst = ScanStats{}
			var err error
			done, err = s.scanChunk(ctx, tx, now, &cst)
			return err
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
	if err := s.scanHeadDigest(ctx, now, alive, &hst); err != nil {
		return st, fmt.Errorf("head digest: %w", err)
	}
	st.add(hst)
	// Sent messages are kept a month as the record that their key was used; the scans
	// look back much less than that. Pruned a chunk per transaction: a month after a
	// backlog there are tens of thousands.
	for pruned := scanChunk; pruned == scanChunk; {
		if err := s.e.svc.Store.Update(ctx, func(tx crm.Tx) error {
			var err error
			pruned, err = tx.PruneOutbox(now.Add(-30*24*time.Hour), scanChunk)
			return err
		}); err != nil {
			return st, err
		}
	}
	if st.Nudges+st.Escalations+st.Digests+st.Summaries > 0 {
		s.Poke()
	}
	return st, nil
}

// newPass starts a pass where the last one ended: nudges from a little before the
// last scan, escalations from far enough back to see every follow-up that can have
// crossed the limit since.
func (s *Scheduler) newPass(tx crm.Tx, now time.Time) (*passState, error) {
	p := &passState{ID: now.UnixNano()}
	p.init()
	mark, err := getMark(tx, "nudge_mark")
	if err != nil {
		return nil, err
	}
	if !mark.IsZero() {
		p.Nudge = crm.DuePos{Due: mark.Add(-nudgeLookback)}
	}
	esc, err := getMark(tx, "esc_mark")
	if err != nil {
		return nil, err
	}
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
	return p, nil
}

// scanChunk does one chunk of the pass: nudges first, then escalations, then the
// summaries and the marks that end the pass. done reports the pass is over.
func (s *Scheduler) scanChunk(ctx context.Context, tx crm.Tx, now time.Time, st *ScanStats) (done bool, err error) {
	p, err := loadPass(tx)
	if err != nil {
		return false, err
	}
	if p == nil { // a concurrent scan ended the pass
		return true, nil
	}
	users, err := usersByID(tx)
	if err != nil {
		return false, err
	}
	switch {
	case !p.NudgeDone:
		if err := s.nudgeChunk(ctx, tx, now, p, users, st); err != nil {
			return false, fmt.Errorf("nudges: %w", err)
		}
	case !p.EscDone:
		if err := s.escalationChunk(ctx, tx, now, p, users, st); err != nil {
			return false, fmt.Errorf("escalations: %w", err)
		}
	default:
		if err := s.endPass(ctx, tx, now, p, users, st); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, savePass(tx, p)
}

func usersByID(tx crm.Tx) (map[uint64]*crm.User, error) {
	users, err := tx.Users()
	if err != nil {
		return nil, err
	}
	byID := make(map[uint64]*crm.User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	return byID, nil
}

// endPass sends one summary per person for what was folded, records the marks and
// deletes the pass, all in one transaction: the summaries go out exactly once.
func (s *Scheduler) endPass(ctx context.Context, tx crm.Tx, now time.Time, p *passState, users map[uint64]*crm.User, st *ScanStats) error {
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
			c := s.conv(ctx, u)
			r := Reply{Text: c.t(sum.text, sum.counts[id]), Private: true,
				Buttons: [][]Button{{{Label: c.t("sched.btn_today"), Action: "/today"}}}}
			if err := s.enqueueSummary(tx, fmt.Sprintf("%s:%d:%d", sum.key, id, p.ID), to, r, now, u, st); err != nil {
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
		c := s.conv(ctx, h)
		var lines []string
		for _, oid := range sortedKeys(p.EscFolded[hid]) {
			lines = append(lines, c.t("sched.esc_folded", ownerName(users, oid), p.EscFolded[hid][oid], s.cfg.EscalateAfter))
		}
		r := Reply{Text: strings.Join(lines, "\n"), Private: true,
			Buttons: [][]Button{{{Label: c.t("sched.btn_pipeline"), Action: "/pipeline"}}}}
		if err := s.enqueueSummary(tx, fmt.Sprintf("escsum:%d:%d", hid, p.ID), to, r, now, h, st); err != nil {
			return err
		}
	}
	if len(p.Channel) > 0 {
		ch, err := s.deptChannel(tx)
		if err != nil {
			return err
		}
		if ch.Target != "" {
			c := s.conv(ctx, s.channelUser(ch, users))
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
			r := Reply{Text: c.t(key, total, s.cfg.EscalateAfter, strings.Join(parts, ", "))}
			if _, err := s.enqueue(tx, fmt.Sprintf("esccount:%d", p.ID), ch.Target, r, now, now, crm.OutboxPending); err != nil {
				return err
			}
			st.Summaries++
		}
	}
	if err := setMark(tx, "nudge_mark", now); err != nil {
		return err
	}
	if p.EscRan {
		if err := setMark(tx, "esc_mark", now); err != nil {
			return err
		}
	}
	return tx.DeleteBlob(nsScheduler, "pass")
}

func (s *Scheduler) enqueueSummary(tx crm.Tx, key string, to crm.Identity, r Reply, now time.Time, u *crm.User, st *ScanStats) error {
	added, err := s.enqueue(tx, key, to, r, now, u.Schedule().NextWorking(now, u.Location()), crm.OutboxPending)
	if added {
		st.Summaries++
	}
	return err
}

func ownerName(users map[uint64]*crm.User, id uint64) string {
	if u := users[id]; u != nil {
		return u.Name
	}
	return "#" + u64(id)
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	ks := make([]uint64, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// fold reports whether person id has had their handful (max) of individual messages
// in this pass, and counts one more otherwise. A backlog after an outage or an import
// must not become thousands of messages at one a second per chat.
func (p *passState) fold(id uint64, max int) bool {
	if p.Shown[id] >= max {
		return true
	}
	p.Shown[id]++
	return false
}
