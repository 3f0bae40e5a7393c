package storage

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"crmbot/crm"
)

// schemaVersion is the layout this code reads and writes.
const schemaVersion = 9

var keySchemaVersion = []byte("schema_version")

// migrations[n] brings a database from version n to n+1, inside the one transaction
// that Open runs. migrations[0] creates the version-1 layout from an empty file; later
// entries will re-encode records or add indexes.
var migrations = []func(*bolt.Tx) error{
	0: createBuckets,
	1: addOutbox,
	2: addCompanyOIB,
	3: moveSchedulerState,
	4: addInbox,
	5: migrateTypedState, // storage/unit_state.go
	6: dropContactDupIndexes,
	7: migrateFacets,    // reports_facets.go
	8: addResponseIndex, // reports_responses.go
}

// dropContactDupIndexes (version 7) drops the contact email and phone indexes: the
// duplicate checks read the term index, which holds the same emails and the phones'
// digits, so every contact write touches two trees fewer.
func dropContactDupIndexes(btx *bolt.Tx) error {
	for _, name := range retiredBuckets {
		if err := btx.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return fmt.Errorf("drop %s: %w", name, err)
		}
	}
	return nil
}

// addCompanyOIB (version 3) creates the OIB index of companies. Companies written
// before have no OIB (their records are binary version 2), so it starts empty. It
// also rewrites the due indexes' copies of interests in this version's encoding, so
// that they read as the records' own entries (byte for byte) do.
func addCompanyOIB(btx *bolt.Tx) error {
	if _, err := btx.CreateBucketIfNotExists(idxCompanyOIB); err != nil {
		return err
	}
	t := &tx{btx: btx}
	return eachKey(btx.Bucket(bucketInterests), func(k, v []byte) error {
		var i crm.Interest
		if err := decode(v, &i); err != nil {
			return nil // Verify reports it; a migration must not strand the file
		}
		var due []entry
		for _, e := range interestEntries(&i) {
			if bytes.Equal(e.bucket, idxInterestDue) || bytes.Equal(e.bucket, idxInterestOwnerDue) {
				due = append(due, e)
			}
		}
		return t.putEntries(due)
	})
}

// addOutbox (version 2) creates the outbox and its indexes, which version 1 made
// lazily on first use, and derives the indexes from whatever outbox records exist.
func addOutbox(btx *bolt.Tx) error {
	if err := createBuckets(btx); err != nil {
		return err
	}
	for _, name := range [][]byte{idxOutboxPending, idxOutboxCreated} {
		if err := btx.DeleteBucket(name); err != nil {
			return fmt.Errorf("drop %s: %w", name, err)
		}
		if _, err := btx.CreateBucket(name); err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
	}
	t := &tx{btx: btx}
	return btx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		m, err := decodeOutbox(v)
		if err != nil {
			return fmt.Errorf("outbox %q: %w", k, err)
		}
		return t.putEntries(outboxEntries(m))
	})
}

// migrate creates missing buckets and runs every migration the file has not seen, all
// in one transaction, so a crash leaves the file at its old version or its new one.
func migrate(btx *bolt.Tx) error {
	meta, err := btx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	var v uint64
	if b := meta.Get(keySchemaVersion); b != nil {
		if len(b) != 8 {
			return fmt.Errorf("bad schema_version %x", b)
		}
		v = getU64(b)
	}
	if v > schemaVersion {
		return fmt.Errorf("database schema version %d is newer than this crmbot (%d): upgrade crmbot", v, schemaVersion)
	}
	if v == schemaVersion {
		return nil
	}
	for ; v < schemaVersion; v++ {
		if err := migrations[v](btx); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v+1, err)
		}
	}
	return meta.Put(keySchemaVersion, u64(schemaVersion))
}

func createBuckets(btx *bolt.Tx) error {
	for _, list := range [][][]byte{recordBuckets, indexBuckets} {
		for _, name := range list {
			if _, err := btx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
	}
	return nil
}
