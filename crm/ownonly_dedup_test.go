package crm_test

import (
	"testing"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// In an own-only view, de-duplication must not reveal another manager's contact,
// company or interest: a match the actor may not see is no match, and the typed
// party is recorded as new. A head still sees, and links to, everything.
func TestCreateInterestOwnOnlyRevealsNothing(t *testing.T) {
	storagetest.Each(t, testCreateInterestOwnOnlyRevealsNothing)
}

func testCreateInterestOwnOnlyRevealsNothing(t *testing.T) {
	ana := crm.NewInterest{ContactName: "Marko Đurić", CompanyName: "Acme d.o.o.", Email: "marko@acme.hr", OIB: "45050126417"}
	cases := []struct {
		name string
		n    crm.NewInterest
	}{
		{"email", crm.NewInterest{ContactName: "Netko", CompanyName: "Nova firma", Email: "marko@acme.hr"}},
		{"email, same name", crm.NewInterest{ContactName: "Marko Djuric", CompanyName: "Acme d.o.o.", Email: "marko@acme.hr"}},
		{"oib", crm.NewInterest{ContactName: "Netko", CompanyName: "Nova firma", OIB: "45050126417"}},
		{"company name", crm.NewInterest{ContactName: "Netko", CompanyName: "ACME d.o.o."}},
	}
	// An import (LinkAuto, run by an operator) still links: its owner-actor is not
	// the reader of its report.
	t.Run("import links", func(t *testing.T) {
		f := setup(t)
		f.svc.Config.ManagersSeeOwnOnly = true
		a := f.create(f.ana, "a", ana)
		got := f.create(f.luka, "l", crm.NewInterest{ContactName: "Netko", CompanyName: "Nova firma", Email: "marko@acme.hr", Link: crm.LinkAuto})
		if got.Contact.ID != a.Contact.ID {
			t.Errorf("import did not link: contact %d, want %d", got.Contact.ID, a.Contact.ID)
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t)
			f.svc.Config.ManagersSeeOwnOnly = true
			a := f.create(f.ana, "a", ana)
			got, err := f.svc.CreateInterest(f.ctx, crm.Op{Actor: f.luka, Key: "l"}, c.n)
			if err != nil {
				t.Fatalf("Luka's create: %v", err)
			}
			if got.Contact.ID == a.Contact.ID || got.Company.ID == a.Company.ID {
				t.Errorf("linked to Ana's records: contact %d company %d", got.Contact.ID, got.Company.ID)
			}
			if len(got.Links) != 0 {
				t.Errorf("links reveal Ana's records: %+v", got.Links)
			}
			if got.Contact.FullName != c.n.ContactName || got.Company.Name != c.n.CompanyName {
				t.Errorf("typed party not stored: %q (%q)", got.Contact.FullName, got.Company.Name)
			}
			// The head sees all, so the same input links as before.
			head := f.mustUser("Šef Prodaje", crm.RoleHead, crm.SegmentCorporate)
			n := c.n
			n.Link = crm.LinkAuto
			h := f.create(head, "h", n)
			if len(h.Links) == 0 {
				t.Errorf("head: no links, want the existing records")
			}
		})
	}
}
