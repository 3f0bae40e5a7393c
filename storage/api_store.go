package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// The HTTP API's records: tokens and webhooks by id, and the inquiry routing rules
// under one key. There are a handful of each, so they are listed whole and need no
// index. The buckets are made by the first write: a database from before the API has
// none, and reads treat a missing bucket as empty.
var (
	bucketAPITokens   = []byte("api_tokens")
	bucketWebhooks    = []byte("webhooks")
	bucketAPISettings = []byte("api_settings")
	keyInquiryRouting = []byte("inquiry_routing")
)

func (t *tx) writeBucket(name []byte) (*bolt.Bucket, error) {
	b, err := t.btx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return b, nil
}

// listAll decodes every record of bucket name in id order.
func listAll[T any](btx *bolt.Tx, name []byte) ([]*T, error) {
	b := btx.Bucket(name)
	if b == nil {
		return nil, nil
	}
	var out []*T
	err := b.ForEach(func(k, v []byte) error {
		r := new(T)
		if err := decode(v, r); err != nil {
			return fmt.Errorf("%s %x: %w", name, k, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// APITokens implements crm.APIStore.
func (t *tx) APITokens() ([]*crm.APIToken, error) {
	return listAll[crm.APIToken](t.btx, bucketAPITokens)
}

// PutAPIToken implements crm.APIStore.
func (t *tx) PutAPIToken(tok *crm.APIToken) error {
	b, err := t.writeBucket(bucketAPITokens)
	if err != nil {
		return err
	}
	if err := nextID(b, &tok.ID); err != nil {
		return err
	}
	return store(t.btx, bucketAPITokens, tok.ID, tok)
}

// Webhooks implements crm.APIStore.
func (t *tx) Webhooks() ([]*crm.Webhook, error) { return listAll[crm.Webhook](t.btx, bucketWebhooks) }

// PutWebhook implements crm.APIStore.
func (t *tx) PutWebhook(w *crm.Webhook) error {
	b, err := t.writeBucket(bucketWebhooks)
	if err != nil {
		return err
	}
	if err := nextID(b, &w.ID); err != nil {
		return err
	}
	return store(t.btx, bucketWebhooks, w.ID, w)
}

// DeleteWebhook implements crm.APIStore.
func (t *tx) DeleteWebhook(id uint64) error {
	b := t.btx.Bucket(bucketWebhooks)
	if b == nil {
		return nil
	}
	return b.Delete(u64(id))
}

// InquiryRouting implements crm.APIStore.
func (t *tx) InquiryRouting() (*crm.InquiryRouting, error) {
	r := &crm.InquiryRouting{}
	b := t.btx.Bucket(bucketAPISettings)
	if b == nil {
		return r, nil
	}
	v := b.Get(keyInquiryRouting)
	if v == nil {
		return r, nil
	}
	if err := decode(v, r); err != nil {
		return nil, fmt.Errorf("inquiry routing: %w", err)
	}
	return r, nil
}

// PutInquiryRouting implements crm.APIStore.
func (t *tx) PutInquiryRouting(r *crm.InquiryRouting) error {
	b, err := t.writeBucket(bucketAPISettings)
	if err != nil {
		return err
	}
	data, err := encode(r)
	if err != nil {
		return err
	}
	return b.Put(keyInquiryRouting, data)
}

// AuditAfter implements crm.APIStore: audit ids are assigned in order, so the feed
// is a cursor seek past the last id seen.
func (t *tx) AuditAfter(id uint64, limit int) ([]*crm.AuditEntry, error) {
	c := t.btx.Bucket(bucketAudit).Cursor()
	var out []*crm.AuditEntry
	for k, v := c.Seek(u64(id + 1)); k != nil; k, v = c.Next() {
		e := new(crm.AuditEntry)
		if err := decode(v, e); err != nil {
			return nil, fmt.Errorf("audit %x: %w", k, err)
		}
		out = append(out, e)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}
