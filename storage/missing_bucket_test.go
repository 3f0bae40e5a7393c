package storage

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A file at the current schema that lacks a bucket is refused by a read-write open
// (as damaged, naming the bucket), rather than opened for every write touching it
// to panic. A read-only open (doctor) still reads it, and a Repair open lets
// Rebuild recreate a missing index, after which the file opens normally.
func TestOpenRefusesAMissingBucket(t *testing.T) {
	// (A missing record bucket is refused by Check already, read-only too.)
	for _, tc := range []struct {
		bucket   []byte
		rebuilds bool // Rebuild brings the file back
	}{
		{idxCompanyOIB, true},
		{bucketPipeline, true},
		{idxInterestDue, true},
	} {
		t.Run(string(tc.bucket), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crm.db")
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			bdb, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := bdb.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(tc.bucket) }); err != nil {
				t.Fatal(err)
			}
			bdb.Close()

			_, err = Open(path, Options{MustExist: true})
			var fe *FileError
			if !errors.As(err, &fe) || fe.Problem != FileDamaged || !strings.Contains(err.Error(), string(tc.bucket)) {
				t.Fatalf("read-write open of a file without %s: %v, want it refused as damaged", tc.bucket, err)
			}
			ro, err := Open(path, Options{MustExist: true, ReadOnly: true})
			if err != nil {
				t.Fatalf("read-only open: %v", err)
			}
			problems, err := ro.Verify(context.Background())
			ro.Close()
			if err != nil || len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), string(tc.bucket)) {
				t.Fatalf("Verify: %v %q", err, problems)
			}

			rw, err := Open(path, Options{MustExist: true, Repair: true})
			if err != nil {
				t.Fatalf("repair open: %v", err)
			}
			if err := rw.Rebuild(context.Background()); err != nil {
				t.Fatal(err)
			}
			rw.Close()
			db, err = Open(path, Options{MustExist: true})
			if tc.rebuilds != (err == nil) {
				t.Fatalf("open after Rebuild: %v (want it to succeed: %v)", err, tc.rebuilds)
			}
			if db != nil {
				db.Close()
			}
		})
	}
}
