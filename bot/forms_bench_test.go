package bot_test

import (
	"context"
	"strconv"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// benchEngine is an engine on a real database with one admin.
func benchEngine(b *testing.B) *bot.Engine {
	b.Helper()
	db := storagetest.Open(b)
	clk := &clock{t: start}
	svc := crm.NewService(db, clk.Now, crm.Config{DefaultRegion: "HR", Currency: "EUR"})
	if _, err := svc.EnsureAdmin(context.Background(), "console:admin", "Admin"); err != nil {
		b.Fatal(err)
	}
	return bot.New(svc, bot.Options{Clock: clk.Now})
}

// BenchmarkFormNew is one new-interest form saved through the engine, as a Slack
// modal's submission is: validation, the write, the card.
func BenchmarkFormNew(b *testing.B) {
	e := benchEngine(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n := strconv.Itoa(i)
		out := e.Handle(ctx, bot.Request{Identity: "console:admin", Key: "k" + n, Form: &bot.Form{Name: bot.FormNew, Contact: "Iva Ban " + n, Company: "Beta " + n, NextWhen: "fri 10:00"}})
		if len(out) != 1 || out[0].Error {
			b.Fatalf("%+v", out)
		}
	}
}

// BenchmarkHomeView is the App Home of someone with 30 follow-ups due: a read.
func BenchmarkHomeView(b *testing.B) {
	e := benchEngine(b)
	ctx := context.Background()
	for i := range 30 {
		n := strconv.Itoa(i)
		e.Handle(ctx, bot.Request{Identity: "console:admin", Form: &bot.Form{Name: bot.FormNew, Contact: "Iva Ban " + n, Company: "Beta " + n, NextWhen: "today 18:00"}})
	}
	b.ReportAllocs()
	for b.Loop() {
		out := e.Handle(ctx, bot.Request{Identity: "console:admin", View: bot.ViewHome})
		if len(out) != 1 || out[0].Home == nil || len(out[0].Home.Items) == 0 {
			b.Fatalf("%+v", out)
		}
	}
}
