package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"crmbot/bot/chart"
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

// decided reports whether the slot's day already had its digest or this slot was
// skipped.
func (d digestSlot) decided(tx crm.Tx) (bool, error) {
	for _, k := range []string{d.SentKey, d.SkipKey} {
		if _, err := tx.OutboxMessage(k); err == nil {
			return true, nil
		} else if crm.ErrorCode(err) != crm.ENOTFOUND {
			return false, err
		}
	}
	return false, nil
}

// skipNote is kept per person after a digest was skipped because the bot was offline,
// and told in their next digest.
type skipNote struct {
	Date time.Time `json:"date"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// scanDigests decides each person's digest: due at the time their settings name, in
// their zone, on their working days; sent late within the grace period, skipped (with
// the reason logged and counted) after it. One short transaction per person who needs
// a decision.
func (s *Scheduler) scanDigests(ctx context.Context, now, alive time.Time, st *ScanStats) error {
	var todo []uint64
	err := s.e.svc.Store.View(ctx, func(tx crm.Tx) error {
		users, err := tx.Users()
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.Disabled {
				continue
			}
			m, on := u.DigestMinute()
			if !on {
				continue
			}
			for _, d := range slotsAt(fmt.Sprintf("digest:%d:", u.ID), now, m, u.Location()) {
				if done, err := d.decided(tx); err != nil {
					return err
				} else if !done {
					todo = append(todo, u.ID)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range todo {
		// The digest reads all of a person's open interests: it is rendered in a read
		// transaction, so the write that records it stays short.
		var pre prerendered
		err := s.e.svc.Store.View(ctx, func(tx crm.Tx) error {
			u, err := tx.User(id)
			if err != nil {
				return err
			}
			pre.dry = true
			return s.digestFor(ctx, tx, u, now, alive, nil, &pre)
		})
		if err != nil {
			return err
		}
		if !pre.write {
			continue // nothing to record: no write transaction
		}
		pre.dry = false
		var ust ScanStats
		err = s.e.svc.Store.Update(ctx, func(tx crm.Tx) error {
			ust = ScanStats{}
			u, err := tx.User(id)
			if err != nil {
				return err
			}
			return s.digestFor(ctx, tx, u, now, alive, &ust, &pre)
		})
		if err != nil {
			return err
		}
		st.add(ust)
	}
	return nil
}

// prerendered carries a digest rendered in a read transaction to the write that
// records it. In a dry run digestFor only renders; in the write it uses the rendered
// digest when the slot is still the same, and renders again only otherwise.
type prerendered struct {
	dry   bool
	write bool // the dry run found something to record
	key   string
	r     Reply
	done  bool
}

// digestFor decides u's digest: sent, skipped (and why), or not yet.
func (s *Scheduler) digestFor(ctx context.Context, tx crm.Tx, u *crm.User, now, alive time.Time, st *ScanStats, pre *prerendered) error {
	m, on := u.DigestMinute()
	if !on || u.Disabled {
		return nil
	}
	to, ok := s.target(u)
	if !ok {
		return nil
	}
	for i, d := range slotsAt(fmt.Sprintf("digest:%d:", u.ID), now, m, u.Location()) {
		if done, err := d.decided(tx); err != nil || done {
			if err != nil {
				return err
			}
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
			if open, err := tx.OpenInterests(u.ID, "", 1); err != nil {
				return err
			} else if len(open) == 0 {
				reason = skipNoOpen
			} else if !alive.IsZero() && alive.Before(d.At) {
				reason = skipOffline
			} else {
				reason = skipLate
			}
			if yesterday && reason != skipOffline {
				continue
			}
		}
		if reason != "" {
			if pre.dry {
				pre.write = true
				continue
			}
			if err := s.skipDigest(tx, d, to, u, now, alive, reason, st); err != nil {
				return err
			}
			continue
		}
		if open, err := tx.OpenInterests(u.ID, "", 1); err != nil {
			return err
		} else if len(open) == 0 {
			continue
		}
		c := s.conv(ctx, u)
		var r Reply
		if pre.done && pre.key == d.SentKey {
			r = pre.r
		} else {
			var err error
			if r, err = c.digest(tx, now, s.cfg.IdleDays); err != nil {
				return err
			}
		}
		if pre.dry {
			pre.key, pre.r, pre.done, pre.write = d.SentKey, r, true, true
			return nil
		}
		if b, err := tx.Blob(nsScheduler, fmt.Sprintf("skipnote:%d", u.ID)); err != nil {
			return err
		} else if b != nil {
			var n skipNote
			if json.Unmarshal(b, &n) == nil {
				r.Text = c.t("sched.digest_skipped_offline", c.day(n.Date), c.when(n.From), c.when(n.To)) + "\n\n" + r.Text
			}
			if err := tx.DeleteBlob(nsScheduler, fmt.Sprintf("skipnote:%d", u.ID)); err != nil {
				return err
			}
		}
		if _, err := s.enqueue(tx, d.SentKey, to, r, now, now, crm.OutboxPending); err != nil {
			return err
		}
		st.Digests++
		return nil // one a day
	}
	return nil
}

// skipDigest records the slot as skipped, logs and counts why, and keeps a note for
// the person's next digest when the bot was offline.
func (s *Scheduler) skipDigest(tx crm.Tx, d digestSlot, to crm.Identity, u *crm.User, now, alive time.Time, reason string, st *ScanStats) error {
	if _, err := s.enqueue(tx, d.SkipKey, to, Reply{}, now, now, crm.OutboxSkipped); err != nil {
		return err
	}
	st.Skipped++
	st.SkippedBy = map[string]int{reason: 1}
	attrs := []any{"user", u.ID, "date", d.Date, "at", d.At.UTC().Format(time.RFC3339), "reason", reason}
	if reason == skipOffline {
		attrs = append(attrs, "offline_from", alive.UTC().Format(time.RFC3339), "offline_to", now.Format(time.RFC3339))
		b, err := json.Marshal(skipNote{Date: d.At, From: alive, To: now})
		if err != nil {
			return err
		}
		if err := tx.PutBlob(nsScheduler, fmt.Sprintf("skipnote:%d", u.ID), b); err != nil {
			return err
		}
	}
	s.log.Info("digest skipped", attrs...)
	return nil
}

// headDigestTime is when the department digest is due: the digest time, zone and
// working days of the lead who set the channel; CRMBOT_HEAD_DIGEST_AT (in
// CRMBOT_HEAD_TZ, Monday to Friday) for a department without one.
func (s *Scheduler) headDigestTime(ch deptChannel, users map[uint64]*crm.User) (*crm.User, int, crm.WorkSchedule) {
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
// day (R11, R17). It is rendered — the chart too — in a read transaction, and only
// enqueued in a write one.
func (s *Scheduler) scanHeadDigest(ctx context.Context, now, alive time.Time, st *ScanStats) error {
	var (
		slot   digestSlot
		target crm.Identity
		reason string
		r      Reply
		since  time.Time
		todo   bool
	)
	err := s.e.svc.Store.View(ctx, func(tx crm.Tx) error {
		ch, err := s.deptChannel(tx)
		if err != nil || ch.Target == "" {
			return err
		}
		target = ch.Target
		users, err := usersByID(tx)
		if err != nil {
			return err
		}
		head, m, work := s.headDigestTime(ch, users)
		loc := head.Location()
		slots := slotsAt("headdigest:", now, m, loc)
		if len(slots) == 0 {
			return nil
		}
		slot = slots[0]
		if slot.At.In(loc).Day() != now.In(loc).Day() {
			return nil // today's is still to come
		}
		if done, err := slot.decided(tx); err != nil || done {
			return err
		}
		todo = true
		switch {
		case !work.Days[slot.At.In(loc).Weekday()]:
			reason = skipDayOff
			return nil
		case now.Sub(slot.At) > s.cfg.Grace:
			reason = skipLate
			if !alive.IsZero() && alive.Before(slot.At) {
				reason = skipOffline
			}
			return nil
		}
		if since, err = getMark(tx, "headdigest_mark"); err != nil {
			return err
		}
		if since.IsZero() {
			since = slot.At.Add(-24 * time.Hour)
		}
		c := s.conv(ctx, head)
		if r, err = c.headDigest(tx, now, since); err != nil {
			return err
		}
		if s.cfg.HeadDigestChart {
			p, err := crm.BuildPipeline(tx, now, 0, s.e.svc.Config.Currency)
			if err != nil {
				return err
			}
			img, err := chart.Pipeline(c.pipelineChart(p, reportArgs{}))
			if err != nil {
				return err
			}
			r.Image = &Image{Name: "pipeline.png", PNG: img, Lang: c.lang}
		}
		return nil
	})
	if err != nil || !todo {
		return err
	}
	return s.e.svc.Store.Update(ctx, func(tx crm.Tx) error {
		// Another scan may have decided it since the read.
		if done, err := slot.decided(tx); err != nil || done {
			return err
		}
		if reason != "" {
			if _, err := s.enqueue(tx, slot.SkipKey, target, Reply{}, now, now, crm.OutboxSkipped); err != nil {
				return err
			}
			st.Skipped++
			st.SkippedBy = map[string]int{reason: 1}
			s.log.Info("department digest skipped", "date", slot.Date, "at", slot.At.UTC().Format(time.RFC3339), "reason", reason)
			return nil
		}
		if _, err := s.enqueue(tx, slot.SentKey, target, r, now, now, crm.OutboxPending); err != nil {
			return err
		}
		st.Digests++
		return setMark(tx, "headdigest_mark", now)
	})
}

// day renders the date of t in the person's zone and language: "Wed 25 Nov", "sri 25. 11.".
func (c *conv) day(t time.Time) string { return formatDay(t.In(c.loc()), c.lang) }
