package scheduler_test

import (
	"testing"

	"crmbot/bot/scheduler"
	"crmbot/metrics"
)

// counter reads a counter of metrics.Registry (0 when it has no sample yet).
func counter(t *testing.T, name, label, value string) float64 {
	t.Helper()
	mfs, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					match = true
				}
			}
			if match {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// The scheduler keeps reporting what it decides and delivers: nudges decided (due or
// deferred) and sent, and digests sent.
func TestSchedulerMetrics(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-25 07:00"), scheduler.Config{}) // Wednesday, before work
	e.team()
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o., next fri 17:30 send proposal")
	e.say("telegram:2", "/next 1 today 07:30 call")
	due, deferred, sent, digests := counter(t, "crmbot_nudges_total", "result", "due"), counter(t, "crmbot_nudges_total", "result", "deferred"),
		counter(t, "crmbot_nudges_total", "result", "sent"), counter(t, "crmbot_digests_sent_total", "", "")
	e.now = at("2026-11-25 07:31")
	e.tick() // due outside working hours: deferred to 09:00
	e.now = at("2026-11-25 09:01")
	e.tick() // sent, with the 08:30 digest
	if d := counter(t, "crmbot_nudges_total", "result", "deferred") - deferred; d != 1 {
		t.Errorf("deferred nudges counted %v, want 1", d)
	}
	if d := counter(t, "crmbot_nudges_total", "result", "due") - due; d != 0 {
		t.Errorf("due nudges counted %v, want 0", d)
	}
	if d := counter(t, "crmbot_nudges_total", "result", "sent") - sent; d != 1 {
		t.Errorf("sent nudges counted %v, want 1", d)
	}
	if d := counter(t, "crmbot_digests_sent_total", "", "") - digests; d < 1 {
		t.Errorf("digests sent counted %v, want at least 1", d)
	}
}
