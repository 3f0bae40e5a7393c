package storage

import (
	"fmt"
)

// Blob returns a copy of the value (bolt's memory is valid only inside the
// transaction), or nil when the namespace or key does not exist.
func (t *tx) Blob(ns, k string) ([]byte, error) {
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

// PutBlob stores value, creating the namespace's bucket on first use.
func (t *tx) PutBlob(ns, k string, value []byte) error {
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

// DeleteBlob removes the key; a missing namespace or key is not an error.
func (t *tx) DeleteBlob(ns, k string) error {
	b := t.btx.Bucket(bucketBlobs).Bucket([]byte(ns))
	if b == nil {
		return nil
	}
	return b.Delete([]byte(k))
}
