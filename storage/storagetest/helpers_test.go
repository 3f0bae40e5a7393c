package storagetest_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

var day = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// What Seed writes, the read-backs find; what is not there reads as nil.
func TestSeedAndReadBack(t *testing.T) {
	db := storagetest.Open(t)
	storagetest.Seed(t, db, func(seed *storagetest.Seeder) error {
		u := &crm.User{Name: "Ana", Role: crm.RoleManager, Segment: crm.SegmentCorporate, TZ: "UTC", Identities: []crm.Identity{"console:ana"}}
		if err := seed.PutUser(u); err != nil {
			return err
		}
		co := &crm.Company{Name: "Acme d.o.o.", CreatedAt: day}
		if err := seed.PutCompany(co); err != nil {
			return err
		}
		ct := &crm.Contact{CompanyID: co.ID, FullName: "Iva Ivić", Mobile: "+385911234567", CreatedAt: day}
		if err := seed.PutContact(ct); err != nil {
			return err
		}
		return seed.PutInterest(&crm.Interest{Kind: crm.KindInterest, CompanyID: co.ID, ContactID: ct.ID, OwnerID: u.ID,
			Segment: crm.SegmentCorporate, Stage: crm.StageNew, Next: crm.NextAction{What: "call", Due: day},
			CreatedAt: day, UpdatedAt: day, LastActivityAt: day})
	})
	// A second seed reads what the first wrote and changes it.
	storagetest.Seed(t, db, func(seed *storagetest.Seeder) error {
		u, err := seed.UserByIdentity("console:ana")
		if err != nil {
			return err
		}
		in, err := seed.Interest(1)
		if err != nil {
			return err
		}
		if in.OwnerID != u.ID {
			return errors.New("interest #1 is not Ana's")
		}
		in.Next.Due = day.Add(-time.Hour)
		return seed.PutInterest(in)
	})
	storagetest.Seed(t, db, func(seed *storagetest.Seeder) error {
		if err := seed.AddInteraction(&crm.Interaction{InterestID: 1, At: day, Kind: crm.InteractionCall, Text: "talked"}); err != nil {
			return err
		}
		return seed.AddAudit(&crm.AuditEntry{At: day, ActorID: 1, Entity: "interest", EntityID: 1, Action: "stage", Detail: "new→won"})
	})
	in := storagetest.Interest(t, db, 1)
	if in == nil || !in.Next.Due.Equal(day.Add(-time.Hour)) {
		t.Fatalf("Interest(1) = %+v", in)
	}
	if got := storagetest.Interest(t, db, 99); got != nil {
		t.Errorf("Interest(99) = %+v, want nil", got)
	}
	if all := storagetest.Interests(t, db); len(all) != 1 || all[0].ID != 1 {
		t.Errorf("Interests = %+v", all)
	}
	if co := storagetest.Company(t, db, in.CompanyID); co == nil || co.Name != "Acme d.o.o." {
		t.Errorf("Company = %+v", co)
	}
	if co := storagetest.Company(t, db, 99); co != nil {
		t.Errorf("Company(99) = %+v, want nil", co)
	}
	if cs := storagetest.ContactsByPhone(t, db, "+385911234567"); len(cs) != 1 || cs[0].FullName != "Iva Ivić" {
		t.Errorf("ContactsByPhone = %+v", cs)
	}
	if due := storagetest.DueBefore(t, db, 0, day); len(due) != 1 {
		t.Errorf("DueBefore = %+v, want #1", due)
	}
	if due := storagetest.DueBefore(t, db, 0, day.Add(-2*time.Hour)); len(due) != 0 {
		t.Errorf("DueBefore 2h earlier = %+v, want none", due)
	}
	if tl := storagetest.Timeline(t, db, 1); len(tl) != 1 || tl[0].Text != "talked" {
		t.Errorf("Timeline = %+v, want the call", tl)
	}
	if au := storagetest.Audit(t, db, "interest", 1); len(au) != 1 || au[0].Detail != "new→won" {
		t.Errorf("Audit = %+v, want the stage move", au)
	}
	if _, ok := storagetest.Idempotency(t, db, "k"); ok {
		t.Error("an unrecorded replay key reads as recorded")
	}
	if err := storagetest.SetIdempotency(context.Background(), db, "k", "7"); err != nil {
		t.Fatal(err)
	}
	if r, ok := storagetest.Idempotency(t, db, "k"); !ok || r != "7" {
		t.Errorf("Idempotency = %q, %v", r, ok)
	}
	if b := storagetest.Dialog(t, db, "console:ana"); b != nil {
		t.Errorf("Dialog = %q, want nil", b)
	}
	if m := storagetest.OutboxMessage(t, db, "nudge:1"); m != nil {
		t.Errorf("OutboxMessage = %+v, want nil", m)
	}
}

// Count counts every transaction, and a commit only when the write committed.
func TestCountCountsTransactions(t *testing.T) {
	c := storagetest.Count(storagetest.Open(t))
	ctx := context.Background()
	noop := func(crm.Tx) error { return nil }
	c.View(ctx, noop)
	c.View(ctx, noop)
	c.Update(ctx, func(tx crm.Tx) error { return tx.SetIdempotency("a", "1") })
	c.Update(ctx, func(crm.Tx) error { return errors.New("refused") })
	if v, u, k := c.Views(), c.Updates(), c.Commits(); v != 2 || u != 2 || k != 1 {
		t.Errorf("%d views, %d updates, %d commits; want 2, 2, 1", v, u, k)
	}
	c.Reset()
	if v, u, k := c.Views(), c.Updates(), c.Commits(); v+u+k != 0 {
		t.Errorf("after Reset: %d, %d, %d", v, u, k)
	}
}

func enqueue(tx crm.Tx, key string) error {
	_, err := tx.Enqueue(&crm.OutboxMessage{Key: key, Target: "telegram:1", Payload: []byte("x"), Created: day, NotBefore: day, State: crm.OutboxPending})
	return err
}

// Observe counts each write's outbox records and rolls back the write it is told to
// fail, as a crash before the commit.
func TestObserveCountsOutboxWritesAndCrashes(t *testing.T) {
	db := storagetest.Open(t)
	o := storagetest.Observe(db)
	ctx := context.Background()
	o.Reset(2)
	two := func(a, b string) func(crm.Tx) error {
		return func(tx crm.Tx) error {
			if err := enqueue(tx, a); err != nil {
				return err
			}
			return enqueue(tx, b)
		}
	}
	if err := o.Update(ctx, two("k1", "k2")); err != nil {
		t.Fatal(err)
	}
	if err := o.Update(ctx, two("k3", "k4")); !errors.Is(err, storagetest.ErrCrash) {
		t.Fatalf("second write: %v, want ErrCrash", err)
	}
	if err := o.Update(ctx, func(crm.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := o.Writes(); !slices.Equal(got, []int{2, 2, 0}) {
		t.Errorf("Writes = %v, want [2 2 0]", got)
	}
	if storagetest.OutboxMessage(t, db, "k1") == nil || storagetest.OutboxMessage(t, db, "k3") != nil {
		t.Error("the crashed write was committed, or the first was not")
	}
	o.Reset(0)
	if got := o.Writes(); len(got) != 0 {
		t.Errorf("Writes after Reset = %v", got)
	}
}

// Time records one duration per write transaction that ran.
func TestTimeRecordsEachWrite(t *testing.T) {
	h := storagetest.Time(storagetest.Open(t))
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if err := h.Update(ctx, func(tx crm.Tx) error { return tx.SetIdempotency(k, "1") }); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.Held(); len(got) != 2 || got[0] <= 0 || got[1] <= 0 {
		t.Errorf("Held = %v, want two positive durations", got)
	}
}
