package postgres

// crm.ReportStore on PostgreSQL: an interest's facet (segment, company size) and value
// are columns of its row (PutCompany moves a resized company's interests), so the
// indexes of migration 0004 answer a filtered report without reading the records.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"crmbot/crm"
)

// facetWhere is the SQL condition (over interests i) and
// arguments, numbered from n, that select the interests of f.
func facetWhere(f crm.Facet, n int) (string, []any) {
	cond, args := "", []any{}
	if f.Segment != "" {
		cond += fmt.Sprintf(" AND i.segment = $%d", n)
		args = append(args, string(f.Segment))
		n++
	}
	if f.Size != "" {
		cond += fmt.Sprintf(" AND i.size = $%d", n)
		args = append(args, string(f.Size))
	}
	return cond, args
}

// PipelineOf sums the interests of f per owner × stage; with no facet it reads the
// kept counters (Pipeline).
func (t *tx) PipelineOf(f crm.Facet) ([]crm.PipelineCell, error) {
	if f.Any() {
		return t.Pipeline()
	}
	cond, args := facetWhere(f, 1)
	rows, err := t.q.Query(t.ctx, `SELECT i.owner_id, i.stage, count(*), sum(i.value)::int8
		FROM interests i WHERE true`+cond+`
		GROUP BY i.owner_id, i.stage ORDER BY i.owner_id, i.stage`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.PipelineCell
	for rows.Next() {
		var owner, count, value int64
		var stage int16
		if err := rows.Scan(&owner, &stage, &count, &value); err != nil {
			return nil, err
		}
		out = append(out, crm.PipelineCell{OwnerID: uint64(owner), Stage: stageOf(stage), Count: int(count), Value: value})
	}
	return out, rows.Err()
}

// CountDueBeforeOf counts per owner the open interests of f due before t.
func (t *tx) CountDueBeforeOf(f crm.Facet, before time.Time) (map[uint64]int, error) {
	if f.Any() {
		return t.CountDueBefore(before)
	}
	cond, args := facetWhere(f, 2)
	rows, err := t.q.Query(t.ctx, `SELECT i.owner_id, count(*) FROM interests i
		WHERE i.due IS NOT NULL AND i.due < $1`+cond+` GROUP BY i.owner_id`, append([]any{tk(before)}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := make(map[uint64]int)
	for rows.Next() {
		var owner, n int64
		if err := rows.Scan(&owner, &n); err != nil {
			return nil, err
		}
		counts[uint64(owner)] = int(n)
	}
	return counts, rows.Err()
}

// IdleOf groups per owner the open interests of f idle since before, each group
// with its count and its perOwner longest idle, in one query (a window per owner).
func (t *tx) IdleOf(f crm.Facet, ownerID uint64, before time.Time, perOwner int) ([]crm.IdleGroup, error) {
	args := []any{tk(before), int64(ownerID), int64(perOwner)}
	cond, fargs := facetWhere(f, 4)
	// The window numbers the ids alone (an index-only scan); only the perOwner
	// longest idle of each owner are then read whole, each by its key (a join lets
	// the planner read every interest instead).
	rows, err := t.q.Query(t.ctx, `WITH x AS (
			SELECT i.owner_id, i.id, row_number() OVER (PARTITION BY i.owner_id ORDER BY i.last_act, i.id) AS r,
				count(*) OVER (PARTITION BY i.owner_id) AS n
			FROM interests i
			WHERE i.last_act IS NOT NULL AND i.last_act < $1 AND ($2 = 0 OR i.owner_id = $2)`+cond+`)
		SELECT x.owner_id, x.n, CASE WHEN x.r <= $3 THEN (SELECT j.data FROM interests j WHERE j.id = x.id) END
		FROM x WHERE x.r <= greatest($3, 1) ORDER BY x.owner_id, x.r`, append(args, fargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.IdleGroup{} // empty, not nil, as on bbolt
	for rows.Next() {
		var owner, n int64
		var data []byte
		if err := rows.Scan(&owner, &n, &data); err != nil {
			return nil, err
		}
		if k := len(out); k == 0 || out[k-1].OwnerID != uint64(owner) {
			out = append(out, crm.IdleGroup{OwnerID: uint64(owner), Count: int(n), Oldest: []*crm.Interest{}})
		}
		if data == nil {
			continue
		}
		in := new(crm.Interest)
		if err := json.Unmarshal(data, in); err != nil {
			return nil, fmt.Errorf("decode interest: %w", err)
		}
		g := &out[len(out)-1]
		g.Oldest = append(g.Oldest, in)
	}
	return out, rows.Err()
}

// ChangesBetween reads the creations and stage changes of interests in [from, to)
// from the audit log, joined with each interest's current figures and its company's
// size, oldest first (time, then audit id). A change of an interest that is gone is
// skipped, as on bbolt. The rows are read a page at a time, with no query open while
// fn runs.
func (t *tx) ChangesBetween(from, to time.Time, fn func(*crm.ChangeFact) error) error {
	lastAt, lastID := tk(from), int64(-1)
	for {
		rows, err := t.q.Query(t.ctx, `SELECT a.at, a.id, a.data, i.data, i.size
			FROM audit a JOIN interests i ON i.id = a.entity_id
			WHERE a.entity = 'interest' AND (a.at, a.id) > ($1, $2) AND a.at < $3
			ORDER BY a.at, a.id LIMIT $4`, lastAt, lastID, tk(to), pageSize)
		if err != nil {
			return err
		}
		var page []crm.ChangeFact
		for rows.Next() {
			var adata, idata []byte
			var size string
			if err := rows.Scan(&lastAt, &lastID, &adata, &idata, &size); err != nil {
				rows.Close()
				return err
			}
			var e crm.AuditEntry
			if err := json.Unmarshal(adata, &e); err != nil {
				rows.Close()
				return fmt.Errorf("decode audit %d: %w", lastID, err)
			}
			ch, ok := crm.ChangeOf(&e)
			if !ok {
				continue
			}
			ch.At = ch.At.UTC() // as bbolt's index returns it
			var in crm.Interest
			if err := json.Unmarshal(idata, &in); err != nil {
				rows.Close()
				return fmt.Errorf("decode interest %d: %w", e.EntityID, err)
			}
			page = append(page, crm.ChangeFact{Change: ch, OwnerID: in.OwnerID, Segment: in.Segment,
				Size: crm.CompanySize(size), Source: in.Source, Value: in.Value, Currency: in.Currency,
				CreatedAt: in.CreatedAt})
		}
		n := rows.CommandTag().RowsAffected()
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if n < pageSize {
			return nil
		}
	}
}

// ForEachInteraction calls fn for every interaction in id order.
func (t *tx) ForEachInteraction(fn func(*crm.Interaction) error) error {
	return eachByID(t, "interactions", "", func(i *crm.Interaction) uint64 { return i.ID }, fn)
}

// FirstResponsesBetween implements crm.ReportStore: the period's first_response audit
// entries, through a partial index on their time (migration 0008).
func (t *tx) FirstResponsesBetween(from, to time.Time, owner uint64, fn func(owner uint64, took time.Duration) error) error {
	rows, err := t.q.Query(t.ctx, `SELECT (data->>'actor_id')::int8, data->>'detail' FROM audit
		WHERE data->>'action' = 'first_response' AND entity = 'interest' AND NOT coalesce((data->>'refused')::bool, false)
			AND at >= $1 AND at < $2 AND ($3 = 0 OR (data->>'actor_id')::int8 = $3)
		ORDER BY at, id`, tk(from), tk(to), int64(owner))
	if err != nil {
		return err
	}
	type response struct {
		owner uint64
		took  time.Duration
	}
	var out []response
	for rows.Next() {
		var actor int64
		var detail string
		if err := rows.Scan(&actor, &detail); err != nil {
			rows.Close()
			return err
		}
		secs, err := strconv.ParseInt(detail, 10, 64)
		if err != nil || secs < 0 {
			continue // as the file's index: not a figure, not counted
		}
		out = append(out, response{uint64(actor), time.Duration(secs) * time.Second})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range out {
		if err := fn(r.owner, r.took); err != nil {
			return err
		}
	}
	return nil
}
