package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"crmbot/crm"
)

// Load fills an empty database fast, for datasets far larger than one transaction of
// single-row statements suits (the benchmark dataset; later, a move from a file).
// fill writes through a crm.Store whose transactions only append: each Update's new
// users, companies, contacts, interests, interactions and audit entries reach
// PostgreSQL with COPY (and so do invites, outbox messages, idempotency keys), in one transaction per Update, their columns and search tables derived as
// the Put methods derive them. Ids are assigned in order as Put would. At the end the
// pipeline counters are computed from the interests and the id sequences moved past
// the largest ids. Reads fail: it is not for a running system. A database that is not
// empty is refused.
func (db *DB) Load(ctx context.Context, fill func(crm.Store) error) error {
	var empty bool
	if err := db.pool.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM users) AND NOT EXISTS (SELECT 1 FROM companies)
		AND NOT EXISTS (SELECT 1 FROM contacts) AND NOT EXISTS (SELECT 1 FROM interests)
		AND NOT EXISTS (SELECT 1 FROM interactions) AND NOT EXISTS (SELECT 1 FROM audit) AND NOT EXISTS (SELECT 1 FROM invites)
		AND NOT EXISTS (SELECT 1 FROM outbox) AND NOT EXISTS (SELECT 1 FROM idempotency)`).Scan(&empty); err != nil {
		return classify(ctx, err)
	}
	if !empty {
		return errors.New("postgres: load: the database is not empty")
	}
	l := &loader{db: db, seq: map[string]uint64{}}
	if err := fill(l); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `
		UPDATE interests i SET size = c.data->>'size' FROM companies c WHERE c.id = i.company_id AND c.data->>'size' <> '';
		INSERT INTO pipeline (owner_id, stage, count, value)
			SELECT owner_id, stage, count(*), sum(coalesce((data->>'value')::int8, 0)) FROM interests GROUP BY owner_id, stage;
		SELECT setval(('seq_' || m.name)::regclass, m.max) FROM (
			SELECT 'users' AS name, max(id) FROM users UNION ALL SELECT 'companies', max(id) FROM companies
			UNION ALL SELECT 'contacts', max(id) FROM contacts UNION ALL SELECT 'interests', max(id) FROM interests
			UNION ALL SELECT 'interactions', max(id) FROM interactions UNION ALL SELECT 'audit', max(id) FROM audit
			UNION ALL SELECT 'api_tokens', max(id) FROM api_tokens UNION ALL SELECT 'webhooks', max(id) FROM webhooks
			UNION ALL SELECT 'campaigns', max(id) FROM campaigns) m
		WHERE m.max IS NOT NULL`)
	if err != nil {
		return classify(ctx, fmt.Errorf("postgres: load: %w", err))
	}
	// Statistics for the planner, and the visibility map that lets the counting
	// queries (CountDueBefore) read their index alone; VACUUM cannot run inside the
	// transaction a multi-statement Exec is.
	if _, err := db.pool.Exec(ctx, `VACUUM (ANALYZE) users, user_identities, companies, company_words, contacts, contact_terms, interests, interactions, audit, pipeline`); err != nil {
		return classify(ctx, fmt.Errorf("postgres: load: vacuum: %w", err))
	}
	return nil
}

// loader is the append-only crm.Store Load hands to fill.
type loader struct {
	db  *DB
	seq map[string]uint64 // the last id given per entity
}

func (l *loader) View(context.Context, func(crm.Tx) error) error {
	return errors.New("postgres: load: the loading store cannot be read")
}

func (l *loader) Update(ctx context.Context, fn func(crm.Tx) error) error {
	b := &batch{l: l, rows: map[string][][]any{}}
	if err := fn(b); err != nil {
		return err
	}
	if b.err != nil {
		return b.err
	}
	return pgx.BeginFunc(ctx, l.db.pool, func(ptx pgx.Tx) error {
		for _, t := range loadTables {
			rows := b.rows[t.name]
			if len(rows) == 0 {
				continue
			}
			if _, err := ptx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("postgres: load %s: %w", t.name, err)
			}
		}
		return nil
	})
}

var loadTables = []struct {
	name string
	cols []string
}{
	{"users", []string{"id", "data"}},
	{"user_identities", []string{"identity", "user_id"}},
	{"companies", companyCols},
	{"company_words", []string{"word", "company_id"}},
	{"contacts", contactCols},
	{"contact_terms", []string{"kind", "term", "contact_id"}},
	{"interests", interestColNames},
	{"interactions", interactionCols},
	{"audit", auditCols},
	{"invites", []string{"code", "data"}},
	{"outbox", outboxCols},
	{"idempotency", []string{"key", "result", "at"}},
	{"dialogs", []string{"identity", "state"}},
	{"settings", []string{"name", "data"}},
	{"skip_notes", []string{"user_id", "data"}},
	{"api_tokens", []string{"id", "data"}},
	{"webhooks", []string{"id", "data"}},
	{"campaigns", []string{"id", "data"}},
	{"campaign_members", []string{"campaign_id", "interest_id", "data"}},
}

// batch is one Update of the loader: the rows it appends, per table. The crm.Tx it
// embeds is nil: a method the loader does not offer panics, as a misuse should.
type batch struct {
	crm.Tx
	l    *loader
	rows map[string][][]any
	err  error
}

// id gives *id the entity's next id when it is 0, and moves the counter past an id
// chosen by the caller.
func (b *batch) id(seq string, id *uint64) {
	if *id == 0 {
		b.l.seq[seq]++
		*id = b.l.seq[seq]
	} else if *id > b.l.seq[seq] {
		b.l.seq[seq] = *id
	}
}

func (b *batch) add(table string, row []any, err error) error {
	if err != nil {
		b.err = err
		return err
	}
	b.rows[table] = append(b.rows[table], row)
	return nil
}

func (b *batch) PutUser(u *crm.User) error {
	b.id("users", &u.ID)
	for _, id := range uniq(identities(u)) {
		b.add("user_identities", []any{id, int64(u.ID)}, nil)
	}
	data, err := jsonOf(u)
	return b.add("users", []any{int64(u.ID), data}, err)
}

func (b *batch) PutCompany(c *crm.Company) error {
	b.id("companies", &c.ID)
	for _, w := range uniq(crm.Words(c.Name)) {
		b.add("company_words", []any{w, int64(c.ID)}, nil)
	}
	row, err := companyRow(c)
	return b.add("companies", row, err)
}

func (b *batch) PutContact(c *crm.Contact) error {
	b.id("contacts", &c.ID)
	kinds, terms := contactTerms(c)
	for i := range terms {
		b.add("contact_terms", []any{kinds[i], terms[i], int64(c.ID)}, nil)
	}
	row, err := contactRow(c)
	return b.add("contacts", row, err)
}

func (b *batch) PutInterest(i *crm.Interest) error {
	if _, ok := stageNum(i.Stage); !ok {
		return crm.Errorf(crm.EINVALID, "err.bad_stage", string(i.Stage))
	}
	b.id("interests", &i.ID)
	row, err := interestRow(i)
	return b.add("interests", row, err)
}

func (b *batch) AddInteraction(it *crm.Interaction) error {
	b.id("interactions", &it.ID)
	row, err := interactionRow(it)
	return b.add("interactions", row, err)
}

func (b *batch) AddAudit(e *crm.AuditEntry) error {
	b.id("audit", &e.ID)
	row, err := auditRow(e)
	return b.add("audit", row, err)
}

func (b *batch) PutInvite(inv *crm.Invite) error {
	if inv.Code == "" {
		return crm.Errorf(crm.EINVALID, "err.invite_code_required")
	}
	data, err := jsonOf(inv)
	return b.add("invites", []any{inv.Code, data}, err)
}

// Enqueue appends m; a key given twice in one load is the caller's mistake and fails
// the COPY.
func (b *batch) Enqueue(m *crm.OutboxMessage) (bool, error) {
	if m.Key == "" {
		return false, fmt.Errorf("outbox: empty key")
	}
	if m.State == "" {
		m.State = crm.OutboxPending
	}
	row, err := outboxRow(m)
	return err == nil, b.add("outbox", row, err)
}

// SetIdempotency appends the key, stamped with the database's clock: pruning counts
// from the move.
func (b *batch) SetIdempotency(key, result string) error {
	if key == "" {
		return fmt.Errorf("idempotency: empty key")
	}
	return b.add("idempotency", []any{key, result, tk(b.l.db.now().UTC())}, nil)
}

// The typed state, appended as the tx methods would store it.

func (b *batch) PutDialog(id crm.Identity, state []byte) error {
	if id == "" {
		return fmt.Errorf("dialog: empty identity")
	}
	if state == nil {
		state = []byte{}
	}
	return b.add("dialogs", []any{string(id), state}, nil)
}

func (b *batch) PutSettings(s crm.TeamSettings) error {
	if s == (crm.TeamSettings{}) {
		return nil
	}
	data, err := jsonOf(s)
	return b.add("settings", []any{settingTeam, data}, err)
}

func (b *batch) PutSchedulerState(st *crm.SchedulerState) error {
	data, err := jsonOf(st)
	return b.add("settings", []any{settingScheduler, data}, err)
}

func (b *batch) PutInquiryRouting(r *crm.InquiryRouting) error {
	data, err := jsonOf(r)
	return b.add("settings", []any{settingRouting, data}, err)
}

func (b *batch) PutSkipNote(userID uint64, n *crm.SkipNote) error {
	if n == nil {
		return nil
	}
	data, err := jsonOf(n)
	return b.add("skip_notes", []any{int64(userID), data}, err)
}

func (b *batch) PutAPIToken(t *crm.APIToken) error {
	b.id("api_tokens", &t.ID)
	data, err := jsonOf(t)
	return b.add("api_tokens", []any{int64(t.ID), data}, err)
}

func (b *batch) PutWebhook(w *crm.Webhook) error {
	b.id("webhooks", &w.ID)
	data, err := jsonOf(w)
	return b.add("webhooks", []any{int64(w.ID), data}, err)
}

func (b *batch) PutCampaign(c *crm.Campaign) error {
	b.id("campaigns", &c.ID)
	data, err := jsonOf(c)
	return b.add("campaigns", []any{int64(c.ID), data}, err)
}

func (b *batch) PutCampaignMember(m *crm.CampaignMember) error {
	data, err := jsonOf(m)
	return b.add("campaign_members", []any{int64(m.CampaignID), int64(m.InterestID), data}, err)
}
