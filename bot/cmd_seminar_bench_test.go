package bot_test

import (
	"context"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/benchdata"
	"crmbot/storage/storagetest"
)

// BenchmarkSeminar measures a campaign on the benchmark dataset (at
// CRMBOT_BENCH_SCALE=1: 100,000 interests): counting the audience walks every
// interest; creating writes a member per matching contact in one transaction; the
// funnel and the scheduler's look for due emails read one campaign's members.
//
//	go test ./bot -run=X -bench=Seminar -benchmem -benchtime=3x
func BenchmarkSeminar(b *testing.B) {
	db := storagetest.BenchDB(b)
	clock := func() time.Time { return benchdata.Now }
	svc := crm.NewService(db, clock, crm.Config{})
	ctx := context.Background()
	adm, err := svc.EnsureAdmin(ctx, "console:bench-admin", "Bench Admin")
	if err != nil {
		b.Fatal(err)
	}
	eng := bot.New(svc, bot.Options{Clock: clock})
	nc := crm.NewCampaign{Name: "Bench", At: benchdata.Now.AddDate(0, 2, 0), Filter: crm.CampaignFilter{Size: crm.SizeLarge}}
	b.Run("audience", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.SeminarAudience(ctx, adm, nc); err != nil {
				b.Fatal(err)
			}
		}
	})
	var members int
	b.Run("create", func(b *testing.B) {
		for b.Loop() {
			_, a, err := svc.CreateCampaign(ctx, crm.Op{Actor: adm}, nc, eng)
			if err != nil {
				b.Fatal(err)
			}
			members = a.Members
		}
	})
	b.Logf("members per campaign: %d", members)
	b.Run("/seminar 1", func(b *testing.B) {
		for b.Loop() {
			if out := eng.Handle(ctx, bot.Request{Identity: "console:bench-admin", Text: "/seminar 1"}); len(out) != 1 || out[0].Error {
				b.Fatalf("%+v", out)
			}
		}
	})
	// The not-prospective members' emails are due at once: queue them first, so the
	// loop measures a scan with nothing due, as almost every scan is.
	if _, err := svc.QueueCampaignEmails(ctx, benchdata.Now, eng); err != nil {
		b.Fatal(err)
	}
	b.Run("queue emails, none due", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.QueueCampaignEmails(ctx, benchdata.Now, eng); err != nil {
				b.Fatal(err)
			}
		}
	})
}
