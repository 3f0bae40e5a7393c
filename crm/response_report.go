package crm

import (
	"context"
	"sort"
	"time"
)

// ResponseStat is how fast inquiries were first answered (R16): how many, and the
// median working time it took.
type ResponseStat struct {
	N      int
	Median time.Duration
}

// FirstResponses is the first-response time per manager over a period, and overall.
type FirstResponses struct {
	PerOwner map[uint64]ResponseStat
	Total    ResponseStat
}

// BuildFirstResponses reads the first responses given in [from, to) (of one owner
// when owner is not 0): each is one audit entry, written when it happened with the
// working time it took, and the store keeps them indexed by time, so the cost is that
// of the period's first responses, never of its audit log or of the interests.
func BuildFirstResponses(tx Tx, from, to time.Time, owner uint64) (*FirstResponses, error) {
	per := map[uint64][]time.Duration{}
	var all []time.Duration
	err := tx.FirstResponsesBetween(from, to, owner, func(actor uint64, d time.Duration) error {
		per[actor] = append(per[actor], d)
		all = append(all, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &FirstResponses{PerOwner: map[uint64]ResponseStat{}, Total: stat(all)}
	for id, ds := range per {
		out.PerOwner[id] = stat(ds)
	}
	return out, nil
}

// stat is the count and median of ds (of an even count, the mean of the middle two).
func stat(ds []time.Duration) ResponseStat {
	if len(ds) == 0 {
		return ResponseStat{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	n := len(ds)
	m := ds[n/2]
	if n%2 == 0 {
		m = (ds[n/2-1] + ds[n/2]) / 2
	}
	return ResponseStat{N: n, Median: m}
}

// FirstResponses is BuildFirstResponses over [from, to) as actor may see it: a
// manager sees their own; a lead everyone's, or owner's alone when owner is not 0.
func (s *Service) FirstResponses(ctx context.Context, actor *User, owner uint64, from, to time.Time) (*FirstResponses, error) {
	owner, err := reportOwner(actor, owner)
	if err != nil {
		return nil, err
	}
	var fr *FirstResponses
	err = s.view(ctx, func(tx Tx) error {
		var err error
		fr, err = BuildFirstResponses(tx, from, to, owner)
		return err
	})
	return fr, err
}
