package scheduler_test

import (
	"strings"
	"testing"

	"crmbot/bot/scheduler"
)

// R16: an inquiry its owner has not touched within the first-response target (2
// working hours by default) goes to the head once; one the owner touched in time does
// not.
func TestFirstResponseEscalation(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-26 16:30"), scheduler.Config{}) // Thursday
	e.team()
	e.say("telegram:1", "/team add Iva Head head corporate Europe/Zagreb telegram:4")
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.") // #1: due Friday 09:30
	e.say("telegram:2", "/new Iva Kos, Beta d.o.o.")     // #2: answered in time
	e.now = at("2026-11-26 17:00")
	e.say("telegram:2", "/log 2 call: will send the catalogue")
	e.now = at("2026-11-27 09:29")
	e.tick()
	if n := e.rec.count("⏱"); n != 0 {
		t.Fatalf("escalated before the target: %+v", e.rec.sent)
	}
	e.now = at("2026-11-27 09:31")
	e.tick()
	e.now = at("2026-11-27 10:00")
	e.tick()
	var head, owner int
	for _, s := range e.rec.sent {
		switch {
		case strings.HasPrefix(s.Text, "⏱") && s.To == "telegram:4":
			head++
			if !strings.Contains(s.Text, "#1 Acme d.o.o. (Ana Horvat)") {
				t.Errorf("head told %q", s.Text)
			}
		case strings.HasPrefix(s.Text, "⏱ #1 arrived") && s.To == "telegram:2":
			owner++
		case strings.Contains(s.Text, "#2") && (strings.HasPrefix(s.Text, "⏱") || strings.Contains(s.Text, "arrived")):
			t.Errorf("#2 was answered in time, yet: %q to %s", s.Text, s.To)
		}
	}
	if head != 1 || owner != 1 {
		t.Fatalf("head told %d times, owner %d, want 1 and 1: %+v", head, owner, e.rec.sent)
	}
	// Touching it late stops nothing already sent, and nothing is sent again.
	e.say("telegram:2", "/log 1 call: sorry for the wait")
	e.now = at("2026-11-27 11:00")
	e.tick()
	if n := e.rec.count("⏱"); n != 2 {
		t.Fatalf("%d messages after a later pass, want the head's and the owner's", n)
	}
}
