package storage

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// indexer derives the index entries of every record of one entity. Verify and Rebuild
// walk this table; Put uses the same entry functions, so all three agree by
// construction.
type indexer struct {
	records []byte   // the record bucket
	indexes [][]byte // the index buckets this entity alone fills
	entries func(k, v []byte) ([]entry, error)
}

// txIndexer is an indexer whose derivation also reads other records (an interest's
// facet needs its company's size), so its entries function is made per transaction.
type txIndexer struct {
	records, indexes []byte
	entries          func(btx *bolt.Tx) func(k, v []byte) ([]entry, error)
	// since is the schema version that brought the index: a file of an older schema
	// (a backup checked read-only) is not held to it.
	since uint64
}

// verifiable lists the indexers Verify checks in btx: every plain one, and the
// per-transaction ones the file's schema has.
func verifiable(btx *bolt.Tx) []indexer {
	out := slices.Clone(indexers)
	for _, ix := range txIndexers {
		if fileSchema(btx) >= ix.since {
			out = append(out, indexer{ix.records, [][]byte{ix.indexes}, ix.entries(btx)})
		}
	}
	return out
}

// decodeEntries builds an indexer's entries function for a record type keyed by id.
func decodeEntries[T any](id func(*T) uint64, fn func(*T) []entry) func(k, v []byte) ([]entry, error) {
	return func(k, v []byte) ([]entry, error) {
		r := new(T)
		if err := decode(v, r); err != nil {
			return nil, err
		}
		if len(k) != 8 || getU64(k) != id(r) {
			return nil, fmt.Errorf("record key %x holds id %d", k, id(r))
		}
		return fn(r), nil
	}
}

var txIndexers []txIndexer // filled by the files that own them (reports_facets.go)

var indexers = []indexer{
	{bucketUsers, [][]byte{idxUserIdentity},
		decodeEntries(func(u *crm.User) uint64 { return u.ID }, userEntries)},
	{bucketCompanies, [][]byte{idxCompanyName, idxCompanyWord, idxCompanyOIB},
		decodeEntries(func(c *crm.Company) uint64 { return c.ID }, companyEntries)},
	{bucketContacts, [][]byte{idxContactCompany, idxContactTerm},
		decodeEntries(func(c *crm.Contact) uint64 { return c.ID }, contactEntries)},
	{bucketInterests, [][]byte{idxInterestCompany, idxInterestContact, idxInterestOpen, idxInterestDue,
		idxInterestOwnerDue, idxInterestIdle, idxInterestOwnIdle},
		decodeEntries(func(i *crm.Interest) uint64 { return i.ID }, interestEntries)},
	{bucketInteractions, [][]byte{idxInteraction},
		decodeEntries(func(i *crm.Interaction) uint64 { return i.ID }, interactionEntries)},
	{bucketAudit, [][]byte{idxAuditEntity},
		decodeEntries(func(e *crm.AuditEntry) uint64 { return e.ID }, auditEntries)},
	{bucketOutbox, [][]byte{idxOutboxPending, idxOutboxCreated}, func(k, v []byte) ([]entry, error) {
		m, err := decodeOutbox(v)
		if err != nil {
			return nil, err
		}
		if m.Key != string(k) {
			return nil, fmt.Errorf("record key %q holds %q", k, m.Key)
		}
		return outboxEntries(m), nil
	}},
	{bucketIdempotency, [][]byte{idxIdempotencyTime}, func(k, v []byte) ([]entry, error) {
		var r idempotencyRecord
		if err := decode(v, &r); err != nil {
			return nil, err
		}
		return idempotencyEntries(string(k), &r), nil
	}},
	{bucketInboxSeen, [][]byte{idxInboxSeenAt}, inboxSeenEntries},
}

// notByRebuild marks a problem Rebuild cannot fix, so that doctor does not advise it.
const notByRebuild = "--rebuild cannot fix this"

// RebuildCannotFix reports whether a problem Verify found is one Rebuild cannot fix
// (lost or unreadable records, as opposed to indexes and counters).
func RebuildCannotFix(problem string) bool { return strings.Contains(problem, notByRebuild) }

// maxProblems caps Verify's report: past that, the advice is the same (Rebuild).
const maxProblems = 100

// Verify checks the file with bbolt's own consistency check, then recomputes every
// secondary index and the pipeline counters from the records and reports each
// difference as a human-readable problem. No problems means the database is sound.
// It reads the whole database in one snapshot, so it is for `crmbot doctor`, not for
// the request path.
func (db *DB) Verify(ctx context.Context) ([]string, error) {
	var problems []string
	report := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		} else if len(problems) == maxProblems {
			problems = append(problems, "… more problems not listed")
		}
	}
	err := db.bolt.View(func(btx *bolt.Tx) error {
		// A file of a previous schema (a backup checked read-only, which nothing
		// migrates) lacks the buckets later migrations create; those are made at the
		// next read-write open, so their absence is no problem there.
		older := fileSchema(btx) < schemaVersion
		bucket := func(name []byte) *bolt.Bucket {
			b := btx.Bucket(name)
			switch {
			case b != nil || older:
			case slices.ContainsFunc(indexBuckets, func(x []byte) bool { return bytes.Equal(x, name) }):
				report("bucket %s is missing; crmbot doctor --rebuild creates it", name)
			default: // records: lost with their bucket
				report("bucket %s is missing (%s; restore a backup)", name, notByRebuild)
			}
			return b
		}
		for err := range btx.Check() {
			report("bbolt: %v", err)
		}
		for _, ix := range verifiable(btx) {
			if err := ctx.Err(); err != nil {
				return err
			}
			records := bucket(ix.records)
			want, err := expectedPrints(records, ix, func(k []byte, err error) {
				// Rebuild derives indexes from records; it stops at one it cannot read.
				report("%s %x: %v (%s; --salvage leaves it out, or restore a backup)", ix.records, k, err, notByRebuild)
			})
			if err != nil {
				return err
			}
			for i, name := range ix.indexes {
				b := bucket(name)
				suspects := comparePrints(b, name, want[i])
				want[i] = nil // let the collector have it before the next index
				if len(suspects) == 0 {
					continue
				}
				// Something differs: derive the real entries of the suspect keys
				// alone, and say exactly what.
				exact, err := expectedOnly(records, ix, name, suspects)
				if err != nil {
					return err
				}
				compareIndex(b, name, exact, func(k []byte) bool { return suspects[printKey(k)] }, report)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		want, err := expectedPipeline(btx)
		if err != nil {
			return err
		}
		compareIndex(bucket(bucketPipeline), bucketPipeline, want, nil, report)
		if fileSchema(btx) >= schemaFacets {
			want, err := expectedFacetCells(btx)
			if err != nil {
				return err
			}
			compareIndex(bucket(bucketPipelineFacet), bucketPipelineFacet, want, nil, report)
		}
		return danglingInterests(btx, report)
	})
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", db.path, err)
	}
	return problems, nil
}

// danglingInterests reports each interest whose company or contact record does not
// exist: a salvage can keep an interest and lose the records it names, and such an
// interest cannot be shown. Rebuild cannot fix it; the lost record must be restored.
func danglingInterests(btx *bolt.Tx, report func(string, ...any)) error {
	companies, contacts := btx.Bucket(bucketCompanies), btx.Bucket(bucketContacts)
	return eachKey(btx.Bucket(bucketInterests), func(k, v []byte) error {
		var i crm.Interest
		if err := decode(v, &i); err != nil {
			return nil // reported with the interests' indexes
		}
		// Id 0 names no record; only a reference to a record that is gone is a loss.
		if i.CompanyID != 0 && (companies == nil || companies.Get(u64(i.CompanyID)) == nil) {
			report("interest %d: its company %d does not exist (%s; restore a backup)", i.ID, i.CompanyID, notByRebuild)
		}
		if i.ContactID != 0 && (contacts == nil || contacts.Get(u64(i.ContactID)) == nil) {
			report("interest %d: its contact %d does not exist (%s; restore a backup)", i.ID, i.ContactID, notByRebuild)
		}
		return nil
	})
}

// expectedPipeline recomputes the counter cells from the interests.
func expectedPipeline(btx *bolt.Tx) (map[string]string, error) {
	type cell struct{ count, value int64 }
	cells := make(map[string]cell)
	err := eachKey(btx.Bucket(bucketInterests), func(k, v []byte) error {
		var i crm.Interest
		if err := decode(v, &i); err != nil {
			return nil // reported with the interests' indexes
		}
		if _, ok := stageByte(i.Stage); !ok {
			return nil
		}
		c := cells[string(pipelineKey(&i))]
		c.count++
		c.value += i.Value
		cells[string(pipelineKey(&i))] = c
		return nil
	})
	want := make(map[string]string, len(cells))
	for k, c := range cells {
		want[k] = string(encodeCell(c.count, c.value))
	}
	return want, err
}

// fileSchema is the schema version the file was last migrated to (0: none).
func fileSchema(btx *bolt.Tx) uint64 {
	if meta := btx.Bucket(bucketMeta); meta != nil {
		if b := meta.Get(keySchemaVersion); len(b) == 8 {
			return getU64(b)
		}
	}
	return 0
}

// eachKey is b.ForEach where a nil (missing) bucket has no keys.
func eachKey(b *bolt.Bucket, fn func(k, v []byte) error) error {
	if b == nil {
		return nil
	}
	return b.ForEach(fn)
}

// sameValue reports whether an index value equals the one its record implies. The
// due indexes hold a copy of the interest record, and a copy written by an earlier
// release carries that release's encoding version (the interest's layout has not
// changed since version 2): those are compared decoded, so an upgraded file is not
// reported as damaged for a version byte.
func sameValue(name []byte, got, want []byte) bool {
	if bytes.Equal(got, want) {
		return true
	}
	skip := -1
	switch {
	case bytes.Equal(name, idxInterestDue):
		skip = 8 // owner | record
	case bytes.Equal(name, idxInterestOwnerDue):
		skip = 0
	}
	if skip < 0 || len(got) < skip || len(want) < skip || !bytes.Equal(got[:skip], want[:skip]) {
		return false
	}
	var g crm.Interest
	if err := decode(got[skip:], &g); err != nil {
		return false
	}
	rec, _ := encodeBinary(&g)
	return bytes.Equal(rec, want[skip:])
}

// compareIndex reports keys missing from b, keys b has but should not, and values
// that differ. A nil b (a missing bucket, already reported or created by a pending
// migration) counts as empty. With only set, it looks at the keys only accepts and
// want holds only such keys.
func compareIndex(b *bolt.Bucket, name []byte, want map[string]string, only func(k []byte) bool, report func(string, ...any)) {
	seen := 0
	eachKey(b, func(k, v []byte) error {
		if only != nil && !only(k) {
			return nil
		}
		w, ok := want[string(k)]
		switch {
		case !ok:
			report("%s: stray key %x", name, k)
		case !sameValue(name, v, []byte(w)):
			seen++
			report("%s: key %x has value %x, want %x", name, k, v, w)
		default:
			seen++
		}
		return nil
	})
	if seen == len(want) {
		return
	}
	var missing []string
	for k := range want {
		if b == nil || b.Get([]byte(k)) == nil {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		report("%s: missing key %x", name, k)
	}
}

// Rebuild drops every secondary index and the pipeline counters and recomputes them
// from the records, in one transaction: readers see the old indexes or the new ones.
// It is what `crmbot doctor --fix` runs after Verify reports problems.
func (db *DB) Rebuild(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		for _, name := range indexBuckets {
			if err := btx.DeleteBucket(name); err != nil && btx.Bucket(name) != nil {
				return fmt.Errorf("drop %s: %w", name, err)
			}
			if _, err := btx.CreateBucket(name); err != nil {
				return fmt.Errorf("create %s: %w", name, err)
			}
		}
		t := &tx{btx: btx, now: db.now}
		for _, ix := range indexers {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := eachKey(btx.Bucket(ix.records), func(k, v []byte) error {
				es, err := ix.entries(k, v)
				if err != nil {
					return fmt.Errorf("%s %x: %w", ix.records, k, err)
				}
				return t.putEntries(es)
			})
			if err != nil {
				return err
			}
		}
		err := eachKey(btx.Bucket(bucketInterests), func(k, v []byte) error {
			var i crm.Interest
			if err := decode(v, &i); err != nil {
				return fmt.Errorf("interest %x: %w", k, err)
			}
			if _, ok := stageByte(i.Stage); !ok {
				return nil // PutInterest refuses such a stage; Verify skips it too
			}
			return t.addPipeline(&i, +1)
		})
		if err != nil {
			return err
		}
		if err := rebuildFacets(btx); err != nil { // the txIndexers' entries, with their counters
			return err
		}
		if err := rebuildChanges(btx); err != nil {
			return err
		}
		return addResponseIndex(btx)
	})
	if err != nil {
		return fmt.Errorf("rebuild indexes of %s: %w", db.path, err)
	}
	return nil
}
