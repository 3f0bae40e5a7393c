package crm

import (
	"context"
	"time"
)

// UndecidedDigests returns the ids of the active people for whom some slot is still
// undecided: slots names, per person, groups of outbox keys, and a group is decided
// when any of its keys is in the outbox. One read for the whole team.
func (s *Service) UndecidedDigests(ctx context.Context, slots func(u *User) [][]string) ([]uint64, error) {
	var todo []uint64
	err := s.Store.View(ctx, func(tx Tx) error {
		todo = todo[:0]
		users, err := tx.Users()
		if err != nil {
			return err
		}
	user:
		for _, u := range users {
			if u.Disabled {
				continue
			}
			for _, group := range slots(u) {
				done := false
				for _, k := range group {
					if done, err = decided(tx, k); err != nil {
						return err
					} else if done {
						break
					}
				}
				if !done {
					todo = append(todo, u.ID)
					continue user
				}
			}
		}
		return nil
	})
	return todo, err
}

// DigestQuery says what a person's digest reads: the keys whose decision it checks,
// the end of the person's day (follow-ups due before it are today's or overdue) and
// the time before which an untouched interest is idle.
type DigestQuery struct {
	Keys       []string
	DayStart   time.Time
	DayEnd     time.Time
	IdleBefore time.Time
	// Named is how many of each list (overdue, today, idle, without a next step) the
	// digest names: only their companies are read. 0 names all.
	Named int
	// Full, when set, says from what was read first (the user, Decided, and Open
	// holding at most one interest) whether the digest is to be rendered: only then
	// are the lists read. A digest skipped, or already decided, costs no more.
	Full func(f *DigestFacts) bool
}

// DigestFacts is what a person's digest is decided and rendered from, read in one
// snapshot so that the rendering needs no transaction.
type DigestFacts struct {
	User    *User
	Decided map[string]bool // of the query's keys
	// Open are the person's open interests; Due those due before the day's end,
	// earliest first; Idle those untouched since the query's time, oldest first.
	Open, Due, Idle []*Interest
	// Stale are the open interests whose client data is due for a "still
	// current?" check (R15, see Stale), oldest confirmation first.
	Stale []*Interest
	// Companies names the companies of every interest listed.
	Companies map[uint64]string
	// Note is the note kept for this digest, nil when none.
	Note *SkipNote
	// Calls are the person's seminar calls still to make (R5).
	Calls []CampaignCalls
}

// DigestFacts reads what user id's digest needs; plan makes the query from the user
// as stored now.
func (s *Service) DigestFacts(ctx context.Context, id uint64, plan func(u *User) DigestQuery) (*DigestFacts, error) {
	var f *DigestFacts
	err := s.Store.View(ctx, func(tx Tx) error {
		u, err := tx.User(id)
		if err != nil {
			return err
		}
		q := plan(u)
		f = &DigestFacts{User: u, Decided: map[string]bool{}, Companies: map[uint64]string{}}
		for _, k := range q.Keys {
			if f.Decided[k], err = decided(tx, k); err != nil {
				return err
			}
		}
		if f.Open, err = tx.OpenInterests(u.ID, "", 1); err != nil {
			return err
		}
		if len(f.Open) == 0 || q.Full != nil && !q.Full(f) {
			return nil // nothing to report, or no digest to render
		}
		if f.Open, err = tx.OpenInterests(u.ID, "", 0); err != nil {
			return err
		}
		if f.Due, err = tx.DueBefore(u.ID, q.DayEnd, 0); err != nil {
			return err
		}
		if f.Idle, err = tx.IdleSince(u.ID, q.IdleBefore, 0); err != nil {
			return err
		}
		// The digest names the companies of what it lists: overdue, due today, idle,
		// and open without a next step — the first Named of each, since a backlog of
		// a thousand overdue follow-ups is listed as fifteen and a count.
		var nonext []*Interest
		for _, in := range f.Open {
			if in.Next.IsZero() {
				nonext = append(nonext, in)
			}
		}
		today := len(f.Due)
		for i, in := range f.Due {
			if !in.Next.Due.Before(q.DayStart) {
				today = i
				break
			}
		}
		first := func(l []*Interest) []*Interest {
			if q.Named > 0 && len(l) > q.Named {
				return l[:q.Named]
			}
			return l
		}
		f.Stale = staleOf(f.Open, s.now(), s.Config.FreshFor)
		for _, list := range [][]*Interest{first(f.Due[:today]), first(f.Due[today:]), first(f.Idle), first(nonext), first(f.Stale)} {
			for _, in := range list {
				if _, ok := f.Companies[in.CompanyID]; ok {
					continue
				}
				if c, err := tx.Company(in.CompanyID); err == nil {
					f.Companies[in.CompanyID] = c.Name
				} else if ErrorCode(err) != ENOTFOUND {
					return err
				}
			}
		}
		if f.Calls, err = openCalls(tx, u.ID, q.DayStart); err != nil {
			return err
		}
		if f.Note, err = tx.SkipNote(u.ID); err != nil {
			return err
		}
		return nil
	})
	return f, err
}

// Decided reads, in one snapshot, the team by id and the scheduler's marks, and
// reports which of the outbox keys that keys names (from the team) are decided: what
// deciding the department's digest starts from.
func (s *Service) Decided(ctx context.Context, keys func(users map[uint64]*User) []string) (map[string]bool, map[uint64]*User, SchedulerState, error) {
	out := map[string]bool{}
	var users map[uint64]*User
	var st SchedulerState
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		if users, err = usersByID(tx); err != nil {
			return err
		}
		for _, k := range keys(users) {
			if out[k], err = decided(tx, k); err != nil {
				return err
			}
		}
		p, err := tx.SchedulerState()
		if err != nil {
			return err
		}
		st = *p
		st.Pass = nil
		return nil
	})
	return out, users, st, err
}

// DepartmentReport is what the department's digest reports (R11, R17): the pipeline,
// what happened since the last digest, and the last 30 days.
type DepartmentReport struct {
	Pipeline     *Pipeline
	Since, Month *Activity
}

// DepartmentReport reads the department's report in one snapshot.
func (s *Service) DepartmentReport(ctx context.Context, now, since time.Time) (*DepartmentReport, error) {
	r := &DepartmentReport{}
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		if r.Pipeline, err = BuildPipeline(tx, now, 0, s.Config.Currency); err != nil {
			return err
		}
		if r.Since, err = ActivitySince(tx, since, now); err != nil {
			return err
		}
		r.Month, err = ActivitySince(tx, now.AddDate(0, 0, -30), now)
		return err
	})
	return r, err
}

// Decision is one push the scheduler decided outside a transaction, to be recorded.
type Decision struct {
	// Unless lists keys whose presence in the outbox means another scan decided it
	// since the read; Msg's own key is always checked.
	Unless []string
	Msg    *OutboxMessage
	// NoteUser's skip note is set to Note, or deleted with ClearNote (it was told).
	NoteUser  uint64
	Note      *SkipNote
	ClearNote bool
	// HeadDigest, when set, is recorded as the time of the department's digest.
	HeadDigest time.Time
}

// Record records decisions in one write transaction, each unless it was decided since;
// it reports which were recorded.
func (s *Service) Record(ctx context.Context, ds ...Decision) ([]bool, error) {
	rec := make([]bool, len(ds))
	err := s.Store.Update(ctx, func(tx Tx) error {
		clear(rec)
		for i, d := range ds {
			dup := false
			for _, k := range d.Unless {
				var err error
				if dup, err = decided(tx, k); err != nil {
					return err
				} else if dup {
					break
				}
			}
			if dup {
				continue
			}
			added, err := tx.Enqueue(d.Msg)
			if err != nil {
				return err
			}
			if !added {
				continue
			}
			rec[i] = true
			switch {
			case d.Note != nil:
				err = tx.PutSkipNote(d.NoteUser, d.Note)
			case d.ClearNote:
				err = tx.PutSkipNote(d.NoteUser, nil)
			}
			if err != nil {
				return err
			}
			if !d.HeadDigest.IsZero() {
				st, err := tx.SchedulerState()
				if err != nil {
					return err
				}
				st.HeadDigest = d.HeadDigest
				if err := tx.PutSchedulerState(st); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return rec, err
}
