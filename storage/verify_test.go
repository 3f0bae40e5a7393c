package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// seed fills db with a little of everything.
func seed(t *testing.T, db *DB) {
	t.Helper()
	update(t, db, func(tx crm.Tx) error {
		if err := tx.PutUser(&crm.User{Name: "Ana", Identities: []crm.Identity{"console:ana"}}); err != nil {
			return err
		}
		co := &crm.Company{Name: "ACME d.o.o."}
		if err := tx.PutCompany(co); err != nil {
			return err
		}
		ct := &crm.Contact{CompanyID: co.ID, FullName: "Đurić Marko", Email: "m@acme.hr", Mobile: "+385912345678"}
		if err := tx.PutContact(ct); err != nil {
			return err
		}
		for n := 0; n < 3; n++ {
			i := newInterest(1, crm.StageNew, 10, t0.Add(time.Duration(n)*time.Hour), t0)
			i.CompanyID, i.ContactID = co.ID, ct.ID
			if err := tx.PutInterest(i); err != nil {
				return err
			}
			if err := tx.AddInteraction(&crm.Interaction{InterestID: i.ID, At: t0, Text: "hi"}); err != nil {
				return err
			}
			if err := tx.AddAudit(&crm.AuditEntry{Entity: "interest", EntityID: i.ID, Action: "create"}); err != nil {
				return err
			}
		}
		for n, st := range []crm.OutboxState{crm.OutboxPending, crm.OutboxSent} {
			m := &crm.OutboxMessage{Key: "nudge:" + string(rune('a'+n)), Target: "telegram:1", Created: t0, NotBefore: t0, State: st}
			if _, err := tx.Enqueue(m); err != nil {
				return err
			}
		}
		return tx.SetIdempotency("k", "v")
	})
}

// corrupt edits the closed file behind db's back with bolt directly, then reopens it.
func corrupt(t *testing.T, db *DB, fn func(*bolt.Tx) error) *DB {
	t.Helper()
	path := db.Path()
	db.Close()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(fn); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	return mustOpenPath(t, path)
}

func TestVerifyAndRebuild(t *testing.T) {
	tests := []struct {
		name string
		edit func(*bolt.Tx) error
		want string // a fragment of the problem Verify reports
	}{
		{"missing due key", func(btx *bolt.Tx) error {
			k, _ := btx.Bucket(idxInterestDue).Cursor().First()
			return btx.Bucket(idxInterestDue).Delete(k)
		}, "idx_interest_due: missing key"},
		{"stray word key", func(btx *bolt.Tx) error {
			return btx.Bucket(idxCompanyWord).Put(key(strKey("ghost"), u64(9)), empty)
		}, "idx_company_word: stray key"},
		{"wrong due owner", func(btx *bolt.Tx) error {
			k, _ := btx.Bucket(idxInterestDue).Cursor().First()
			return btx.Bucket(idxInterestDue).Put(k, u64(42))
		}, "idx_interest_due: key"},
		{"wrong counter", func(btx *bolt.Tx) error {
			k, _ := btx.Bucket(bucketPipeline).Cursor().First()
			return btx.Bucket(bucketPipeline).Put(k, encodeCell(7, 7))
		}, "pipeline: key"},
		{"lost timeline entry", func(btx *bolt.Tx) error {
			k, _ := btx.Bucket(idxInteraction).Cursor().Last()
			return btx.Bucket(idxInteraction).Delete(k)
		}, "idx_interaction: missing key"},
		{"lost pending message", func(btx *bolt.Tx) error {
			k, _ := btx.Bucket(idxOutboxPending).Cursor().First()
			return btx.Bucket(idxOutboxPending).Delete(k)
		}, "idx_outbox_pending: missing key"},
		{"bad record", func(btx *bolt.Tx) error {
			return btx.Bucket(bucketContacts).Put(u64(1), []byte("\x09garbage"))
		}, "contacts 0000000000000001: decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := mustOpen(t)
			seed(t, db)
			mustVerify(t, db)
			db = corrupt(t, db, tt.edit)
			problems, err := db.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(problems, "\n"), tt.want) {
				t.Fatalf("Verify = %q, want a problem containing %q", problems, tt.want)
			}
			if tt.name == "bad record" {
				// Rebuild cannot invent a record: it refuses and changes nothing.
				if err := db.Rebuild(t.Context()); err == nil {
					t.Error("Rebuild over an undecodable record succeeded")
				}
				return
			}
			if err := db.Rebuild(t.Context()); err != nil {
				t.Fatal(err)
			}
			mustVerify(t, db)
			checkQueries(t, db)
		})
	}
}

func TestBackup(t *testing.T) {
	db := mustOpen(t)
	seed(t, db)
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := db.Backup(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() != n || n == 0 {
		t.Fatalf("Backup wrote %d bytes, file has %d", n, fi.Size())
	}
	copy := mustOpenPath(t, path)
	mustVerify(t, copy)
	view(t, copy, func(tx crm.Tx) error {
		if cs, err := tx.FindContacts("duric", 0); err != nil || len(cs) != 1 {
			t.Errorf("FindContacts in backup = %v, %v", cs, err)
		}
		return nil
	})
	want, _ := db.Stats()
	got, _ := copy.Stats()
	want.Size, got.Size = 0, 0
	if got != want {
		t.Errorf("backup Stats = %+v, want %+v", got, want)
	}
}

// TestVerifyFindsInterestsWithoutTheirCompanyOrContact: a salvage can keep an
// interest and lose the company or contact it names; Verify must report that, and
// Rebuild, which cannot bring the record back, must leave it reported.
func TestVerifyFindsInterestsWithoutTheirCompanyOrContact(t *testing.T) {
	for _, tt := range []struct {
		bucket []byte
		want   string
	}{
		{bucketCompanies, "its company 1 does not exist"},
		{bucketContacts, "its contact 1 does not exist"},
	} {
		t.Run(string(tt.bucket), func(t *testing.T) {
			db := mustOpen(t)
			seed(t, db)
			mustVerify(t, db)
			db = corrupt(t, db, func(btx *bolt.Tx) error { return btx.Bucket(tt.bucket).Delete(u64(1)) })
			if err := db.Rebuild(t.Context()); err != nil {
				t.Fatal(err)
			}
			problems, err := db.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(problems, "\n"), tt.want) {
				t.Fatalf("Verify = %q, want a problem containing %q", problems, tt.want)
			}
		})
	}
}

// A missing bucket in a file of the current schema is reported, never a panic: an
// index bucket as fixed by Rebuild (which creates it), a record bucket as a loss.
func TestVerifyReportsMissingBuckets(t *testing.T) {
	for _, tt := range []struct {
		bucket    []byte
		want      string
		unfixable bool
	}{
		{idxCompanyOIB, "bucket idx_company_oib is missing; crmbot doctor --rebuild creates it", false},
		{bucketOutbox, "bucket outbox is missing", true},
	} {
		t.Run(string(tt.bucket), func(t *testing.T) {
			db := mustOpen(t)
			seed(t, db)
			path := db.Path()
			db.Close()
			bdb, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := bdb.Update(func(btx *bolt.Tx) error { return btx.DeleteBucket(tt.bucket) }); err != nil {
				t.Fatal(err)
			}
			bdb.Close()
			if _, err := Open(path, Options{MustExist: true}); err == nil || !strings.Contains(err.Error(), string(tt.bucket)) {
				t.Fatalf("read-write open without %s: %v, want it refused", tt.bucket, err)
			}
			// As doctor --rebuild opens it.
			db, err = Open(path, Options{MustExist: true, Repair: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			problems, err := db.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) == 0 || !strings.Contains(problems[0], tt.want) || RebuildCannotFix(problems[0]) != tt.unfixable {
				t.Fatalf("Verify = %q, want first %q (unfixable %v)", problems, tt.want, tt.unfixable)
			}
			if err := db.Rebuild(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
