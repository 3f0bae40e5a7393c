package storagetest

import (
	"context"
	"testing"

	"crmbot/crm"
)

// Seeder writes fixtures straight to the records, inside one write transaction: a
// thousand due interests in one commit where the Service would take a transaction
// (and an fsync) for each, or a state the Service's rules would not let a message
// make (a follow-up already overdue). It has only the methods fixtures need, so bot's
// and the adapters' tests seed without naming the storage port.
//
// Put methods assign the record's id when it is 0, as crm.Tx's do.
type Seeder struct{ tx crm.Tx }

// Seed runs fn in one write transaction and fails the test if it returns an error or
// the commit fails. As with crm.Store's Update, fn may run more than once (group
// commit): it must build its records inside itself, not append to outside state.
func Seed(tb testing.TB, s crm.Store, fn func(*Seeder) error) {
	tb.Helper()
	if err := s.Update(context.Background(), func(tx crm.Tx) error { return fn(&Seeder{tx: tx}) }); err != nil {
		tb.Fatalf("storagetest: seed: %v", err)
	}
}

// PutUser stores u.
func (s *Seeder) PutUser(u *crm.User) error { return s.tx.PutUser(u) }

// PutCompany stores c.
func (s *Seeder) PutCompany(c *crm.Company) error { return s.tx.PutCompany(c) }

// PutContact stores c.
func (s *Seeder) PutContact(c *crm.Contact) error { return s.tx.PutContact(c) }

// PutInterest stores in, keeping its indexes and counters.
func (s *Seeder) PutInterest(in *crm.Interest) error { return s.tx.PutInterest(in) }

// AddInteraction appends it to its interest's timeline, as it stands (the interest's
// LastActivityAt is not touched).
func (s *Seeder) AddInteraction(it *crm.Interaction) error { return s.tx.AddInteraction(it) }

// AddAudit writes an audit entry: the history reports count (stage moves, wins,
// losses) without the interests having to move.
func (s *Seeder) AddAudit(e *crm.AuditEntry) error { return s.tx.AddAudit(e) }

// Users returns every user.
func (s *Seeder) Users() ([]*crm.User, error) { return s.tx.Users() }

// UserByIdentity returns the user with that identity (ENOTFOUND if none).
func (s *Seeder) UserByIdentity(id crm.Identity) (*crm.User, error) { return s.tx.UserByIdentity(id) }

// Interest returns the interest with id (ENOTFOUND if none), to change and put back.
func (s *Seeder) Interest(id uint64) (*crm.Interest, error) { return s.tx.Interest(id) }

// SetIdempotency records a replay key in a write transaction of its own: the
// smallest write a message makes, for benchmarks that measure what a user's write
// waits behind. It returns the error rather than failing the test, so that it can
// run on a goroutine of the benchmark's.
func SetIdempotency(ctx context.Context, s crm.Store, key, result string) error {
	return s.Update(ctx, func(tx crm.Tx) error { return tx.SetIdempotency(key, result) })
}
