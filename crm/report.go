package crm

import (
	"slices"
	"strings"
	"time"
)

// Activity counts what happened to interests in a period: opened, won and lost (by
// reason), in total and per owner (R17: the share of interests that end in a deal).
type Activity struct {
	From, To time.Time
	Opened   int
	Won      int
	Lost     int
	LostBy   map[LossReason]int
	PerOwner map[uint64]*OwnerActivity
}

// OwnerActivity is one owner's share of an Activity.
type OwnerActivity struct {
	Opened, Won, Lost int
}

// WonOfClosed is won ÷ (won + lost) in percent, and whether anything closed.
func (a *Activity) WonOfClosed() (int, bool) {
	if a.Won+a.Lost == 0 {
		return 0, false
	}
	return a.Won * 100 / (a.Won + a.Lost), true
}

// WonOfOpened is won ÷ opened in percent, and whether anything was opened.
func (a *Activity) WonOfOpened() (int, bool) {
	if a.Opened == 0 {
		return 0, false
	}
	return a.Won * 100 / a.Opened, true
}

// ActivitySince counts what happened from from to to, as BuildConversion does for the
// whole department: its cost is in proportion to the changes in the period, not to
// the size of the database.
func ActivitySince(tx Tx, from, to time.Time) (*Activity, error) {
	cv, err := BuildConversion(tx, from, to, ReportFilter{NoSizes: true})
	if err != nil {
		return nil, err
	}
	a := &Activity{From: from, To: to, Opened: cv.Total.Opened, Won: cv.Total.Won, Lost: cv.Total.Lost,
		LostBy: cv.LostBy, PerOwner: map[uint64]*OwnerActivity{}}
	for id, t := range cv.PerOwner {
		a.PerOwner[id] = &OwnerActivity{Opened: t.Opened, Won: t.Won, Lost: t.Lost}
	}
	return a, nil
}

// ReportFilter narrows a period's report: to one owner (0 for all), one segment, one
// company size ("" for all).
type ReportFilter struct {
	Owner   uint64
	Segment Segment
	Size    CompanySize
	// NoSizes leaves PerSize empty, for reports that do not show it: companies are
	// then read only for a Size filter, which halves the lookups of a long period.
	NoSizes bool
}

// Tally counts one group's interests in a period: opened in it, and won or lost at
// its end, with the won interests' values summed per currency.
type Tally struct {
	Opened, Won, Lost int
	WonValue          map[string]int64
}

// Rate is won ÷ (won + lost) in percent, and whether anything closed.
func (t *Tally) Rate() (int, bool) {
	if t.Won+t.Lost == 0 {
		return 0, false
	}
	return t.Won * 100 / (t.Won + t.Lost), true
}

// Conversion is R17's report for a period [From, To), broken down the ways a head
// asks for it. Every interest is counted once, in the state it was in at the
// period's end: a deal won and then moved back to proposal within the period is
// neither won nor lost, and one won, reopened and lost is lost only — as the
// pipeline's kept counters count it.
type Conversion struct {
	From, To  time.Time
	Total     Tally
	LostBy    map[LossReason]int
	PerOwner  map[uint64]*Tally
	PerSource map[string]*Tally // by the interest's source, lower case
	PerSize   map[CompanySize]*Tally
	DaysToWon []float64 // first contact → deal, for each interest won at the end
	// Reached counts the interests that got at least that far in the period: the
	// funnel. Its won step counts the same interests as Total.Won.
	Reached map[Stage]int
}

// funnelRank orders the path (R3) for the funnel; lost is not a step forward, and
// won is counted from the state at the period's end.
var funnelRank = map[Stage]int{StageNew: 0, StageMeeting: 1, StageProposal: 2, StageDeliberating: 3}

// BuildConversion reads the period's changes with WalkChanges, keeps each interest's
// last one, and then looks up each interest it names once (and each company once) for
// the filters and the breakdowns: the cost is in proportion to the interests changed
// in the period, never to the database.
func BuildConversion(tx Tx, from, to time.Time, f ReportFilter) (*Conversion, error) {
	cv := &Conversion{From: from, To: to, LostBy: map[LossReason]int{}, PerOwner: map[uint64]*Tally{},
		PerSource: map[string]*Tally{}, PerSize: map[CompanySize]*Tally{}, Reached: map[Stage]int{}}
	type life struct {
		opened bool
		last   *Change // the last stage change in the period
		rank   int     // the furthest open stage reached in the period
	}
	lives := map[uint64]*life{}
	var order []uint64 // the interests changed in the period
	err := WalkChanges(tx, from, to, func(ch Change) error {
		l := lives[ch.InterestID]
		if l == nil {
			l = &life{rank: -1}
			lives[ch.InterestID] = l
			order = append(order, ch.InterestID)
		}
		if ch.Opened {
			l.opened = true
			l.rank = max(l.rank, funnelRank[StageNew])
			return nil
		}
		c := ch
		l.last = &c
		if r, ok := funnelRank[ch.Stage]; ok {
			l.rank = max(l.rank, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	companies := map[uint64]*Company{}
	company := func(id uint64) (*Company, error) {
		if co, ok := companies[id]; ok {
			return co, nil
		}
		co, err := tx.Company(id)
		if ErrorCode(err) == ENOTFOUND {
			co, err = &Company{ID: id}, nil
		}
		if err != nil {
			return nil, err
		}
		companies[id] = co
		return co, nil
	}
	pick := func(m map[string]*Tally, k string) *Tally {
		if m[k] == nil {
			m[k] = &Tally{}
		}
		return m[k]
	}
	// Look the interests up in key order: a cursor-friendly walk of the B+tree
	// instead of random reads (the figures do not depend on the order).
	slices.Sort(order)
	for _, id := range order {
		l := lives[id]
		in, err := tx.Interest(id)
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if (f.Owner != 0 && in.OwnerID != f.Owner) || (f.Segment != "" && in.Segment != f.Segment) {
			continue
		}
		co := &Company{ID: in.CompanyID}
		if f.Size != "" || !f.NoSizes {
			if co, err = company(in.CompanyID); err != nil {
				return nil, err
			}
		}
		if f.Size != "" && co.Size != f.Size {
			continue
		}
		final := Stage("")
		if l.last != nil {
			final = l.last.Stage
		}
		for st, r := range funnelRank {
			if r <= l.rank || final == StageWon {
				cv.Reached[st]++
			}
		}
		if !l.opened && final != StageWon && final != StageLost {
			continue // moved along in the period, but neither opened nor closed
		}
		if cv.PerOwner[in.OwnerID] == nil {
			cv.PerOwner[in.OwnerID] = &Tally{}
		}
		groups := []*Tally{&cv.Total, cv.PerOwner[in.OwnerID], pick(cv.PerSource, strings.ToLower(strings.TrimSpace(in.Source)))}
		if !f.NoSizes {
			if cv.PerSize[co.Size] == nil {
				cv.PerSize[co.Size] = &Tally{}
			}
			groups = append(groups, cv.PerSize[co.Size])
		}
		for _, g := range groups {
			if l.opened {
				g.Opened++
			}
			switch final {
			case StageWon:
				g.Won++
				if in.Value > 0 {
					if g.WonValue == nil {
						g.WonValue = map[string]int64{}
					}
					g.WonValue[in.Currency] += in.Value
				}
			case StageLost:
				g.Lost++
			}
		}
		switch final {
		case StageWon:
			cv.DaysToWon = append(cv.DaysToWon, l.last.At.Sub(in.CreatedAt).Hours()/24)
			cv.Reached[StageWon]++
		case StageLost:
			cv.LostBy[l.last.Loss]++
		}
	}
	return cv, nil
}

// Change is one step in an interest's life, as the audit log records it: its
// creation, or a move to another stage.
type Change struct {
	InterestID uint64
	At         time.Time
	Opened     bool       // the interest was created
	Stage      Stage      // the stage it moved to (when not Opened)
	Loss       LossReason // why, when it moved to lost
}

// WalkChanges calls fn for every creation and stage change of an interest in
// [from, to), oldest first. It is the one reader of the audit entries SetStage and
// CreateInterest write, so every report counts them the same way; its cost is in
// proportion to the changes in the period.
func WalkChanges(tx Tx, from, to time.Time, fn func(Change) error) error {
	return tx.AuditSince(from, func(e *AuditEntry) error {
		if e.Refused || e.Entity != "interest" || !e.At.Before(to) {
			return nil
		}
		switch e.Action {
		case "create":
			return fn(Change{InterestID: e.EntityID, At: e.At, Opened: true})
		case "stage":
			// Detail is "from→to[/reason]" (see Service.SetStage).
			_, moved, _ := strings.Cut(e.Detail, "→")
			st, reason, _ := strings.Cut(moved, "/")
			ch := Change{InterestID: e.EntityID, At: e.At, Stage: Stage(st)}
			if ch.Stage == StageLost {
				ch.Loss = LossReason(reason)
			}
			return fn(ch)
		}
		return nil
	})
}
