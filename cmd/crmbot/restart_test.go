package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// Every session of the database is cut while messages are being handled (what a
// PostgreSQL restart does to its clients): each message is either stored and
// confirmed or answered with the apology that says nothing was changed; messages
// after the cut succeed; the database is consistent (Verify) and holds no more
// interests than were confirmed, bar one whose commit the cut hid.
func TestDatabaseSessionsCutUnderLoad(t *testing.T) {
	var b [4]byte
	rand.Read(b[:])
	app := "crmbot_cut_" + hex.EncodeToString(b[:])
	u := storagetest.PostgresSchema(t) + "&application_name=" + app
	ctx := context.Background()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	svc := crm.NewService(db, func() time.Time { return now }, crm.Config{})
	if _, err := svc.EnsureAdmin(ctx, "telegram:1", "Admin"); err != nil {
		t.Fatal(err)
	}
	eng := bot.New(svc, bot.Options{Clock: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	killer, err := postgres.Open(ctx, storagetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close()

	const workers, each = 4, 10
	var mu sync.Mutex
	confirmed, apologies := 0, 0
	handled := make(chan struct{}, workers*each)
	cut := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if i == each/2 {
					<-cut // half before the cut, half after
				}
				rs := eng.Handle(ctx, bot.Request{Identity: "telegram:1", Text: fmt.Sprintf("/new Client %d-%d, Company %d-%d", w, i, w, i)})
				text := ""
				for _, r := range rs {
					text += r.Text
				}
				mu.Lock()
				switch {
				case strings.Contains(text, "Created #"):
					confirmed++
				case strings.Contains(text, "Nothing was changed; please try again"):
					apologies++
				default:
					t.Errorf("reply %q: neither a confirmation nor the apology", text)
				}
				mu.Unlock()
				handled <- struct{}{}
			}
		}()
	}
	for range workers * each / 2 {
		<-handled
	}
	var n int
	if err := killer.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	close(cut)
	wg.Wait()
	if n == 0 {
		t.Fatal("no session was cut")
	}
	// After the cut, a message succeeds.
	rs := eng.Handle(ctx, bot.Request{Identity: "telegram:1", Text: "/new Last Client, Last Company"})
	if len(rs) == 0 || !strings.Contains(rs[0].Text, "Created #") {
		t.Fatalf("after the cut: %+v", rs)
	}
	confirmed++
	var stored int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM interests`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored < confirmed || stored > confirmed+1 {
		t.Errorf("%d interests stored, %d confirmed (%d apologies)", stored, confirmed, apologies)
	}
	problems, err := db.Verify(ctx)
	if err != nil || len(problems) > 0 {
		t.Fatalf("verify after the cut: %v %v", problems, err)
	}
	t.Logf("%d sessions cut; %d confirmed, %d apologies, %d stored", n, confirmed, apologies, stored)
}
