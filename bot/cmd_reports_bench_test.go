package bot_test

import (
	"context"
	"io"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/crm/exchange"
	"crmbot/storage/benchdata"
	"crmbot/storage/storagetest"
)

// BenchmarkReports runs the report commands on a private copy of the benchmark
// dataset (at CRMBOT_BENCH_SCALE=1: 50 managers, 100,000 interests, 1,000,000
// interactions), reusing the storage benchmarks' cached file:
//
//	go test ./bot -run=X -bench=Reports -benchtime=5x
func BenchmarkReports(b *testing.B) {
	db := storagetest.BenchDB(b)
	clock := func() time.Time { return benchdata.Now }
	svc := crm.NewService(db, clock, crm.Config{})
	ctx := context.Background()
	if _, err := svc.EnsureAdmin(ctx, "console:bench-admin", "Bench Admin"); err != nil {
		b.Fatal(err)
	}
	eng := bot.New(svc, bot.Options{Clock: clock})
	for _, cmd := range []string{"/pipeline", "/pipeline size:large", "/pipeline segment:corporate 30d", "/conversion 30d", "/conversion 7d", "/conversion 2026", "/pipeline 2026", "/stale 30", "/pipeline chart", "/conversion chart"} {
		b.Run(cmd, func(b *testing.B) {
			for b.Loop() {
				out := eng.Handle(ctx, bot.Request{Identity: "console:bench-admin", Text: cmd})
				if len(out) != 1 {
					b.Fatalf("%s: %+v", cmd, out)
				}
			}
		})
	}
	b.Run("export json", func(b *testing.B) {
		for b.Loop() {
			if _, err := exchange.ExportJSON(ctx, svc, io.Discard, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mailing", func(b *testing.B) {
		for b.Loop() {
			if _, err := exchange.MailingList(ctx, svc, exchange.MailingFilter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
