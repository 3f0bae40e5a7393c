package crm

import (
	"strings"
	"testing"
)

func TestValidateRefusesOverlongFields(t *testing.T) {
	long := func(f Field) string { return strings.Repeat("ž", Limits[f]+1) }
	ok := func() NewInterest { return NewInterest{ContactName: "Marko", CompanyName: "Acme"} }
	tests := []struct {
		name string
		edit func(*NewInterest)
		key  string
	}{
		{"name at the limit", func(n *NewInterest) { n.ContactName = strings.Repeat("ž", Limits[FieldName]) }, ""},
		{"100 KB name", func(n *NewInterest) { n.ContactName = strings.Repeat("x", 100<<10) }, "err.too_long.name"},
		{"company", func(n *NewInterest) { n.CompanyName = long(FieldCompany) }, "err.too_long.company"},
		{"position", func(n *NewInterest) { n.Position = long(FieldPosition) }, "err.too_long.position"},
		{"email, before it is read as one", func(n *NewInterest) { n.Email = long(FieldEmail) }, "err.too_long.email"},
		{"phone", func(n *NewInterest) { n.Phone = long(FieldPhone) }, "err.too_long.phone"},
		{"mobile", func(n *NewInterest) { n.Mobile = long(FieldPhone) }, "err.too_long.phone"},
		{"messenger", func(n *NewInterest) { n.Messenger = long(FieldMessenger) }, "err.too_long.messenger"},
		{"website", func(n *NewInterest) { n.Website = long(FieldWebsite) }, "err.too_long.website"},
		{"line of business", func(n *NewInterest) { n.LineOfBusiness = long(FieldLine) }, "err.too_long.line"},
		{"need", func(n *NewInterest) { n.Need = long(FieldNeed) }, "err.too_long.need"},
		{"source", func(n *NewInterest) { n.Source = long(FieldSource) }, "err.too_long.source"},
		{"next step", func(n *NewInterest) { n.Next = &NextAction{What: long(FieldNext)} }, "err.too_long.next"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := ok()
			tt.edit(&n)
			got := ""
			if e := AsError(n.Validate("HR")); e != nil {
				got = e.Key
				if e.Code != EINVALID || len(e.Args) != 1 {
					t.Errorf("error %v: want EINVALID with the limit", e)
				}
			}
			if got != tt.key {
				t.Fatalf("got %q, want %q", got, tt.key)
			}
		})
	}
}
