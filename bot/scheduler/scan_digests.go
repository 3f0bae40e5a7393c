package scheduler

import (
	"context"
	"fmt"
	"time"

	"crmbot/bot"
	"crmbot/crm"
)

// Reasons a digest is skipped, as logged and counted.
const (
	skipLate    = "late"    // decided more than the grace after its time, cause unknown
	skipOffline = "offline" // the bot was not running at its time, and is back too late
	skipDayOff  = "day_off" // not a working day in the person's hours
	skipNoOpen  = "no_open" // nothing open to report
)

// digestSlot is one day's digest of one person (or the department): when it is due,
// and the keys that record what was decided. The sent key names the day, so only one
// digest goes out per day; the skip key names the slot, so a skipped 08:30 does not
// block a time set later that day.
type digestSlot struct {
	At      time.Time
	Date    string
	SentKey string
	SkipKey string
}

func (d digestSlot) keys() []string { return []string{d.SentKey, d.SkipKey} }

func slotsAt(prefix string, now time.Time, m int, loc *time.Location) []digestSlot {
	l := now.In(loc)
	var out []digestSlot
	// Today's, and yesterday's: a digest late in the evening may still be in its grace
	// after midnight, and a missed one is reported.
	for d := 0; d >= -1; d-- {
		at := time.Date(l.Year(), l.Month(), l.Day()+d, m/60, m%60, 0, 0, loc)
		if at.After(now) {
			continue
		}
		date := at.Format("2006-01-02")
		out = append(out, digestSlot{At: at, Date: date, SentKey: prefix + date, SkipKey: prefix + "skip:" + date + ":" + at.Format("15:04")})
	}
	return out
}

func (s *Scheduler) userSlots(u *crm.User, now time.Time) []digestSlot {
	m, on := u.DigestMinute()
	if !on {
		return nil
	}
	return slotsAt(fmt.Sprintf("digest:%d:", u.ID), now, m, u.Location())
}

// scanDigests decides each person's digest: due at the time their settings name, in
// their zone, on their working days; sent late within the grace period, skipped (with
// the reason logged and counted) after it. For each person who needs a decision, the
// digest is rendered from one read and recorded in one short write.
func (s *Scheduler) scanDigests(ctx context.Context, now, alive time.Time, st *ScanStats) error {
	todo, err := s.svc.UndecidedDigests(ctx, func(u *crm.User) [][]string {
		var groups [][]string
		for _, d := range s.userSlots(u, now) {
			groups = append(groups, d.keys())
		}
		return groups
	})
	if err != nil {
		return err
	}
	for _, id := range todo {
		var slots []digestSlot
		var pu *bot.Pusher
		f, err := s.svc.DigestFacts(ctx, id, func(u *crm.User) crm.DigestQuery {
			pu = s.pusher(ctx, u)
			slots = s.userSlots(u, now)
			var keys []string
			for _, d := range slots {
				keys = append(keys, d.keys()...)
			}
			q := pu.DigestQuery(now, s.cfg.IdleDays, keys)
			q.Full = func(f *crm.DigestFacts) bool {
				_, _, send := s.digestFor(f, slots, now, alive)
				return send >= 0
			}
			return q
		})
		if err != nil {
			return err
		}
		ds, reasons, send := s.digestFor(f, slots, now, alive)
		if len(ds) == 0 {
			continue // nothing to record: no write transaction
		}
		if send >= 0 {
			// Rendered here, from the snapshot, with the note of an offline skip
			// decided just before it or kept from an earlier one.
			g := *f
			for _, d := range ds[:send] {
				if d.Note != nil {
					g.Note = d.Note
				}
			}
			if ds[send].Msg, err = message(ds[send].Msg.Key, ds[send].Msg.Target, pu.Digest(now, &g), now, now, crm.OutboxPending); err != nil {
				return err
			}
			ds[send].ClearNote = g.Note != nil
		}
		rec, err := s.svc.Record(ctx, ds...)
		if err != nil {
			return err
		}
		for i, ok := range rec {
			if !ok {
				continue // another scan decided it since the read
			}
			if reasons[i] == "" {
				st.Digests++
				continue
			}
			st.Skipped++
			if st.SkippedBy == nil {
				st.SkippedBy = map[string]int{}
			}
			st.SkippedBy[reasons[i]]++
			d := slots[0]
			for _, sl := range slots {
				if sl.SkipKey == ds[i].Msg.Key {
					d = sl
				}
			}
			attrs := []any{"user", id, "date", d.Date, "at", d.At.UTC().Format(time.RFC3339), "reason", reasons[i]}
			if reasons[i] == skipOffline {
				attrs = append(attrs, "offline_from", alive.UTC().Format(time.RFC3339), "offline_to", now.Format(time.RFC3339))
			}
			s.log.Info("digest skipped", attrs...)
		}
	}
	return nil
}

// digestFor decides f.User's digest from the facts read: sent, skipped (and why), or
// not yet. It does no I/O and renders nothing: ds[send] is the digest to send, its
// message still empty (send is -1 when none), and reasons[i] says why ds[i] is a skip.
func (s *Scheduler) digestFor(f *crm.DigestFacts, slots []digestSlot, now, alive time.Time) (ds []crm.Decision, reasons []string, send int) {
	u := f.User
	if _, on := u.DigestMinute(); !on || u.Disabled {
		return nil, nil, -1
	}
	to, ok := s.target(u)
	if !ok {
		return nil, nil, -1
	}
	for i, d := range slots {
		if f.Decided[d.SentKey] || f.Decided[d.SkipKey] {
			continue
		}
		yesterday := i > 0 || d.At.In(u.Location()).Day() != now.In(u.Location()).Day()
		late := now.Sub(d.At) > s.cfg.Grace
		reason := ""
		switch {
		case !u.Schedule().Days[d.At.In(u.Location()).Weekday()]:
			if yesterday {
				continue // was decided, or not worth a record, yesterday
			}
			reason = skipDayOff
		case late:
			// Someone with no open interests (an admin, a head who sells nothing) would
			// get an empty digest every morning: noise that teaches people to ignore the
			// bot. Not recorded before the grace ends, so a first interest later in the
			// grace period still gets one.
			switch {
			case len(f.Open) == 0:
				reason = skipNoOpen
			case !alive.IsZero() && alive.Before(d.At):
				reason = skipOffline
			default:
				reason = skipLate
			}
			if yesterday && reason != skipOffline {
				continue
			}
		}
		if reason != "" {
			dec := crm.Decision{Unless: []string{d.SentKey}, Msg: &crm.OutboxMessage{Key: d.SkipKey, Target: to, Payload: []byte("{}"), Created: now, NotBefore: now, State: crm.OutboxSkipped}}
			if reason == skipOffline {
				// Kept for the person's next digest, which says why this one never came.
				dec.NoteUser, dec.Note = u.ID, &crm.SkipNote{Date: d.At, From: alive, To: now}
			}
			ds, reasons = append(ds, dec), append(reasons, reason)
			continue
		}
		if len(f.Open) == 0 {
			continue
		}
		ds = append(ds, crm.Decision{Unless: []string{d.SkipKey}, Msg: &crm.OutboxMessage{Key: d.SentKey, Target: to}, NoteUser: u.ID})
		reasons = append(reasons, "")
		return ds, reasons, len(ds) - 1 // one a day
	}
	return ds, reasons, -1
}

// headDigestTime is when the department digest is due: the digest time, zone and
// working days of the lead who set the channel; CRMBOT_HEAD_DIGEST_AT (in
// CRMBOT_HEAD_TZ, Monday to Friday) for a department without one.
func (s *Scheduler) headDigestTime(ch bot.DeptChannel, users map[uint64]*crm.User) (*crm.User, int, crm.WorkSchedule) {
	m := crm.DefaultDigestAt
	if v, err := crm.ParseWorkSchedule(s.cfg.HeadDigestAt+"-23:59", ""); err == nil {
		m = v.Start
	}
	if h := users[ch.SetBy]; h != nil && !h.Disabled && h.IsLead() {
		if hm, on := h.DigestMinute(); on && h.DigestAt != "" {
			m = hm
		}
		return h, m, h.Schedule()
	}
	return s.headUser(users), m, crm.DefaultWorkSchedule
}

// scanHeadDigest decides the department's digest for its channel once per working
// day (R11, R17). The report is read in one snapshot, rendered — the chart too —
// outside any transaction, and recorded in a short write.
func (s *Scheduler) scanHeadDigest(ctx context.Context, now, alive time.Time, ch bot.DeptChannel, st *ScanStats) error {
	if ch.Target == "" {
		return nil
	}
	var (
		slot digestSlot
		head *crm.User
		work crm.WorkSchedule
		has  bool
	)
	decided, _, marks, err := s.svc.Decided(ctx, func(users map[uint64]*crm.User) []string {
		var m int
		head, m, work = s.headDigestTime(ch, users)
		slots := slotsAt("headdigest:", now, m, head.Location())
		if len(slots) == 0 {
			return nil
		}
		slot, has = slots[0], true
		return slot.keys()
	})
	if err != nil || !has {
		return err
	}
	loc := head.Location()
	if slot.At.In(loc).Day() != now.In(loc).Day() {
		return nil // today's is still to come
	}
	if decided[slot.SentKey] || decided[slot.SkipKey] {
		return nil
	}
	reason := ""
	switch {
	case !work.Days[slot.At.In(loc).Weekday()]:
		reason = skipDayOff
	case now.Sub(slot.At) > s.cfg.Grace:
		reason = skipLate
		if !alive.IsZero() && alive.Before(slot.At) {
			reason = skipOffline
		}
	}
	if reason != "" {
		m, err := message(slot.SkipKey, ch.Target, bot.Reply{}, now, now, crm.OutboxSkipped)
		if err != nil {
			return err
		}
		rec, err := s.svc.Record(ctx, crm.Decision{Unless: []string{slot.SentKey}, Msg: m})
		if err != nil || !rec[0] {
			return err
		}
		st.Skipped++
		st.SkippedBy = map[string]int{reason: 1}
		s.log.Info("department digest skipped", "date", slot.Date, "at", slot.At.UTC().Format(time.RFC3339), "reason", reason)
		return nil
	}
	since := marks.HeadDigest
	if since.IsZero() {
		since = slot.At.Add(-24 * time.Hour)
	}
	rep, err := s.svc.DepartmentReport(ctx, now, since)
	if err != nil {
		return err
	}
	pu := s.pusher(ctx, head)
	r := pu.HeadDigest(since, rep)
	if s.cfg.HeadDigestChart {
		if r.Image, err = pu.PipelineChart(rep.Pipeline); err != nil {
			return err
		}
	}
	m, err := message(slot.SentKey, ch.Target, r, now, now, crm.OutboxPending)
	if err != nil {
		return err
	}
	rec, err := s.svc.Record(ctx, crm.Decision{Unless: []string{slot.SkipKey}, Msg: m, HeadDigest: now})
	if err != nil || !rec[0] {
		return err
	}
	st.Digests++
	return nil
}
