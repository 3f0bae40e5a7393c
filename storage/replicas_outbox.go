package storage

import (
	"time"

	"crmbot/crm"
)

// ClaimOutbox implements crm.Outbox. A bbolt file is open in one process, whose
// scheduler sends a platform's messages in one loop: there is nobody to lease them
// against, so a claim is the pending list and writes nothing.
func (t *tx) ClaimOutbox(platform string, at time.Time, by string, until time.Time, limit int) ([]*crm.OutboxMessage, error) {
	return t.PendingOutbox(platform, at, limit)
}
