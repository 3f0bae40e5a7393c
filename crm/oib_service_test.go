package crm_test

import (
	"testing"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// Companies de-duplicate by OIB before name: one tax number is one client, whatever
// it is called; a mistyped OIB is refused and stores nothing.
func TestCreateInterestDeduplicatesByOIB(t *testing.T) {
	storagetest.Each(t, testCreateInterestDeduplicatesByOIB)
}

func testCreateInterestDeduplicatesByOIB(t *testing.T) {
	f := setup(t)
	a := f.create(f.ana, "k1", crm.NewInterest{ContactName: "Tomislav Horvat", CompanyName: "Končar d.d.", OIB: "45050126417"})
	if a.Company.OIB != "45050126417" {
		t.Fatalf("OIB not stored: %+v", a.Company)
	}
	b := f.create(f.ana, "k2", crm.NewInterest{ContactName: "Ivana Babić", CompanyName: "KONČAR – Elektroindustrija", OIB: "45050126417"})
	if b.Company.ID != a.Company.ID {
		t.Fatalf("same OIB, new company %d (first %d)", b.Company.ID, a.Company.ID)
	}
	if len(b.Links) == 0 || b.Links[0].What != "company" || b.Links[0].By != "oib" {
		t.Errorf("links %+v", b.Links)
	}
	// A different valid OIB under the same name is still linked by name (the OIB is
	// only filled in when the company had none).
	c := f.create(f.ana, "k3", crm.NewInterest{ContactName: "Petra Kos", CompanyName: "Podravka d.d.", OIB: "18928523252"})
	if c.Company.ID == a.Company.ID || c.Company.OIB != "18928523252" {
		t.Errorf("other OIB: %+v", c.Company)
	}
	_, err := f.svc.CreateInterest(f.ctx, crm.Op{Actor: f.ana, Key: "k4"}, crm.NewInterest{ContactName: "X Y", CompanyName: "Z d.o.o.", OIB: "45050126418"})
	if crm.ErrorCode(err) != crm.EINVALID || crm.AsError(err).Key != "err.bad_oib" {
		t.Errorf("bad OIB: %v", err)
	}
}
