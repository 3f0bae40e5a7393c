package storage

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
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

// Migration 4 drops the contact email and phone indexes; the duplicate checks find
// the same contacts through the term index. Both a version-2 file (the fixture, which
// passes through 3) and a version-3 file written as 3 wrote it upgrade cleanly.
func TestMigration4DropsContactDupIndexes(t *testing.T) {
	fixture := filepath.Join(t.TempDir(), "v2.db")
	data, err := os.ReadFile("../cmd/crmbot/testdata/schema2-backup.bbolt")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fixture, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// A version-3 file: a current one set back, with the two indexes as version 3
	// kept them (email \0 id, E.164 \0 id).
	v3 := filepath.Join(t.TempDir(), "v3.db")
	db, err := Open(v3, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx crm.Tx) error {
		if err := tx.PutCompany(&crm.Company{Name: "Delta d.o.o.", CreatedAt: t0}); err != nil {
			return err
		}
		return tx.PutContact(&crm.Contact{CompanyID: 1, FullName: "Ivo Ivić", Email: "ivo@delta.hr", Phone: "+38512345678", Mobile: "+385981234567", CreatedAt: t0})
	})
	err = db.bolt.Update(func(btx *bolt.Tx) error {
		put := func(name, k string) error {
			b, err := btx.CreateBucketIfNotExists([]byte(name))
			if err == nil {
				err = b.Put(key(strKey(k), u64(1)), empty)
			}
			return err
		}
		for _, e := range []struct{ b, k string }{{"idx_contact_email", "ivo@delta.hr"}, {"idx_contact_phone", "+38512345678"}, {"idx_contact_phone", "+385981234567"}} {
			if err := put(e.b, e.k); err != nil {
				return err
			}
		}
		return btx.Bucket(bucketMeta).Put(keySchemaVersion, u64(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fixture, v3} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if v := schemaOf(t, db); v != schemaVersion {
				t.Errorf("schema %d after Open, want %d", v, schemaVersion)
			}
			err = db.bolt.View(func(btx *bolt.Tx) error {
				for _, name := range retiredBuckets {
					if btx.Bucket(name) != nil {
						t.Errorf("bucket %s is still there", name)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			view(t, db, func(tx crm.Tx) error {
				for id := uint64(1); ; id++ {
					c, err := tx.Contact(id)
					if crm.ErrorCode(err) == crm.ENOTFOUND {
						return nil
					}
					if err != nil {
						return err
					}
					n++
					for _, probe := range []struct {
						by, v string
						find  func(string) ([]*crm.Contact, error)
					}{{"email", c.Email, tx.ContactsByEmail}, {"phone", c.Phone, tx.ContactsByPhone}, {"mobile", c.Mobile, tx.ContactsByPhone}} {
						if probe.v == "" {
							continue
						}
						found, err := probe.find(probe.v)
						if err != nil {
							return err
						}
						if len(found) != 1 || found[0].ID != c.ID {
							t.Errorf("contact %d by %s %s: found %v", c.ID, probe.by, probe.v, found)
						}
					}
				}
			})
			if n == 0 {
				t.Fatal("no contacts to look up")
			}
			if problems, err := db.Verify(t.Context()); err != nil || len(problems) > 0 {
				t.Fatalf("Verify after the migration: %v %q", err, problems)
			}
		})
	}
}

func schemaOf(t *testing.T, db *DB) uint64 {
	t.Helper()
	var v uint64
	if err := db.bolt.View(func(btx *bolt.Tx) error { v = fileSchema(btx); return nil }); err != nil {
		t.Fatal(err)
	}
	return v
}
