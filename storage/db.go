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
	"path/filepath"
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
	// Repair opens read-write a file that lacks some of its buckets, for
	// doctor --rebuild to recreate the indexes. Without it such a file is refused
	// as damaged: every write touching the missing bucket would fail.
	Repair bool
	// MaxBatchSize caps how many concurrent Update calls share one commit (group
	// commit); 0 means DefaultMaxBatchSize, 1 turns sharing off.
	MaxBatchSize int
	// MaxBatchDelay is how long a commit that already has company waits for more
	// callers before it starts. 0 (the default) waits not at all: the callers who
	// arrive while a commit is on disk form the next one anyway. A lone writer never
	// waits.
	MaxBatchDelay time.Duration
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
	observe func(write bool, d time.Duration)
	commits *committer
}

// ObserveTx makes every View and Update report its duration to f (metrics). Call it
// before the database is in use.
func (db *DB) ObserveTx(f func(write bool, d time.Duration)) { db.observe = f }

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
		// The freelist is not written at each commit: on the 100k benchmark file (some
		// 12,000 free pages) it was 24 of the 108 pages a small write put on disk, 200
		// KB of garbage and a tenth of the commit's CPU. Durability is unchanged (the
		// pages and the meta page are fsynced as before). Close writes it once, so the
		// next Open reads it; after a crash Open rebuilds it by walking every page of
		// the file instead (seconds for 500 MB).
		NoFreelistSync: true,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, inUse(path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if opts.MaxBatchSize <= 0 {
		opts.MaxBatchSize = DefaultMaxBatchSize
	}
	db = &DB{bolt: bdb, path: path, now: opts.Now, created: created,
		commits: &committer{bolt: bdb, now: opts.Now, maxBatch: opts.MaxBatchSize, delay: opts.MaxBatchDelay}}
	if opts.ReadOnly {
		return db, nil
	}
	if err := bdb.Update(migrate); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("migrate database %s: %w", path, err)
	}
	if !opts.Repair {
		var missing []byte
		bdb.View(func(btx *bolt.Tx) error { missing = missingBucket(btx); return nil })
		if missing != nil {
			bdb.Close()
			return nil, damaged(path, "bucket %s is missing", missing)
		}
	}
	return db, nil
}

// missingBucket is the first bucket of the current schema the file lacks, nil when
// none. Migrations create every bucket, so at the current schema a missing one is
// damage (Verify says which Rebuild recreates); serving on would panic or misread.
func missingBucket(btx *bolt.Tx) []byte {
	for _, list := range [][][]byte{recordBuckets, indexBuckets} {
		for _, name := range list {
			if btx.Bucket(name) == nil {
				return name
			}
		}
	}
	return nil
}

func inUse(path string, err error) error {
	return &InUseError{Path: path, err: err}
}

// InUseError is a database file another process holds (a running crmbot). Its
// exit status is 2, as for a wrong path: nothing is wrong with the file.
type InUseError struct {
	Path string
	err  error
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("database %s is in use by another process (is crmbot already running?): %v", e.Path, e.err)
}

func (e *InUseError) Unwrap() error { return e.err }

// ExitCode is 2.
func (e *InUseError) ExitCode() int { return 2 }

// Created reports whether Open created the file.
func (db *DB) Created() bool { return db.created }

// Close closes the file. Transactions in progress finish first. A read-write
// database commits once more on the way out, with the freelist: the commits made
// while it was open skip writing it (see Open), and the next Open would otherwise
// walk the whole file to rebuild it.
func (db *DB) Close() error {
	var err error
	if !db.bolt.IsReadOnly() {
		err = db.bolt.Update(func(*bolt.Tx) error {
			// Set inside the write transaction: no other commit reads it meanwhile.
			db.bolt.NoFreelistSync = false
			return nil
		})
		switch {
		case errors.Is(err, berrors.ErrDatabaseNotOpen):
			return nil // closed before
		case err != nil:
			err = fmt.Errorf("close database %s: write the freelist: %w", db.path, err)
		}
	}
	if cerr := db.bolt.Close(); cerr != nil {
		return errors.Join(err, fmt.Errorf("close database %s: %w", db.path, cerr))
	}
	return err
}

// Path returns the file the database lives in.
func (db *DB) Path() string { return db.path }

// View runs fn in a read-only snapshot.
func (db *DB) View(ctx context.Context, fn func(crm.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.observe != nil {
		defer func(t time.Time) { db.observe(false, time.Since(t)) }(time.Now())
	}
	return db.bolt.View(func(btx *bolt.Tx) error {
		return fn(&tx{btx: btx, now: db.now})
	})
}

// Update runs fn in one read-write transaction, committed and fsynced before it
// returns, or rolled back entirely when fn fails. Concurrent calls share one
// transaction and one commit (see groupcommit.go), so fn may run more than once: it
// must only assign to variables outside it, never append or count.
func (db *DB) Update(ctx context.Context, fn func(crm.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.observe != nil {
		defer func(t time.Time) { db.observe(true, time.Since(t)) }(time.Now())
	}
	return db.commits.do(fn)
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
		s = txStats(btx)
		return nil
	})
	return s, err
}

func txStats(btx *bolt.Tx) Stats {
	n := func(name []byte) int { return btx.Bucket(name).Stats().KeyN }
	return Stats{
		Users: n(bucketUsers), Invites: n(bucketInvites), Companies: n(bucketCompanies),
		Contacts: n(bucketContacts), Interests: n(bucketInterests),
		Interactions: n(bucketInteractions), Audit: n(bucketAudit),
		Idempotency: n(bucketIdempotency), Size: btx.Size(),
	}
}

// Backup writes a consistent copy of the whole database to w while readers and the
// writer carry on (a bbolt read transaction sees one snapshot). The copy is itself a
// database file that Open accepts. The Stats are those of the snapshot copied, for
// the receiver to verify its copy against.
func (db *DB) Backup(w io.Writer) (int64, Stats, error) {
	var n int64
	var st Stats
	err := db.bolt.View(func(btx *bolt.Tx) error {
		st = txStats(btx)
		var err error
		n, err = btx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, st, fmt.Errorf("backup %s: %w", db.path, err)
	}
	return n, st, nil
}

// BackupFile writes a consistent copy of the database to a new file at path (mode
// 0600, never over an existing file) and verifies it before the name appears: the
// copy is written under a temporary name, fsynced, checked (VerifyCopy) and renamed.
// A failed copy leaves no file behind.
func (db *DB) BackupFile(path string) (int64, error) {
	return WriteVerified(path, func(w io.Writer) (int64, Stats, error) { return db.Backup(w) })
}

// WriteVerified writes a backup produced by fill to a new file at path, verified
// against the Stats fill reports; see BackupFile. crmbot backup uses it for a copy
// streamed from a running server as well.
func WriteVerified(path string, fill func(io.Writer) (int64, Stats, error)) (int64, error) {
	if _, err := os.Lstat(path); err == nil {
		return 0, fmt.Errorf("backup: %s exists; name a new file", path)
	}
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".partial-*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	n, want, err := fill(f)
	if err == nil {
		err = f.Sync() // a backup that is not on disk is not a backup
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = VerifyCopy(tmp, want)
	}
	if err == nil {
		err = os.Chmod(tmp, 0o600)
	}
	if err == nil {
		// Link, not rename: it fails when path appeared meanwhile, never replacing it.
		err = os.Link(tmp, path)
	}
	os.Remove(tmp)
	if err != nil {
		return 0, err
	}
	if d, err := os.Open(filepath.Clean(dir + ".")); err == nil {
		d.Sync()
		d.Close()
	}
	return n, nil
}

// VerifyCopy checks a backup before it is reported done: the structural check, then
// the record counts, which must equal want, those of the snapshot it copies.
func VerifyCopy(path string, want Stats) error {
	db, err := Open(path, Options{ReadOnly: true, MustExist: true})
	if err != nil {
		return fmt.Errorf("verify backup: %w", err)
	}
	defer db.Close()
	got, err := db.Stats()
	if err != nil {
		return fmt.Errorf("verify backup: %w", err)
	}
	if got != want {
		return fmt.Errorf("verify backup: the copy holds %+v, the database held %+v", got, want)
	}
	return nil
}
