package postgres

import (
	"encoding/json"

	"crmbot/crm"
)

// The row of each entity: the columns its table holds beside the record. The Put
// methods, the bulk loader and (through SQL) Verify derive them the same way, so they
// cannot disagree about what is indexed.

func companyRow(c *crm.Company) ([]any, error) {
	data, err := json.Marshal(c)
	return []any{int64(c.ID), crm.FoldName(c.Name), nullable(c.OIB), data}, err
}

var companyCols = []string{"id", "name_key", "oib", "data"}

func contactRow(c *crm.Contact) ([]any, error) {
	data, err := json.Marshal(c)
	return []any{int64(c.ID), int64(c.CompanyID), nullable(c.Email), nullable(c.Phone), nullable(c.Mobile), data}, err
}

var contactCols = []string{"id", "company_id", "email", "phone", "mobile", "data"}

func interestRow(i *crm.Interest) ([]any, error) {
	data, err := json.Marshal(i)
	stage, due, last := interestCols(i)
	return []any{int64(i.ID), int64(i.CompanyID), int64(i.ContactID), int64(i.OwnerID), stage, i.Open(), due, last, string(i.Segment), i.Value, data}, err
}

var interestColNames = []string{"id", "company_id", "contact_id", "owner_id", "stage", "open", "due", "last_act", "segment", "value", "data"}

func interactionRow(it *crm.Interaction) ([]any, error) {
	data, err := json.Marshal(it)
	return []any{int64(it.ID), int64(it.InterestID), tk(it.At), data}, err
}

var interactionCols = []string{"id", "interest_id", "at", "data"}

func auditRow(e *crm.AuditEntry) ([]any, error) {
	data, err := json.Marshal(e)
	return []any{int64(e.ID), e.Entity, int64(e.EntityID), tk(e.At), data}, err
}

var auditCols = []string{"id", "entity", "entity_id", "at", "data"}

func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }

func identities(u *crm.User) []string {
	ids := make([]string, 0, len(u.Identities))
	for _, id := range u.Identities {
		ids = append(ids, string(id))
	}
	return ids
}

func outboxRow(m *crm.OutboxMessage) ([]any, error) {
	data, err := json.Marshal(m)
	return []any{m.Key, m.Target.Platform(), string(m.State), tk(m.NotBefore), tk(m.Created), data}, err
}

var outboxCols = []string{"key", "platform", "state", "not_before", "created", "data"}
