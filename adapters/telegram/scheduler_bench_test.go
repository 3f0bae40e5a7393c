package telegram

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkDeliver10kNudges: 10,000 due nudges to 1,000 chats, decided by the real
// scheduler and delivered through the adapter to the fake Bot API, which enforces
// Telegram's limits. Both run the limits CRMBOT_TG_BENCH_FACTOR times faster (default
// 20: 600 messages/s overall, 20/s per chat), so the run takes seconds; the global
// limit is the one that binds (10 messages per chat need 9 s of a chat's time, 10,000
// need 333 s of the bot's). Reported: the achieved rate as % of that ceiling, over the
// whole delivery and between the fake's first and last accepted message, and the
// number of limit violations (must be 0). rtt=40ms and rtt=100ms give every call a
// round trip like a real Bot API call's (scaled too), so the workers' concurrency and
// the sender's guard on answer times count.
//
//	go test -run=X -bench=Deliver10k -benchtime=1x ./adapters/telegram/
func BenchmarkDeliver10kNudges(b *testing.B) {
	factor := 20.0
	if s := os.Getenv("CRMBOT_TG_BENCH_FACTOR"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 {
			b.Fatalf("CRMBOT_TG_BENCH_FACTOR=%q: want a positive number", s)
		}
		factor = f
	}
	for _, rtt := range []time.Duration{0, 40 * time.Millisecond, 100 * time.Millisecond} {
		b.Run("rtt="+rtt.String(), func(b *testing.B) { benchDelivery(b, factor, rtt) })
	}
}

func benchDelivery(b *testing.B, factor float64, rtt time.Duration) {
	for i := 0; i < b.N; i++ {
		r := runDelivery(b, factor, 1000, 10, rtt)
		if r.sent != 10_000 {
			b.Fatalf("fake accepted %d messages, want 10000", r.sent)
		}
		b.ReportMetric(r.pctCeiling, "%ceiling")
		b.ReportMetric(r.spanPct, "%ceiling-fake")
		b.ReportMetric(float64(r.sent)/r.elapsed.Seconds()/factor, "msgs/s-unscaled")
		b.ReportMetric(float64(r.violations), "violations")
		b.ReportMetric(r.elapsed.Seconds(), "s-deliver")
		b.ReportMetric(r.scan.Seconds(), "s-scan")
		if r.violations > 0 {
			b.Errorf("%d limit violations", r.violations)
		}
	}
}
