package storage

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// IdempotencyKey is one recorded idempotency key, as Records yields it.
type IdempotencyKey struct{ Key, Result string }

// BlobRecord is one blob, as Records yields it.
type BlobRecord struct {
	NS, Key string
	Value   []byte
}

// Records calls fn with every record of the database in one snapshot, entity by
// entity in dependency order (users, invites, companies, contacts, interests,
// interactions, audit, outbox messages, idempotency keys, blobs), each in key order:
// *crm.User, *crm.Invite, *crm.Company, *crm.Contact, *crm.Interest,
// *crm.Interaction, *crm.AuditEntry, *crm.OutboxMessage, IdempotencyKey, BlobRecord.
// It is what a move to another backend copies (crmbot migrate); indexes and counters
// are the target's to derive.
func (db *DB) Records(ctx context.Context, fn func(any) error) error {
	return db.bolt.View(func(btx *bolt.Tx) error {
		each := func(bucket []byte, newV func() any) error {
			return eachKey(btx.Bucket(bucket), func(k, v []byte) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				r := newV()
				if err := decode(v, r); err != nil {
					return fmt.Errorf("%s %x: %w", bucket, k, err)
				}
				return fn(r)
			})
		}
		for _, e := range []struct {
			bucket []byte
			newV   func() any
		}{
			{bucketUsers, func() any { return new(crm.User) }},
			{bucketInvites, func() any { return new(crm.Invite) }},
			{bucketCompanies, func() any { return new(crm.Company) }},
			{bucketContacts, func() any { return new(crm.Contact) }},
			{bucketInterests, func() any { return new(crm.Interest) }},
			{bucketInteractions, func() any { return new(crm.Interaction) }},
			{bucketAudit, func() any { return new(crm.AuditEntry) }},
		} {
			if err := each(e.bucket, e.newV); err != nil {
				return err
			}
		}
		err := eachKey(btx.Bucket(bucketOutbox), func(k, v []byte) error {
			m, err := decodeOutbox(v)
			if err != nil {
				return fmt.Errorf("outbox %q: %w", k, err)
			}
			return fn(m)
		})
		if err != nil {
			return err
		}
		err = eachKey(btx.Bucket(bucketIdempotency), func(k, v []byte) error {
			var r idempotencyRecord
			if err := decode(v, &r); err != nil {
				return fmt.Errorf("idempotency %q: %w", k, err)
			}
			return fn(IdempotencyKey{Key: string(k), Result: r.Result})
		})
		if err != nil {
			return err
		}
		blobs := btx.Bucket(bucketBlobs)
		if blobs == nil {
			return nil
		}
		return blobs.ForEachBucket(func(ns []byte) error {
			return eachKey(blobs.Bucket(ns), func(k, v []byte) error {
				return fn(BlobRecord{NS: string(ns), Key: string(k), Value: append([]byte{}, v...)})
			})
		})
	})
}
