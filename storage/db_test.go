package storage

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"crmbot/crm"
)

// t0 is the tests' fixed "now".
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// mustOpen opens a fresh database in a temporary directory, closed at test end.
func mustOpen(t testing.TB) *DB {
	t.Helper()
	return mustOpenPath(t, filepath.Join(t.TempDir(), "crm.db"))
}

func mustOpenPath(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func update(t testing.TB, db *DB, fn func(crm.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func view(t testing.TB, db *DB, fn func(crm.Tx) error) {
	t.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func mustVerify(t testing.TB, db *DB) {
	t.Helper()
	problems, err := db.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("Verify:\n%s", strings.Join(problems, "\n"))
	}
}

func TestOpenInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	mustOpenPath(t, path)
	_, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("second Open succeeded")
	}
	if !errors.Is(err, berrors.ErrTimeout) {
		t.Errorf("err = %v, want it to wrap ErrTimeout", err)
	}
	want := "database " + path + " is in use by another process (is crmbot already running?)"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to contain %q", err, want)
	}
}

func TestFileMode(t *testing.T) {
	db := mustOpen(t)
	fi, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("mode = %o, want 600", m)
	}
}

func TestSchemaVersion(t *testing.T) {
	db := mustOpen(t)
	err := db.bolt.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(bucketMeta).Get(keySchemaVersion); len(v) != 8 || getU64(v) != schemaVersion {
			t.Errorf("schema_version = %x", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A file from a newer crmbot is refused rather than misread.
	path := db.Path()
	db.Close()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	bdb.Update(func(btx *bolt.Tx) error { return btx.Bucket(bucketMeta).Put(keySchemaVersion, u64(schemaVersion+1)) })
	bdb.Close()
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: err = %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	db := mustOpen(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := db.Update(ctx, func(crm.Tx) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("Update: err = %v, called = %v", err, called)
	}
	err = db.View(ctx, func(crm.Tx) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("View: err = %v, called = %v", err, called)
	}
}

func TestUpdateRollsBack(t *testing.T) {
	db := mustOpen(t)
	boom := errors.New("boom")
	err := db.Update(context.Background(), func(tx crm.Tx) error {
		if err := tx.PutCompany(&crm.Company{Name: "Acme"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	view(t, db, func(tx crm.Tx) error {
		if cs, _ := tx.FindCompanies("acme", 0); len(cs) != 0 {
			t.Errorf("rolled-back company found: %v", cs)
		}
		return nil
	})
}

// A version-1 file (no outbox buckets until first use) is migrated on Open: the outbox
// exists, indexes are derived from any records it had, and Verify is clean.
func TestMigrateV1AddsOutbox(t *testing.T) {
	db := mustOpen(t)
	path := db.Path()
	db.Close()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(btx *bolt.Tx) error {
		for _, name := range [][]byte{idxOutboxPending, idxOutboxCreated} {
			if err := btx.DeleteBucket(name); err != nil {
				return err
			}
		}
		// One message as version 1 stored it, without its index keys.
		m := crm.OutboxMessage{Key: "nudge:1:1", Target: "telegram:7", State: crm.OutboxPending, Created: t0, NotBefore: t0}
		data, _ := json.Marshal(m)
		if err := btx.Bucket(bucketOutbox).Put([]byte(m.Key), append([]byte{recordVersion}, data...)); err != nil {
			return err
		}
		return btx.Bucket(bucketMeta).Put(keySchemaVersion, u64(1))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	db = mustOpenPath(t, path)
	var pending []*crm.OutboxMessage
	db.View(t.Context(), func(tx crm.Tx) error {
		pending, err = tx.PendingOutbox("telegram", t0.Add(time.Hour), 0)
		return err
	})
	if err != nil || len(pending) != 1 || pending[0].Key != "nudge:1:1" {
		t.Fatalf("after migration the pending message is not listed: %v %v", pending, err)
	}
	mustVerify(t, db)
}
