package main

import (
	"context"
	"io"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/metrics"
	"crmbot/storage"
	"crmbot/storage/postgres"
)

// backend is what serve needs of a database beyond crm.Store: readiness, gauges,
// pruning and the adapters' durable inbox. fileBackend (bbolt) and pgBackend
// (PostgreSQL) adapt the two storage packages to it.
type backend interface {
	crm.Store
	// ProbeWrite fails when the database does not accept a write.
	ProbeWrite(ctx context.Context) error
	// OutboxHealth counts the pending outbox and its oldest due message per platform.
	OutboxHealth(ctx context.Context) (storage.OutboxHealth, error)
	// Size is the database's size in bytes.
	Size() int64
	// PruneIdempotency deletes idempotency keys set before before.
	PruneIdempotency(ctx context.Context, before time.Time) (int, error)
	// Inbox is the durable inbox every platform update passes through.
	Inbox(retention time.Duration) serveInbox
	// File is the bbolt database, nil on PostgreSQL: backups and the admin socket
	// need a file.
	File() *storage.DB
	Close() error
}

// serveInbox is the durable inbox as serve uses it: the adapters' port, a gauge, pruning.
type serveInbox interface {
	bot.Inbox
	Len() (int, error)
	Prune(ctx context.Context) (int, error)
}

// fileBackend is a bbolt database file.
type fileBackend struct{ *storage.DB }

func (b fileBackend) OutboxHealth(context.Context) (storage.OutboxHealth, error) {
	return b.DB.Outbox()
}
func (b fileBackend) Size() int64 { return b.DB.FileSize() }
func (b fileBackend) PruneIdempotency(_ context.Context, before time.Time) (int, error) {
	return b.DB.PruneIdempotency(before)
}
func (b fileBackend) Inbox(retention time.Duration) serveInbox {
	return b.DB.Inbox(storage.InboxOptions{Retention: retention})
}
func (b fileBackend) File() *storage.DB { return b.DB }

// pgBackend is a PostgreSQL database shared by every replica.
type pgBackend struct {
	*postgres.DB
	replica string // this process's name on inbox claims ("": the host name)
}

func (b pgBackend) OutboxHealth(ctx context.Context) (storage.OutboxHealth, error) {
	h, err := b.DB.Outbox(ctx)
	return storage.OutboxHealth{Pending: h.Pending, OldestDue: h.OldestDue, OldestDueBy: h.OldestDueBy}, err
}
func (b pgBackend) Size() int64 {
	// A scrape must not hang on an unreachable server.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return b.DB.Size(ctx)
}
func (b pgBackend) Inbox(retention time.Duration) serveInbox {
	return b.DB.Inbox(postgres.InboxOptions{Retention: retention, Replica: b.replica})
}
func (b pgBackend) File() *storage.DB { return nil }

// openBackend opens the database c.DB names for serve.
func (c *config) openBackend(ctx context.Context, w io.Writer) (backend, *crm.Service, error) {
	if isPostgres(c.DB) {
		pg, err := postgres.Open(ctx, c.DB)
		if err != nil {
			return nil, nil, err
		}
		pg.ObserveTx(metrics.Tx)
		return pgBackend{pg, c.Replica}, c.service(pg, nil), nil
	}
	db, svc, err := c.open(nil, true, w)
	if err != nil {
		return nil, nil, err
	}
	db.ObserveTx(metrics.Tx)
	return fileBackend{db}, svc, nil
}
