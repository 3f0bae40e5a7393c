package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"crmbot/crm"

	"crmbot/storage/postgres"
)

// The PostgreSQL tests need a server: CRMBOT_TEST_POSTGRES names it (scripts/pgtest.sh
// starts a throwaway one and sets it). Without it they are skipped, unless
// CRMBOT_TEST_POSTGRES_REQUIRED is set (CI), which makes a missing or unreachable
// server a failure: CI must never pass by skipping them.
const (
	envURL      = "CRMBOT_TEST_POSTGRES"
	envRequired = "CRMBOT_TEST_POSTGRES_REQUIRED"
	skipLine    = "PostgreSQL tests skipped: set CRMBOT_TEST_POSTGRES or run .ci/run"
)

// PostgresURL returns the server tests use, "" when none is configured (and the
// PostgreSQL part is skipped). When one is required but missing it fails the test.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" && os.Getenv(envRequired) != "" {
		t.Fatalf("storagetest: %s is set but %s is not: the PostgreSQL tests cannot run", envRequired, envURL)
	}
	return u
}

var admin struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

// adminPool is one pool per test process for creating and dropping schemas.
func adminPool(t testing.TB, u string) *pgxpool.Pool {
	t.Helper()
	admin.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin.pool, admin.err = pgxpool.New(ctx, u)
		if admin.err == nil {
			admin.err = admin.pool.Ping(ctx)
		}
	})
	if admin.err != nil {
		t.Fatalf("storagetest: cannot reach the PostgreSQL server in %s: %v", envURL, admin.err)
	}
	return admin.pool
}

// OpenPostgres opens a fresh, empty crmbot database on the test server: a schema of
// its own (so tests run in parallel without seeing each other), migrated by
// postgres.Open. At cleanup Verify must find nothing out of step, then the schema is
// dropped. Without a server the test is skipped (failed when one is required).
func OpenPostgres(t testing.TB) *postgres.DB {
	t.Helper()
	return OpenPostgresWith(t, postgres.Options{})
}

// OpenPostgresWith is OpenPostgres with options (a clock).
func OpenPostgresWith(t testing.TB, opts postgres.Options) *postgres.DB {
	t.Helper()
	u := PostgresSchema(t)
	if opts.MaxConns == 0 {
		opts.MaxConns = 4 // many tests run at once on one server
	}
	ctx := context.Background()
	db, err := postgres.OpenWith(ctx, u, opts)
	if err != nil {
		t.Fatalf("storagetest: open PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		problems, err := db.Verify(ctx)
		if err != nil {
			t.Errorf("storagetest: verify: %v", err)
		}
		if len(problems) > 0 {
			t.Errorf("storagetest: the database is inconsistent at the end of the test:\n  %s", strings.Join(problems, "\n  "))
		}
		db.Close()
	})
	return db
}

// PostgresSchema creates an empty schema of its own on the test server and returns a
// URL whose connections use it; the schema is dropped at cleanup (after the cleanups
// registered later, such as closing a database opened on it). Without a server the
// test is skipped (failed when one is required).
func PostgresSchema(t testing.TB) string {
	t.Helper()
	u := PostgresURL(t)
	if u == "" {
		t.Skip(skipLine)
	}
	pool := adminPool(t, u)
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("storagetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := pool.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("storagetest: drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, u, schema)
}

// withSearchPath returns u with the connection's search_path set to schema: every
// table the package creates and reads is then in that schema.
func withSearchPath(t testing.TB, u, schema string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("storagetest: %s is not a URL", envURL)
	}
	q := p.Query()
	q.Set("search_path", schema)
	p.RawQuery = q.Encode()
	return p.String()
}

// Backend is one implementation of crm.Store that suites run against.
type Backend struct {
	Name string
	// Open returns a fresh, empty database, checked and closed at the test's cleanup.
	Open func(t testing.TB) crm.Store
}

// Backends lists bbolt and, when a server is configured, PostgreSQL.
func Backends(t testing.TB) []Backend {
	t.Helper()
	bs := []Backend{{Name: "bbolt", Open: func(t testing.TB) crm.Store { return Open(t) }}}
	if PostgresURL(t) != "" {
		bs = append(bs, Backend{Name: "postgres", Open: func(t testing.TB) crm.Store { return OpenPostgres(t) }})
	}
	return bs
}

// Run runs fn as a subtest once per backend ("bbolt", "postgres"), each with a fresh
// database from that backend.
func Run(t *testing.T, fn func(t *testing.T, db crm.Store)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

// chosen remembers, by the name of each subtest of Each, the backend it runs on; the
// subtests it starts itself run on the same one.
var chosen sync.Map // test name → Backend

// Each runs fn as a subtest once per backend (bbolt, and PostgreSQL when configured);
// inside it OpenStore(t) opens a fresh database of that backend. Test suites written
// against crm.Store run on both by wrapping their body:
//
//	func TestX(t *testing.T) { storagetest.Each(t, testX) }
func Each(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			chosen.Store(t.Name(), b)
			t.Cleanup(func() { chosen.Delete(t.Name()) })
			fn(t)
		})
	}
}

// OnPostgres runs fn as a subtest "postgres" in which OpenStore opens a PostgreSQL
// database, for suites whose bbolt run exists already. Without a server it is
// skipped (failed when one is required).
func OnPostgres(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	if PostgresURL(t) == "" {
		t.Skip(skipLine)
	}
	b := Backend{Name: "postgres", Open: func(t testing.TB) crm.Store { return OpenPostgres(t) }}
	t.Run(b.Name, func(t *testing.T) {
		chosen.Store(t.Name(), b)
		t.Cleanup(func() { chosen.Delete(t.Name()) })
		fn(t)
	})
}

// OpenStore opens a fresh database of the backend Each chose for t (bbolt outside
// Each), checked by Verify and closed at cleanup.
func OpenStore(t testing.TB) crm.Store {
	t.Helper()
	name := t.Name()
	for {
		if b, ok := chosen.Load(name); ok {
			return b.(Backend).Open(t)
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return Open(t)
		}
		name = name[:i]
	}
}

// Counts is how many records of each kind a database holds.
type Counts struct{ Companies, Contacts, Interests int }

// Records counts the records through crm.Tx, the same way on every backend.
func Records(t testing.TB, db crm.Store) Counts {
	t.Helper()
	var c Counts
	err := db.View(context.Background(), func(tx crm.Tx) error {
		if err := tx.ForEachCompany(func(*crm.Company) error { c.Companies++; return nil }); err != nil {
			return err
		}
		if err := tx.ForEachContact(func(*crm.Contact) error { c.Contacts++; return nil }); err != nil {
			return err
		}
		return tx.ForEachInterest(func(*crm.Interest) error { c.Interests++; return nil })
	})
	if err != nil {
		t.Fatalf("storagetest: count: %v", err)
	}
	return c
}
