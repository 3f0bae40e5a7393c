package storage

import (
	"bytes"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// The change index: every creation and stage change of an interest (an audit entry
// crm.ChangeOf reads), keyed by its time, with the interest's current owner, segment,
// company size, source, value and creation time in the value. A period's conversion
// report walks the period's keys and decodes nothing else; the writer rewrites an
// interest's entries when one of those figures changes (rarely: a reassignment, an
// edit, a company's new size), so they always say what the records say.
var idxInterestChange = []byte("idx_interest_change") // at | audit id → change and the interest's figures

func init() {
	indexBuckets = append(indexBuckets, idxInterestChange)
	txIndexers = append(txIndexers, txIndexer{bucketAudit, idxInterestChange, changeIndexEntries, schemaFacets})
}

// changeEntries derives the change entry of an audit entry, given the interest it
// names and its company's size (nil interest: none, as a report skips a change of an
// interest that is gone): the one function the writer, Verify and Rebuild share.
func changeEntries(e *crm.AuditEntry, i *crm.Interest, size crm.CompanySize) []entry {
	ch, ok := crm.ChangeOf(e)
	if !ok || i == nil {
		return nil
	}
	enc := &encoder{b: make([]byte, 0, 64)}
	enc.uint(i.ID)
	enc.bool(ch.Opened)
	enc.str(string(ch.Stage))
	enc.str(string(ch.Loss))
	enc.uint(i.OwnerID)
	enc.str(string(i.Segment))
	enc.str(string(size))
	enc.str(i.Source)
	enc.int(i.Value)
	enc.str(i.Currency)
	enc.time(i.CreatedAt)
	return []entry{{idxInterestChange, key(u64(timeKey(e.At)), u64(e.ID)), enc.b}}
}

// changeDecoder reads change entries into one reused ChangeFact, without an
// allocation per entry: a year's report reads hundreds of thousands. Sources and
// currencies are few, so their strings are interned.
type changeDecoder struct {
	f       crm.ChangeFact
	strings map[string]string
}

// lossReasons are the reasons a change entry holds: none, or one of R6's.
var lossReasons = append([]crm.LossReason{""}, crm.LossReasons...)

func (cd *changeDecoder) intern(d *decoder, last string) string {
	i, j := d.span()
	if d.err != nil {
		return ""
	}
	return cd.internBytes(d.b[i:j], last)
}

func (cd *changeDecoder) internBytes(b []byte, last string) string {
	if string(b) == last { // most entries repeat the last one's source, currency
		return last
	}
	if s, ok := cd.strings[string(b)]; ok {
		return s
	}
	s := string(b)
	cd.strings[s] = s
	return s
}

// known is the constant of list equal to the next string, found without hashing:
// the stages, reasons, segments and sizes are a handful each. Anything else is
// interned.
func known[T ~string](cd *changeDecoder, d *decoder, list []T) T {
	i, j := d.span()
	if d.err != nil {
		return ""
	}
	b := d.b[i:j]
	for _, k := range list {
		if string(b) == string(k) {
			return k
		}
	}
	return T(cd.internBytes(b, ""))
}

// decode reads the entry under k into cd.f, valid until the next call.
func (cd *changeDecoder) decode(k, v []byte) (*crm.ChangeFact, error) {
	d := &decoder{b: v}
	f := &cd.f
	f.InterestID = d.uint()
	f.Opened = d.bool()
	f.Stage = known(cd, d, crm.Stages)
	f.Loss = known(cd, d, lossReasons)
	f.OwnerID = d.uint()
	f.Segment = known(cd, d, facetSegments)
	f.Size = known(cd, d, facetSizes)
	f.Source = cd.intern(d, f.Source)
	f.Value = d.int()
	f.Currency = cd.intern(d, f.Currency)
	f.CreatedAt = d.time()
	f.At = timeOfKey(getU64(k))
	if d.err != nil {
		return nil, fmt.Errorf("%s %x: %w", idxInterestChange, k, d.err)
	}
	return f, nil
}

// changeIndexEntries is Verify's entries function for the change index: each audit
// entry's changeEntries, the interest and its company read in the same snapshot.
func changeIndexEntries(btx *bolt.Tx) func(k, v []byte) ([]entry, error) {
	sizes := newCompanySizes(btx)
	return decodeEntriesErr(func(e *crm.AuditEntry) uint64 { return e.ID }, func(e *crm.AuditEntry) ([]entry, error) {
		if _, ok := crm.ChangeOf(e); !ok {
			return nil, nil
		}
		i, err := load[crm.Interest](btx, bucketInterests, e.EntityID)
		if err != nil || i == nil {
			return nil, err
		}
		size, err := sizes.of(i.CompanyID)
		if err != nil {
			return nil, err
		}
		return changeEntries(e, i, size), nil
	})
}

// putChange adds the change entry of a new audit entry; AddAudit calls it.
func (t *tx) putChange(e *crm.AuditEntry) error {
	if _, ok := crm.ChangeOf(e); !ok {
		return nil
	}
	i, err := load[crm.Interest](t.btx, bucketInterests, e.EntityID)
	if err != nil || i == nil {
		return err // an interest written later in the transaction adds it (refreshChanges)
	}
	size, err := t.sizeOf(i.CompanyID)
	if err != nil {
		return err
	}
	return t.putEntries(changeEntries(e, i, size))
}

// changeFiguresDiffer reports whether a change entry of old would differ from one
// of i: only then must the interest's entries be rewritten.
func changeFiguresDiffer(old, i *crm.Interest) bool {
	return old == nil || old.OwnerID != i.OwnerID || old.Segment != i.Segment || old.Source != i.Source ||
		old.Value != i.Value || old.Currency != i.Currency || !old.CreatedAt.Equal(i.CreatedAt) ||
		old.CompanyID != i.CompanyID
}

// refreshChanges rewrites the change entries of interest i (whose company has size)
// from its audit entries: a handful per interest, found through the audit index.
func (t *tx) refreshChanges(i *crm.Interest, size crm.CompanySize) error {
	ids := scanIDs(t.btx.Bucket(idxAuditEntity), key(strKey("interest"), u64(i.ID)), 0)
	for _, id := range ids {
		e, err := load[crm.AuditEntry](t.btx, bucketAudit, id)
		if err != nil {
			return err
		}
		if e == nil {
			continue // Verify reports the stray audit index key
		}
		if err := t.putEntries(changeEntries(e, i, size)); err != nil {
			return err
		}
	}
	return nil
}

// rebuildChanges derives every change entry from the audit log, into the (empty)
// change index: Rebuild and the migration that brought it.
func rebuildChanges(btx *bolt.Tx) error {
	t := &tx{btx: btx}
	entries := changeIndexEntries(btx)
	return eachKey(btx.Bucket(bucketAudit), func(k, v []byte) error {
		es, err := entries(k, v)
		if err != nil {
			return fmt.Errorf("audit %x: %w", k, err)
		}
		return t.putEntries(es)
	})
}

func (t *tx) ChangesBetween(from, to time.Time, fn func(*crm.ChangeFact) error) error {
	end := u64(timeKey(to))
	cd := &changeDecoder{strings: map[string]string{}}
	c := t.btx.Bucket(idxInterestChange).Cursor()
	for k, v := c.Seek(u64(timeKey(from))); k != nil; k, v = c.Next() {
		if len(k) != 16 {
			return fmt.Errorf("%s: bad key %x", idxInterestChange, k)
		}
		if bytes.Compare(k[:8], end) >= 0 {
			break
		}
		f, err := cd.decode(k, v)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// timeOfKey is the time timeKey encoded, in UTC.
func timeOfKey(k uint64) time.Time {
	if k == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(k^(1<<63))).UTC()
}
