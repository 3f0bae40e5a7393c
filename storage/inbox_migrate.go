package storage

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// Inbox sources as the adapters name them; the migration below moves what earlier
// versions kept in blobs to them.
const (
	inboxSourceTelegram = "telegram"
	inboxSourceSlack    = "slack"
	inboxSourceSlackCmd = "slack-cmd"
)

// addInbox (version 5) creates the inbox and moves into it what the adapters kept
// in blobs before it existed, so an upgrade neither loses an update accepted and not
// yet handled nor acts again on a Slack retry of an event already handled:
//
//	blobs tg_inbox/<update_id>, tg/inbox (the pending list), tg/offset
//	blobs slack_events/<event_id or cmd:trigger_id>, slack/pending, slack_event_hours, slack/event_hours
//
// The blob namespaces are dropped after the move.
func addInbox(btx *bolt.Tx) error {
	if err := createBuckets(btx); err != nil {
		return err
	}
	blobs := btx.Bucket(bucketBlobs)
	if blobs == nil {
		return nil
	}
	now := time.Now() // a migration runs once, before any clock a caller injects applies
	entries, seen := btx.Bucket(bucketInbox), btx.Bucket(bucketInboxSeen)
	t := &tx{btx: btx}
	accept := func(source string, at time.Time, it crm.InboxItem) error {
		sk := seenKey(source, it.ID)
		if seen.Get(sk) != nil {
			return nil
		}
		var seq uint64
		if !it.Transient {
			var err error
			if seq, err = entries.NextSequence(); err != nil {
				return err
			}
			if err := entries.Put(u64(seq), encodeInboxEntry(at, source, &it)); err != nil {
				return err
			}
		}
		v := seenValue(at, seq)
		if err := seen.Put(sk, v); err != nil {
			return err
		}
		es, _ := inboxSeenEntries(sk, v)
		return t.putEntries(es)
	}
	list := func(ns, k string) []string {
		var l []string
		if b := blobs.Bucket([]byte(ns)); b != nil {
			json.Unmarshal(b.Get([]byte(k)), &l) // unreadable: nothing to move
		}
		return l
	}

	// Telegram: the pending updates in arrival order, then the polling offset.
	if tg := blobs.Bucket([]byte("tg_inbox")); tg != nil {
		move := func(k string) error {
			raw := tg.Get([]byte(k))
			id, err := strconv.ParseInt(k, 10, 64)
			if raw == nil || err != nil {
				return nil
			}
			return accept(inboxSourceTelegram, now, crm.InboxItem{ID: strconv.FormatInt(id, 10), Body: append([]byte(nil), raw...)})
		}
		for _, k := range list("tg", "inbox") {
			if err := move(k); err != nil {
				return err
			}
		}
		// An update the list lost (it was unreadable) is still moved, after the others.
		if err := tg.ForEach(func(k, _ []byte) error { return move(string(k)) }); err != nil {
			return err
		}
	}
	if st := blobs.Bucket([]byte("tg")); st != nil {
		if off := st.Get([]byte("offset")); len(off) > 0 {
			if err := btx.Bucket(bucketInboxCursor).Put([]byte(inboxSourceTelegram), append([]byte(nil), off...)); err != nil {
				return err
			}
		}
	}

	// Slack: the unfinished events in arrival order, then every id handled (kept
	// against retries, with the time it was accepted).
	type eventRecord struct {
		At   int64           `json:"at"`
		Done bool            `json:"done,omitempty"`
		Raw  json.RawMessage `json:"raw,omitempty"`
	}
	if ev := blobs.Bucket([]byte("slack_events")); ev != nil {
		read := func(v []byte) (eventRecord, bool) {
			var r eventRecord
			return r, json.Unmarshal(v, &r) == nil
		}
		move := func(id string, v []byte) error {
			r, ok := read(v)
			if !ok || r.Done || len(r.Raw) == 0 || strings.HasPrefix(id, "cmd:") {
				return nil
			}
			return accept(inboxSourceSlack, time.Unix(r.At, 0), crm.InboxItem{ID: id, Body: append([]byte(nil), r.Raw...)})
		}
		for _, id := range list("slack", "pending") {
			if err := move(id, ev.Get([]byte(id))); err != nil {
				return err
			}
		}
		err := ev.ForEach(func(k, v []byte) error {
			r, ok := read(v)
			if !ok {
				return nil
			}
			if !r.Done {
				return move(string(k), v) // one the pending list lost
			}
			source, id := inboxSourceSlack, string(k)
			if trigger, ok := strings.CutPrefix(id, "cmd:"); ok {
				source, id = inboxSourceSlackCmd, trigger
			}
			return accept(source, time.Unix(r.At, 0), crm.InboxItem{ID: id, Transient: true})
		})
		if err != nil {
			return err
		}
	}
	for _, ns := range []string{"tg_inbox", "tg", "slack_events", "slack_event_hours", "slack"} {
		if blobs.Bucket([]byte(ns)) != nil {
			if err := blobs.DeleteBucket([]byte(ns)); err != nil {
				return err
			}
		}
	}
	return nil
}
