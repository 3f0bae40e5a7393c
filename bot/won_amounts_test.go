package bot

import "testing"

// /won's amount reader is a second, weaker copy of parseAmount. It stores
// "12 000 €" as 12 and "12000 kn" in the interest's currency, with the rest as the note.
func TestWonValueReadWhole(t *testing.T) {
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

// The note after a grouped amount is kept, and "30000 000" is not one number.
func TestWonValueGroupedNote(t *testing.T) {
	for _, c := range []struct {
		in, note string
		v        int64
		cur      string
		bad      bool
	}{
		{in: "12 000 € potpisano", v: 12000, cur: "EUR", note: "potpisano"},
		{in: "12 000,00 kn", v: 12000, cur: "HRK"},
		{in: "1 250 000 EUR deal", v: 1250000, cur: "EUR", note: "deal"},
		{in: "30000 the client signed", v: 30000, note: "the client signed"},
		{in: "30000 000 x", v: 30000, note: "000 x"},
		{in: "12 000,50 kn", bad: true},
	} {
		w, rest, err := parseWonValue(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q => %d %s: want refused (values are whole units)", c.in, w.Value, w.Currency)
			}
			continue
		}
		if err != nil || w.Value != c.v || w.Currency != c.cur || rest != c.note {
			t.Errorf("%q => %v, %q, %v; want %d %q, note %q", c.in, w, rest, err, c.v, c.cur, c.note)
		}
	}
}
