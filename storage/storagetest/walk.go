package storagetest

import (
	"context"
	"testing"
	"time"

	"crmbot/crm"
)

// The helpers below let tests outside crm and storage check a report against a walk
// over the records, or seed history, without naming the storage port themselves.

// Activity is crm.ActivitySince over [from, to), read in one snapshot.
func Activity(t testing.TB, st crm.Store, from, to time.Time) *crm.Activity {
	t.Helper()
	var a *crm.Activity
	if err := st.View(context.Background(), func(tx crm.Tx) error {
		var err error
		a, err = crm.ActivitySince(tx, from, to)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

// EachInterest calls fn with every interest and its company, in id order.
func EachInterest(t testing.TB, st crm.Store, fn func(in *crm.Interest, co *crm.Company)) {
	t.Helper()
	if err := st.View(context.Background(), func(tx crm.Tx) error {
		return tx.ForEachInterest(func(in *crm.Interest) error {
			co, err := tx.Company(in.CompanyID)
			if err != nil {
				return err
			}
			fn(in, co)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
}

// AddAudit writes entries in one transaction: history a test needs that no command
// would write at its date (back-dated stage changes for the period benchmarks).
func AddAudit(t testing.TB, st crm.Store, entries []*crm.AuditEntry) {
	t.Helper()
	if err := st.Update(context.Background(), func(tx crm.Tx) error {
		for _, e := range entries {
			c := *e // a rerun of the function must not see ids from the first run
			if err := tx.AddAudit(&c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
