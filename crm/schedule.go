package crm

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// WorkSchedule is when a person works, in their own time zone: follow-ups that fall due
// outside it are delivered at the start of the next working period, not at 3 a.m.
type WorkSchedule struct {
	Start int     `json:"start"` // minutes after midnight, e.g. 9*60
	End   int     `json:"end"`   // minutes after midnight, after Start
	Days  [7]bool `json:"days"`  // indexed by time.Weekday
}

// DefaultWorkSchedule is 09:00–18:00, Monday to Friday.
var DefaultWorkSchedule = WorkSchedule{Start: 9 * 60, End: 18 * 60, Days: [7]bool{false, true, true, true, true, true, false}}

// DefaultDigestAt is the default time of the manager's morning digest.
const DefaultDigestAt = 8*60 + 30

// Schedule returns the user's working schedule (the default when unset).
func (u *User) Schedule() WorkSchedule {
	if u.Work == nil {
		return DefaultWorkSchedule
	}
	return *u.Work
}

// DigestMinute returns the minute of the day of the user's digest and whether they want
// one at all.
func (u *User) DigestMinute() (int, bool) {
	switch u.DigestAt {
	case "":
		return DefaultDigestAt, true
	case "off":
		return 0, false
	}
	m, err := parseClock(u.DigestAt)
	if err != nil {
		return DefaultDigestAt, true
	}
	return m, true
}

// Working reports whether t (in loc) is inside a working period.
func (w WorkSchedule) Working(t time.Time, loc *time.Location) bool {
	l := t.In(loc)
	m := l.Hour()*60 + l.Minute()
	return w.Days[l.Weekday()] && m >= w.Start && m < w.End
}

// NextWorking returns t when it is inside a working period, and otherwise the start of
// the next one. It walks calendar days in loc, so a DST change moves nothing but the
// offset.
func (w WorkSchedule) NextWorking(t time.Time, loc *time.Location) time.Time {
	if w.Working(t, loc) {
		return t
	}
	if !w.anyDay() {
		return t
	}
	l := t.In(loc)
	for d := 0; d < 8; d++ {
		day := time.Date(l.Year(), l.Month(), l.Day()+d, 0, 0, 0, 0, loc)
		if !w.Days[day.Weekday()] {
			continue
		}
		start := time.Date(day.Year(), day.Month(), day.Day(), w.Start/60, w.Start%60, 0, 0, loc)
		if start.After(t) {
			return start
		}
	}
	return t
}

func (w WorkSchedule) anyDay() bool {
	for _, d := range w.Days {
		if d {
			return true
		}
	}
	return false
}

// WorkingDaysSince counts the working days (by this schedule) after due's day up to and
// including now's day: a follow-up due on Friday is 1 working day overdue on Monday.
func (w WorkSchedule) WorkingDaysSince(due, now time.Time, loc *time.Location) int {
	if !now.After(due) {
		return 0
	}
	d := due.In(loc)
	n := now.In(loc)
	day := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc)
	end := time.Date(n.Year(), n.Month(), n.Day(), 12, 0, 0, 0, loc)
	count := 0
	for day = day.AddDate(0, 0, 1); !day.After(end); day = day.AddDate(0, 0, 1) {
		if w.Days[day.Weekday()] {
			count++
		}
		if count > 366 {
			break
		}
	}
	return count
}

// LastDigestTime returns the latest digest instant at or before now: minute m of a
// working day, in loc. ok is false when there is none in the last week.
func (w WorkSchedule) LastDigestTime(now time.Time, m int, loc *time.Location) (time.Time, bool) {
	n := now.In(loc)
	for d := 0; d < 8; d++ {
		day := time.Date(n.Year(), n.Month(), n.Day()-d, 0, 0, 0, 0, loc)
		if !w.Days[day.Weekday()] {
			continue
		}
		at := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, loc)
		if !at.After(now) {
			return at, true
		}
	}
	return time.Time{}, false
}

// ParseWorkSchedule reads "09:00-18:00" with optional days "mon-fri", "mon-sat" or a
// list "mon,tue,thu".
func ParseWorkSchedule(hours, days string) (WorkSchedule, error) {
	w := DefaultWorkSchedule
	from, to, ok := strings.Cut(strings.TrimSpace(hours), "-")
	if !ok {
		return w, Errorf(EINVALID, "err.bad_hours", hours)
	}
	s, err1 := parseClock(from)
	e, err2 := parseClock(to)
	if err1 != nil || err2 != nil || e <= s {
		return w, Errorf(EINVALID, "err.bad_hours", hours)
	}
	w.Start, w.End = s, e
	if days = Fold(strings.TrimSpace(days)); days != "" {
		var ds [7]bool
		names := map[string]time.Weekday{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
			// Croatian, folded: pon, uto, sri, čet, pet, sub, ned
			"ned": 0, "pon": 1, "uto": 2, "sri": 3, "cet": 4, "pet": 5, "sub": 6}
		for _, part := range strings.Split(days, ",") {
			a, b, rng := strings.Cut(strings.TrimSpace(part), "-")
			da, ok1 := names[a]
			db, ok2 := names[b]
			if !ok1 || rng && !ok2 {
				return w, Errorf(EINVALID, "err.bad_days", days)
			}
			if !rng {
				db = da
			}
			for d := da; ; d = (d + 1) % 7 {
				ds[d] = true
				if d == db {
					break
				}
			}
		}
		w.Days = ds
	}
	return w, nil
}

// parseClock reads "08:30" (or "8") into minutes after midnight.
func parseClock(s string) (int, error) {
	var h, m int
	s = strings.TrimSpace(s)
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil {
		if _, err := fmt.Sscanf(s, "%d", &h); err != nil {
			return 0, err
		}
		m = 0
	}
	if h < 0 || h > 24 || m < 0 || m > 59 || h == 24 && m > 0 {
		return 0, fmt.Errorf("bad clock %q", s)
	}
	return h*60 + m, nil
}

// FormatClock renders minutes after midnight as "08:30".
func FormatClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// SetSchedule sets a user's working hours and digest time ("08:30" or "off"); nil
// leaves a field unchanged.
func (s *Service) SetSchedule(ctx context.Context, op Op, userID uint64, work *WorkSchedule, digestAt *string) (*User, error) {
	if op.Actor.ID != userID && op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "user", userID, "schedule", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	if digestAt != nil && *digestAt != "off" {
		m, err := parseClock(*digestAt)
		if err != nil {
			return nil, Errorf(EINVALID, "err.bad_clock", *digestAt)
		}
		v := FormatClock(m)
		digestAt = &v
	}
	var u *User
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.User(userID); err != nil {
			return err
		}
		if work != nil {
			w := *work
			u.Work = &w
		}
		if digestAt != nil {
			u.DigestAt = *digestAt
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "schedule"})
	})
	return u, err
}
