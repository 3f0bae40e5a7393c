package storage

import (
	"crmbot/crm"
)

// auditEntries: entity \0 entity id | id, so the history of one record is one prefix.
func auditEntries(e *crm.AuditEntry) []entry {
	return []entry{{idxAuditEntity, key(strKey(e.Entity), u64(e.EntityID), u64(e.ID)), nil}}
}

// AddAudit appends e. Audit entries are never changed.
func (t *tx) AddAudit(e *crm.AuditEntry) error {
	b := t.btx.Bucket(bucketAudit)
	if e.ID != 0 && b.Get(u64(e.ID)) != nil {
		return crm.Errorf(crm.ECONFLICT, "err.audit_exists", e.ID)
	}
	if err := nextID(b, &e.ID); err != nil {
		return err
	}
	if err := store(t.btx, bucketAudit, e.ID, e); err != nil {
		return err
	}
	if err := t.putChange(e); err != nil { // the reports' change index
		return err
	}
	if err := t.putEntries(responseEntries(e)); err != nil { // R16's index
		return err
	}
	return t.putEntries(auditEntries(e))
}

// AuditOf returns the entity's audit entries oldest first; with limit > 0, the
// latest limit of them.
func (t *tx) AuditOf(entity string, entityID uint64, limit int) ([]*crm.AuditEntry, error) {
	ids := scanIDsLast(t.btx.Bucket(idxAuditEntity), key(strKey(entity), u64(entityID)), limit)
	return loadIDs[crm.AuditEntry](t.btx, bucketAudit, ids)
}
