package storage

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// The reports' facets: every open interest is also indexed, and every interest
// counted, under its segment and its company's size, so that /pipeline, /stale and
// the overdue counts with a segment: or size: filter read only the matching keys and
// counters instead of decoding each owner's open interests and their companies.
// A facet is two bytes, segment then size, each the value's position in its list
// (facetOther for a value the lists do not know, so nothing is ever left out).
var (
	idxInterestFacetDue  = []byte("idx_interest_facetdue")  // facet | due | id → owner (open with a next action)
	idxInterestFacetIdle = []byte("idx_interest_facetidle") // facet | last activity | id → owner (open)
	bucketPipelineFacet  = []byte("pipeline_facet")         // owner | stage byte | facet → count, value
)

// schemaFacets is the schema version that brought the facets (migrateFacets).
const schemaFacets = 8

var (
	facetSegments = []crm.Segment{"", crm.SegmentCorporate, crm.SegmentRetail}
	facetSizes    = append([]crm.CompanySize{crm.SizeUnknown}, crm.CompanySizes...)
)

const facetOther = 0xff

func init() {
	indexBuckets = append(indexBuckets, idxInterestFacetDue, idxInterestFacetIdle, bucketPipelineFacet)
	txIndexers = append(txIndexers,
		txIndexer{bucketInterests, idxInterestFacetDue, facetIndexEntries(idxInterestFacetDue), schemaFacets},
		txIndexer{bucketInterests, idxInterestFacetIdle, facetIndexEntries(idxInterestFacetIdle), schemaFacets})
}

func facetByte[T comparable](list []T, v T) byte {
	if i := slices.Index(list, v); i >= 0 {
		return byte(i)
	}
	return facetOther
}

// facetKey is the two bytes of an interest's facet.
func facetKey(seg crm.Segment, size crm.CompanySize) []byte {
	return []byte{facetByte(facetSegments, seg), facetByte(facetSizes, size)}
}

// facetMatch reports whether the two facet bytes k are in f.
func facetMatch(f crm.Facet, k []byte) bool {
	return (f.Segment == "" || k[0] == facetByte(facetSegments, f.Segment)) &&
		(f.Size == "" || k[1] == facetByte(facetSizes, f.Size))
}

// facetEntries derives an interest's facet index entries, given its company's size:
// the one function Put, Verify and Rebuild share.
func facetEntries(i *crm.Interest, size crm.CompanySize) []entry {
	if !i.Open() {
		return nil
	}
	f, id, owner := facetKey(i.Segment, size), u64(i.ID), u64(i.OwnerID)
	es := make([]entry, 0, 2)
	if !i.Next.IsZero() {
		es = append(es, entry{idxInterestFacetDue, key(f, u64(timeKey(i.Next.Due)), id), owner})
	}
	return append(es, entry{idxInterestFacetIdle, key(f, u64(timeKey(i.LastActivityAt)), id), owner})
}

// facetCellKey is the counter cell an interest counts in: owner | stage | facet.
func facetCellKey(i *crm.Interest, size crm.CompanySize) []byte {
	sb, _ := stageByte(i.Stage)
	return key(u64(i.OwnerID), []byte{sb}, facetKey(i.Segment, size))
}

// companySizes looks companies' sizes up once each: a missing company (a salvaged
// file) has no size, as the reports have always read it.
type companySizes struct {
	b     *bolt.Bucket
	sizes map[uint64]crm.CompanySize
}

func newCompanySizes(btx *bolt.Tx) *companySizes {
	return &companySizes{b: btx.Bucket(bucketCompanies), sizes: map[uint64]crm.CompanySize{}}
}

func (c *companySizes) of(id uint64) (crm.CompanySize, error) {
	if s, ok := c.sizes[id]; ok {
		return s, nil
	}
	var s crm.CompanySize
	if c.b != nil {
		if v := c.b.Get(u64(id)); v != nil {
			var co crm.Company
			if err := decode(v, &co); err != nil {
				return "", fmt.Errorf("company %d: %w", id, err)
			}
			s = co.Size
		}
	}
	c.sizes[id] = s
	return s, nil
}

// facetIndexEntries makes, per transaction, Verify's entries function for one facet
// index: the interest's facetEntries in that bucket, sizes read from the companies.
func facetIndexEntries(name []byte) func(btx *bolt.Tx) func(k, v []byte) ([]entry, error) {
	return func(btx *bolt.Tx) func(k, v []byte) ([]entry, error) {
		sizes := newCompanySizes(btx)
		return decodeEntriesErr(func(i *crm.Interest) uint64 { return i.ID }, func(i *crm.Interest) ([]entry, error) {
			size, err := sizes.of(i.CompanyID)
			if err != nil {
				return nil, err
			}
			var es []entry
			for _, e := range facetEntries(i, size) {
				if bytes.Equal(e.bucket, name) {
					es = append(es, e)
				}
			}
			return es, nil
		})
	}
}

// decodeEntriesErr is decodeEntries for a derivation that can fail.
func decodeEntriesErr[T any](id func(*T) uint64, fn func(*T) ([]entry, error)) func(k, v []byte) ([]entry, error) {
	return func(k, v []byte) ([]entry, error) {
		r := new(T)
		if err := decode(v, r); err != nil {
			return nil, err
		}
		if len(k) != 8 || getU64(k) != id(r) {
			return nil, fmt.Errorf("record key %x holds id %d", k, id(r))
		}
		return fn(r)
	}
}

// sizeOf is the size of a company in this transaction.
func (t *tx) sizeOf(companyID uint64) (crm.CompanySize, error) {
	return newCompanySizes(t.btx).of(companyID)
}

// putFacets moves an interest's facet entries and counter from old (nil when new)
// to i; PutInterest calls it. The company's size is the same for both: only
// PutCompany changes it, and moves the interests itself (resizeFacets).
func (t *tx) putFacets(old, i *crm.Interest) error {
	sizes := newCompanySizes(t.btx) // one lookup when the company stays the same
	size, err := sizes.of(i.CompanyID)
	if err != nil {
		return err
	}
	if old == nil {
		if err := t.moveFacets(i, size, +1); err != nil {
			return err
		}
		return t.refreshChanges(i, size)
	}
	oldSize, err := sizes.of(old.CompanyID)
	if err != nil {
		return err
	}
	// Like reindex: only the entries and the counter cell that change are written,
	// so a change that leaves the facets alone touches none of their trees.
	var oldEs, newEs []entry
	if _, ok := stageByte(old.Stage); ok {
		oldEs = facetEntries(old, oldSize)
	}
	if _, ok := stageByte(i.Stage); ok {
		newEs = facetEntries(i, size)
	}
	if err := t.reindex(oldEs, newEs); err != nil {
		return err
	}
	_, oldOK := stageByte(old.Stage)
	_, newOK := stageByte(i.Stage)
	if !oldOK || !newOK || !bytes.Equal(facetCellKey(old, oldSize), facetCellKey(i, size)) || old.Value != i.Value {
		if err := t.moveCell(old, oldSize, -1); err != nil {
			return err
		}
		if err := t.moveCell(i, size, +1); err != nil {
			return err
		}
	}
	if changeFiguresDiffer(old, i) {
		return t.refreshChanges(i, size)
	}
	return nil
}

// moveFacets adds (sign +1) or removes (-1) an interest's facet entries and count.
func (t *tx) moveFacets(i *crm.Interest, size crm.CompanySize, sign int64) error {
	if _, ok := stageByte(i.Stage); !ok {
		return nil // PutInterest refuses such a stage; Verify and Rebuild skip it
	}
	es := facetEntries(i, size)
	if sign < 0 {
		for _, e := range es {
			if err := t.btx.Bucket(e.bucket).Delete(e.key); err != nil {
				return fmt.Errorf("delete %s index key: %w", e.bucket, err)
			}
		}
	} else if err := t.putEntries(es); err != nil {
		return err
	}
	return t.moveCell(i, size, sign)
}

// moveCell adds (sign +1) or removes (-1) an interest from its facet counter cell.
func (t *tx) moveCell(i *crm.Interest, size crm.CompanySize, sign int64) error {
	if _, ok := stageByte(i.Stage); !ok {
		return nil
	}
	b := t.btx.Bucket(bucketPipelineFacet)
	k := facetCellKey(i, size)
	count, value := decodeCell(b.Get(k))
	count += sign
	value += sign * i.Value
	if count == 0 {
		return b.Delete(k)
	}
	return b.Put(k, encodeCell(count, value))
}

// resizeFacets moves a company's interests to the facet of its new size; PutCompany
// calls it when the size changed. A company has a handful of interests.
func (t *tx) resizeFacets(companyID uint64, from, to crm.CompanySize) error {
	ids := scanIDs(t.btx.Bucket(idxInterestCompany), u64(companyID), 0)
	ins, err := loadIDs[crm.Interest](t.btx, bucketInterests, ids)
	if err != nil {
		return err
	}
	for _, i := range ins {
		if err := t.moveFacets(i, from, -1); err != nil {
			return err
		}
		if err := t.moveFacets(i, to, +1); err != nil {
			return err
		}
		if err := t.refreshChanges(i, to); err != nil {
			return err
		}
	}
	return nil
}

// expectedFacetCells recomputes the facet counter cells from the interests.
func expectedFacetCells(btx *bolt.Tx) (map[string]string, error) {
	type cell struct{ count, value int64 }
	sizes := newCompanySizes(btx)
	cells := map[string]cell{}
	err := eachKey(btx.Bucket(bucketInterests), func(k, v []byte) error {
		var i crm.Interest
		if err := decode(v, &i); err != nil {
			return nil // reported with the interests' indexes
		}
		if _, ok := stageByte(i.Stage); !ok {
			return nil
		}
		size, err := sizes.of(i.CompanyID)
		if err != nil {
			return nil // reported with the companies' indexes
		}
		ck := string(facetCellKey(&i, size))
		c := cells[ck]
		c.count++
		c.value += i.Value
		cells[ck] = c
		return nil
	})
	want := make(map[string]string, len(cells))
	for k, c := range cells {
		want[k] = string(encodeCell(c.count, c.value))
	}
	return want, err
}

// rebuildFacets derives every facet entry and counter from the records, into the
// (empty) facet buckets: Rebuild and the migration that brought them.
func rebuildFacets(btx *bolt.Tx) error {
	t := &tx{btx: btx}
	sizes := newCompanySizes(btx)
	return eachKey(btx.Bucket(bucketInterests), func(k, v []byte) error {
		var i crm.Interest
		if err := decode(v, &i); err != nil {
			return fmt.Errorf("interest %x: %w", k, err)
		}
		size, err := sizes.of(i.CompanyID)
		if err != nil {
			return err
		}
		return t.moveFacets(&i, size, +1)
	})
}

// migrateFacets (version 8) creates the facet buckets and the change index and fills
// them from the interests, their companies and the audit log.
func migrateFacets(btx *bolt.Tx) error {
	for _, name := range [][]byte{idxInterestFacetDue, idxInterestFacetIdle, bucketPipelineFacet, idxInterestChange} {
		if b := btx.Bucket(name); b != nil {
			if err := btx.DeleteBucket(name); err != nil {
				return err
			}
		}
		if _, err := btx.CreateBucket(name); err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
	}
	if err := rebuildFacets(btx); err != nil {
		return err
	}
	return rebuildChanges(btx)
}

// PipelineOf sums the facet counter cells in f per owner × stage, in owner then
// stage order. There are at most owners × stages × facets cells, whatever the number
// of interests.
func (t *tx) PipelineOf(f crm.Facet) ([]crm.PipelineCell, error) {
	var out []crm.PipelineCell
	err := t.btx.Bucket(bucketPipelineFacet).ForEach(func(k, v []byte) error {
		if len(k) != 11 {
			return fmt.Errorf("%s: bad key %x", bucketPipelineFacet, k)
		}
		if !facetMatch(f, k[9:]) {
			return nil
		}
		count, value := decodeCell(v)
		owner, stage := getU64(k), stageOf(k[8])
		if n := len(out); n > 0 && out[n-1].OwnerID == owner && out[n-1].Stage == stage {
			out[n-1].Count += int(count)
			out[n-1].Value += value
			return nil
		}
		out = append(out, crm.PipelineCell{OwnerID: owner, Stage: stage, Count: int(count), Value: value})
		return nil
	})
	return out, err
}

// eachFacet calls fn with the two-byte prefix of every facet in b that f matches,
// once each, in key order: a seek per facet present, never a walk of the others.
func eachFacet(b *bolt.Bucket, f crm.Facet, fn func(c *bolt.Cursor, prefix []byte) error) error {
	c := b.Cursor()
	for k, _ := c.First(); k != nil; {
		if len(k) < 2 {
			return fmt.Errorf("bad facet key %x", k)
		}
		prefix := []byte{k[0], k[1]}
		if facetMatch(f, prefix) {
			if err := fn(c, prefix); err != nil {
				return err
			}
		}
		next := prefixEnd(prefix)
		if next == nil {
			break
		}
		k, _ = c.Seek(next)
	}
	return nil
}

// walkBefore calls fn for each key of the facet prefix whose time (the 8 bytes after
// the prefix) is before end, in time order, with the owner its value holds.
func walkBefore(c *bolt.Cursor, name, prefix, end []byte, fn func(k []byte, owner uint64)) error {
	for k, v := c.Seek(prefix); hasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != 18 || len(v) != 8 {
			return fmt.Errorf("%s: bad entry %x", name, k)
		}
		if bytes.Compare(k[2:10], end) >= 0 {
			break
		}
		fn(k, getU64(v))
	}
	return nil
}

func (t *tx) CountDueBeforeOf(f crm.Facet, before time.Time) (map[uint64]int, error) {
	end := u64(timeKey(before))
	counts := map[uint64]int{}
	err := eachFacet(t.btx.Bucket(idxInterestFacetDue), f, func(c *bolt.Cursor, prefix []byte) error {
		return walkBefore(c, idxInterestFacetDue, prefix, end, func(_ []byte, owner uint64) { counts[owner]++ })
	})
	return counts, err
}

func (t *tx) IdleOf(f crm.Facet, ownerID uint64, before time.Time, perOwner int) ([]crm.IdleGroup, error) {
	end := u64(timeKey(before))
	type group struct {
		count  int
		oldest [][]byte // time | id, in order
	}
	groups := map[uint64]*group{}
	err := eachFacet(t.btx.Bucket(idxInterestFacetIdle), f, func(c *bolt.Cursor, prefix []byte) error {
		return walkBefore(c, idxInterestFacetIdle, prefix, end, func(k []byte, owner uint64) {
			if ownerID != 0 && owner != ownerID {
				return
			}
			g := groups[owner]
			if g == nil {
				g = &group{}
				groups[owner] = g
			}
			g.count++
			// Each facet is in time order; keep the oldest perOwner across facets.
			if perOwner <= 0 {
				return
			}
			tid := k[2:18]
			if len(g.oldest) == perOwner && bytes.Compare(tid, g.oldest[perOwner-1]) >= 0 {
				return
			}
			at, _ := slices.BinarySearchFunc(g.oldest, tid, bytes.Compare)
			g.oldest = slices.Insert(g.oldest, at, bytes.Clone(tid))
			if len(g.oldest) > perOwner {
				g.oldest = g.oldest[:perOwner]
			}
		})
	})
	if err != nil {
		return nil, err
	}
	owners := make([]uint64, 0, len(groups))
	for o := range groups {
		owners = append(owners, o)
	}
	slices.Sort(owners)
	out := make([]crm.IdleGroup, 0, len(owners))
	for _, o := range owners {
		g := groups[o]
		ids := make([]uint64, len(g.oldest))
		for i, tid := range g.oldest {
			ids[i] = getU64(tid[8:])
		}
		ins, err := loadIDs[crm.Interest](t.btx, bucketInterests, ids)
		if err != nil {
			return nil, err
		}
		out = append(out, crm.IdleGroup{OwnerID: o, Count: g.count, Oldest: ins})
	}
	return out, nil
}
