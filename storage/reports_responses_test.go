package storage

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// The first-response index holds exactly the first responses of the audit log, is
// filled for a file from before it (schema 8), and answers a period and an owner.
func TestFirstResponseIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	db := mustOpenPath(t, path)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	entries := []*crm.AuditEntry{
		{At: at, ActorID: 2, Entity: "interest", EntityID: 1, Action: "first_response", Detail: "3600"},
		{At: at.Add(time.Hour), ActorID: 3, Entity: "interest", EntityID: 2, Action: "first_response", Detail: "7200"},
		{At: at.Add(2 * time.Hour), ActorID: 2, Entity: "interest", EntityID: 3, Action: "log", Detail: "call"},
		{At: at.Add(3 * time.Hour), ActorID: 2, Entity: "interest", EntityID: 4, Action: "first_response", Detail: "60", Refused: true},
		{At: at.Add(48 * time.Hour), ActorID: 2, Entity: "interest", EntityID: 5, Action: "first_response", Detail: "1800"},
	}
	update(t, db, func(tx crm.Tx) error {
		for _, e := range entries {
			c := *e
			if err := tx.AddAudit(&c); err != nil {
				return err
			}
		}
		return nil
	})
	read := func(db *DB, from, to time.Time, owner uint64) map[uint64][]time.Duration {
		got := map[uint64][]time.Duration{}
		view(t, db, func(tx crm.Tx) error {
			return tx.FirstResponsesBetween(from, to, owner, func(o uint64, d time.Duration) error {
				got[o] = append(got[o], d)
				return nil
			})
		})
		return got
	}
	check := func(db *DB) {
		t.Helper()
		if got := read(db, at, at.Add(24*time.Hour), 0); len(got[2]) != 1 || got[2][0] != time.Hour || len(got[3]) != 1 || got[3][0] != 2*time.Hour {
			t.Errorf("the first day: %v, want Ana 1h and Ivo 2h (no log entry, no refused one)", got)
		}
		if got := read(db, at, at.Add(72*time.Hour), 2); len(got) != 1 || len(got[2]) != 2 {
			t.Errorf("Ana's three days: %v, want her two", got)
		}
		mustVerify(t, db)
	}
	check(db)
	// A file from before the index: schema 8, no bucket. Opening it fills the index.
	db.Close()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(btx *bolt.Tx) error {
		if err := btx.DeleteBucket(idxFirstResponse); err != nil {
			return err
		}
		return btx.Bucket(bucketMeta).Put(keySchemaVersion, u64(8))
	}); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	db = mustOpenPath(t, path)
	check(db)
}
