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
	eng := loadEngine(t, db)
	killer, err := postgres.Open(ctx, storagetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close()

	const workers, each = 4, 10
	var tl tally
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
				tl.send(t, eng, w, i)
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
	tl.confirmed++
	stored := tl.check(t, db, 1)
	t.Logf("%d sessions cut; %d confirmed, %d apologies, %d stored", n, tl.confirmed, tl.apologies, stored)
}

// loadEngine is an engine on db with one admin, telegram:1, sending the load.
func loadEngine(t *testing.T, db *postgres.DB) *bot.Engine {
	t.Helper()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	svc := crm.NewService(db, func() time.Time { return now }, crm.Config{})
	if _, err := svc.EnsureAdmin(context.Background(), "telegram:1", "Admin"); err != nil {
		t.Fatal(err)
	}
	return bot.New(svc, bot.Options{Clock: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// tally counts the replies of a load whose database fails under it: each message is
// stored and confirmed, or answered with the apology that says nothing was changed.
type tally struct {
	mu                   sync.Mutex
	confirmed, apologies int
}

// send is worker w's i-th /new; it reports whether it was confirmed.
func (tl *tally) send(t *testing.T, eng *bot.Engine, w, i int) bool {
	rs := eng.Handle(context.Background(), bot.Request{Identity: "telegram:1", Text: fmt.Sprintf("/new Client %d-%d, Company %d-%d", w, i, w, i)})
	text := ""
	for _, r := range rs {
		text += r.Text
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	switch {
	case strings.Contains(text, "Created #"):
		tl.confirmed++
		return true
	case strings.Contains(text, "Nothing was changed; please try again"):
		tl.apologies++
	default:
		t.Errorf("reply %q: neither a confirmation nor the apology", text)
	}
	return false
}

// check asserts that db holds the confirmed interests, bar at most hidden whose
// commit the failure hid from their reply, and that it is consistent (Verify).
func (tl *tally) check(t *testing.T, db *postgres.DB, hidden int) int {
	t.Helper()
	var stored int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM interests`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored < tl.confirmed || stored > tl.confirmed+hidden {
		t.Errorf("%d interests stored, %d confirmed (%d apologies)", stored, tl.confirmed, tl.apologies)
	}
	if problems, err := db.Verify(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("verify after the failure: %v %v", problems, err)
	}
	return stored
}
