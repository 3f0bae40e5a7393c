package bot_test

import (
	"strings"
	"testing"
)

// Regression: /won reads its value only after the bare words value/for/vrijednost/iznos.
// "vrijednost: 30.000 €" (the label form /new teaches), "za 30.000 €" (Croatian "for")
// and "30.000 €" are stored as the note, the interest keeps no value, and the reply
// ("#1 je sada u fazi posao.") just lacks the value line; the period reports' won value
// misses the deal.
func TestWonValueForms(t *testing.T) {
	for _, line := range []string{"/won 1 vrijednost: 30.000 €", "/won 1 za 30.000 €", "/won 1 value: 30000 EUR", "/won 1 30.000 €"} {
		h := newHarness(t)
		say := func(text string) string { return h.sayAs("console:admin", text) }
		say("/lang hr")
		say("/new Marko Đurić, Acme d.o.o.")
		got := say(line)
		if card := say("/show 1"); !strings.Contains(card, "Vrijednost: 30.000") {
			t.Errorf("%s => %s\nthe value is not stored; card:\n%s", line, got, card)
		}
	}
}
