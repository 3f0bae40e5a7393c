package crm_test

import (
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

func TestRemoveUser(t *testing.T) { storagetest.Each(t, testRemoveUser) }

func testRemoveUser(t *testing.T) {
	f := setup(t)
	for _, id := range []crm.Identity{"telegram:101", "slack:T1/U1"} {
		if _, err := f.svc.LinkIdentity(f.ctx, crm.Op{Actor: f.adm}, f.ana.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.LinkIdentity(f.ctx, crm.Op{Actor: f.adm}, f.luka.ID, "telegram:102"); err != nil {
		t.Fatal(err)
	}
	open := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"}).Interest.ID
	won := f.create(f.ana, "", crm.NewInterest{ContactName: "Ivana", CompanyName: "Brod"}).Interest.ID
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, won, crm.StageChange{Stage: crm.StageWon}); err != nil {
		t.Fatal(err)
	}
	// A nudge for Ana held until her working hours, and one for Luka.
	later := f.now.Add(12 * time.Hour)
	if err := f.db.Update(f.ctx, func(tx crm.Tx) error {
		for _, m := range []*crm.OutboxMessage{
			{Key: "nudge:ana", Target: "telegram:101", Payload: []byte(`{}`), Created: f.now, NotBefore: later, State: crm.OutboxPending},
			{Key: "nudge:luka", Target: "telegram:102", Payload: []byte(`{}`), Created: f.now, NotBefore: later, State: crm.OutboxPending},
		} {
			if _, err := tx.Enqueue(m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	if _, err := f.svc.RemoveUser(f.ctx, crm.Op{Actor: f.luka}, f.ana.ID); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Fatalf("a manager removed someone: %v", err)
	}
	if _, err := f.svc.RemoveUser(f.ctx, crm.Op{Actor: f.adm}, f.adm.ID); crm.ErrorCode(err) != crm.EINVALID {
		t.Fatalf("an admin removed themselves: %v", err)
	}
	rm, err := f.svc.RemoveUser(f.ctx, crm.Op{Actor: f.adm}, f.ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !rm.User.Disabled || len(rm.User.Identities) != 0 || len(rm.Platforms) != 2 {
		t.Errorf("removed: %+v", rm.User)
	}
	if len(rm.Open) != 1 || rm.Open[0].Interest.ID != open {
		t.Errorf("open interests listed: %+v", rm.Open)
	}
	for _, id := range []crm.Identity{"telegram:101", "slack:T1/U1"} {
		if _, err := f.svc.Authenticate(f.ctx, id); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
			t.Errorf("%s still gets in: %v", id, err)
		}
	}
	if err := f.db.View(f.ctx, func(tx crm.Tx) error {
		for key, want := range map[string]crm.OutboxState{"nudge:ana": crm.OutboxSkipped, "nudge:luka": crm.OutboxPending} {
			m, err := tx.OutboxMessage(key)
			if err != nil {
				return err
			}
			if m.State != want {
				t.Errorf("%s: %s, want %s", key, m.State, want)
			}
		}
		in, err := tx.Interest(won)
		if err != nil {
			return err
		}
		if in.OwnerID != f.ana.ID || in.Stage != crm.StageWon {
			t.Errorf("history changed: %+v", in)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var audited bool
	if err := f.db.View(f.ctx, func(tx crm.Tx) error {
		es, err := tx.AuditOf("user", f.ana.ID, 0)
		for _, e := range es {
			audited = audited || (e.Action == "remove" && !e.Refused && e.ActorID == f.adm.ID && e.Detail == "identities=telegram,slack")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !audited {
		t.Error("the removal is not audited")
	}
	if _, err := f.svc.RemoveUser(f.ctx, crm.Op{Actor: f.adm}, f.ana.ID); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Errorf("removed twice: %v", err)
	}
	if _, err := f.svc.OpenOf(f.ctx, f.luka, f.ana.ID); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("a manager read another's interests: %v", err)
	}
}
