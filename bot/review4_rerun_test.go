package bot_test

import (
	"testing"

	"crmbot/metrics"
)

// errorsOf reads crmbot_errors_total{kind}.
func errorsOf(t *testing.T, kind string) float64 {
	t.Helper()
	mfs, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "crmbot_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// One refused message is one error in crmbot_errors_total. The handler runs again
// when a Service write fails inside the unit's write transaction (Service.Message
// rolls back and runs it once more with each call in its own transaction), and
// conv.errReply counts the error on every run: a conflict or a refusal inside a write
// is counted twice, so the error rate alerts see double.
func TestFailedWriteCountsOneErrorMetric(t *testing.T) {
	w := newUnitWorld(t)
	for _, tc := range []struct{ text, kind string }{
		{"/stage 2 new", "conflict"},       // Ana's own interest, already at new
		{"/won 1", "forbidden"},            // the admin's interest
		{"/assign 2 @nobody", "forbidden"}, // managers do not assign
	} {
		before := errorsOf(t, tc.kind)
		out := w.send("console:ana", tc.text, "k-"+tc.text)
		if got := errorsOf(t, tc.kind) - before; got != 1 {
			t.Errorf("%s (reply %q) counted %v %s errors, want 1", tc.text, out, got, tc.kind)
		}
	}
}
