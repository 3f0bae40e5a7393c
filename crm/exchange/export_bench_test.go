package exchange_test

import (
	"context"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/crm/exchange"
	"crmbot/storage"
	"crmbot/storage/benchdata"
)

// BenchmarkExport writes the whole benchmark dataset (at CRMBOT_BENCH_SCALE=1:
// 100,000 interests, 1,000,000 interactions) as a JSON dump and as CSV files to
// io.Discard, reading the storage benchmarks' cached file read-only (run
// go test ./storage -run=X -bench=Pipeline once to make it):
//
//	go test ./crm/exchange -run=X -bench=Export -benchtime=1x -benchmem
//
// interests/s is the rate the target is set in (at least 50,000); peak-heap-MB the
// most heap in use while it ran, which stays flat whatever the size.
func BenchmarkExport(b *testing.B) {
	scale, err := benchdata.Scale()
	if err != nil {
		b.Fatal(err)
	}
	path := benchdata.Find(os.TempDir(), benchdata.SizeAt(scale))
	if path == "" {
		b.Skip("no cached benchmark dataset: run go test ./storage -run=X -bench=Pipeline first")
	}
	db, err := storage.Open(path, storage.Options{ReadOnly: true, MustExist: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := crm.NewService(db, nil, crm.Config{})
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		run  func() (exchange.Counts, error)
	}{
		{"json", func() (exchange.Counts, error) { return exchange.ExportJSON(ctx, svc, io.Discard, nil) }},
		{"csv", func() (exchange.Counts, error) {
			return exchange.ExportCSV(ctx, svc, func(string) (io.WriteCloser, error) { return nopCloser{io.Discard}, nil }, nil)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var peak uint64
			var n exchange.Counts
			cpu := cpuTime()
			for b.Loop() {
				peak = max(peak, benchdata.PeakHeap(func() {
					if n, err = bc.run(); err != nil {
						b.Fatal(err)
					}
				}))
			}
			if n.Interests == 0 || n.Interactions == 0 {
				b.Fatalf("exported %+v", n)
			}
			b.ReportMetric(float64(n.Interests)*float64(b.N)/b.Elapsed().Seconds(), "interests/s")
			// On a shared machine the wall clock counts others' work too; this does not.
			b.ReportMetric(float64(n.Interests)*float64(b.N)/(cpuTime()-cpu).Seconds(), "interests/cpu-s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// cpuTime is the CPU time the process has used (user and system, every thread).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
