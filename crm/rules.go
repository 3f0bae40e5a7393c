package crm

import "time"

// Cadence is the default delay before the next follow-up when a user logs something
// without naming one (the next-action invariant, R4). A Days value counts calendar
// days; the due time is DueHour:00 in the user's time zone, so "in 3 days" does not
// land at 3 a.m.
type Cadence struct {
	New           int `json:"new"`
	Meeting       int `json:"meeting"`
	Proposal      int `json:"proposal"`
	DecisionMaker int `json:"decision_maker"` // R4: fast, days
	Comparing     int `json:"comparing"`      // R4: at least once a week
	Budget        int `json:"budget"`         // R4: the longest
	DueHour       int `json:"due_hour"`
}

// DefaultCadence is the cadence table used unless configured otherwise.
var DefaultCadence = Cadence{New: 1, Meeting: 2, Proposal: 3, DecisionMaker: 3, Comparing: 7, Budget: 30, DueHour: 10}

// Days returns the follow-up delay in days for an interest at stage (and, when
// deliberating, for reason r).
func (c Cadence) Days(stage Stage, r DeliberationReason) int {
	switch stage {
	case StageNew:
		return c.New
	case StageMeeting:
		return c.Meeting
	case StageProposal:
		return c.Proposal
	case StageDeliberating:
		switch r {
		case DeliberationDecisionMaker:
			return c.DecisionMaker
		case DeliberationComparing:
			return c.Comparing
		case DeliberationBudget:
			return c.Budget
		}
		return c.DecisionMaker
	}
	return 0
}

// DefaultNext returns the next action the cadence schedules for an interest at stage
// (reason r), counted from now in loc, at DueHour. Short delays (a new interest, a
// decision-maker to be asked) count working days; the long ones of R4 (comparing,
// budget) count calendar days. Either way a follow-up never falls on a weekend.
func (c Cadence) DefaultNext(stage Stage, r DeliberationReason, now time.Time, loc *time.Location) NextAction {
	days := c.Days(stage, r)
	if days <= 0 {
		days = 1
	}
	local := now.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, loc)
	if stage == StageDeliberating && (r == DeliberationComparing || r == DeliberationBudget) {
		day = NextWorkingDay(day.AddDate(0, 0, days-1))
	} else {
		day = AddWorkingDays(day, days)
	}
	due := time.Date(day.Year(), day.Month(), day.Day(), c.DueHour, 0, 0, 0, loc)
	return NextAction{What: defaultWhat(stage, r), Due: due.UTC()}
}

// IsWorkingDay reports whether t falls on Monday to Friday.
func IsWorkingDay(t time.Time) bool {
	return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
}

// NextWorkingDay returns the first working day after t's day (same clock time).
func NextWorkingDay(t time.Time) time.Time {
	t = t.AddDate(0, 0, 1)
	for !IsWorkingDay(t) {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// AddWorkingDays returns t moved forward by n working days.
func AddWorkingDays(t time.Time, n int) time.Time {
	for ; n > 0; n-- {
		t = NextWorkingDay(t)
	}
	return t
}

// defaultWhat is a catalog key for the default follow-up text: the bot renders it in
// the user's language; stored as the key so it reads right in every language.
func isDefaultWhat(s string) bool { return len(s) > 5 && s[:5] == "next." }

func defaultWhat(stage Stage, r DeliberationReason) string {
	if stage == StageDeliberating && r != "" {
		return "next." + string(r)
	}
	return "next." + string(stage)
}

// CanChange reports whether u may change interest i: its owner, or any head or admin
// (R10: everyone reads the shared database, but managers change only their own).
func CanChange(u *User, i *Interest) bool {
	return u.IsLead() || i.OwnerID == u.ID
}

// CanSee reports whether u may read interest i. By default the whole team reads the
// shared database (R10); with ownOnly a manager sees only their own interests.
func CanSee(u *User, i *Interest, ownOnly bool) bool {
	return !ownOnly || u.IsLead() || i.OwnerID == u.ID
}

// CheckReassign applies R12 and R13: only a head or an admin moves interests, only to an
// active team member of the interest's segment, and only while it is open.
func CheckReassign(actor, to *User, i *Interest) error {
	if !actor.IsLead() {
		return Errorf(EFORBIDDEN, "err.assign_forbidden")
	}
	if !i.Open() {
		return Errorf(ECONFLICT, "err.closed", i.ID)
	}
	if to.Disabled {
		return Errorf(EINVALID, "err.user_disabled", to.Name)
	}
	if to.Segment != i.Segment {
		return Errorf(EINVALID, "err.segment_mismatch", to.Name, string(to.Segment), string(i.Segment))
	}
	if to.ID == i.OwnerID {
		return Errorf(ECONFLICT, "err.already_owner", to.Name, i.ID)
	}
	return nil
}

// CheckStage validates moving interest i to stage with the given reasons: stages and
// reasons must be known; deliberating needs a deliberation reason (R4) and lost a loss
// reason (R6); a closed interest is not moved (a head or admin may reopen it).
func CheckStage(actor *User, i *Interest, to Stage, dr DeliberationReason, lr LossReason) error {
	if !to.Valid() {
		return Errorf(EINVALID, "err.bad_stage", string(to))
	}
	if !i.Open() && !actor.IsLead() {
		return Errorf(EFORBIDDEN, "err.reopen_forbidden", i.ID, string(i.Stage))
	}
	if to == StageDeliberating && !dr.Valid() {
		return Errorf(EINVALID, "err.need_deliberation_reason")
	}
	if to == StageLost && !lr.Valid() {
		return Errorf(EINVALID, "err.need_loss_reason")
	}
	if to == i.Stage && (to != StageDeliberating || dr == i.Deliberation) && to != StageLost {
		return Errorf(ECONFLICT, "err.same_stage", i.ID, string(to))
	}
	return nil
}

// ApplyStage moves i to stage, keeping the invariants: an open interest always has a
// next action (the cadence's default when it had none or when the stage changed and no
// explicit one is given), and a closed one has none (R8: no more follow-ups).
func ApplyStage(i *Interest, to Stage, dr DeliberationReason, lr LossReason, next *NextAction, cad Cadence, now time.Time, loc *time.Location) {
	i.Stage = to
	i.Deliberation, i.LossReason = "", ""
	switch to {
	case StageDeliberating:
		i.Deliberation = dr
	case StageLost:
		i.LossReason = lr
	}
	if !to.Open() {
		i.Next = NextAction{}
		i.ClosedAt = now
		return
	}
	i.ClosedAt = time.Time{}
	switch {
	case next != nil && !next.IsZero():
		i.Next = *next
	case !i.Next.IsZero() && i.Next.Due.After(now) && !isDefaultWhat(i.Next.What):
		// A follow-up the user set themselves, still ahead, stays: the cadence fills
		// gaps, it does not overrule people.
	default:
		i.Next = cad.DefaultNext(to, dr, now, loc)
	}
}

// CheckUserSegment applies R13 when a user's segment changes: a salesperson who still
// owns open interests of the old segment cannot be moved to the other one.
func CheckUserSegment(u *User, to Segment, openOwned int) error {
	if !to.Valid() {
		return Errorf(EINVALID, "err.bad_segment", string(to))
	}
	if to != u.Segment && openOwned > 0 {
		return Errorf(ECONFLICT, "err.segment_has_open", u.Name, openOwned)
	}
	return nil
}
