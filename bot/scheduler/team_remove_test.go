package scheduler_test

import (
	"strings"
	"testing"

	"crmbot/bot/scheduler"
)

// Someone removed from the team gets nothing more: not the nudge already decided and
// waiting for their working hours, not later nudges or digests.
func TestRemovedPersonGetsNoMorePushes(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-25 15:00"), scheduler.Config{}) // Wednesday
	e.team()
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	if out := e.say("telegram:2", "/next 1 today 17:30 send proposal"); len(out) == 0 || !strings.Contains(out[0].Text, "Wed 25 Nov 17:30") {
		t.Fatalf("next: %+v", out)
	}
	e.now = at("2026-11-25 18:30") // due, but after Ana's working hours: held until 09:00
	if st := e.tick(); st.Nudges != 1 {
		t.Fatalf("the nudge was not decided: %+v", st)
	}
	if len(e.rec.sent) != 0 {
		t.Fatalf("sent outside working hours: %+v", e.rec.sent)
	}
	out := e.say("telegram:1", "/team remove @ana")
	if len(out) != 1 || !strings.Contains(out[0].Text, "Removed Ana Horvat") || !strings.Contains(out[0].Text, "#1 Marko Đurić") {
		t.Fatalf("remove: %+v", out)
	}
	for _, now := range []string{"2026-11-26 09:01", "2026-11-26 12:00", "2026-11-27 09:00", "2026-11-30 09:00"} {
		e.now = at(now)
		e.tick()
	}
	for _, s := range e.rec.sent {
		if s.To == "telegram:2" {
			t.Errorf("sent to the removed person: %q", s.Text)
		}
	}
	if out := e.say("telegram:2", "/my"); len(out) != 1 || !strings.Contains(out[0].Text, "not on the sales team") {
		t.Errorf("the removed person still uses the bot: %+v", out)
	}
}
