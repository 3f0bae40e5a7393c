package bot

import (
	"testing"

	"crmbot/crm"
)

// The labels of /new that this branch added: segment: goes to the interest, not the
// need; owner: is cut out before the line is read.
func TestNewLineSegmentAndOwner(t *testing.T) {
	tests := []struct {
		in            string
		line, owner   string
		segment       crm.Segment
		need, company string
	}{
		{"Marko, Acme, segment: retail", "Marko, Acme, segment: retail", "", crm.SegmentRetail, "", "Acme"},
		{"Marko, Acme, segment: Retail, owner: @ivan, needs 2 phones", "Marko, Acme, segment: Retail, needs 2 phones", "@ivan", crm.SegmentRetail, "needs 2 phones", "Acme"},
		{"Marko, Acme; owner: Ivan Babić", "Marko, Acme", "Ivan Babić", "", "", "Acme"},
		{"Marko, Acme, the owner: wants a call", "Marko, Acme, the owner: wants a call", "", "", "the owner: wants a call", "Acme"},
		{"Marko, Acme, segment: wholesale", "Marko, Acme, segment: wholesale", "", "wholesale", "", "Acme"},
	}
	for _, tt := range tests {
		line, owner := cutOwner(tt.in)
		if line != tt.line || owner != tt.owner {
			t.Errorf("cutOwner(%q) = %q, %q; want %q, %q", tt.in, line, owner, tt.line, tt.owner)
			continue
		}
		n := parseNewLine(line)
		if n.Segment != tt.segment || n.Need != tt.need || n.CompanyName != tt.company {
			t.Errorf("parseNewLine(%q): segment %q need %q company %q; want %q %q %q", line, n.Segment, n.Need, n.CompanyName, tt.segment, tt.need, tt.company)
		}
	}
}

// badField finds the one field a Validate error is about, so only it is asked again.
func TestBadField(t *testing.T) {
	tests := []struct {
		n    crm.NewInterest
		want string
	}{
		{crm.NewInterest{ContactName: "M", CompanyName: "A", Phone: "12"}, "phone"},
		{crm.NewInterest{ContactName: "M", CompanyName: "A", Phone: "+385 91 234 5678", Mobile: "34"}, "mobile"},
		{crm.NewInterest{ContactName: "M", CompanyName: "A", Email: "m@"}, "email"},
		{crm.NewInterest{ContactName: "M", CompanyName: "A", CompanySize: "huge"}, "size"},
		{crm.NewInterest{ContactName: "M", CompanyName: "A", Value: -1}, "value"},
		{crm.NewInterest{ContactName: "M", CompanyName: "A", Segment: "wholesale"}, "segment"},
		{crm.NewInterest{CompanyName: "A"}, ""},
	}
	for _, tt := range tests {
		probe := tt.n
		err := probe.Validate("HR")
		if got := badField(&tt.n, err); got != tt.want {
			t.Errorf("badField(%+v, %v) = %q, want %q", tt.n, err, got, tt.want)
		}
	}
}
