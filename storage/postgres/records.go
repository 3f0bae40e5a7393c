package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"crmbot/crm"
)

// Records calls fn with every record of the database in one snapshot, entity by
// entity in dependency order, each in key order, as storage.Records does for a file:
// *crm.User, *crm.Invite, *crm.Company, *crm.Contact, *crm.Interest,
// *crm.Interaction, *crm.AuditEntry, *crm.OutboxMessage, crm.IdempotencyRecord, then the typed
// state: crm.DialogRecord, crm.TeamSettings (when set), *crm.SchedulerState (when set),
// crm.SkipNoteRecord, *crm.APIToken, *crm.Webhook, *crm.Campaign with its *crm.CampaignMember
// records, *crm.InquiryRouting (when set).
// It is what a move back to a file copies (crmbot migrate).
func (db *DB) Records(ctx context.Context, fn func(any) error) error {
	return db.View(ctx, func(x crm.Tx) error {
		t := x.(*tx) // View hands its own tx to fn
		steps := []func() error{
			func() error {
				return eachByID(t, "users", "", func(u *crm.User) uint64 { return u.ID }, yield[crm.User](fn))
			},
			func() error {
				return eachByKey(t, "invites", "code", "data", func(_ string, v *crm.Invite) error { return fn(v) })
			},
			func() error {
				return eachByID(t, "companies", "", func(c *crm.Company) uint64 { return c.ID }, yield[crm.Company](fn))
			},
			func() error {
				return eachByID(t, "contacts", "", func(c *crm.Contact) uint64 { return c.ID }, yield[crm.Contact](fn))
			},
			func() error {
				return eachByID(t, "interests", "", func(i *crm.Interest) uint64 { return i.ID }, yield[crm.Interest](fn))
			},
			func() error {
				return eachByID(t, "interactions", "", func(i *crm.Interaction) uint64 { return i.ID }, yield[crm.Interaction](fn))
			},
			func() error {
				return eachByID(t, "audit", "", func(e *crm.AuditEntry) uint64 { return e.ID }, yield[crm.AuditEntry](fn))
			},
			func() error {
				return eachByKey(t, "outbox", "key", "data", func(_ string, m *crm.OutboxMessage) error { return fn(m) })
			},
			func() error {
				return eachByKey(t, "idempotency", "key", "to_jsonb(result)", func(k string, r *string) error {
					return fn(crm.IdempotencyRecord{Key: k, Result: *r})
				})
			},
			func() error { return eachState(t, fn) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
}

func yield[T any](fn func(any) error) func(*T) error {
	return func(v *T) error { return fn(v) }
}

// eachByKey is eachByID for a table keyed by text: col selects the JSON decoded into
// a T, pages resume after the last key.
func eachByKey[T any](t *tx, table, key, col string, fn func(string, *T) error) error {
	sql := fmt.Sprintf(`SELECT %[2]s, %[3]s FROM %[1]s WHERE %[2]s > $1 ORDER BY %[2]s LIMIT %[4]d`, table, key, col, pageSize)
	last := ""
	for {
		type row struct {
			k string
			v *T
		}
		rows, err := t.q.Query(t.ctx, sql, last)
		if err != nil {
			return err
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var k string
			v := new(T)
			err := r.Scan(&k, v)
			return row{k, v}, err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		for _, r := range page {
			if err := fn(r.k, r.v); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		last = page[len(page)-1].k
	}
}

// eachState yields the typed state to Records: a handful of rows per table.
func eachState(t *tx, fn func(any) error) error {
	rows, err := t.q.Query(t.ctx, `SELECT identity, state FROM dialogs ORDER BY identity`)
	if err != nil {
		return err
	}
	dialogs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.DialogRecord, error) {
		var d crm.DialogRecord
		err := r.Scan(&d.Identity, &d.State)
		return d, err
	})
	if err != nil {
		return fmt.Errorf("dialogs: %w", err)
	}
	for _, d := range dialogs {
		if err := fn(d); err != nil {
			return err
		}
	}
	var ts crm.TeamSettings
	if ok, err := t.setting(settingTeam, &ts); err != nil {
		return err
	} else if ok {
		if err := fn(ts); err != nil {
			return err
		}
	}
	st := &crm.SchedulerState{}
	if ok, err := t.setting(settingScheduler, st); err != nil {
		return err
	} else if ok {
		if err := fn(st); err != nil {
			return err
		}
	}
	rows, err = t.q.Query(t.ctx, `SELECT user_id, data FROM skip_notes ORDER BY user_id`)
	if err != nil {
		return err
	}
	notes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (crm.SkipNoteRecord, error) {
		var n crm.SkipNoteRecord
		n.Note = &crm.SkipNote{}
		err := r.Scan(&n.UserID, n.Note)
		return n, err
	})
	if err != nil {
		return fmt.Errorf("skip notes: %w", err)
	}
	for _, n := range notes {
		if err := fn(n); err != nil {
			return err
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
	r := &crm.InquiryRouting{}
	if ok, err := t.setting(settingRouting, r); err != nil {
		return err
	} else if ok {
		return fn(r)
	}
	return nil
}
