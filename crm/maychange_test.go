package crm_test

import (
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// MayChange answers as the change would: nil for the owner and a head, not_owner for
// a colleague (audited as a refusal), not found for a number that does not exist.
func TestMayChange(t *testing.T) { storagetest.Each(t, testMayChange) }

func testMayChange(t *testing.T) {
	f := setup(t)
	id := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"}).Interest.ID
	for _, c := range []struct {
		who  *crm.User
		id   uint64
		want string
	}{
		{f.ana, id, ""},
		{f.adm, id, ""},
		{f.luka, id, "err.not_owner"},
		{f.ana, id + 100, "err.interest_not_found"},
	} {
		err := f.svc.MayChange(f.ctx, crm.Op{Actor: c.who}, c.id, "log")
		got := ""
		if e := crm.AsError(err); e != nil {
			got = e.Key
		} else if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s on #%d: %q, want %q", c.who.Name, c.id, got, c.want)
		}
	}
	refused := 0
	if err := f.db.View(f.ctx, func(tx crm.Tx) error {
		return tx.AuditSince(time.Time{}, func(a *crm.AuditEntry) error {
			if a.Refused && a.ActorID == f.luka.ID && a.EntityID == id && a.Action == "log" {
				refused++
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if refused != 1 {
		t.Errorf("refusals audited: %d, want 1", refused)
	}
}
