package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/benchdata"
)

// The benchmark dataset is storage/benchdata's: a department after years of use. At
// scale 1: 50 managers, 20,000 companies with one contact each, 100,000 interests,
// 1,000,000 interactions. CRMBOT_BENCH_SCALE (default 1) shrinks it for a quick smoke
// run:
//
//	CRMBOT_BENCH_SCALE=0.01 go test -run=X -bench=. -benchtime=1x ./storage/
const benchTimeline = benchdata.Timeline // the interest with exactly 200 interactions

// benchNow is the dataset's "now": due dates and activity are spread around it.
var benchNow = benchdata.Now

func benchScale(b *testing.B) benchdata.Size {
	scale, err := benchdata.Scale()
	if err != nil {
		b.Fatal(err)
	}
	benchFull = scale >= 1
	return benchdata.SizeAt(scale)
}

var (
	benchFull bool // at full scale, benchmarks check their answers' exact sizes
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchDB opens the benchmark dataset, generating it on first use. The file is kept
// in os.TempDir() under a name that encodes its size and version, and is reused by
// later runs: generating a million interactions takes a while. The database is closed
// when the benchmark ends (BenchmarkOpen needs the file lock).
func benchDB(b *testing.B) *DB {
	b.Helper()
	size := benchScale(b)
	benchOnce.Do(func() {
		benchPath = filepath.Join(os.TempDir(), benchdata.FileName(schemaVersion, size))
		if _, err := os.Stat(benchPath); err == nil {
			return // the generator renames its file into place only when complete
		}
		start := time.Now()
		benchErr = benchdata.Generate(benchPath, size, func(path string) (benchdata.DB, error) {
			// fsync off: the data is throwaway and reproducible.
			return Open(path, Options{noSync: true, Now: func() time.Time { return benchNow }})
		})
		b.Logf("generated %s in %v", benchPath, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	db, err := Open(benchPath, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// latencies records each operation's time, for the median: peerbench reports
// medians, and on a busy machine a mean (ns/op) carries every preemption with it.
type latencies []time.Duration

func (l *latencies) add(start time.Time) { *l = append(*l, time.Since(start)) }

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Nanoseconds())/1e3, "p50-µs")
}

func BenchmarkPipeline(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	var lat latencies
	for b.Loop() {
		start := time.Now()
		err := db.View(ctx, func(tx crm.Tx) error {
			if _, err := tx.Pipeline(); err != nil {
				return err
			}
			_, err := tx.CountDueBefore(benchNow)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		lat.add(start)
	}
	lat.report(b)
}

func BenchmarkDueBefore100(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		owner uint64
		t     time.Time
	}{
		{"all", 0, benchNow},
		{"owner", 7, benchNow.Add(14 * 24 * time.Hour)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var lat latencies
			for b.Loop() {
				start := time.Now()
				err := db.View(ctx, func(tx crm.Tx) error {
					is, err := tx.DueBefore(bc.owner, bc.t, 100)
					if err == nil && (len(is) != 100 && benchFull || len(is) == 0) {
						err = fmt.Errorf("got %d interests, want 100", len(is))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				lat.add(start)
			}
			lat.report(b)
		})
	}
}

func BenchmarkFindPrefix(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	// The query is the first three letters of a real name's first word, so it
	// matches at every scale.
	var prefix string
	err := db.View(ctx, func(tx crm.Tx) error {
		c, err := tx.Company(1)
		if err == nil {
			prefix = crm.Words(c.Name)[0][:3]
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		find func(tx crm.Tx) (int, error)
	}{
		{"company", func(tx crm.Tx) (int, error) { cs, err := tx.FindCompanies(prefix, 20); return len(cs), err }},
		{"contact", func(tx crm.Tx) (int, error) { cs, err := tx.FindContacts("duri", 20); return len(cs), err }},
		{"phone", func(tx crm.Tx) (int, error) { cs, err := tx.FindContacts("091 00", 20); return len(cs), err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var lat latencies
			for b.Loop() {
				start := time.Now()
				err := db.View(ctx, func(tx crm.Tx) error {
					n, err := bc.find(tx)
					if err == nil && n == 0 {
						err = fmt.Errorf("found nothing")
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				lat.add(start)
			}
			lat.report(b)
		})
	}
}

func BenchmarkTimeline200(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	var lat latencies
	for b.Loop() {
		start := time.Now()
		err := db.View(ctx, func(tx crm.Tx) error {
			its, err := tx.Timeline(benchTimeline, 200)
			if err == nil && len(its) != 200 {
				err = fmt.Errorf("timeline has %d entries, want 200", len(its))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		lat.add(start)
	}
	lat.report(b)
}

// BenchmarkCreateInterestAndLog is the write a manager's first /log makes, with a real
// fsync. It writes into the cached dataset, which therefore grows by b.N interests a
// run: negligible next to 100,000.
//
// The "empty" case writes the same into a new file: the fsync floor of this disk.
// "dataset-50-writers" makes the same writes from 50 goroutines at once, which group
// commit lets share commits.
func BenchmarkCreateInterestAndLog(b *testing.B) {
	b.Run("dataset", func(b *testing.B) { benchCreate(b, benchDB(b)) })
	b.Run("empty", func(b *testing.B) { benchCreate(b, mustOpen(b)) })
	b.Run("dataset-50-writers", func(b *testing.B) {
		db := benchDB(b)
		benchParallel(b, 50, "writes/s", func() error { return createAndLog(db) })
	})
}

func benchCreate(b *testing.B, db *DB) {
	b.ReportAllocs()
	var lat latencies
	for b.Loop() {
		start := time.Now()
		if err := createAndLog(db); err != nil {
			b.Fatal(err)
		}
		lat.add(start)
	}
	lat.report(b)
}

// benchWrites numbers the benchmark's writes for their idempotency keys; benchRun
// tells runs apart, since the dataset file is reused.
var (
	benchWrites atomic.Int64
	benchRun    = time.Now().UnixNano()
)

// createAndLog is one create + log: company, contact, interest, interaction, audit
// entry and idempotency key in one Update.
func createAndLog(db *DB) error {
	n := benchWrites.Add(1)
	return db.Update(context.Background(), func(tx crm.Tx) error {
		co := &crm.Company{Name: "Benchmark Trade d.o.o.", CreatedAt: benchNow}
		if err := tx.PutCompany(co); err != nil {
			return err
		}
		ct := &crm.Contact{CompanyID: co.ID, FullName: "Ivana Benčić", Email: "ivana@bench.hr", Mobile: "+385981234567", CreatedAt: benchNow}
		if err := tx.PutContact(ct); err != nil {
			return err
		}
		in := &crm.Interest{Kind: crm.KindInterest, CompanyID: co.ID, ContactID: ct.ID, OwnerID: 3,
			Segment: crm.SegmentCorporate, Stage: crm.StageNew, Next: crm.NextAction{What: "next.new", Due: benchNow.Add(24 * time.Hour)},
			CreatedAt: benchNow, UpdatedAt: benchNow, LastActivityAt: benchNow}
		if err := tx.PutInterest(in); err != nil {
			return err
		}
		if err := tx.AddInteraction(&crm.Interaction{InterestID: in.ID, Kind: crm.InteractionCall, AuthorID: 3, At: benchNow, Text: "first call"}); err != nil {
			return err
		}
		if err := tx.AddAudit(&crm.AuditEntry{At: benchNow, ActorID: 3, Entity: "interest", EntityID: in.ID, Action: "create"}); err != nil {
			return err
		}
		return tx.SetIdempotency(fmt.Sprintf("bench:%d:%d", benchRun, n), strconv.FormatUint(in.ID, 10))
	})
}

// benchParallel runs write from writers goroutines at once until b.N calls are done,
// reporting the rate in unit.
func benchParallel(b *testing.B, writers int, unit string, write func() error) {
	b.ReportAllocs()
	b.SetParallelism((writers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := write(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

// BenchmarkServiceCreate is a manager's /new with a note, through crm.Service on the
// dataset: company, contact, interest, two interactions, audit entry and idempotency key
// in one Update, as one chat message makes. With 50 writers at once group commit
// shares commits among them; msgs/s is the rate of messages written.
func BenchmarkServiceCreate(b *testing.B) {
	for _, writers := range []int{1, 50} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db := benchDB(b)
			ctx := context.Background()
			svc := crm.NewService(db, func() time.Time { return benchNow }, crm.Config{})
			var actors []*crm.User
			err := db.View(ctx, func(tx crm.Tx) error {
				var err error
				actors, err = tx.Users()
				return err
			})
			if err != nil || len(actors) == 0 {
				b.Fatalf("no users to write as (%v)", err)
			}
			create := func() error {
				i := benchWrites.Add(1)
				actor := actors[int(i)%len(actors)]
				_, err := svc.CreateInterest(ctx, crm.Op{Actor: actor, Key: fmt.Sprintf("bench:%d:%d", benchRun, i)}, crm.NewInterest{
					CompanyName: fmt.Sprintf("Bench %d-%d d.o.o.", benchRun, i), ContactName: "Ivana Benčić",
					Email: fmt.Sprintf("ivana.%d.%d@bench.hr", benchRun, i), Kind: crm.KindInterest, Note: "first call"})
				return err
			}
			if writers > 1 {
				benchParallel(b, writers, "msgs/s", create)
				return
			}
			b.ReportAllocs()
			var lat latencies
			for b.Loop() {
				start := time.Now()
				if err := create(); err != nil {
					b.Fatal(err)
				}
				lat.add(start)
			}
			lat.report(b)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	benchDB(b).Close() // generate if needed, then release the lock
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(benchPath, Options{})
		if err != nil {
			b.Fatal(err)
		}
		err = db.View(ctx, func(tx crm.Tx) error { _, err := tx.Pipeline(); return err })
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is what `crmbot doctor` costs on the full dataset; it also checks
// that the generator, which goes through the Put methods, left every index exact.
//
// peak-heap-MB is the most live heap seen while it ran (the target: under 100 MB at
// 100,000 interests and 1,000,000 interactions).
func BenchmarkVerify(b *testing.B) {
	db := benchDB(b)
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		peak = max(peak, benchdata.PeakHeap(func() {
			problems, err := db.Verify(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if len(problems) > 0 {
				b.Fatalf("Verify: %d problems, first: %s", len(problems), problems[0])
			}
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkDoctor is every check `crmbot doctor` runs, in its order: the page scan
// that trusts nothing, bbolt's consistency check, then Verify. peak-heap-MB is the
// most live heap seen (the target: under 100 MB on the full dataset).
func BenchmarkDoctor(b *testing.B) {
	benchDB(b).Close() // generate if needed; doctor opens the file itself
	var peak uint64
	b.ReportAllocs()
	for b.Loop() {
		peak = max(peak, benchdata.PeakHeap(func() {
			d, err := Scan(benchPath, time.Minute)
			if err != nil || !d.Sound() {
				b.Fatalf("scan: %v %+v", err, d)
			}
			db, err := Open(benchPath, Options{ReadOnly: true, MustExist: true})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if found := db.Consistency(time.Minute, 20); len(found) > 0 {
				b.Fatalf("consistency: %v", found)
			}
			problems, err := db.Verify(context.Background())
			if err != nil || len(problems) > 0 {
				b.Fatalf("Verify: %v %v", err, problems)
			}
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
