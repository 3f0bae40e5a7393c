package scheduler_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/benchdata"
	"crmbot/storage/storagetest"
)

// scanBench is a scheduler over a private copy of the benchmark dataset (Scan writes:
// marks, outbox). The 50 managers have console identities; a console notifier that
// sends nothing makes them reachable.
type scanBench struct {
	db    *storage.DB
	sched *scheduler.Scheduler
	now   time.Time
}

// newScanBench is a scheduler over a private copy of the dataset.
func newScanBench(b *testing.B) *scanBench {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	db := storagetest.BenchDB(b)
	s := &scanBench{db: db, now: benchdata.Now}
	clock := func() time.Time { return s.now }
	svc := crm.NewService(db, clock, crm.Config{})
	s.sched = scheduler.New(bot.New(svc, bot.Options{Clock: clock}), scheduler.Config{})
	s.sched.AddNotifier("console", bot.NotifierFunc(func(context.Context, crm.Identity, bot.Reply) error { return nil }))
	return s
}

func (s *scanBench) scan(b *testing.B) scheduler.ScanStats {
	st, err := s.sched.Scan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkScan is Scheduler.Scan over the 100k-interest dataset (≈60,000 open, ≈1,800
// overdue, the rest due within 30 days; 50 managers). "first" is the first scan ever,
// at the dataset's "now" (Monday 09:00): every overdue follow-up is nudged and every
// manager's digest decided (one op, on a fresh copy). "steady" is a scan at the same
// instant again, as a cron tick when nothing new fell due: everything was decided, the
// outbox keys say so. "catchup" scans 12 hours after the last one each time (the
// process was down), so ≈1,000 follow-ups fell due in between; digests are off there,
// to time the nudges.
//
//	go test -run=X -bench=Scan -benchtime=10x ./bot/
func BenchmarkScan(b *testing.B) {
	b.Run("first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s := newScanBench(b)
			st := s.scan(b)
			b.ReportMetric(float64(st.Nudges), "nudges/op")
			b.ReportMetric(float64(st.Digests), "digests/op")
		}
	})
	b.Run("steady", func(b *testing.B) {
		s := newScanBench(b)
		b.StopTimer()
		first := s.scan(b)
		b.StartTimer()
		var st scheduler.ScanStats
		b.ReportAllocs()
		for b.Loop() {
			st = s.scan(b)
		}
		if st.Nudges+st.Digests+st.Escalations > 0 {
			b.Fatalf("a repeated scan decided more: %+v (first %+v)", st, first)
		}
	})
	b.Run("catchup", func(b *testing.B) {
		s := newScanBench(b)
		b.StopTimer()
		storagetest.Seed(b, s.db, func(seed *storagetest.Seeder) error {
			us, err := seed.Users()
			for _, u := range us {
				if err != nil {
					break
				}
				u.DigestAt = "off"
				err = seed.PutUser(u)
			}
			return err
		})
		s.scan(b) // the overdue ones: decided before the timed scans
		b.StartTimer()
		nudges, ops := 0, 0
		b.ReportAllocs()
		for b.Loop() {
			s.now = s.now.Add(12 * time.Hour)
			nudges += s.scan(b).Nudges
			ops++
		}
		b.ReportMetric(float64(nudges)/float64(ops), "nudges/op")
	})
}

// BenchmarkScanBacklog is the catch-up after an outage or an import: the first scan
// over the dataset 40 days after its "now", so every open follow-up (≈60,000) is
// overdue and far past the escalation limit. While it runs, a user writes (a replay
// key, as every command does) as fast as the database lets them; the benchmark
// reports the p99 and the worst wait of those writes, and the peak heap during the
// scan (sampled every 10 ms). Targets: p99 under 50 ms, peak heap under 100 MB.
//
//	go test -run=X -bench=ScanBacklog -benchtime=1x -benchmem ./bot/scheduler/
func BenchmarkScanBacklog(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s := newScanBench(b)
		b.StopTimer()
		s.now = benchdata.Now.Add(40 * 24 * time.Hour)
		// The scheduler's own write transactions, timed from when each holds the
		// writer lock to its commit: what a user's write may wait behind, whatever the
		// machine's own fsync jitter adds.
		held := storagetest.Time(s.db)
		clock := func() time.Time { return s.now }
		s.sched = scheduler.New(bot.New(crm.NewService(held, clock, crm.Config{}), bot.Options{Clock: clock}), scheduler.Config{})
		s.sched.AddNotifier("console", bot.NotifierFunc(func(context.Context, crm.Identity, bot.Reply) error { return nil }))
		// A head to escalate to (the dataset has only managers).
		storagetest.Seed(b, s.db, func(seed *storagetest.Seeder) error {
			return seed.PutUser(&crm.User{Name: "Head", Role: crm.RoleHead, Segment: crm.SegmentCorporate, TZ: "UTC", Identities: []crm.Identity{"console:head"}})
		})
		// The same writes with nothing else running: the machine's own fsync jitter,
		// to read the p99 under the scan against.
		idle := userWrites(b, s, time.Second)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var lat []time.Duration
		var peak uint64
		wg.Add(2)
		go func() { // a user's writes
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				start := time.Now()
				err := storagetest.SetIdempotency(ctx, s.db, fmt.Sprintf("bench:%d", n), "1")
				if err != nil && ctx.Err() == nil {
					b.Error(err)
					return
				}
				lat = append(lat, time.Since(start))
			}
		}()
		go func() { // the heap
			defer wg.Done()
			t := time.NewTicker(10 * time.Millisecond)
			defer t.Stop()
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
		b.StartTimer()
		st := s.scan(b)
		b.StopTimer()
		stop()
		wg.Wait()
		slices.Sort(lat)
		if len(idle) > 0 {
			b.ReportMetric(float64(idle[len(idle)*99/100].Microseconds())/1000, "p99-idle-write-ms")
		}
		if len(lat) > 0 {
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-write-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-write-ms")
			b.ReportMetric(float64(len(lat)), "writes")
		}
		heldFor := held.Held()
		slices.Sort(heldFor)
		if n := len(heldFor); n > 0 {
			b.ReportMetric(float64(heldFor[n*99/100].Microseconds())/1000, "p99-sched-tx-ms")
			b.ReportMetric(float64(heldFor[n-1].Microseconds())/1000, "max-sched-tx-ms")
			b.ReportMetric(float64(n), "sched-txs")
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(peak-min(peak, base.HeapAlloc))/(1<<20), "scan-heap-MB")
		b.ReportMetric(float64(st.Nudges+st.Summaries), "nudges+summaries")
		b.ReportMetric(float64(st.Escalations), "escalated")
		b.ReportMetric(float64(st.Folded), "folded")
		b.StartTimer()
	}
}

// userWrites writes replay keys back to back for d, returning the sorted latencies.
func userWrites(b *testing.B, s *scanBench, d time.Duration) []time.Duration {
	var lat []time.Duration
	for end, n := time.Now().Add(d), 0; time.Now().Before(end); n++ {
		start := time.Now()
		if err := storagetest.SetIdempotency(context.Background(), s.db, fmt.Sprintf("idle:%d", n), "1"); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	return lat
}
