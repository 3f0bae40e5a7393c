package storage

import (
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Migration 3 rewrites the due indexes' copies of interests in the current encoding:
// an upgraded file holds, byte for byte, what its records imply.
func TestMigration3ReencodesDueCopies(t *testing.T) {
	old, err := os.ReadFile("../cmd/crmbot/testdata/schema2-backup.bbolt")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v2.db")
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	err = db.bolt.View(func(btx *bolt.Tx) error {
		for _, c := range []struct {
			name []byte
			skip int
		}{{idxInterestDue, 8}, {idxInterestOwnerDue, 0}} {
			btx.Bucket(c.name).ForEach(func(k, v []byte) error {
				n++
				if len(v) <= c.skip || v[c.skip] != binaryVersion {
					t.Errorf("%s %x: value %x is not in encoding %d", c.name, k, v, binaryVersion)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("the fixture's interest has no due entries to check")
	}
	if problems, err := db.Verify(t.Context()); err != nil || len(problems) > 0 {
		t.Fatalf("Verify after the migration: %v %q", err, problems)
	}
}
