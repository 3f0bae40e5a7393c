package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// pgInbox opens a PostgreSQL database's inbox for the inbox suite. The suite names a
// database by a file path; here each path gets a schema of its own, so opening the
// same path again (after a "crash": the pool closed) finds the same database.
func pgInbox() storagetest.InboxBackend {
	var mu sync.Mutex
	schemas := map[string]string{}
	return storagetest.InboxBackend{
		Open: func(t testing.TB, path string, now func() time.Time, retention time.Duration) (storagetest.Inbox, crm.Store, func()) {
			t.Helper()
			mu.Lock()
			u, ok := schemas[path]
			if !ok {
				u = storagetest.PostgresSchema(t)
				schemas[path] = u
			}
			mu.Unlock()
			ctx := context.Background()
			db, err := postgres.OpenWith(ctx, u, postgres.Options{Now: now, MaxConns: 8})
			if err != nil {
				t.Fatal(err)
			}
			closed := false
			t.Cleanup(func() {
				if closed {
					return
				}
				if problems, err := db.Verify(ctx); err != nil || len(problems) > 0 {
					t.Errorf("verify: %s %v", strings.Join(problems, "; "), err)
				}
				db.Close()
			})
			return db.Inbox(postgres.InboxOptions{Retention: retention}), db, func() {
				closed = true
				db.Close()
			}
		},
	}
}

// TestInbox runs the inbox suite (the one bbolt's inbox passes) on PostgreSQL.
func TestInbox(t *testing.T) {
	if storagetest.PostgresURL(t) == "" {
		t.Skip("PostgreSQL tests skipped: set CRMBOT_TEST_POSTGRES or run .ci/run")
	}
	storagetest.RunInbox(t, pgInbox())
}
