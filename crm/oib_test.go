package crm

import "testing"

func TestValidOIB(t *testing.T) {
	for s, want := range map[string]bool{
		"69435151530":  true, // check digit 0
		"94577403194":  true,
		"12345678903":  true,
		"12345678901":  false, // wrong check digit
		"69435151531":  false,
		"6943515153":   false, // ten digits
		"694351515300": false,
		"6943515153a":  false,
		"":             false,
	} {
		if got := ValidOIB(s); got != want {
			t.Errorf("ValidOIB(%q) = %v, want %v", s, got, want)
		}
	}
}
