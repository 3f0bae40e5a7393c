package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"crmbot/crm"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// Replicas starting at once on an empty database: the advisory lock makes them take
// turns, so each migration is applied exactly once and every Open succeeds.
func TestOpenConcurrentlyMigratesOnce(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	const n = 5
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.OpenWith(ctx, u, postgres.Options{MaxConns: 2})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var rows, max int
	if err := dbs[0].Pool().QueryRow(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	if rows != postgres.SchemaVersion() || max != postgres.SchemaVersion() {
		t.Errorf("schema_migrations: %d rows up to version %d; want each of %d once", rows, max, postgres.SchemaVersion())
	}
	// Every replica sees one database.
	var id uint64
	if err := dbs[1].Update(ctx, func(tx crm.Tx) error {
		c := &crm.Company{Name: "Acme"}
		err := tx.PutCompany(c)
		id = c.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := dbs[4].View(ctx, func(tx crm.Tx) error {
		_, err := tx.Company(id)
		return err
	}); err != nil {
		t.Errorf("a company written through one replica, read through another: %v", err)
	}
}

// An older crmbot must not write to a schema a newer one migrated.
func TestOpenRefusesNewerSchema(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = postgres.Open(ctx, u)
	if err == nil {
		db.Close()
		t.Fatal("Open accepted a schema newer than it knows")
	}
	if !strings.Contains(err.Error(), "newer than this crmbot knows") {
		t.Errorf("error = %v", err)
	}
}

// A server that cannot be reached is a temporary error that says so, without the
// password from the URL.
func TestUnreachableIsTemporary(t *testing.T) {
	ctx := context.Background()
	_, err := postgres.Open(ctx, "postgres://crmbot:s3cret-pw@127.0.0.1:1/crm?connect_timeout=2")
	var ue *postgres.UnavailableError
	if !errors.As(err, &ue) || !ue.Temporary() {
		t.Fatalf("Open(unreachable) = %v, want an *UnavailableError", err)
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("the error shows the password: %v", err)
	}
	if crm.ErrorCode(err) != crm.EINTERNAL {
		t.Errorf("code = %s, want internal (the bot's 'nothing was changed, try again')", crm.ErrorCode(err))
	}
	_, err = postgres.Open(ctx, "postgres://crmbot:s3cret-pw@[::1/crm")
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("Open(bad URL) = %v; want an error without the password", err)
	}
}

// A connection killed under a database (a server restart, a failover) fails the
// transaction with a temporary error, and the next one succeeds on a new connection.
func TestLostConnectionIsTemporaryAndRecovers(t *testing.T) {
	// Its own application_name, so that only its connections are killed, not those of
	// tests running at the same time on the same server.
	app := "crmbot-kill-" + strings.TrimPrefix(t.Name(), "Test")
	ctx := context.Background()
	db, err := postgres.Open(ctx, storagetest.PostgresSchema(t)+"&application_name="+app)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	killed := false
	err = db.Update(ctx, func(tx crm.Tx) error {
		if !killed {
			killed = true
			// Terminate this very transaction's backend from another connection.
			if _, err := db.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE application_name = $1 AND state = 'idle in transaction'`, app); err != nil {
				return err
			}
		}
		return tx.PutCompany(&crm.Company{Name: "Acme"})
	})
	var ue *postgres.UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("Update on a killed connection = %v, want an *UnavailableError", err)
	}
	if err := db.Update(ctx, func(tx crm.Tx) error { return tx.PutCompany(&crm.Company{Name: "Acme"}) }); err != nil {
		t.Fatalf("the next Update: %v", err)
	}
	if err := db.View(ctx, func(tx crm.Tx) error {
		cs, err := tx.CompaniesByName("acme")
		if err == nil && len(cs) != 1 {
			t.Errorf("companies named Acme: %d, want 1 (nothing half-written)", len(cs))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// Cancelling the context in the middle of a transaction stops its next query, and
// nothing of it is committed.
func TestCancelledMidTransaction(t *testing.T) {
	db := storagetest.OpenPostgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := db.Update(ctx, func(tx crm.Tx) error {
		if err := tx.PutCompany(&crm.Company{Name: "Half"}); err != nil {
			return err
		}
		cancel()
		return tx.PutCompany(&crm.Company{Name: "Never"})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update cancelled midway = %v, want context.Canceled", err)
	}
	if err := db.View(context.Background(), func(tx crm.Tx) error {
		cs, err := tx.FindCompanies("half", 0)
		if err == nil && len(cs) != 0 {
			t.Errorf("a cancelled transaction left %d companies", len(cs))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
