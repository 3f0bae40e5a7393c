package crm

import (
	"context"
	"strconv"
	"time"
)

// DefaultResponseTarget is how soon, in the owner's working time, a new inquiry must
// be touched when the head has set nothing (R16).
const DefaultResponseTarget = 2 * time.Hour

// MaxResponseTarget bounds the setting: a week of working time is no longer "fast".
const MaxResponseTarget = 40 * time.Hour

// AddWorkingTime returns the instant d of working time (by this schedule, in loc)
// after t: time outside working hours does not count, so two working hours from
// Friday 17:00 are Monday 10:00 for a 09:00–18:00 week. A schedule without working
// days counts every hour.
func (w WorkSchedule) AddWorkingTime(t time.Time, d time.Duration, loc *time.Location) time.Time {
	if !w.anyDay() || w.End <= w.Start {
		return t.Add(d)
	}
	for i := 0; i < 800 && d > 0; i++ { // bounded: 800 working days is far past any target
		t = w.NextWorking(t, loc)
		l := t.In(loc)
		end := time.Date(l.Year(), l.Month(), l.Day(), w.End/60, w.End%60, 0, 0, loc)
		if left := end.Sub(t); d <= left {
			return t.Add(d)
		} else {
			d -= left
			t = end
		}
	}
	return t
}

// WorkingTimeBetween is the working time (by this schedule, in loc) from a to b: what
// a first response took as the owner's working hours count it. A schedule without
// working days counts every hour.
func (w WorkSchedule) WorkingTimeBetween(a, b time.Time, loc *time.Location) time.Duration {
	if !b.After(a) {
		return 0
	}
	if !w.anyDay() || w.End <= w.Start {
		return b.Sub(a)
	}
	var total time.Duration
	t := a
	for i := 0; i < 800 && t.Before(b); i++ { // bounded as AddWorkingTime
		t = w.NextWorking(t, loc)
		if !t.Before(b) {
			break
		}
		l := t.In(loc)
		end := time.Date(l.Year(), l.Month(), l.Day(), w.End/60, w.End%60, 0, 0, loc)
		if end.After(b) {
			end = b
		}
		total += end.Sub(t)
		t = end
	}
	return total
}

// responseTarget is the team's first-response target.
func responseTarget(tx Tx) (time.Duration, error) {
	r, err := tx.InquiryRouting()
	if err != nil {
		return 0, err
	}
	if r.ResponseTarget <= 0 {
		return DefaultResponseTarget, nil
	}
	return r.ResponseTarget, nil
}

// startResponse sets a new interest's first-response due time (R16) and marks its
// client data confirmed (R15): both start at creation.
func startResponse(tx Tx, in *Interest, owner *User, now time.Time) error {
	target, err := responseTarget(tx)
	if err != nil {
		return err
	}
	in.ConfirmedAt = now
	in.ResponseDue = owner.Schedule().AddWorkingTime(now, target, owner.Location())
	return nil
}

// firstResponse records the owner's first touch of an inquiry: a logged interaction
// or a stage change (R16). The audit entry "first_response" carries the seconds of
// the owner's working time it took, so that reports read the times of a period
// without reading interests, and a Friday-evening inquiry answered first thing on
// Monday counts as answered fast.
func firstResponse(tx Tx, op Op, in *Interest, action string, now time.Time) error {
	if !in.FirstResponseAt.IsZero() || in.ResponseDue.IsZero() || op.Actor == nil || op.Actor.ID != in.OwnerID {
		return nil
	}
	if action != "log" && action != "stage" && action != "proposal_sent" {
		return nil
	}
	in.FirstResponseAt = now
	secs := int64(op.Actor.Schedule().WorkingTimeBetween(in.CreatedAt, now, op.Actor.Location()) / time.Second)
	return tx.AddAudit(&AuditEntry{At: now, ActorID: in.OwnerID, Entity: "interest", EntityID: in.ID, Action: "first_response", Detail: strconv.FormatInt(secs, 10)})
}

// Unanswered reports whether in is an inquiry whose first response is overdue at now.
func Unanswered(in *Interest, now time.Time) bool {
	return in.Open() && !in.ResponseDue.IsZero() && in.FirstResponseAt.IsZero() && now.After(in.ResponseDue)
}

// SetResponseTarget sets the team's first-response target (heads and admins, R16).
func (s *Service) SetResponseTarget(ctx context.Context, op Op, d time.Duration) error {
	if op.Actor == nil || !op.Actor.IsLead() {
		return s.refused(ctx, op, "settings", 0, "response", Errorf(EFORBIDDEN, "err.response_forbidden"))
	}
	if d < 15*time.Minute || d > MaxResponseTarget {
		return Errorf(EINVALID, "err.response_range")
	}
	return s.Store.Update(ctx, func(tx Tx) error {
		r, err := tx.InquiryRouting()
		if err != nil {
			return err
		}
		r.ResponseTarget = d
		if err := tx.PutInquiryRouting(r); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "settings", Action: "response", Detail: d.String()})
	})
}

// ResponseTarget returns the team's first-response target.
func (s *Service) ResponseTarget(ctx context.Context) (time.Duration, error) {
	var d time.Duration
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		d, err = responseTarget(tx)
		return err
	})
	return d, err
}

// Unanswered returns the open inquiries of the team whose first response is overdue
// at now, by owner then id. It reads only interests at the new stage: a stage change
// is a response, so an unanswered inquiry is always there.
func (c *ScanChunk) Unanswered(now time.Time) ([]*Interest, error) {
	var out []*Interest
	for _, id := range sortedUserIDs(c.Users) {
		ins, err := c.tx.OpenInterests(id, StageNew, 0)
		if err != nil {
			return nil, err
		}
		for _, in := range ins {
			if Unanswered(in, now) {
				out = append(out, in)
			}
		}
	}
	return out, nil
}

func sortedUserIDs(m map[uint64]*User) []uint64 {
	ids := make([]uint64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
	return ids
}
