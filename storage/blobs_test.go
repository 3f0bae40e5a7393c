package storage

// Blobs were an untyped key-value store the layers above used before every value had a
// type (schema 6). Only tests use these now, to write a file the way older versions
// did and check that the migrations move it.

import (
	"fmt"

	"crmbot/crm"
)

// blob returns a copy of the value (bolt's memory is valid only inside the
// transaction), or nil when the namespace or key does not exist.
func (t *tx) blob(ns, k string) ([]byte, error) {
	b := t.btx.Bucket(bucketBlobs).Bucket([]byte(ns))
	if b == nil {
		return nil, nil
	}
	v := b.Get([]byte(k))
	if v == nil {
		return nil, nil
	}
	return append([]byte{}, v...), nil
}

// putBlob stores value, creating the namespace's bucket on first use.
func (t *tx) putBlob(ns, k string, value []byte) error {
	if ns == "" || k == "" {
		return fmt.Errorf("blob: empty namespace or key")
	}
	b, err := t.btx.Bucket(bucketBlobs).CreateBucketIfNotExists([]byte(ns))
	if err != nil {
		return fmt.Errorf("blob namespace %q: %w", ns, err)
	}
	if value == nil {
		value = empty
	}
	return b.Put([]byte(k), value)
}

// deleteBlob removes the key; a missing namespace or key is not an error.
func (t *tx) deleteBlob(ns, k string) error {
	b := t.btx.Bucket(bucketBlobs).Bucket([]byte(ns))
	if b == nil {
		return nil
	}
	return b.Delete([]byte(k))
}

// legacy is the storage transaction behind a crm.Tx, for the blob helpers.
func legacy(x crm.Tx) *tx { return x.(*tx) }
