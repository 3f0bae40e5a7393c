package bot_test

import (
	"strings"
	"testing"
)

// Regression: a manager who logs a call on a colleague's interest is asked the kind, the
// note and the next step, and only then refused ("#1 pripada drugom komercijalistu"):
// the note just typed is gone. The refusal belongs before the first question.
func TestLogOnColleaguesInterestRefusedFirst(t *testing.T) {
	h := newHarness(t)
	say := h.sayAs
	say("console:admin", "/team add Ana Horvat manager corporate Europe/Zagreb console:ana")
	say("console:admin", "/team add Ivo Ivić manager corporate Europe/Zagreb console:ivo")
	say("console:ana", "/new Marko Đurić, Acme d.o.o.")
	say("console:ivo", "/lang hr")
	first := say("console:ivo", "/log 1 poziv")
	if strings.Contains(first, "pripada drugom") {
		return // refused up front: nothing typed is lost
	}
	say("console:ivo", "klijent želi 40 mjesta i popust, javio se umjesto Ane")
	got := say("console:ivo", "sutra 10 nazvati")
	if strings.Contains(got, "pripada drugom") {
		t.Errorf("asked for the note (%q), then refused after it was typed: %s", first, got)
	}
}
