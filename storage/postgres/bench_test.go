package postgres_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"crmbot/crm"
	"crmbot/storage/benchdata"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// The same benchmarks as storage's (bench_test.go there), on PostgreSQL, on the same
// dataset (storage/benchdata: 100,000 interests, 1,000,000 interactions at scale 1;
// CRMBOT_BENCH_SCALE shrinks it). Run both in one go for figures side by side:
//
//	make bench-pg
//
// The dataset is loaded once per server into a schema named for the generator's and
// the schema's versions and the size, and kept there for later runs.

var (
	benchOnce sync.Once
	benchURL  string
	benchErr  error
	benchFull bool
)

func benchDB(b *testing.B) *postgres.DB {
	b.Helper()
	u := storagetest.PostgresURL(b)
	if u == "" {
		b.Skip("PostgreSQL benchmarks skipped: set CRMBOT_TEST_POSTGRES or run make bench-pg")
	}
	scale, err := benchdata.Scale()
	if err != nil {
		b.Fatal(err)
	}
	benchFull = scale >= 1
	size := benchdata.SizeAt(scale)
	ctx := context.Background()
	benchOnce.Do(func() {
		schema := fmt.Sprintf("bench_v%d_s%d_%d_%d_%d", benchdata.Version, postgres.SchemaVersion(), size.Companies, size.Interests, size.Interactions)
		benchURL = withParam(u, "search_path", schema)
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			benchErr = err
			return
		}
		defer conn.Close(ctx)
		var ready bool
		conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, schema+".bench_ready").Scan(&ready)
		if ready {
			return
		}
		start := time.Now()
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE; CREATE SCHEMA `+schema); err != nil {
			benchErr = err
			return
		}
		db, err := postgres.Open(ctx, benchURL)
		if err != nil {
			benchErr = err
			return
		}
		defer db.Close()
		if benchErr = db.Load(ctx, func(s crm.Store) error { return benchdata.Fill(ctx, s, size) }); benchErr != nil {
			return
		}
		// Marks the dataset complete: a load cut short is redone next time.
		_, benchErr = conn.Exec(ctx, `CREATE TABLE `+schema+`.bench_ready ()`)
		b.Logf("loaded %s in %v", schema, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	db, err := postgres.Open(ctx, benchURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func withParam(u, k, v string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + k + "=" + v
}

func BenchmarkPipeline(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		err := db.View(ctx, func(tx crm.Tx) error {
			if _, err := tx.Pipeline(); err != nil {
				return err
			}
			_, err := tx.CountDueBefore(benchdata.Now)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDueBefore100(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		owner uint64
		t     time.Time
	}{
		{"all", 0, benchdata.Now},
		{"owner", 7, benchdata.Now.Add(14 * 24 * time.Hour)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
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
			}
		})
	}
}

func BenchmarkFindPrefix(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
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
			for b.Loop() {
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
			}
		})
	}
}

func BenchmarkTimeline200(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		err := db.View(ctx, func(tx crm.Tx) error {
			its, err := tx.Timeline(benchdata.Timeline, 200)
			if err == nil && len(its) != 200 {
				err = fmt.Errorf("timeline has %d entries, want 200", len(its))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateInterestAndLog is the write a manager's first /log makes, as in
// storage's benchmark; "dataset" writes into the cached dataset (which grows by b.N
// interests a run), "empty" into a new schema.
func BenchmarkCreateInterestAndLog(b *testing.B) {
	b.Run("dataset", func(b *testing.B) { benchCreate(b, benchDB(b)) })
	b.Run("empty", func(b *testing.B) { benchCreate(b, storagetest.OpenPostgres(b)) })
}

// BenchmarkCreateConcurrent is create+log from 50 writers at once (as 50 users of
// several replicas would): PostgreSQL runs them in parallel and retries the ones that
// collide on the interests' sequence and pipeline rows.
func BenchmarkCreateConcurrent(b *testing.B) {
	db := storagetest.OpenPostgresWith(b, postgres.Options{MaxConns: 50})
	b.SetParallelism((50 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer() // not the schema's creation
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := createAndLog(db, int(n.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(db.Retried())/float64(b.N), "retries/op")
}

func benchCreate(b *testing.B, db *postgres.DB) {
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		n++
		if err := createAndLog(db, n); err != nil {
			b.Fatal(err)
		}
	}
}

func createAndLog(db *postgres.DB, n int) error {
	ctx := context.Background()
	now := benchdata.Now
	return db.Update(ctx, func(tx crm.Tx) error {
		co := &crm.Company{Name: "Benchmark Trade d.o.o.", CreatedAt: now}
		if err := tx.PutCompany(co); err != nil {
			return err
		}
		ct := &crm.Contact{CompanyID: co.ID, FullName: "Ivana Benčić", Email: "ivana@bench.hr", Mobile: "+385981234567", CreatedAt: now}
		if err := tx.PutContact(ct); err != nil {
			return err
		}
		in := &crm.Interest{Kind: crm.KindInterest, CompanyID: co.ID, ContactID: ct.ID, OwnerID: 3,
			Segment: crm.SegmentCorporate, Stage: crm.StageNew, Next: crm.NextAction{What: "next.new", Due: now.Add(24 * time.Hour)},
			CreatedAt: now, UpdatedAt: now, LastActivityAt: now}
		if err := tx.PutInterest(in); err != nil {
			return err
		}
		if err := tx.AddInteraction(&crm.Interaction{InterestID: in.ID, Kind: crm.InteractionCall, AuthorID: 3, At: now, Text: "first call"}); err != nil {
			return err
		}
		if err := tx.AddAudit(&crm.AuditEntry{At: now, ActorID: 3, Entity: "interest", EntityID: in.ID, Action: "create"}); err != nil {
			return err
		}
		return tx.SetIdempotency(fmt.Sprintf("bench:%d:%d", time.Now().UnixNano(), n), strconv.FormatUint(in.ID, 10))
	})
}

// BenchmarkReportsFiltered is the filtered reports' reads (crm.ReportStore): the
// pipeline, the overdue counts and the stale list of one segment and one company
// size, and a month of stage changes for the conversion report.
func BenchmarkReportsFiltered(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	f := crm.Facet{Segment: crm.SegmentCorporate, Size: crm.SizeMedium}
	for _, bc := range []struct {
		name string
		fn   func(tx crm.Tx) error
	}{
		{"pipeline", func(tx crm.Tx) error { _, err := tx.PipelineOf(f); return err }},
		{"overdue", func(tx crm.Tx) error { _, err := tx.CountDueBeforeOf(f, benchdata.Now); return err }},
		{"stale", func(tx crm.Tx) error {
			_, err := tx.IdleOf(f, 0, benchdata.Now.Add(-14*24*time.Hour), 5)
			return err
		}},
		{"conversion-month", func(tx crm.Tx) error {
			return tx.ChangesBetween(benchdata.Now.AddDate(0, -1, 0), benchdata.Now, func(*crm.ChangeFact) error { return nil })
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := db.View(ctx, bc.fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
