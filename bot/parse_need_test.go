package bot

import "testing"

// A /new line with a labelled need and more parts that are nothing else keeps them all
// in the need; a price in it ("12,- kn") is not cut at its ",-".
func TestParseNewLineKeepsTheWholeNeed(t *testing.T) {
	for _, tc := range []struct {
		in, need string
		value    int64
	}{
		{"Ivo Ivić, Beta d.o.o., need: cameras, 5 rooms", "cameras, 5 rooms", 0},
		{"Ivo Ivić, Beta d.o.o., 5 rooms, need: cameras", "cameras, 5 rooms", 0},
		{"Ivo Ivić, Beta d.o.o., potreba: 12,- kn po komadu, vrijednost: 5.000,- kn", "12,- kn po komadu", 5000},
		{"Ivo Ivić, Beta d.o.o., kamere za 3 sobe", "kamere za 3 sobe", 0},
	} {
		n := parseNewLine(tc.in)
		if n.Need != tc.need || n.Value != tc.value {
			t.Errorf("%q: need %q value %d, want %q %d", tc.in, n.Need, n.Value, tc.need, tc.value)
		}
	}
}
