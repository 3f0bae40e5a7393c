package storage

import (
	"fmt"

	"crmbot/crm"
)

// ForEachCompany calls fn for every company in id order. An export's answer is every
// record, so a full walk of the bucket is in proportion to it.
func (t *tx) ForEachCompany(fn func(*crm.Company) error) error {
	return forEach(t, bucketCompanies, fn)
}

// ForEachContact calls fn for every contact in id order.
func (t *tx) ForEachContact(fn func(*crm.Contact) error) error {
	return forEach(t, bucketContacts, fn)
}

func forEach[T any](t *tx, bucket []byte, fn func(*T) error) error {
	return t.btx.Bucket(bucket).ForEach(func(k, v []byte) error {
		r := new(T)
		if err := decode(v, r); err != nil {
			return fmt.Errorf("%s %d: %w", bucket, getU64(k), err)
		}
		return fn(r)
	})
}
