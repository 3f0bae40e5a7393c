package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// The inbox is the one durable queue every platform's updates and events pass
// through: accepted (with the platform's cursor, such as Telegram's polling offset)
// in one transaction before the platform is told they arrived, handled, then marked
// done. A redelivery of an id already accepted from the same source is accepted once.
//
// Layout:
//
//	inbox              seq (uint64) → entry: version | accepted at | source | id | body
//	inbox_seen         source \0 id → accepted at | seq (0: transient, nothing stored)
//	idx_inbox_seen_at  accepted at | source \0 id (pruning walks the oldest first)
//	inbox_cursor       source → the platform's cursor
//
// An entry lives in inbox from Accept to Done: the bucket holds only the work not
// yet finished, so Pending reads that and nothing else, in arrival order (the
// sequence), whatever order the platform's ids come in. The seen keys outlive their
// entries by the retention, which covers the platforms' redelivery windows.
var (
	bucketInbox       = []byte("inbox")
	bucketInboxSeen   = []byte("inbox_seen")
	bucketInboxCursor = []byte("inbox_cursor")
	idxInboxSeenAt    = []byte("idx_inbox_seen_at")
)

// inboxVersion prefixes every inbox entry's value.
const inboxVersion = 1

// DefaultInboxRetention is how long an accepted id is remembered against redelivery
// when InboxOptions leaves it unset: Slack retries a failed event within about an
// hour, and for a day with Delayed Events; Telegram keeps an unconfirmed update for
// a day.
const DefaultInboxRetention = 48 * time.Hour

// inboxPruneBatch bounds the seen keys one Accept prunes, so that a backlog (a
// retention shortened, a long stop) is worked off in slices, never in one long write.
const inboxPruneBatch = 256

// InboxOptions configures DB.Inbox.
type InboxOptions struct {
	// Retention is how long an accepted id is remembered; DefaultInboxRetention
	// when 0. Entries with a body not yet done are kept whatever their age: they
	// are work (a body-less marker goes with its id).
	Retention time.Duration
}

// Inbox is the storage side of the adapters' durable inbox (bot.Inbox). It is safe
// for concurrent use. Its clock is the DB's (Options.Now).
type Inbox struct {
	db        *DB
	retention time.Duration

	// Done marks waiting to be committed, and whether a commit is running: marks
	// that arrive while one commits go together in the next (group commit without
	// a delay: a lone mark is committed at once).
	mu      sync.Mutex
	marks   []uint64
	waiters []chan error
	running bool
}

// Inbox returns the database's inbox. Make one per process and share it: the Done
// marks of its callers are grouped into shared commits.
func (db *DB) Inbox(opts InboxOptions) *Inbox {
	if opts.Retention <= 0 {
		opts.Retention = DefaultInboxRetention
	}
	return &Inbox{db: db, retention: opts.Retention}
}

// seenKey is source \0 id.
func seenKey(source, id string) []byte {
	k := make([]byte, 0, len(source)+1+len(id))
	k = append(k, source...)
	k = append(k, sep)
	return append(k, id...)
}

func encodeInboxEntry(at time.Time, source string, it *crm.InboxItem) []byte {
	b := make([]byte, 0, 1+8+2*binary.MaxVarintLen64+len(source)+len(it.ID)+len(it.Body))
	b = append(b, inboxVersion)
	b = binary.BigEndian.AppendUint64(b, timeKey(at))
	b = binary.AppendUvarint(b, uint64(len(source)))
	b = append(b, source...)
	b = binary.AppendUvarint(b, uint64(len(it.ID)))
	b = append(b, it.ID...)
	return append(b, it.Body...)
}

// decodeInboxEntry reads an entry's value; the strings and the body are copies, valid
// after the transaction.
func decodeInboxEntry(v []byte) (source string, e crm.InboxEntry, err error) {
	if len(v) < 9 || v[0] != inboxVersion {
		return "", e, fmt.Errorf("inbox entry: unknown version")
	}
	rest := v[9:]
	str := func() (string, bool) {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return "", false
		}
		s := string(rest[w : w+int(n)])
		rest = rest[w+int(n):]
		return s, true
	}
	var ok1, ok2 bool
	source, ok1 = str()
	e.ID, ok2 = str()
	if !ok1 || !ok2 {
		return "", e, fmt.Errorf("inbox entry: truncated")
	}
	if len(rest) > 0 {
		e.Body = append([]byte(nil), rest...)
	}
	return source, e, nil
}

// seenValue is accepted at | seq.
func seenValue(at time.Time, seq uint64) []byte {
	return append(u64(timeKey(at)), u64(seq)...)
}

// inboxSeenEntries: the time index of one seen key. Accept, pruning and Verify derive it here.
func inboxSeenEntries(k, v []byte) ([]entry, error) {
	if len(v) != 16 {
		return nil, fmt.Errorf("inbox seen key %q: value of %d bytes", k, len(v))
	}
	return []entry{{idxInboxSeenAt, key(v[:8], k), nil}}, nil
}

// observed runs a raw bolt transaction, reporting its duration like View and Update do.
func (db *DB) observed(write bool, fn func() error) error {
	if db.observe != nil {
		defer func(t time.Time) { db.observe(write, time.Since(t)) }(time.Now())
	}
	return fn()
}

// Accept stores items from source durably, with cursor (unless it is empty) as the
// source's new cursor, in one transaction. It returns what the caller should handle,
// in order: every item not seen before (a Transient one with Seq 0), and every item
// seen before whose entry is not done yet (a redelivery while it waits or after a
// crash; the caller skips the Seqs it is already handling). Items seen and done are
// left out. It also prunes a slice of the seen keys past the retention.
func (in *Inbox) Accept(ctx context.Context, source string, items []crm.InboxItem, cursor string) ([]crm.InboxEntry, error) {
	if source == "" {
		return nil, fmt.Errorf("inbox: empty source")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []crm.InboxEntry
	// Through DB.Update, so that the write shares whatever commit grouping the
	// database does; fn may run again, hence out is reset.
	err := in.db.Update(ctx, func(ct crm.Tx) error {
		t := ct.(*tx)
		btx := t.btx
		out = out[:0]
		now := in.db.now()
		entries, seen := btx.Bucket(bucketInbox), btx.Bucket(bucketInboxSeen)
		for i := range items {
			it := &items[i]
			if it.ID == "" {
				return fmt.Errorf("inbox: an item from %s has no id", source)
			}
			sk := seenKey(source, it.ID)
			if v := seen.Get(sk); v != nil {
				if len(v) == 16 {
					if seq := getU64(v[8:]); seq != 0 {
						if ev := entries.Get(u64(seq)); ev != nil {
							_, e, err := decodeInboxEntry(ev)
							if err != nil {
								return fmt.Errorf("inbox entry %d: %w", seq, err)
							}
							e.Seq = seq
							out = append(out, e)
						}
					}
				}
				continue
			}
			var seq uint64
			if !it.Transient {
				var err error
				if seq, err = entries.NextSequence(); err != nil {
					return err
				}
				if err := entries.Put(u64(seq), encodeInboxEntry(now, source, it)); err != nil {
					return err
				}
			}
			v := seenValue(now, seq)
			if err := seen.Put(sk, v); err != nil {
				return err
			}
			es, _ := inboxSeenEntries(sk, v)
			if err := t.putEntries(es); err != nil {
				return err
			}
			out = append(out, crm.InboxEntry{Seq: seq, ID: it.ID, Body: it.Body})
		}
		if cursor != "" {
			if err := btx.Bucket(bucketInboxCursor).Put([]byte(source), []byte(cursor)); err != nil {
				return err
			}
		}
		_, err := pruneInbox(btx, now.Add(-in.retention), inboxPruneBatch)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("inbox: accept from %s: %w", source, err)
	}
	return out, nil
}

// Pending returns the entries of source not yet done, in the order they were
// accepted: what a restart hands to the engine before anything new. Entries without
// a body (ids remembered for requests that cannot be replayed) are left out.
func (in *Inbox) Pending(ctx context.Context, source string) ([]crm.InboxEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []crm.InboxEntry
	err := in.db.observed(false, func() error {
		return in.db.bolt.View(func(btx *bolt.Tx) error {
			return btx.Bucket(bucketInbox).ForEach(func(k, v []byte) error {
				src, e, err := decodeInboxEntry(v)
				if err != nil {
					return fmt.Errorf("inbox entry %x: %w", k, err)
				}
				if src == source && len(e.Body) > 0 {
					e.Seq = getU64(k)
					out = append(out, e)
				}
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("inbox: pending of %s: %w", source, err)
	}
	return out, nil
}

// Len is how many entries of every source wait to be handled (or to be done): the
// inbox's depth, for a gauge. It costs in proportion to that, not to the ids kept.
func (in *Inbox) Len() (int, error) {
	n := 0
	err := in.db.bolt.View(func(btx *bolt.Tx) error {
		n = btx.Bucket(bucketInbox).Stats().KeyN
		return nil
	})
	return n, err
}

// Cursor returns source's cursor as last accepted, "" when none.
func (in *Inbox) Cursor(ctx context.Context, source string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var c string
	err := in.db.observed(false, func() error {
		return in.db.bolt.View(func(btx *bolt.Tx) error {
			c = string(btx.Bucket(bucketInboxCursor).Get([]byte(source)))
			return nil
		})
	})
	if err != nil {
		return "", fmt.Errorf("inbox: cursor of %s: %w", source, err)
	}
	return c, nil
}

// Done marks entry seq handled: it leaves the inbox (its id is still remembered
// against redelivery). It first looks in a read transaction, so an entry already
// removed by an earlier Done
// costs no write. Otherwise the mark is committed before Done returns; the marks of
// concurrent callers (many chats finishing at once) that arrive while a commit runs
// share the next one and its fsyncs, and a lone mark waits for no timer. Seq 0 (a
// transient item) is a no-op.
func (in *Inbox) Done(ctx context.Context, seq uint64) error {
	if seq == 0 {
		return nil
	}
	var present bool
	err := in.db.observed(false, func() error {
		return in.db.bolt.View(func(btx *bolt.Tx) error {
			present = btx.Bucket(bucketInbox).Get(u64(seq)) != nil
			return nil
		})
	})
	if err != nil || !present {
		return err
	}
	ch := make(chan error, 1)
	in.mu.Lock()
	in.marks = append(in.marks, seq)
	in.waiters = append(in.waiters, ch)
	lead := !in.running
	in.running = true
	in.mu.Unlock()
	if lead {
		in.commitMarks()
	}
	if err := <-ch; err != nil {
		return fmt.Errorf("inbox: done %d: %w", seq, err)
	}
	return nil
}

// commitMarks commits the waiting marks in one write and answers their callers.
// Marks that arrived meanwhile are handed to a new goroutine, so the caller that
// led returns as soon as its own mark is durable.
func (in *Inbox) commitMarks() {
	in.mu.Lock()
	marks, waiters := in.marks, in.waiters
	in.marks, in.waiters = nil, nil
	in.mu.Unlock()
	// Not the callers' contexts: a mark whose caller gave up still belongs to the
	// others' commit, and deleting an entry is harmless to repeat.
	err := in.db.Update(context.Background(), func(ct crm.Tx) error {
		b := ct.(*tx).btx.Bucket(bucketInbox)
		for _, seq := range marks {
			if err := b.Delete(u64(seq)); err != nil {
				return err
			}
		}
		return nil
	})
	for _, w := range waiters {
		w <- err
	}
	in.mu.Lock()
	more := len(in.marks) > 0
	in.running = more
	in.mu.Unlock()
	if more {
		go in.commitMarks()
	}
}

// Prune forgets the ids accepted before the retention (and the markers of requests
// that were never finished), however many; Accept prunes a slice of them as it goes,
// so this is for maintenance. It returns how many ids it forgot.
func (in *Inbox) Prune(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := in.db.Update(ctx, func(ct crm.Tx) error {
		var err error
		n, err = pruneInbox(ct.(*tx).btx, in.db.now().Add(-in.retention), 0)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("inbox: prune: %w", err)
	}
	return n, nil
}

// pruneInbox deletes up to limit (0: all) seen keys accepted before cutoff, with the
// entry of any that has no body (a marker of a request never finished: it cannot be
// replayed, so it is not kept past the window in which a retry could finish it). An
// entry with a body is work not yet done: it and its seen key stay until Done.
func pruneInbox(btx *bolt.Tx, cutoff time.Time, limit int) (int, error) {
	idx, seen, entries := btx.Bucket(idxInboxSeenAt), btx.Bucket(bucketInboxSeen), btx.Bucket(bucketInbox)
	end := u64(timeKey(cutoff))
	// Collect first: deleting under a bolt cursor can skip keys.
	var drop [][]byte
	var dropSeq []uint64
	c := idx.Cursor()
	for k, _ := c.First(); k != nil && len(k) >= 8 && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
		if limit > 0 && len(drop) >= limit {
			break
		}
		var seq uint64
		if v := seen.Get(k[8:]); len(v) == 16 {
			seq = getU64(v[8:])
		}
		if seq != 0 {
			if ev := entries.Get(u64(seq)); ev != nil {
				if _, e, err := decodeInboxEntry(ev); err != nil || len(e.Body) > 0 {
					continue // work not done: kept
				}
			}
		}
		drop = append(drop, append([]byte(nil), k...))
		dropSeq = append(dropSeq, seq)
	}
	for i, k := range drop {
		if err := idx.Delete(k); err != nil {
			return 0, err
		}
		if err := seen.Delete(k[8:]); err != nil {
			return 0, err
		}
		if dropSeq[i] != 0 {
			if err := entries.Delete(u64(dropSeq[i])); err != nil {
				return 0, err
			}
		}
	}
	return len(drop), nil
}
