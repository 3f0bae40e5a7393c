package bot_test

import (
	"strings"
	"testing"
)

// Regression: a /log with no note before its next step ("call: next tomorrow 14:00 …",
// "poziv: sljedeće sutra 14:00 …") stores "next tomorrow 14:00 send offer" as the note
// and keeps the old next step: splitNext finds "next" only after a separator.
func TestLogNextWithoutNote(t *testing.T) {
	for _, line := range []string{"/log 1 call: next tomorrow 14:00 send offer", "/log 1 poziv: sljedeće sutra 14:00 poslati ponudu", "/log 1 demo next tomorrow 14:00 send offer"} {
		h := newHarness(t)
		say := func(text string) string { return h.sayAs("console:admin", text) }
		say("/new Marko Đurić, Acme d.o.o.")
		got := say(line)
		if !strings.Contains(got, "14:00") {
			t.Errorf("%s => %s\n(the typed next step is not set; card: %s)", line, got, say("/show 1"))
		}
	}
}
