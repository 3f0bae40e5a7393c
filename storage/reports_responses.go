package storage

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// The first-response index (R16): every "first_response" audit entry of an interest,
// keyed by its time, with who answered and how much working time it took. /pipeline
// and /conversion show the median per manager; reading the index costs the period's
// first responses, not the period's whole audit log.
var idxFirstResponse = []byte("idx_first_response") // at | audit id → actor, seconds

// schemaResponses is the schema version that brought the index (addResponseIndex).
const schemaResponses = 9

func init() {
	indexBuckets = append(indexBuckets, idxFirstResponse)
	txIndexers = append(txIndexers, txIndexer{bucketAudit, idxFirstResponse, func(*bolt.Tx) func(k, v []byte) ([]entry, error) {
		return decodeEntries(func(e *crm.AuditEntry) uint64 { return e.ID }, responseEntries)
	}, schemaResponses})
}

// responseEntries derives the index entry of an audit entry: the one function the
// writer (AddAudit), Verify and Rebuild share.
func responseEntries(e *crm.AuditEntry) []entry {
	if e.Entity != "interest" || e.Action != "first_response" || e.Refused {
		return nil
	}
	secs, err := strconv.ParseInt(e.Detail, 10, 64)
	if err != nil || secs < 0 {
		return nil
	}
	enc := &encoder{b: make([]byte, 0, 12)}
	enc.uint(e.ActorID)
	enc.uint(uint64(secs))
	return []entry{{idxFirstResponse, key(u64(timeKey(e.At)), u64(e.ID)), enc.b}}
}

// FirstResponsesBetween implements crm.ReportStore.
func (t *tx) FirstResponsesBetween(from, to time.Time, owner uint64, fn func(owner uint64, took time.Duration) error) error {
	b := t.btx.Bucket(idxFirstResponse)
	if b == nil {
		return nil // a file opened read-only from before the index
	}
	end := u64(timeKey(to))
	c := b.Cursor()
	for k, v := c.Seek(u64(timeKey(from))); k != nil; k, v = c.Next() {
		if len(k) != 16 {
			return fmt.Errorf("%s: bad key %x", idxFirstResponse, k)
		}
		if bytes.Compare(k[:8], end) >= 0 {
			break
		}
		d := &decoder{b: v}
		actor, secs := d.uint(), d.uint()
		if d.err != nil {
			return fmt.Errorf("%s: %x: %w", idxFirstResponse, k, d.err)
		}
		if owner != 0 && actor != owner {
			continue
		}
		if err := fn(actor, time.Duration(secs)*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// addResponseIndex (version 9) creates the first-response index and fills it from the
// audit log.
func addResponseIndex(btx *bolt.Tx) error {
	if b := btx.Bucket(idxFirstResponse); b != nil {
		if err := btx.DeleteBucket(idxFirstResponse); err != nil {
			return err
		}
	}
	b, err := btx.CreateBucket(idxFirstResponse)
	if err != nil {
		return fmt.Errorf("create %s: %w", idxFirstResponse, err)
	}
	return btx.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
		e := new(crm.AuditEntry)
		if err := decode(v, e); err != nil {
			return nil // Verify reports a record it cannot read
		}
		for _, en := range responseEntries(e) {
			if err := b.Put(en.key, en.val); err != nil {
				return err
			}
		}
		return nil
	})
}
