package postgres

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"crmbot/crm"
)

// stageNum is the stage's position in crm.Stages, so stages sort in path order (R3).
func stageNum(s crm.Stage) (int16, bool) {
	for i, x := range crm.Stages {
		if x == s {
			return int16(i), true
		}
	}
	return 0, false
}

func stageOf(n int16) crm.Stage {
	if int(n) >= 0 && int(n) < len(crm.Stages) {
		return crm.Stages[n]
	}
	return crm.Stage(fmt.Sprintf("stage-%d", n))
}

func (t *tx) Interest(id uint64) (*crm.Interest, error) {
	return getOne[crm.Interest](t, notFound("interest", id), `SELECT data FROM interests WHERE id = $1`, int64(id))
}

// interestCols are the indexed columns of i: NULL due and last activity keep a closed
// interest (and an open one without a next action) out of the due and idle indexes.
func interestCols(i *crm.Interest) (stage int16, due, last any) {
	stage, _ = stageNum(i.Stage)
	if !i.Open() {
		return stage, nil, nil
	}
	if !i.Next.IsZero() {
		due = tk(i.Next.Due)
	}
	return stage, due, tk(i.LastActivityAt)
}

// PutInterest stores i and moves it between pipeline cells, in the caller's
// transaction. The old row is read FOR UPDATE: the cell it leaves is the one it was
// in when this transaction changes it.
func (t *tx) PutInterest(i *crm.Interest) error {
	stage, ok := stageNum(i.Stage)
	if !ok {
		return crm.Errorf(crm.EINVALID, "err.bad_stage", string(i.Stage))
	}
	explicit := i.ID != 0
	if err := t.nextID("interests", &i.ID); err != nil {
		return err
	}
	var (
		old                bool
		oldOwner, oldValue int64
		oldStage           int16
	)
	if explicit {
		err := t.q.QueryRow(t.ctx, `SELECT owner_id, stage, coalesce((data->>'value')::int8, 0) FROM interests WHERE id = $1 FOR UPDATE`,
			int64(i.ID)).Scan(&oldOwner, &oldStage, &oldValue)
		switch {
		case err == nil:
			old = true
		case errors.Is(err, pgx.ErrNoRows):
			if err := t.raiseSeq("interests", i.ID); err != nil {
				return err
			}
		default:
			return err
		}
	}
	row, err := interestRow(i)
	if err != nil {
		return err
	}
	if _, err := t.q.Exec(t.ctx, `INSERT INTO interests (id, company_id, contact_id, owner_id, stage, open, due, last_act, segment, value, data, size)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, coalesce((SELECT data->>'size' FROM companies WHERE id = $2), ''))
		ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, contact_id = EXCLUDED.contact_id,
			owner_id = EXCLUDED.owner_id, stage = EXCLUDED.stage, open = EXCLUDED.open, due = EXCLUDED.due,
			last_act = EXCLUDED.last_act, segment = EXCLUDED.segment, value = EXCLUDED.value, data = EXCLUDED.data,
			size = EXCLUDED.size`,
		row...); err != nil {
		return err
	}
	if old && oldOwner == int64(i.OwnerID) && oldStage == stage {
		if oldValue == i.Value {
			return nil // same cell, same value: the counters stand
		}
		return t.addPipeline(oldOwner, stage, 0, i.Value-oldValue)
	}
	if old {
		if err := t.addPipeline(oldOwner, oldStage, -1, -oldValue); err != nil {
			return err
		}
	}
	return t.addPipeline(int64(i.OwnerID), stage, 1, i.Value)
}

// pipelineShards is how many rows a pipeline cell is spread over.
const pipelineShards = 16

// addPipeline adds (count, value) to an owner × stage cell, in this transaction's
// shard of it; a shard row that falls to nothing is deleted.
func (t *tx) addPipeline(owner int64, stage int16, count, value int64) error {
	var n, v int64
	err := t.q.QueryRow(t.ctx, `INSERT INTO pipeline (owner_id, stage, shard, count, value) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (owner_id, stage, shard) DO UPDATE SET count = pipeline.count + EXCLUDED.count, value = pipeline.value + EXCLUDED.value
		RETURNING count, value`, owner, stage, t.shard, count, value).Scan(&n, &v)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if n == 0 && v == 0 {
		_, err = t.q.Exec(t.ctx, `DELETE FROM pipeline WHERE owner_id = $1 AND stage = $2 AND shard = $3 AND count = 0 AND value = 0`, owner, stage, t.shard)
	}
	return err
}

func (t *tx) InterestsByCompany(companyID uint64, limit int) ([]*crm.Interest, error) {
	return list[crm.Interest](t, `SELECT data FROM interests WHERE company_id = $1 ORDER BY id LIMIT $2`, int64(companyID), limitArg(limit))
}

func (t *tx) InterestsByContact(contactID uint64, limit int) ([]*crm.Interest, error) {
	return list[crm.Interest](t, `SELECT data FROM interests WHERE contact_id = $1 ORDER BY id LIMIT $2`, int64(contactID), limitArg(limit))
}

func (t *tx) OpenInterests(ownerID uint64, stage crm.Stage, limit int) ([]*crm.Interest, error) {
	if stage == "" {
		return list[crm.Interest](t, `SELECT data FROM interests WHERE owner_id = $1 AND open ORDER BY stage, id LIMIT $2`,
			int64(ownerID), limitArg(limit))
	}
	n, ok := stageNum(stage)
	if !ok || !stage.Open() {
		return nil, nil
	}
	return list[crm.Interest](t, `SELECT data FROM interests WHERE owner_id = $1 AND open AND stage = $2 ORDER BY id LIMIT $3`,
		int64(ownerID), n, limitArg(limit))
}

func (t *tx) DueBefore(ownerID uint64, before time.Time, limit int) ([]*crm.Interest, error) {
	if ownerID != 0 {
		return list[crm.Interest](t, `SELECT data FROM interests WHERE owner_id = $1 AND due IS NOT NULL AND due < $2
			ORDER BY due, id LIMIT $3`, int64(ownerID), tk(before), limitArg(limit))
	}
	return list[crm.Interest](t, `SELECT data FROM interests WHERE due IS NOT NULL AND due < $1
		ORDER BY due, id LIMIT $2`, tk(before), limitArg(limit))
}

func (t *tx) DueBetween(from, to time.Time, limit int) ([]*crm.Interest, error) {
	return list[crm.Interest](t, `SELECT data FROM interests WHERE due IS NOT NULL AND due >= $1 AND due < $2
		ORDER BY due, id LIMIT $3`, tk(from), tk(to), limitArg(limit))
}

func (t *tx) DueAfter(pos crm.DuePos, to time.Time, limit int) ([]*crm.Interest, error) {
	if pos.IsZero() {
		return t.DueBetween(time.Time{}, to, limit)
	}
	return list[crm.Interest](t, `SELECT data FROM interests WHERE due IS NOT NULL AND (due, id) > ($1, $2) AND due < $3
		ORDER BY due, id LIMIT $4`, tk(pos.Due), int64(pos.ID), tk(to), limitArg(limit))
}

func (t *tx) CountDueBefore(before time.Time) (map[uint64]int, error) {
	rows, err := t.q.Query(t.ctx, `SELECT owner_id, count(*) FROM interests WHERE due IS NOT NULL AND due < $1 GROUP BY owner_id`, tk(before))
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

func (t *tx) IdleSince(ownerID uint64, before time.Time, limit int) ([]*crm.Interest, error) {
	if ownerID != 0 {
		return list[crm.Interest](t, `SELECT data FROM interests WHERE owner_id = $1 AND last_act IS NOT NULL AND last_act < $2
			ORDER BY last_act, id LIMIT $3`, int64(ownerID), tk(before), limitArg(limit))
	}
	return list[crm.Interest](t, `SELECT data FROM interests WHERE last_act IS NOT NULL AND last_act < $1
		ORDER BY last_act, id LIMIT $2`, tk(before), limitArg(limit))
}

// Pipeline reads the counter cells, ordered by owner then stage (R3 order).
func (t *tx) Pipeline() ([]crm.PipelineCell, error) {
	rows, err := t.q.Query(t.ctx, `SELECT owner_id, stage, sum(count)::int8, sum(value)::int8 FROM pipeline
		GROUP BY owner_id, stage HAVING sum(count) <> 0 ORDER BY owner_id, stage`)
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

func (t *tx) ForEachInterest(fn func(*crm.Interest) error) error {
	return eachByID(t, "interests", "", func(i *crm.Interest) uint64 { return i.ID }, fn)
}
