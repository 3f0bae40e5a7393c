package crm_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/benchdata"
)

// BenchmarkReportService runs the report queries on a private copy of the benchmark
// dataset (at CRMBOT_BENCH_SCALE=1: 50 managers, 100,000 interests, 1,000,000
// interactions), migrated to this schema, after writing a year of stage changes into
// its audit log as BenchmarkPeriodReports (bot) does: every interest moves twice, a
// third of them to won, a third won and then lost. Make the dataset once with
// go test ./storage -run=X -bench=Pipeline, then:
//
//	go test ./crm -run=X -bench=ReportService -benchmem
//
// The target is under 10 ms each.
func BenchmarkReportService(b *testing.B) {
	db := reportBenchDB(b)
	ctx := context.Background()
	now := benchdata.Now
	svc := crm.NewService(db, func() time.Time { return now }, crm.Config{})
	admin := &crm.User{ID: 1, Name: "Bench Admin", Role: crm.RoleAdmin}
	month := crm.PipelineQuery{From: now.AddDate(0, 0, -30), To: now.Add(time.Second)}
	filtered := month
	filtered.Facet = crm.Facet{Segment: crm.SegmentCorporate}
	for _, bc := range []struct {
		name string
		run  func() (int, error)
	}{
		{"pipeline", func() (int, error) {
			r, err := svc.PipelineReport(ctx, admin, crm.PipelineQuery{})
			return len(r.Rows), err
		}},
		{"pipeline size:large", func() (int, error) {
			r, err := svc.PipelineReport(ctx, admin, crm.PipelineQuery{Facet: crm.Facet{Size: crm.SizeLarge}})
			return len(r.Rows), err
		}},
		{"pipeline segment:corporate 30d", func() (int, error) { r, err := svc.PipelineReport(ctx, admin, filtered); return len(r.Rows), err }},
		{"pipeline @owner listed", func() (int, error) {
			r, err := svc.PipelineReport(ctx, admin, crm.PipelineQuery{Owner: 7, List: 30})
			return r.ListedTotal, err
		}},
		{"stale 14", func() (int, error) {
			r, err := svc.Stale(ctx, admin, crm.StaleQuery{Before: now.AddDate(0, 0, -14), Shown: 5})
			return r.Total, err
		}},
		{"stale 30 size:large", func() (int, error) {
			r, err := svc.Stale(ctx, admin, crm.StaleQuery{Facet: crm.Facet{Size: crm.SizeLarge}, Before: now.AddDate(0, 0, -30), Shown: 5})
			return r.Total, err
		}},
		{"stale 14 @owner", func() (int, error) {
			r, err := svc.Stale(ctx, admin, crm.StaleQuery{Owner: 7, Before: now.AddDate(0, 0, -14), Shown: 30})
			return r.Total, err
		}},
		{"conversion 30d", func() (int, error) {
			r, err := svc.ConversionReport(ctx, admin, crm.ReportFilter{}, now.AddDate(0, 0, -30), now.Add(time.Second))
			return r.Total.Won + r.Total.Lost, err
		}},
		{"conversion 2025", func() (int, error) {
			r, err := svc.ConversionReport(ctx, admin, crm.ReportFilter{}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			return r.Total.Won + r.Total.Lost, err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				n, err := bc.run()
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					b.Fatalf("%s: nothing to report", bc.name)
				}
			}
			// On a shared machine ns/op counts the time others had the CPU; the
			// process's own CPU time per op does not.
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// reportBenchDB copies the cached dataset into b.TempDir(), opens it (which migrates
// it) and adds a year of stage changes to its audit log.
func reportBenchDB(b *testing.B) *storage.DB {
	b.Helper()
	scale, err := benchdata.Scale()
	if err != nil {
		b.Fatal(err)
	}
	size := benchdata.SizeAt(scale)
	src := benchdata.Find(os.TempDir(), size)
	if src == "" {
		b.Skip("no cached benchmark dataset: run go test ./storage -run=X -bench=Pipeline first")
	}
	dst := filepath.Join(b.TempDir(), "crm.db")
	if err := copyFile(dst, src); err != nil {
		b.Fatal(err)
	}
	db, err := storage.Open(dst, storage.Options{Now: func() time.Time { return benchdata.Now }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	n := size.Interests
	moves := [][2]crm.Stage{{crm.StageMeeting, crm.StageProposal}, {crm.StageProposal, crm.StageWon}, {crm.StageWon, crm.StageLost}}
	year := 365 * 24 * time.Hour
	for lo := 1; lo <= n; lo += 20000 {
		err := db.Update(context.Background(), func(tx crm.Tx) error {
			for id := lo; id < min(n+1, lo+20000); id++ {
				mv := moves[id%len(moves)]
				at := benchdata.Now.Add(-year + year/time.Duration(n+1)*time.Duration(id))
				for i, st := range mv {
					detail := fmt.Sprintf("new→%s", st)
					if st == crm.StageLost {
						detail += "/competitor"
					}
					e := &crm.AuditEntry{At: at.Add(time.Duration(i) * time.Hour), ActorID: 1, Entity: "interest", EntityID: uint64(id), Action: "stage", Detail: detail}
					if err := tx.AddAudit(e); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// cpuTime is the CPU time the process has used (user and system, every thread).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
