package postgres

import (
	"time"

	"crmbot/crm"
)

// AddInteraction appends it to its interest's timeline. Interactions are never
// changed (R9 keeps the history as it happened).
func (t *tx) AddInteraction(it *crm.Interaction) error {
	explicit := it.ID != 0
	if err := t.nextID("interactions", &it.ID); err != nil {
		return err
	}
	row, err := interactionRow(it)
	if err != nil {
		return err
	}
	tag, err := t.q.Exec(t.ctx, `INSERT INTO interactions (id, interest_id, at, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, row...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return crm.Errorf(crm.ECONFLICT, "err.interaction_exists", it.ID)
	}
	if explicit {
		return t.raiseSeq("interactions", it.ID)
	}
	return nil
}

// Timeline returns the interest's interactions oldest first; with limit > 0, the
// latest limit of them.
func (t *tx) Timeline(interestID uint64, limit int) ([]*crm.Interaction, error) {
	if limit <= 0 {
		return list[crm.Interaction](t, `SELECT data FROM interactions WHERE interest_id = $1 ORDER BY at, id`, int64(interestID))
	}
	return list[crm.Interaction](t, `SELECT data FROM (SELECT data, at, id FROM interactions WHERE interest_id = $1
		ORDER BY at DESC, id DESC LIMIT $2) l ORDER BY at, id`, int64(interestID), limit)
}

// AddAudit appends e. Audit entries are never changed.
func (t *tx) AddAudit(e *crm.AuditEntry) error {
	explicit := e.ID != 0
	if err := t.nextID("audit", &e.ID); err != nil {
		return err
	}
	row, err := auditRow(e)
	if err != nil {
		return err
	}
	tag, err := t.q.Exec(t.ctx, `INSERT INTO audit (id, entity, entity_id, at, data) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`, row...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return crm.Errorf(crm.ECONFLICT, "err.audit_exists", e.ID)
	}
	if explicit {
		return t.raiseSeq("audit", e.ID)
	}
	return nil
}

// AuditOf returns the entity's audit entries oldest first; with limit > 0, the latest
// limit of them.
func (t *tx) AuditOf(entity string, entityID uint64, limit int) ([]*crm.AuditEntry, error) {
	if limit <= 0 {
		return list[crm.AuditEntry](t, `SELECT data FROM audit WHERE entity = $1 AND entity_id = $2 ORDER BY id`, entity, int64(entityID))
	}
	return list[crm.AuditEntry](t, `SELECT data FROM (SELECT data, id FROM audit WHERE entity = $1 AND entity_id = $2
		ORDER BY id DESC LIMIT $3) l ORDER BY id`, entity, int64(entityID), limit)
}

// AuditSince calls fn for every entry at or after t, in id order (oldest first).
func (t *tx) AuditSince(since time.Time, fn func(*crm.AuditEntry) error) error {
	return eachByID(t, "audit", "at >= $2", func(e *crm.AuditEntry) uint64 { return e.ID }, fn, tk(since))
}
