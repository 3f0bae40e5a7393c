package crm

import (
	"context"
	"sort"
	"time"
)

// PipelineRow is one manager's line in the pipeline report (R11).
type PipelineRow struct {
	Owner   *User
	Open    map[Stage]int
	Value   int64 // estimated value of open interests
	Overdue int
	Won     int
	Lost    int
}

// OpenCount is the number of the row's open interests.
func (r *PipelineRow) OpenCount() int {
	n := 0
	for _, v := range r.Open {
		n += v
	}
	return n
}

// Pipeline is the head's report: open interests by manager × stage, with values and
// overdue follow-ups (R11).
type Pipeline struct {
	Rows     []*PipelineRow
	Currency string
	At       time.Time
}

// Pipeline returns the report for the whole department, or for one owner when ownerID
// is not 0. Only heads and admins see other people's rows; managers get their own.
// It reads only the kept counters and the due index: its cost does not grow with the
// number of interests.
func (s *Service) Pipeline(ctx context.Context, actor *User, ownerID uint64) (*Pipeline, error) {
	if !actor.IsLead() {
		if ownerID != 0 && ownerID != actor.ID {
			return nil, Errorf(EFORBIDDEN, "err.pipeline_forbidden")
		}
		ownerID = actor.ID
	}
	var p *Pipeline
	err := s.view(ctx, func(tx Tx) error {
		var err error
		p, err = BuildPipeline(tx, s.Clock(), ownerID, s.Config.Currency)
		return err
	})
	return p, err
}

// BuildPipeline computes the pipeline report in a transaction, for the whole department
// or for one owner (ownerID != 0). It reads only the kept counters and the due index.
func BuildPipeline(tx Tx, now time.Time, ownerID uint64, currency string) (*Pipeline, error) {
	return buildPipeline(tx, now, ownerID, currency, Facet{})
}

// buildPipeline is BuildPipeline of the interests in f: the facet counters and the
// facet due index when f narrows anything, the plain ones otherwise.
func buildPipeline(tx Tx, now time.Time, ownerID uint64, currency string, f Facet) (*Pipeline, error) {
	p := &Pipeline{Currency: currency, At: now}
	users, err := tx.Users()
	if err != nil {
		return nil, err
	}
	rows := map[uint64]*PipelineRow{}
	for _, u := range users {
		if ownerID == 0 || u.ID == ownerID {
			rows[u.ID] = &PipelineRow{Owner: u, Open: map[Stage]int{}}
		}
	}
	cells, err := tx.Pipeline()
	if !f.Any() {
		cells, err = tx.PipelineOf(f)
	}
	if err != nil {
		return nil, err
	}
	for _, c := range cells {
		r := rows[c.OwnerID]
		if r == nil {
			continue
		}
		switch c.Stage {
		case StageWon:
			r.Won += c.Count
		case StageLost:
			r.Lost += c.Count
		default:
			r.Open[c.Stage] += c.Count
			r.Value += c.Value
		}
	}
	due, err := tx.CountDueBefore(now)
	if !f.Any() {
		due, err = tx.CountDueBeforeOf(f, now)
	}
	if err != nil {
		return nil, err
	}
	for owner, n := range due {
		if r := rows[owner]; r != nil {
			r.Overdue = n
		}
	}
	for _, r := range rows {
		// Show people who sell or who have something; an admin with nothing is noise.
		// Someone who left stays while interests are still theirs to reassign.
		if r.Owner.Disabled && r.OpenCount() == 0 && r.Owner.ID != ownerID {
			continue
		}
		if r.OpenCount() > 0 || r.Won+r.Lost > 0 || r.Owner.Role == RoleManager || r.Owner.ID == ownerID {
			p.Rows = append(p.Rows, r)
		}
	}
	sort.Slice(p.Rows, func(a, b int) bool { return p.Rows[a].Owner.Name < p.Rows[b].Owner.Name })
	return p, nil
}
