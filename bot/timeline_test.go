package bot

import "testing"

// Stored timeline texts are worded in the reader's language; a text the service did
// not write in the known shapes is shown as stored, never half-translated.
func TestSystemText(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{cat: cat}
	for _, tc := range []struct{ lang, in, want string }{
		{"en", "created", "interest created"},
		{"hr", "created", "interes otvoren"},
		{"hr", "stage new→deliberating/budget: čekaju proračun", "faza novi→razmišlja/čeka budžet: čekaju proračun"},
		{"en", "stage new→won · value 30000 EUR: the client signed", "stage new→won · value 30 000 EUR: the client signed"},
		{"hr", "stage proposal→won · value 30000 EUR: potpisano", "faza ponuda→posao · vrijednost 30.000,00 €: potpisano"},
		{"hr", "stage proposal→won · value 1500 ", "faza ponuda→posao · vrijednost 1.500,00"},
		{"hr", "stage proposal→won · value lots EUR", "stage proposal→won · value lots EUR"},
		{"hr", "stage new→proposal · value=12000 EUR delivery=3 week valid=2026-12-31",
			"faza novi→ponuda · 12.000,00 € · isporuka 3 tjedna · vrijedi do čet 31. 12. 2026"},
		{"en", "stage new→proposal · value=12000 EUR delivery=3 week valid=2026-12-31: sent by post",
			"stage new→proposal · 12 000 EUR · delivery 3 weeks · valid until Thu 31 Dec 2026: sent by post"},
		{"hr", "stage new→proposal · value=12000 EUR delivery=3 fortnight valid=2026-12-31",
			"stage new→proposal · value=12000 EUR delivery=3 fortnight valid=2026-12-31"},
		{"hr", "stage new→proposal · value=12000 EUR delivery=3 week valid=soon",
			"stage new→proposal · value=12000 EUR delivery=3 week valid=soon"},
		{"hr", "proposal sent", "ponuda poslana"},
		{"hr", "assigned to Ana", "predano: Ana"},
		{"hr", "something else", "something else"},
	} {
		c := &conv{e: e, lang: tc.lang}
		if got := c.systemText(tc.in); got != tc.want {
			t.Errorf("%s systemText(%q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}
