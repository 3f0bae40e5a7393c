package bot_test

import (
	"strings"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// The proposal terms' grammar (R14): what it reads, in either language, is stored
// exactly; what it cannot read is refused, naming the part, and nothing changes.
func TestProposalTermsGrammar(t *testing.T) {
	h := newHarness(t)
	h.sayAs("console:admin", "/new Marko Đurić, Acme d.o.o.")
	h.sayAs("console:admin", "/stage 1 proposal")
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	for _, tt := range []struct {
		in       string
		value    int64
		currency string
		n        int
		unit     crm.DeliveryUnit
		valid    time.Time
		refused  string // a part of the refusal, "" when read
	}{
		{in: "12000 EUR delivery 3 weeks valid 2026-12-31", value: 12000, currency: "EUR", n: 3, unit: crm.DeliveryWeeks, valid: d(2026, 12, 31)},
		{in: "12.000 € isporuka 3 tjedna vrijedi do 31.12.2026.", value: 12000, currency: "EUR", n: 3, unit: crm.DeliveryWeeks, valid: d(2026, 12, 31)},
		{in: "value: 9500 USD delivery: 10 days valid until 15.1.2027", value: 9500, currency: "USD", n: 10, unit: crm.DeliveryDays, valid: d(2027, 1, 15)},
		{in: "vrijednost 7.500,00 € rok isporuke 2 mjeseca važi do 1.3.2027.", value: 7500, currency: "EUR", n: 2, unit: crm.DeliveryMonths, valid: d(2027, 3, 1)},
		{in: "8000 delivery 6w valid 2027-02-01", value: 8000, currency: "EUR", n: 6, unit: crm.DeliveryWeeks, valid: d(2027, 2, 1)},
		{in: "12000 EUR delivery in 5 days valid tomorrow", value: 12000, currency: "EUR", n: 5, unit: crm.DeliveryDays, valid: d(2026, 11, 26)},
		{in: "30,5 EUR delivery 3 weeks valid 2026-12-31", refused: `"30,5 EUR"`},
		{in: "12000 EUR delivery soon valid 2026-12-31", refused: `"soon"`},
		{in: "12000 EUR delivery 3 weeks valid someday", refused: `"someday"`},
		{in: "12000 EUR delivery 0 weeks valid 2026-12-31", refused: `"0 weeks"`},
		{in: "12000 EUR delivery 3 years valid 2026-12-31", refused: `"3 years"`},
		{in: "12000 EUR valid 2026-12-31 valid 2027-01-31 delivery 3 weeks", refused: "twice"},
		{in: "around 12000 delivery 3 weeks valid 2026-12-31", refused: `"around 12000"`},
	} {
		before := storagetest.Interest(t, h.db, 1)
		got := h.sayAs("console:admin", "/proposal 1 "+tt.in)
		after := storagetest.Interest(t, h.db, 1)
		if tt.refused != "" {
			if !strings.Contains(got, tt.refused) || !strings.Contains(got, "/proposal 1 12000 EUR") {
				t.Errorf("%q: want a refusal naming %s with what to type, got %q", tt.in, tt.refused, got)
			}
			if *after.Proposal != *before.Proposal {
				t.Errorf("%q: refused, yet the proposal changed: %+v → %+v", tt.in, before.Proposal, after.Proposal)
			}
			continue
		}
		p := after.Proposal
		if p.Value != tt.value || p.Currency != tt.currency || p.Delivery != (crm.LeadTime{N: tt.n, Unit: tt.unit}) || !p.ValidUntil.Equal(tt.valid) {
			t.Errorf("%q: stored %+v, reply %q", tt.in, p, got)
		}
	}
}
