package crm

import (
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

// funnelSteps is funnelRank in rank order.
var funnelSteps = [4]Stage{StageNew, StageMeeting, StageProposal, StageDeliberating}

// BuildConversion reads the period's changes with ChangesBetween, which carry each
// interest's current owner, segment, size, source and value, and keeps each
// interest's last one: the cost is in proportion to the changes in the period, and
// it decodes neither audit entries nor interests.
func BuildConversion(tx Tx, from, to time.Time, f ReportFilter) (*Conversion, error) {
	cv := &Conversion{From: from, To: to, LostBy: map[LossReason]int{}, PerOwner: map[uint64]*Tally{},
		PerSource: map[string]*Tally{}, PerSize: map[CompanySize]*Tally{}, Reached: map[Stage]int{}}
	// What the report keeps of each interest changed in the period: small, and kept
	// in chunks that never move, because a year's report has a hundred thousand.
	type life struct {
		opened, changed bool // created in the period; moved in it
		rank            int  // the furthest open stage reached in the period
		lastStage       Stage
		lastLoss        LossReason
		lastAt          time.Time // the last stage change in the period
		ownerID         uint64
		size            CompanySize
		source          string
		value           int64
		currency        string
		createdAt       time.Time
	}
	const chunk = 4096
	var chunks [][]life
	n := 0
	index := map[uint64]int32{}
	err := tx.ChangesBetween(from, to, func(ch *ChangeFact) error {
		if (f.Owner != 0 && ch.OwnerID != f.Owner) || (f.Segment != "" && ch.Segment != f.Segment) || (f.Size != "" && ch.Size != f.Size) {
			return nil
		}
		i, ok := index[ch.InterestID]
		if !ok {
			if n%chunk == 0 {
				chunks = append(chunks, make([]life, 0, chunk))
			}
			i = int32(n)
			index[ch.InterestID] = i
			chunks[n/chunk] = append(chunks[n/chunk], life{rank: -1})
			n++
		}
		l := &chunks[i/chunk][i%chunk]
		// Every change of an interest carries its current figures: the last is as good.
		l.ownerID, l.size, l.source, l.value, l.currency, l.createdAt = ch.OwnerID, ch.Size, ch.Source, ch.Value, ch.Currency, ch.CreatedAt
		if ch.Opened {
			l.opened = true
			l.rank = max(l.rank, funnelRank[StageNew])
			return nil
		}
		l.changed, l.lastStage, l.lastLoss, l.lastAt = true, ch.Stage, ch.Loss, ch.At
		if r, ok := funnelRank[ch.Stage]; ok {
			l.rank = max(l.rank, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pick := func(m map[string]*Tally, k string) *Tally {
		if m[k] == nil {
			m[k] = &Tally{}
		}
		return m[k]
	}
	sourceKeys := map[string]string{} // a source as written → as grouped
	var reached [4]int                // by funnelSteps rank: Reached, without a map per interest
	// In the order the interests first changed: the figures do not depend on it.
	for ci := range chunks {
		for li := range chunks[ci] {
			l := &chunks[ci][li]
			final := Stage("")
			if l.changed {
				final = l.lastStage
			}
			for r := range funnelSteps {
				if r <= l.rank || final == StageWon {
					reached[r]++
				}
			}
			if !l.opened && final != StageWon && final != StageLost {
				continue // moved along in the period, but neither opened nor closed
			}
			if cv.PerOwner[l.ownerID] == nil {
				cv.PerOwner[l.ownerID] = &Tally{}
			}
			src, ok := sourceKeys[l.source]
			if !ok {
				src = strings.ToLower(strings.TrimSpace(l.source))
				sourceKeys[l.source] = src
			}
			var gs [4]*Tally
			groups := append(gs[:0], &cv.Total, cv.PerOwner[l.ownerID], pick(cv.PerSource, src))
			if !f.NoSizes {
				if cv.PerSize[l.size] == nil {
					cv.PerSize[l.size] = &Tally{}
				}
				groups = append(groups, cv.PerSize[l.size])
			}
			for _, g := range groups {
				if l.opened {
					g.Opened++
				}
				switch final {
				case StageWon:
					g.Won++
					if l.value > 0 {
						if g.WonValue == nil {
							g.WonValue = map[string]int64{}
						}
						g.WonValue[l.currency] += l.value
					}
				case StageLost:
					g.Lost++
				}
			}
			switch final {
			case StageWon:
				cv.DaysToWon = append(cv.DaysToWon, l.lastAt.Sub(l.createdAt).Hours()/24)
				cv.Reached[StageWon]++
			case StageLost:
				cv.LostBy[l.lastLoss]++
			}
		}
	}
	for r, n := range reached {
		if n > 0 {
			cv.Reached[funnelSteps[r]] += n
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
// [from, to), oldest first, reading the audit log (ChangeOf); its cost is in
// proportion to the entries since from. Reports read ChangesBetween, the store's
// compact index of the same changes.
func WalkChanges(tx Tx, from, to time.Time, fn func(Change) error) error {
	return tx.AuditSince(from, func(e *AuditEntry) error {
		if !e.At.Before(to) {
			return nil
		}
		if ch, ok := ChangeOf(e); ok {
			return fn(ch)
		}
		return nil
	})
}
