package storagetest

import (
	"context"
	"testing"
	"time"

	"crmbot/crm"
)

// Inspection: what a test outside crm and storage reads back to check what a message
// stored, one typed read transaction each, so that bot's and the adapters' tests never
// open a transaction on the storage port themselves. Each fails the test on any error
// but "not found"; a record that is not there is nil.

// view runs fn in one read transaction, failing the test on its error.
func view(tb testing.TB, s crm.Store, fn func(crm.Tx) error) {
	tb.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		tb.Fatalf("storagetest: read: %v", err)
	}
}

// notFound turns ENOTFOUND into nil: the caller gets a nil record instead.
func notFound(err error) error {
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil
	}
	return err
}

// Interest returns the interest with id, nil if there is none.
func Interest(tb testing.TB, s crm.Store, id uint64) *crm.Interest {
	tb.Helper()
	var in *crm.Interest
	view(tb, s, func(tx crm.Tx) error {
		var err error
		in, err = tx.Interest(id)
		if err != nil {
			in = nil
		}
		return notFound(err)
	})
	return in
}

// Interests returns every stored interest, in id order.
func Interests(tb testing.TB, s crm.Store) []*crm.Interest {
	tb.Helper()
	var out []*crm.Interest
	view(tb, s, func(tx crm.Tx) error {
		out = nil
		return tx.ForEachInterest(func(in *crm.Interest) error { out = append(out, in); return nil })
	})
	return out
}

// DueBefore returns the open interests of owner (0: everyone's) due before t,
// earliest first.
func DueBefore(tb testing.TB, s crm.Store, ownerID uint64, t time.Time) []*crm.Interest {
	tb.Helper()
	var out []*crm.Interest
	view(tb, s, func(tx crm.Tx) (err error) { out, err = tx.DueBefore(ownerID, t, 0); return })
	return out
}

// Company returns the company with id, nil if there is none.
func Company(tb testing.TB, s crm.Store, id uint64) *crm.Company {
	tb.Helper()
	var c *crm.Company
	view(tb, s, func(tx crm.Tx) error {
		var err error
		c, err = tx.Company(id)
		if err != nil {
			c = nil
		}
		return notFound(err)
	})
	return c
}

// ContactsByPhone returns the contacts with e164 as phone or mobile.
func ContactsByPhone(tb testing.TB, s crm.Store, e164 string) []*crm.Contact {
	tb.Helper()
	var out []*crm.Contact
	view(tb, s, func(tx crm.Tx) (err error) { out, err = tx.ContactsByPhone(e164); return })
	return out
}

// Timeline returns the interest's whole timeline, oldest first.
func Timeline(tb testing.TB, s crm.Store, interestID uint64) []*crm.Interaction {
	tb.Helper()
	var out []*crm.Interaction
	view(tb, s, func(tx crm.Tx) (err error) { out, err = tx.Timeline(interestID, 0); return })
	return out
}

// Audit returns every audit entry about the entity (as "interest", 7).
func Audit(tb testing.TB, s crm.Store, entity string, id uint64) []*crm.AuditEntry {
	tb.Helper()
	var out []*crm.AuditEntry
	view(tb, s, func(tx crm.Tx) (err error) { out, err = tx.AuditOf(entity, id, 0); return })
	return out
}

// Idempotency returns the result recorded under a replay key; ok is false when the
// key was never recorded.
func Idempotency(tb testing.TB, s crm.Store, key string) (result string, ok bool) {
	tb.Helper()
	view(tb, s, func(tx crm.Tx) (err error) { result, ok, err = tx.Idempotency(key); return })
	return result, ok
}

// Dialog returns the identity's stored dialogue state, nil if there is none.
func Dialog(tb testing.TB, s crm.Store, id crm.Identity) []byte {
	tb.Helper()
	var b []byte
	view(tb, s, func(tx crm.Tx) (err error) { b, err = tx.Dialog(id); return })
	return b
}

// OutboxMessage returns the outbox message under key, nil if there is none.
func OutboxMessage(tb testing.TB, s crm.Store, key string) *crm.OutboxMessage {
	tb.Helper()
	var m *crm.OutboxMessage
	view(tb, s, func(tx crm.Tx) error {
		var err error
		m, err = tx.OutboxMessage(key)
		if err != nil {
			m = nil
		}
		return notFound(err)
	})
	return m
}
