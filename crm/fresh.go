package crm

import (
	"context"
	"sort"
	"time"
)

// DefaultFreshFor is how long confirmed client data counts as current (R15) when the
// configuration sets nothing.
const DefaultFreshFor = 90 * 24 * time.Hour

// confirmedAt is when in's client data was last confirmed: interests created before
// the confirmation was kept count from their creation.
func confirmedAt(in *Interest) time.Time {
	if in.ConfirmedAt.IsZero() {
		return in.CreatedAt
	}
	return in.ConfirmedAt
}

// Stale reports whether in's client data is due for a "still current?" check at now
// (R15): only interests in deliberating or proposal, where a missed change in needs,
// decision-makers or finances loses the deal.
func Stale(in *Interest, now time.Time, freshFor time.Duration) bool {
	if in.Stage != StageDeliberating && in.Stage != StageProposal {
		return false
	}
	if freshFor <= 0 {
		freshFor = DefaultFreshFor
	}
	return !confirmedAt(in).Add(freshFor).After(now)
}

// ConfirmData records that the client's data of interest id is still current (R15).
func (s *Service) ConfirmData(ctx context.Context, op Op, id uint64) (*Interest, error) {
	in, _, err := s.change(ctx, op, id, "confirm", func(tx Tx, in *Interest, now time.Time) (string, error) {
		in.ConfirmedAt = now
		return "", nil
	})
	return in, err
}

// staleOf returns the interests of ins whose client data is due for a check at now,
// the longest unconfirmed first.
func staleOf(ins []*Interest, now time.Time, freshFor time.Duration) []*Interest {
	var out []*Interest
	for _, in := range ins {
		if Stale(in, now, freshFor) {
			out = append(out, in)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return confirmedAt(out[i]).Before(confirmedAt(out[j])) })
	return out
}

// ConfirmedAt is when in's client data was last confirmed current (its creation for
// interests older than the confirmation).
func ConfirmedAt(in *Interest) time.Time { return confirmedAt(in) }
