package storage

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// Records calls fn with every record of the database in one snapshot, entity by
// entity in dependency order (users, invites, companies, contacts, interests,
// interactions, audit, outbox messages, idempotency keys, typed state), each in key order:
// *crm.User, *crm.Invite, *crm.Company, *crm.Contact, *crm.Interest,
// *crm.Interaction, *crm.AuditEntry, *crm.OutboxMessage, crm.IdempotencyRecord, then the typed
// state (see eachState): crm.DialogRecord, crm.TeamSettings, *crm.SchedulerState,
// crm.SkipNoteRecord, *crm.APIToken, *crm.Webhook, *crm.Campaign with its *crm.CampaignMember
// records, *crm.InquiryRouting.
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
			return fn(crm.IdempotencyRecord{Key: string(k), Result: r.Result})
		})
		if err != nil {
			return err
		}
		return eachState(&tx{btx: btx}, fn)
	})
}

// eachState yields the typed state to Records: dialogues, the team's settings and the
// scheduler's state when set, skip notes, API tokens, webhooks, the inquiry routing
// when set.
func eachState(t *tx, fn func(any) error) error {
	err := eachKey(t.btx.Bucket(bucketDialogs), func(k, v []byte) error {
		return fn(crm.DialogRecord{Identity: crm.Identity(k), State: append([]byte{}, v...)})
	})
	if err != nil {
		return err
	}
	if t.btx.Bucket(bucketSettings).Get(keySettingsTeam) != nil {
		ts, err := t.Settings()
		if err != nil {
			return err
		}
		if err := fn(ts); err != nil {
			return err
		}
	}
	sched := t.btx.Bucket(bucketScheduler)
	if sched.Get(keySchedState) != nil {
		st, err := t.SchedulerState()
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
	}
	c := sched.Cursor()
	for k, _ := c.Seek(prefixSkipNote); hasPrefix(k, prefixSkipNote); k, _ = c.Next() {
		if len(k) != len(prefixSkipNote)+8 {
			continue
		}
		id := getU64(k[len(prefixSkipNote):])
		n, err := t.SkipNote(id)
		if err != nil {
			return err
		}
		if n != nil {
			if err := fn(crm.SkipNoteRecord{UserID: id, Note: n}); err != nil {
				return err
			}
		}
	}
	toks, err := t.APITokens()
	if err != nil {
		return err
	}
	for _, tok := range toks {
		if err := fn(tok); err != nil {
			return err
		}
	}
	hooks, err := t.Webhooks()
	if err != nil {
		return err
	}
	for _, w := range hooks {
		if err := fn(w); err != nil {
			return err
		}
	}
	camps, err := t.Campaigns()
	if err != nil {
		return err
	}
	for _, c := range camps {
		if err := fn(c); err != nil {
			return err
		}
		ms, err := t.CampaignMembers(c.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	if b := t.btx.Bucket(bucketAPISettings); b != nil && b.Get(keyInquiryRouting) != nil {
		r, err := t.InquiryRouting()
		if err != nil {
			return err
		}
		return fn(r)
	}
	return nil
}
