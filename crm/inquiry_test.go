package crm_test

import (
	"testing"

	"crmbot/crm"
)

func TestInquiryRoute(t *testing.T) {
	f := setup(t) // Admin; Ana, then Luka: corporate managers
	inquiry := func(name string, seg crm.Segment) (*crm.Inquired, error) {
		return f.svc.CreateInquiry(f.ctx, crm.Op{Actor: f.adm}, crm.Inquiry{Name: name, Company: name + " d.o.o.", Segment: seg}, nil)
	}
	owner := func(name string, seg crm.Segment) string {
		t.Helper()
		r, err := inquiry(name, seg)
		if err != nil {
			t.Fatal(err)
		}
		return r.Owner
	}
	// Ana already has two open interests: Luka gets the next two, then they alternate.
	f.create(f.ana, "", crm.NewInterest{ContactName: "A", CompanyName: "A1"})
	f.create(f.ana, "", crm.NewInterest{ContactName: "B", CompanyName: "B1"})
	var got []string
	for _, n := range []string{"C", "D", "E", "F"} {
		got = append(got, owner(n, ""))
	}
	if want := []string{"Luka Marić", "Luka Marić", "Ana Horvat", "Luka Marić"}; !equal(got, want) {
		t.Errorf("owners %v, want %v", got, want)
	}
	// A manager who left gets nothing; no retail manager: the retail inquiry goes to
	// a head or admin of the segment, and with none, it is refused saying why.
	if _, err := f.svc.RemoveUser(f.ctx, crm.Op{Actor: f.adm}, f.luka.ID); err != nil {
		t.Fatal(err)
	}
	if o := owner("G", crm.SegmentCorporate); o != "Ana Horvat" {
		t.Errorf("with Luka gone: %s", o)
	}
	if _, err := inquiry("H", crm.SegmentRetail); crm.AsError(err) == nil || crm.AsError(err).Key != "err.inquiry_no_manager" {
		t.Errorf("retail with nobody: %v", err)
	}
	head := f.mustUser("Rita Head", crm.RoleHead, crm.SegmentRetail)
	if o := owner("I", crm.SegmentRetail); o != head.Name {
		t.Errorf("retail with only a head: %s", o)
	}
	// A rule naming someone who has since left is ignored.
	if err := f.svc.SetInquiryRouting(f.ctx, crm.Op{Actor: f.adm}, crm.SegmentCorporate, f.ana.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RemoveUser(f.ctx, crm.Op{Actor: f.adm}, f.ana.ID); err == nil {
		if o := owner("J", crm.SegmentCorporate); o != "Admin" {
			t.Errorf("rule for someone gone: %s, want the corporate admin", o)
		}
	}
	// Only heads and admins record inquiries (the API acts for one).
	if _, err := f.svc.CreateInquiry(f.ctx, crm.Op{Actor: head}, crm.Inquiry{Name: "K", Company: "K"}, nil); err != nil {
		t.Errorf("head: %v", err)
	}
	f.ana.Role = crm.RoleManager
	if _, err := f.svc.CreateInquiry(f.ctx, crm.Op{Actor: f.ana}, crm.Inquiry{Name: "L", Company: "L"}, nil); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("manager: %v", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
