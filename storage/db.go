// Package storage implements crm.Store on bbolt: one bucket per entity, secondary
// indexes and pipeline counters kept in the same transaction as the records, schema
// migrations, integrity checks and hot backups. It is the only package that says bolt.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"crmbot/crm"
)

// Options configures Open.
type Options struct {
	// Timeout is how long Open waits for the file lock held by another process;
	// 0 means one second.
	Timeout time.Duration
	// Now is the clock used to stamp idempotency keys (for pruning); nil means
	// time.Now. Tests inject their own.
	Now func() time.Time
	// noSync skips fsync. Only the benchmark dataset generator sets it: it writes
	// millions of records it can regenerate, and durability would cost it minutes.
	noSync bool
}

// DB is a crmbot database in one bbolt file. It implements crm.Store.
type DB struct {
	bolt *bolt.DB
	path string
	now  func() time.Time
}

var _ crm.Store = (*DB)(nil)

// Open opens (creating if needed) the database at path with mode 0600, creates the
// buckets and brings the schema up to date. When another process holds the file it
// fails after opts.Timeout with an error that says so.
func Open(path string, opts Options) (*DB, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: opts.Timeout,
		NoSync:  opts.noSync,
		// The hashmap freelist keeps commits fast once a large file has many free pages.
		FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("database %s is in use by another process (is crmbot already running?): %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := &DB{bolt: bdb, path: path, now: opts.Now}
	if err := bdb.Update(migrate); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("migrate database %s: %w", path, err)
	}
	return db, nil
}

// Close closes the file. Transactions in progress finish first.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", db.path, err)
	}
	return nil
}

// Path returns the file the database lives in.
func (db *DB) Path() string { return db.path }

// View runs fn in a read-only snapshot.
func (db *DB) View(ctx context.Context, fn func(crm.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(func(btx *bolt.Tx) error {
		return fn(&tx{btx: btx, now: db.now})
	})
}

// Update runs fn in one read-write transaction, committed and fsynced before it
// returns, or rolled back entirely when fn fails. It uses bolt's Update, not Batch:
// crmbot has a single writer path, and Batch would add its 10 ms delay to every call.
func (db *DB) Update(ctx context.Context, fn func(crm.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(func(btx *bolt.Tx) error {
		return fn(&tx{btx: btx, now: db.now})
	})
}

// Stats is the number of records of each entity.
type Stats struct {
	Users        int `json:"users"`
	Invites      int `json:"invites"`
	Companies    int `json:"companies"`
	Contacts     int `json:"contacts"`
	Interests    int `json:"interests"`
	Interactions int `json:"interactions"`
	Audit        int `json:"audit"`
	Idempotency  int `json:"idempotency"`
	// Size is the file size in bytes.
	Size int64 `json:"size"`
}

// Stats counts the records of each entity from bbolt's bucket statistics, without
// decoding any record.
func (db *DB) Stats() (Stats, error) {
	var s Stats
	err := db.bolt.View(func(btx *bolt.Tx) error {
		n := func(name []byte) int { return btx.Bucket(name).Stats().KeyN }
		s = Stats{
			Users: n(bucketUsers), Invites: n(bucketInvites), Companies: n(bucketCompanies),
			Contacts: n(bucketContacts), Interests: n(bucketInterests),
			Interactions: n(bucketInteractions), Audit: n(bucketAudit),
			Idempotency: n(bucketIdempotency), Size: btx.Size(),
		}
		return nil
	})
	return s, err
}

// Backup writes a consistent copy of the whole database to w while readers and the
// writer carry on (a bbolt read transaction sees one snapshot). The copy is itself a
// database file that Open accepts.
func (db *DB) Backup(w io.Writer) (int64, error) {
	return db.backup(w)
}

// BackupFile writes a consistent copy of the database to a new file at path (mode
// 0600, fsynced, never over an existing file). A failed copy leaves no file behind.
func (db *DB) BackupFile(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := db.backup(f)
	if err == nil {
		err = f.Sync() // a backup that is not on disk is not a backup
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return 0, err
	}
	return n, nil
}

func (db *DB) backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(btx *bolt.Tx) error {
		var err error
		n, err = btx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", db.path, err)
	}
	return n, nil
}
