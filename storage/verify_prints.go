package storage

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"slices"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// Verify compares every index with what the records imply without holding either in
// memory as keys and values: each expected entry is kept as a print, two 64-bit
// hashes (of the key and of the value), sorted by the key's. The index bucket is then
// walked once, and each of its entries looked up among the prints. Only the keys that
// disagree (suspects, a handful on a damaged file, none on a sound one) are derived
// again in full, to report exactly what differs. At 1,000,000 interactions that is
// 16 MB of prints for the largest index instead of a map of a gigabyte.
//
// Two different keys of one index hashing alike (odds about 1 in 10^7 for a million
// keys with a 64-bit hash) would hide one missing entry behind another; a hash seeded
// anew per process makes a repeated run independent of the last.

// print is an index entry reduced to the hashes of its key and its value.
type print struct{ key, val uint64 }

var printSeed = maphash.MakeSeed()

func printKey(k []byte) uint64 { return maphash.Bytes(printSeed, k) }

// maxSuspects bounds the keys re-derived per index: past maxProblems, Verify lists no
// more, so a bucket emptied by damage does not bring back the maps this file avoids.
const maxSuspects = 2*maxProblems + 2

// expectedPrints returns, for each of ix's index buckets in ix.indexes order, the
// prints of the entries the records imply, sorted by key and one per key (the
// record written last wins, as the index itself would). A record that cannot be
// decoded is reported through bad and skipped. records may be nil (no records).
func expectedPrints(records *bolt.Bucket, ix indexer, bad func(k []byte, err error)) ([][]print, error) {
	want := make([][]print, len(ix.indexes))
	err := eachKey(records, func(k, v []byte) error {
		es, err := ix.entries(k, v)
		if err != nil {
			bad(k, err)
			return nil
		}
		for _, e := range es {
			i := slices.IndexFunc(ix.indexes, func(name []byte) bool { return bytes.Equal(name, e.bucket) })
			if i < 0 {
				return fmt.Errorf("%s: entry for unlisted index %s", ix.records, e.bucket)
			}
			want[i] = append(want[i], print{printKey(e.key), maphash.Bytes(printSeed, e.val)})
		}
		return nil
	})
	for i, ps := range want {
		slices.SortStableFunc(ps, func(a, b print) int { return cmpU64(a.key, b.key) })
		// Keep the last of equal keys: the later record's entry overwrote the earlier.
		out := ps[:0]
		for j, p := range ps {
			if j+1 < len(ps) && ps[j+1].key == p.key {
				continue
			}
			out = append(out, p)
		}
		want[i] = slices.Clip(out)
	}
	return want, err
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// comparePrints walks b and returns the hashes of the keys that are stray, missing or
// hold another value than want says (at most maxSuspects of them).
func comparePrints(b *bolt.Bucket, name []byte, want []print) map[uint64]bool {
	suspects := map[uint64]bool{}
	suspect := func(k uint64) {
		if len(suspects) < maxSuspects {
			suspects[k] = true
		}
	}
	seen := make([]bool, len(want))
	eachKey(b, func(k, v []byte) error {
		kh := printKey(k)
		i, ok := slices.BinarySearchFunc(want, kh, func(p print, k uint64) int { return cmpU64(p.key, k) })
		if !ok {
			suspect(kh)
			return nil
		}
		seen[i] = true
		if want[i].val != maphash.Bytes(printSeed, v) && want[i].val != maphash.Bytes(printSeed, currentDueValue(name, v)) {
			suspect(kh)
		}
		return nil
	})
	for i, ok := range seen {
		if !ok {
			suspect(want[i].key)
		}
	}
	return suspects
}

// currentDueValue is v as this release writes it when v is a due index's copy of an
// interest record in an earlier encoding (see sameValue); any other value as it is.
func currentDueValue(name, v []byte) []byte {
	skip := -1
	switch {
	case bytes.Equal(name, idxInterestDue):
		skip = 8 // owner | record
	case bytes.Equal(name, idxInterestOwnerDue):
		skip = 0
	}
	if skip < 0 || len(v) <= skip || v[skip] == binaryVersion {
		return v
	}
	var g crm.Interest
	if err := decode(v[skip:], &g); err != nil {
		return v
	}
	rec, _ := encodeBinary(&g)
	return key(v[:skip], rec)
}

// expectedOnly derives the entries of index name whose key hashes are in suspects,
// as a map of key to value for compareIndex.
func expectedOnly(records *bolt.Bucket, ix indexer, name []byte, suspects map[uint64]bool) (map[string]string, error) {
	want := map[string]string{}
	err := eachKey(records, func(k, v []byte) error {
		es, err := ix.entries(k, v)
		if err != nil {
			return nil // reported by expectedPrints
		}
		for _, e := range es {
			if bytes.Equal(e.bucket, name) && suspects[printKey(e.key)] {
				want[string(e.key)] = string(e.val)
			}
		}
		return nil
	})
	return want, err
}
