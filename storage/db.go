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
	"runtime/debug"
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
	// MustExist refuses a missing file instead of creating a database there. Every
	// crmbot command but chat and serve sets it, so that a typo in --db cannot produce
	// an empty database that "works". (Creating is the default so tests can open a
	// fresh file in t.TempDir.)
	MustExist bool
	// ReadOnly opens without writing anything, not even the schema migration: for
	// checking backups and for doctor, which must leave the file as they found it.
	ReadOnly bool
	// noSync skips fsync. Only the benchmark dataset generator sets it: it writes
	// millions of records it can regenerate, and durability would cost it minutes.
	noSync bool
}

// DB is a crmbot database in one bbolt file. It implements crm.Store.
type DB struct {
	bolt    *bolt.DB
	path    string
	now     func() time.Time
	created bool
}

var _ crm.Store = (*DB)(nil)

// Open opens the database at path (mode 0600), creates the buckets and brings the
// schema up to date. Before bbolt sees the file, Check must accept it: a missing or
// empty file, or a damaged one, is refused with a *FileError; a missing one is
// created unless opts.MustExist (or ReadOnly) is set. When another process holds the file it fails
// after opts.Timeout with an error that says so.
func Open(path string, opts Options) (db *DB, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	created := false
	if err := checkUnlocked(path, opts.ReadOnly, opts.Timeout); err != nil {
		var fe *FileError
		if opts.MustExist || opts.ReadOnly || !errors.As(err, &fe) || fe.Problem != FileMissing {
			return nil, err
		}
		created = true
	}
	// Check has vouched for the structure bbolt reads at open; should bbolt still
	// panic (damage Check cannot see), the file is reported damaged, not the process.
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, damaged(path, "bbolt: %v", r)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  opts.Timeout,
		NoSync:   opts.noSync,
		ReadOnly: opts.ReadOnly,
		// The hashmap freelist keeps commits fast once a large file has many free pages.
		FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, inUse(path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db = &DB{bolt: bdb, path: path, now: opts.Now, created: created}
	if opts.ReadOnly {
		return db, nil
	}
	if err := bdb.Update(migrate); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("migrate database %s: %w", path, err)
	}
	return db, nil
}

func inUse(path string, err error) error {
	return fmt.Errorf("database %s is in use by another process (is crmbot already running?): %w", path, err)
}

// Created reports whether Open created the file.
func (db *DB) Created() bool { return db.created }

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
