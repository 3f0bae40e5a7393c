package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/benchdata"
	"crmbot/storage/storagetest"
)

// BenchmarkPeriodReports runs the period reports on the benchmark dataset after
// writing a year of stage changes into its audit log (the generated dataset has
// none): every interest moves twice, a third of them to won or lost, some back
// again, spread over the year before benchdata.Now. A year's report then reads
// 200,000 changes (at scale 1) and looks up each changed interest once:
//
//	go test ./bot -run=X -bench=PeriodReports -benchtime=3x -benchmem
func BenchmarkPeriodReports(b *testing.B) {
	db := storagetest.BenchDB(b)
	scale, err := benchdata.Scale()
	if err != nil {
		b.Fatal(err)
	}
	n := benchdata.SizeAt(scale).Interests
	ctx := context.Background()
	moves := [][2]crm.Stage{{crm.StageMeeting, crm.StageProposal}, {crm.StageProposal, crm.StageWon}, {crm.StageWon, crm.StageLost}}
	year := 365 * 24 * time.Hour
	for lo := 1; lo <= n; lo += 20000 {
		var entries []*crm.AuditEntry
		for id := lo; id < min(n+1, lo+20000); id++ {
			mv := moves[id%len(moves)]
			at := benchdata.Now.Add(-year + year/time.Duration(n+1)*time.Duration(id))
			for i, st := range mv {
				detail := fmt.Sprintf("new→%s", st)
				if st == crm.StageLost {
					detail += "/competitor"
				}
				entries = append(entries, &crm.AuditEntry{At: at.Add(time.Duration(i) * time.Hour), ActorID: 1, Entity: "interest", EntityID: uint64(id), Action: "stage", Detail: detail})
			}
		}
		storagetest.AddAudit(b, db, entries)
	}
	clock := func() time.Time { return benchdata.Now }
	svc := crm.NewService(db, clock, crm.Config{})
	if _, err := svc.EnsureAdmin(ctx, "console:bench-admin", "Bench Admin"); err != nil {
		b.Fatal(err)
	}
	eng := bot.New(svc, bot.Options{Clock: clock})
	for _, cmd := range []string{"/conversion 7d", "/conversion 30d", "/conversion 2026-02", "/conversion 2025", "/pipeline 30d", "/pipeline 2025", "/pipeline segment:corporate 30d"} {
		b.Run(cmd, func(b *testing.B) {
			for b.Loop() {
				out := eng.Handle(ctx, bot.Request{Identity: "console:bench-admin", Text: cmd})
				if len(out) != 1 || out[0].Error {
					b.Fatalf("%s: %+v", cmd, out)
				}
			}
		})
	}
}
