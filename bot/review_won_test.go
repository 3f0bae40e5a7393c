package bot

import "testing"

// Review: /won's amount reader is a second, weaker copy of parseAmount. It stores
// "12 000 €" as 12 and "12000 kn" in the interest's currency, with the rest as the note.
func TestReviewWonValueReadWhole(t *testing.T) {
	for _, c := range []struct {
		in  string
		v   int64
		cur string
	}{
		{"12 000 € potpisano", 12000, "EUR"},
		{"12000 kn", 12000, "HRK"},
		{"12.000,00 kn", 12000, "HRK"},
		{"30000 eur", 30000, "EUR"},
	} {
		w, rest, err := parseWonValue(c.in)
		if err != nil {
			t.Errorf("%q: refused: %v (parseAmount reads it)", c.in, err)
			continue
		}
		if w.Value != c.v || w.Currency != c.cur {
			t.Errorf("%q => %d %q, note %q; want %d %s", c.in, w.Value, w.Currency, rest, c.v, c.cur)
		}
	}
}
