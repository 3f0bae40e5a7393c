package crm

import (
	"context"
	"time"
)

// Records reads every record of one consistent snapshot, table by table in id
// order: what a whole export and the mailing list need, and nothing that writes.
// A Tx provides it.
type Records interface {
	Users() ([]*User, error)
	Company(id uint64) (*Company, error)
	InterestsByContact(contactID uint64, limit int) ([]*Interest, error)
	ForEachCompany(fn func(*Company) error) error
	ForEachContact(fn func(*Contact) error) error
	ForEachInterest(fn func(*Interest) error) error
	ForEachInteraction(fn func(*Interaction) error) error
	// AuditSince calls fn for every audit entry at or after t, oldest first.
	AuditSince(t time.Time, fn func(*AuditEntry) error) error
}

var _ Records = Tx(nil)

// Snapshot runs fn on one consistent, read-only view of every record: exports
// (crm/exchange) read whole tables through it, streaming, in one read transaction
// that never blocks the writer. Who may export is decided by the caller (an admin
// in the bot, the operator on the command line).
func (s *Service) Snapshot(ctx context.Context, fn func(Records) error) error {
	return s.Store.View(ctx, func(tx Tx) error { return fn(tx) })
}
