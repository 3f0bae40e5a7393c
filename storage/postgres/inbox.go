package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"crmbot/crm"
)

// DefaultInboxRetention is how long an accepted id is remembered against redelivery
// when InboxOptions leaves it unset: Slack retries a failed event for up to a day
// (Delayed Events), Telegram keeps an unconfirmed update for a day.
const DefaultInboxRetention = 48 * time.Hour

// inboxPruneBatch bounds the ids one Accept prunes, so a backlog is worked off in
// slices, never in one long write.
const inboxPruneBatch = 256

// InboxOptions configures DB.Inbox.
type InboxOptions struct {
	// Retention is how long an accepted id is remembered; DefaultInboxRetention when
	// 0. Entries with a body not yet done are kept whatever their age: they are work.
	Retention time.Duration
	// Replica names this process among the replicas sharing the database (the host
	// name when ""): an entry it was handed is its own to handle, also after its own
	// restart, while the claim lasts.
	Replica string
	// Lease is how long a claim keeps other replicas off an entry;
	// DefaultInboxLease when 0. A replica that dies mid-message leaves its entries to
	// the others once it passes.
	Lease time.Duration
}

// DefaultInboxLease is how long an entry handed to one replica is kept from the others.
const DefaultInboxLease = 2 * time.Minute

// Inbox is the PostgreSQL side of the adapters' durable inbox (bot.Inbox), in the
// tables of migration 0005. It is safe for concurrent use, also by several
// processes on one database. Its clock is the DB's (Options.Now).
type Inbox struct {
	db        *DB
	retention time.Duration
	replica   string
	lease     time.Duration
}

// Inbox returns the database's inbox.
func (db *DB) Inbox(opts InboxOptions) *Inbox {
	if opts.Retention <= 0 {
		opts.Retention = DefaultInboxRetention
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultInboxLease
	}
	if opts.Replica == "" {
		opts.Replica, _ = os.Hostname()
	}
	return &Inbox{db: db, retention: opts.Retention, replica: opts.Replica, lease: opts.Lease}
}

// Accept stores items from source, and cursor (unless "") as the source's cursor, in
// one transaction. It returns what to handle: every item not seen before (a Transient
// one with Seq 0) and every item seen whose entry is not done (a redelivery; the
// caller skips the Seqs it is handling) unless another replica holds its claim. What
// it returns, it claims for this replica. It prunes a slice of the expired ids.
func (in *Inbox) Accept(ctx context.Context, source string, items []crm.InboxItem, cursor string) ([]crm.InboxEntry, error) {
	if source == "" {
		return nil, fmt.Errorf("inbox: empty source")
	}
	for i := range items {
		if items[i].ID == "" {
			return nil, fmt.Errorf("inbox: an item from %s has no id", source)
		}
	}
	var out []crm.InboxEntry
	err := in.db.Update(ctx, func(x crm.Tx) error {
		t := x.(*tx)
		out = out[:0] // fn may run again
		now := tk(in.db.now())
		until := tk(in.db.now().Add(in.lease))
		for i := range items {
			it := &items[i]
			var (
				seq     int64
				body    []byte
				done    bool
				by      string
				claimed int64
			)
			err := t.q.QueryRow(t.ctx, `SELECT seq, body, done, claimed_by, claimed_until FROM inbox WHERE source = $1 AND id = $2 FOR UPDATE`,
				source, it.ID).Scan(&seq, &body, &done, &by, &claimed)
			if err == nil {
				if done || by != in.replica && claimed > now {
					continue // handled, or being handled by another replica
				}
				if _, err := t.q.Exec(t.ctx, `UPDATE inbox SET claimed_by = $2, claimed_until = $3 WHERE seq = $1`, seq, in.replica, until); err != nil {
					return err
				}
				out = append(out, crm.InboxEntry{Seq: uint64(seq), ID: it.ID, Body: body})
				continue
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if err := t.q.QueryRow(t.ctx, `SELECT nextval('seq_inbox')`).Scan(&seq); err != nil {
				return err
			}
			var stored any = it.Body
			if it.Transient {
				stored = nil // its words leave no trace
			} else if it.Body == nil {
				stored = []byte{}
			}
			if _, err := t.q.Exec(t.ctx, `INSERT INTO inbox (seq, source, id, body, accepted_at, done, claimed_by, claimed_until)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				seq, source, it.ID, stored, now, it.Transient, in.replica, until); err != nil {
				return err
			}
			e := crm.InboxEntry{Seq: uint64(seq), ID: it.ID, Body: it.Body}
			if it.Transient {
				e.Seq = 0
			}
			out = append(out, e)
		}
		if cursor != "" {
			if _, err := t.q.Exec(t.ctx, `INSERT INTO inbox_cursor (source, cursor) VALUES ($1, $2)
				ON CONFLICT (source) DO UPDATE SET cursor = EXCLUDED.cursor`, source, cursor); err != nil {
				return err
			}
		}
		_, err := pruneInbox(t, tk(in.db.now().Add(-in.retention)), inboxPruneBatch)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("inbox: accept from %s: %w", source, err)
	}
	return out, nil
}

// Pending returns the entries of source not yet done, in arrival order, and claims
// them for this replica; markers without a body (requests that cannot be replayed)
// are left out, and so are entries another replica holds a claim on.
func (in *Inbox) Pending(ctx context.Context, source string) ([]crm.InboxEntry, error) {
	now := in.db.now()
	rows, err := in.db.pool.Query(ctx, `WITH mine AS (
			SELECT seq FROM inbox WHERE source = $1 AND NOT done AND length(body) > 0
				AND (claimed_by = $2 OR claimed_until <= $3)
			ORDER BY seq FOR UPDATE SKIP LOCKED)
		UPDATE inbox i SET claimed_by = $2, claimed_until = $4 FROM mine WHERE i.seq = mine.seq
		RETURNING i.seq, i.id, i.body`, source, in.replica, tk(now), tk(now.Add(in.lease)))
	if err != nil {
		return nil, fmt.Errorf("inbox: pending of %s: %w", source, classify(ctx, err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.InboxEntry, error) {
		var e crm.InboxEntry
		var seq int64
		err := r.Scan(&seq, &e.ID, &e.Body)
		e.Seq = uint64(seq)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("inbox: pending of %s: %w", source, classify(ctx, err))
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Seq < out[b].Seq }) // UPDATE returns in no order
	return out, nil
}

// Cursor returns source's cursor as last accepted, "" when none.
func (in *Inbox) Cursor(ctx context.Context, source string) (string, error) {
	var c string
	err := in.db.pool.QueryRow(ctx, `SELECT cursor FROM inbox_cursor WHERE source = $1`, source).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("inbox: cursor of %s: %w", source, classify(ctx, err))
	}
	return c, nil
}

// Done marks entry seq handled, dropping its body. One statement outside any
// SERIALIZABLE transaction: concurrent marks of different rows never conflict, and an
// entry already done (by the message's own write, InboxDone) costs an index probe.
// Seq 0 (a transient item) is a no-op.
func (in *Inbox) Done(ctx context.Context, seq uint64) error {
	if seq == 0 {
		return nil
	}
	if _, err := in.db.pool.Exec(ctx, `UPDATE inbox SET done = true, body = NULL WHERE seq = $1 AND NOT done`, int64(seq)); err != nil {
		return fmt.Errorf("inbox: done %d: %w", seq, classify(ctx, err))
	}
	return nil
}

// Len is how many entries wait to be handled (or to be marked done).
func (in *Inbox) Len() (int, error) {
	var n int
	err := in.db.pool.QueryRow(context.Background(), `SELECT count(*) FROM inbox WHERE NOT done`).Scan(&n)
	return n, err
}

// Prune forgets every id accepted before the retention (and the markers of requests
// never finished); Accept prunes a slice as it goes, so this is for maintenance. It
// returns how many ids it forgot.
func (in *Inbox) Prune(ctx context.Context) (int, error) {
	n := 0
	err := in.db.Update(ctx, func(x crm.Tx) error {
		var err error
		n, err = pruneInbox(x.(*tx), tk(in.db.now().Add(-in.retention)), 0)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("inbox: prune: %w", err)
	}
	return n, nil
}

// pruneInbox deletes up to limit (0: all) ids accepted before cutoff, oldest first:
// done ones, and markers without a body (a request that cannot be replayed is not
// kept past the window in which a retry could finish it). An entry with a body not
// yet done is work: it stays until Done.
func pruneInbox(t *tx, cutoff int64, limit int) (int, error) {
	tag, err := t.q.Exec(t.ctx, `DELETE FROM inbox WHERE seq IN (
		SELECT seq FROM inbox WHERE accepted_at < $1 AND (done OR coalesce(length(body), 0) = 0)
		ORDER BY accepted_at LIMIT $2)`, cutoff, limitArg(limit))
	if err != nil {
		return 0, fmt.Errorf("prune inbox: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
