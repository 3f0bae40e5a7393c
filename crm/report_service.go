package crm

import (
	"context"
	"slices"
	"sort"
	"time"
)

// The reports (R11, R17) as Service methods: each reads what it needs in one read
// transaction and returns typed figures; the bot only parses the command and renders
// them. Managers see only their own figures; heads and admins anyone's.

// reportOwner is the owner a report may show: a manager only themselves.
func reportOwner(actor *User, owner uint64) (uint64, error) {
	if actor.IsLead() {
		return owner, nil
	}
	if owner != 0 && owner != actor.ID {
		return 0, Errorf(EFORBIDDEN, "err.pipeline_forbidden")
	}
	return actor.ID, nil
}

// PipelineQuery asks for the pipeline report.
type PipelineQuery struct {
	Owner uint64 // one manager's row; 0 for everyone the actor may see
	Facet Facet
	// From and To, when From is not zero, are a period [From, To) whose won and lost
	// replace the all-time counts.
	From, To time.Time
	// List lists up to this many of Owner's open interests in the facet (with Owner
	// only; 0: none), stage by stage, each stage by next step.
	List int
}

// PipelineReport is the pipeline (R11) with what a period and a named owner add.
type PipelineReport struct {
	*Pipeline
	// Period holds the period's figures per owner and in total (won values
	// included), nil without a period.
	Period *Conversion
	// Listed is the first of the owner's open interests in the facet, when asked,
	// and ListedTotal how many there are in all.
	Listed      []*Summary
	ListedTotal int
}

// PipelineReport builds the pipeline from the kept counters (by facet when filtered),
// and with a period the period's won and lost from its changes.
func (s *Service) PipelineReport(ctx context.Context, actor *User, q PipelineQuery) (*PipelineReport, error) {
	owner, err := reportOwner(actor, q.Owner)
	if err != nil {
		return nil, err
	}
	r := &PipelineReport{}
	err = s.Store.View(ctx, func(tx Tx) error {
		var err error
		if r.Pipeline, err = buildPipeline(tx, s.Clock(), owner, s.Config.Currency, q.Facet); err != nil {
			return err
		}
		if q.List > 0 && owner != 0 {
			if r.Listed, r.ListedTotal, err = openOf(tx, owner, q.Facet, q.List); err != nil {
				return err
			}
		}
		if q.From.IsZero() {
			return nil
		}
		cv, err := BuildConversion(tx, q.From, q.To, ReportFilter{Owner: owner, Segment: q.Facet.Segment, Size: q.Facet.Size, NoSizes: true})
		if err != nil {
			return err
		}
		r.Period = cv
		for _, row := range r.Rows {
			row.Won, row.Lost = 0, 0
			if t := cv.PerOwner[row.Owner.ID]; t != nil {
				row.Won, row.Lost = t.Won, t.Lost
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// openOf lists the first limit of the owner's open interests in f, in
// OpenSummaries' order, and counts them all: it decodes the owner's open interests
// (to order and filter them) but looks up contacts and companies only for the ones
// it lists.
func openOf(tx Tx, owner uint64, f Facet, limit int) ([]*Summary, int, error) {
	names, err := userNames(tx)
	if err != nil {
		return nil, 0, err
	}
	sizes := map[uint64]CompanySize{}
	var out []*Summary
	total := 0
	for _, st := range OpenStages {
		ins, err := tx.OpenInterests(owner, st, 0)
		if err != nil {
			return nil, 0, err
		}
		sort.SliceStable(ins, func(i, j int) bool { return ins[i].Next.Due.Before(ins[j].Next.Due) })
		for _, in := range ins {
			size, ok := sizes[in.CompanyID]
			if !ok && f.Size != "" {
				co, err := tx.Company(in.CompanyID)
				if err != nil && ErrorCode(err) != ENOTFOUND {
					return nil, 0, err
				}
				if co != nil {
					size = co.Size
				}
				sizes[in.CompanyID] = size
			}
			if !f.Match(in.Segment, size) {
				continue
			}
			total++
			if len(out) == limit {
				continue
			}
			sm, err := summarize(tx, in, names)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, sm)
		}
	}
	return out, total, nil
}

// ConversionReport is R17's report for a period with the names of the owners it
// counts.
type ConversionReport struct {
	*Conversion
	Names map[uint64]string
}

// MedianDaysToWon is the median of the days from first contact to deal, and whether
// anything was won.
func (c *Conversion) MedianDaysToWon() (float64, bool) {
	if len(c.DaysToWon) == 0 {
		return 0, false
	}
	v := slices.Clone(c.DaysToWon)
	slices.Sort(v)
	if n := len(v); n%2 == 1 {
		return v[n/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// ConversionReport counts the period [from, to) with BuildConversion, the one place
// that decides a period's figures, so /pipeline with a period, /conversion and the
// head's digest agree.
func (s *Service) ConversionReport(ctx context.Context, actor *User, f ReportFilter, from, to time.Time) (*ConversionReport, error) {
	owner, err := reportOwner(actor, f.Owner)
	if err != nil {
		return nil, err
	}
	f.Owner = owner
	r := &ConversionReport{}
	err = s.Store.View(ctx, func(tx Tx) error {
		var err error
		if r.Names, err = userNames(tx); err != nil {
			return err
		}
		r.Conversion, err = BuildConversion(tx, from, to, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// StaleQuery asks for the open interests nobody has touched since Before.
type StaleQuery struct {
	Owner  uint64 // 0: everyone the actor may see
	Facet  Facet
	Before time.Time
	Shown  int // how many of each owner's longest forgotten to name
}

// StaleReport groups the forgotten interests by owner, by name.
type StaleReport struct {
	Total  int
	Groups []*StaleGroup
}

// StaleGroup is one owner's forgotten interests: how many, and the longest
// forgotten of them with the names they need to be recognised.
type StaleGroup struct {
	OwnerID uint64
	Name    string
	Count   int
	Lines   []*Summary
}

// Stale reads the facet idle index: it counts without decoding, and decodes only the
// interests it names (and their contacts and companies).
func (s *Service) Stale(ctx context.Context, actor *User, q StaleQuery) (*StaleReport, error) {
	owner, err := reportOwner(actor, q.Owner)
	if err != nil {
		return nil, err
	}
	r := &StaleReport{}
	err = s.Store.View(ctx, func(tx Tx) error {
		names, err := userNames(tx)
		if err != nil {
			return err
		}
		groups, err := tx.IdleOf(q.Facet, owner, q.Before, q.Shown)
		if err != nil {
			return err
		}
		for _, g := range groups {
			sg := &StaleGroup{OwnerID: g.OwnerID, Name: names[g.OwnerID], Count: g.Count}
			for _, in := range g.Oldest {
				sm, err := summarize(tx, in, names)
				if err != nil {
					return err
				}
				sg.Lines = append(sg.Lines, sm)
			}
			r.Total += g.Count
			r.Groups = append(r.Groups, sg)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(r.Groups, func(i, j int) bool { return r.Groups[i].Name < r.Groups[j].Name })
	return r, nil
}
