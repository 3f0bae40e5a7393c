// Package storagetest opens real databases for tests: a bbolt file in t.TempDir(),
// closed at the end of the test after Verify has checked that every index and counter
// still agrees with the records. A test that leaves the database inconsistent fails,
// whatever it asserted itself.
package storagetest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"crmbot/storage"
)

// Open creates a fresh database in t.TempDir(). At cleanup it runs Verify and fails the
// test on any problem, then closes the database.
func Open(t testing.TB) *storage.DB {
	t.Helper()
	return OpenAt(t, filepath.Join(t.TempDir(), "crm.db"), storage.Options{})
}

// OpenAt opens (or creates) the database at path with opts, verified and closed at
// cleanup like Open's.
func OpenAt(t testing.TB, path string, opts storage.Options) *storage.DB {
	t.Helper()
	db, err := storage.Open(path, opts)
	if err != nil {
		t.Fatalf("storagetest: open %s: %v", path, err)
	}
	t.Cleanup(func() {
		problems, err := db.Verify(context.Background())
		if err != nil {
			t.Errorf("storagetest: verify: %v", err)
		}
		if len(problems) > 0 {
			t.Errorf("storagetest: the database is inconsistent at the end of the test:\n  %s", strings.Join(problems, "\n  "))
		}
		if err := db.Close(); err != nil {
			t.Errorf("storagetest: close: %v", err)
		}
	})
	return db
}
