package bot

import (
	"reflect"
	"testing"

	"crmbot/crm"
)

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int64
		cur  string
		fail bool
	}{
		{in: "12000 EUR", n: 12000, cur: "EUR"},
		{in: "12000", n: 12000},
		{in: "12.000,00 kn", n: 12000, cur: "HRK"},
		{in: "12.000,00 €", n: 12000, cur: "EUR"},
		{in: "12 000 €", n: 12000, cur: "EUR"},
		{in: "12\u00a0000 €", n: 12000, cur: "EUR"},
		{in: "€12,000", n: 12000, cur: "EUR"},
		{in: "12,000.00 USD", n: 12000, cur: "USD"},
		{in: "1.250.000 kuna", n: 1250000, cur: "HRK"},
		{in: "12.000", n: 12000},
		{in: "12,50 eura", fail: true}, // whole units only: never rounded silently
		{in: "99,4 EUR", fail: true},
		{in: "12000 chf", n: 12000, cur: "CHF"},
		{in: "", fail: true},
		{in: "lots", fail: true},
		{in: "12.00.0", fail: true},
		{in: "12000 dollars please", fail: true},
		{in: "EUR 12000 EUR", fail: true},
		{in: "12,000,0", fail: true},
		{in: "12.000,- kn", n: 12000, cur: "HRK"},
		{in: "12.000,-kn", n: 12000, cur: "HRK"},
		{in: "500,- €", n: 500, cur: "EUR"},
		{in: "12.000,-- kn", n: 12000, cur: "HRK"},
		{in: "12,-5", fail: true},
	} {
		n, cur, ok := parseAmount(tc.in)
		if ok == tc.fail || !tc.fail && (n != tc.n || cur != tc.cur) {
			t.Errorf("parseAmount(%q) = %d %q %v, want %d %q fail=%v", tc.in, n, cur, ok, tc.n, tc.cur, tc.fail)
		}
	}
}

// "value: 12.000,00 kn" is one amount, not 12 000 with "00 kn" in the need.
func TestParseNewLineCroatian(t *testing.T) {
	got := parseNewLine("Tomislav Horvat, Ericsson Nikola Tesla d.d., 091 234 5678, vrijednost: 12.000,00 kn, velika, pozicija: direktor nabave, izvor: sajam, videokonferencija za 3 ureda")
	want := crm.NewInterest{ContactName: "Tomislav Horvat", CompanyName: "Ericsson Nikola Tesla d.d.", Phone: "091 234 5678",
		Value: 12000, Currency: "HRK", CompanySize: crm.SizeLarge, Position: "direktor nabave", Source: "sajam", Need: "videokonferencija za 3 ureda"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	got = parseNewLine("Ana Kovač, Podravka d.d., e-pošta: ana@podravka.hr, veličina: državna, vrsta: potencijalni posao, value: 12 000 €")
	want = crm.NewInterest{ContactName: "Ana Kovač", CompanyName: "Podravka d.d.", Email: "ana@podravka.hr", CompanySize: crm.SizeGovernment,
		Kind: crm.KindPotentialDeal, Value: 12000, Currency: "EUR"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// Two phones without a space stay two parts.
	if got := splitParts("A, B, 0912345678,0981234567"); len(got) != 4 {
		t.Errorf("splitParts: %q", got)
	}
}

func TestCroatianArguments(t *testing.T) {
	kinds := map[string]crm.InteractionKind{
		"poziv: rekao da": crm.InteractionCall, "sastanak u uredu": crm.InteractionMeeting, "mail: poslao": crm.InteractionEmail,
		"e-mail poslao": crm.InteractionEmail, "demo: pokazali": crm.InteractionDemo, "bilješka: x": crm.InteractionNote,
		"biljeska x": crm.InteractionNote, "seminar: x": crm.InteractionSeminar, "pozivnica na seminar": crm.InteractionSeminar,
		"Poziv: x": crm.InteractionCall, "call: x": crm.InteractionCall,
	}
	for in, want := range kinds {
		if k, _, ok := parseKind(in); !ok || k != want {
			t.Errorf("parseKind(%q) = %q %v, want %q", in, k, ok, want)
		}
	}
	stages := map[string]crm.Stage{
		"novi": crm.StageNew, "sastanak": crm.StageMeeting, "ponuda": crm.StageProposal, "razmišlja": crm.StageDeliberating,
		"razmislja": crm.StageDeliberating, "posao": crm.StageWon, "dobiven": crm.StageWon, "izgubljen": crm.StageLost,
		"odbijanje": crm.StageLost, "Ponuda": crm.StageProposal, "proposal": crm.StageProposal,
	}
	for in, want := range stages {
		if st, ok := parseStage(in); !ok || st != want {
			t.Errorf("parseStage(%q) = %q %v, want %q", in, st, ok, want)
		}
	}
	for _, tc := range []struct {
		in, note string
		want     crm.DeliberationReason
	}{
		{"odlučuje nadređeni", "", crm.DeliberationDecisionMaker}, {"odlucuje nadredeni javit će", "javit će", crm.DeliberationDecisionMaker},
		{"nadređeni", "", crm.DeliberationDecisionMaker}, {"uspoređuje tri ponude", "tri ponude", crm.DeliberationComparing},
		{"budžet", "", crm.DeliberationBudget}, {"čeka budžet za 2027.", "za 2027.", crm.DeliberationBudget}, {"comparing", "", crm.DeliberationComparing},
	} {
		if r, note, ok := parseDeliberation(tc.in); !ok || r != tc.want || note != tc.note {
			t.Errorf("parseDeliberation(%q) = %q %q %v", tc.in, r, note, ok)
		}
	}
	if _, _, ok := parseDeliberation("odlučuje"); ok {
		t.Error("half a phrase accepted")
	}
	for _, tc := range []struct{ in, want, note string }{
		{"nedostupan", "unreachable", ""}, {"konkurencija uzeli Ciscov sustav", "competitor", "uzeli Ciscov sustav"},
		{"neperspektivan", "not-prospective", ""}, {"ne sada", reasonNotNow, ""}, {"Ne sada, javit će se u ožujku", reasonNotNow, "javit će se u ožujku"},
		{"not now", reasonNotNow, ""}, {"competitor", "competitor", ""},
	} {
		r, note, ok := parseLoss(tc.in)
		if !ok || r != tc.want || note != tc.note {
			t.Errorf("parseLoss(%q) = %q %q %v", tc.in, r, note, ok)
		}
	}
	if _, _, ok := parseLoss("nesada"); ok {
		t.Error("nesada accepted")
	}
	text, clause, ok := splitNext("želi 40 mjesta, sljedeće pet 10:00 poslati ponudu")
	if !ok || text != "želi 40 mjesta" || clause != "pet 10:00 poslati ponudu" {
		t.Errorf("splitNext: %q %q %v", text, clause, ok)
	}
}

func TestNewLineSegmentInCroatian(t *testing.T) {
	for in, want := range map[string]crm.Segment{
		"Ana Horvat, Acme, segment: maloprodaja":  crm.SegmentRetail,
		"Ana Horvat, Acme, segment: retail":       crm.SegmentRetail,
		"Ana Horvat, Acme, segment: korporativni": crm.SegmentCorporate,
	} {
		if n := parseNewLine(in); n.Segment != want {
			t.Errorf("parseNewLine(%q).Segment = %q, want %q", in, n.Segment, want)
		}
	}
}
