package postgres

import (
	"context"
	"fmt"
)

// Stats is the number of records of each entity.
type Stats struct {
	Users        int `json:"users"`
	Invites      int `json:"invites"`
	Companies    int `json:"companies"`
	Contacts     int `json:"contacts"`
	Interests    int `json:"interests"`
	Interactions int `json:"interactions"`
	Audit        int `json:"audit"`
	Idempotency  int `json:"idempotency"`
}

// Stats counts the records of each entity in one snapshot.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM users), (SELECT count(*) FROM invites), (SELECT count(*) FROM companies),
		(SELECT count(*) FROM contacts), (SELECT count(*) FROM interests), (SELECT count(*) FROM interactions),
		(SELECT count(*) FROM audit), (SELECT count(*) FROM idempotency)`).Scan(
		&s.Users, &s.Invites, &s.Companies, &s.Contacts, &s.Interests, &s.Interactions, &s.Audit, &s.Idempotency)
	return s, classify(ctx, err)
}

// verifyQueries each return one row per problem: what bbolt's Verify checks of its
// derived keys, for what is derived here (the columns beside "data" are checked by
// reading them back from it).
var verifyQueries = []struct{ what, sql string }{
	{"pipeline cell out of step with the interests", `
		SELECT format('owner %s stage %s: kept %s/%s, counted %s/%s', coalesce(p.owner_id, c.owner_id), coalesce(p.stage, c.stage),
			coalesce(p.count, 0), coalesce(p.value, 0), coalesce(c.count, 0), coalesce(c.value, 0))
		FROM (SELECT owner_id, stage, sum(count) AS count, sum(value) AS value FROM pipeline GROUP BY owner_id, stage HAVING sum(count) <> 0) p
		FULL JOIN (SELECT owner_id, stage, count(*) AS count, sum(coalesce((data->>'value')::int8, 0)) AS value
			FROM interests GROUP BY owner_id, stage) c ON c.owner_id = p.owner_id AND c.stage = p.stage
		WHERE p.count IS DISTINCT FROM c.count OR p.value IS DISTINCT FROM c.value`},
	{"interest columns out of step with its record", `
		SELECT format('interest %s', id) FROM interests
		WHERE owner_id <> coalesce((data->>'owner_id')::int8, 0) OR company_id <> coalesce((data->>'company_id')::int8, 0)
			OR contact_id <> coalesce((data->>'contact_id')::int8, 0) OR data->>'id' IS DISTINCT FROM id::text
			OR segment <> coalesce(data->>'segment', '') OR value <> coalesce((data->>'value')::int8, 0)`},
	{"interest's company size out of step with its company", `
		SELECT format('interest %s: size %s, its company''s %s', i.id, quote_literal(i.size), quote_literal(coalesce(c.data->>'size', '')))
		FROM interests i LEFT JOIN companies c ON c.id = i.company_id WHERE i.size <> coalesce(c.data->>'size', '')`},
	{"sequence behind the records", `
		SELECT format('%s: sequence at %s, largest id %s', m.name, coalesce(pg_sequence_last_value(('seq_' || m.name)::regclass), 0), m.max) FROM (
			SELECT 'users' AS name, max(id) FROM users UNION ALL SELECT 'companies', max(id) FROM companies
			UNION ALL SELECT 'contacts', max(id) FROM contacts UNION ALL SELECT 'interests', max(id) FROM interests
			UNION ALL SELECT 'interactions', max(id) FROM interactions UNION ALL SELECT 'audit', max(id) FROM audit
			UNION ALL SELECT 'api_tokens', max(id) FROM api_tokens UNION ALL SELECT 'webhooks', max(id) FROM webhooks) m
		WHERE m.max > coalesce(pg_sequence_last_value(('seq_' || m.name)::regclass), 0)`},
	{"interest of a missing client", `
		SELECT format('interest %s: its %s does not exist', i.id, m.what) FROM interests i CROSS JOIN LATERAL (
			SELECT format('company %s', i.company_id) AS what WHERE i.company_id <> 0 AND NOT EXISTS (SELECT 1 FROM companies c WHERE c.id = i.company_id)
			UNION ALL
			SELECT format('contact %s', i.contact_id) WHERE i.contact_id <> 0 AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = i.contact_id)) m`},
	{"identity of a missing user", `
		SELECT format('identity %s → user %s', identity, user_id) FROM user_identities i
		WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = i.user_id)`},
}

// Verify reports derived data out of step with the records (one line each), as
// storage's Verify does for bbolt: the pipeline counters against the interests, the
// indexed columns against each record, the id sequences against the largest ids.
func (db *DB) Verify(ctx context.Context) ([]string, error) {
	var problems []string
	for _, q := range verifyQueries {
		rows, err := db.pool.Query(ctx, q.sql)
		if err != nil {
			return problems, classify(ctx, fmt.Errorf("verify %s: %w", q.what, err))
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return problems, err
			}
			problems = append(problems, q.what+": "+s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return problems, err
		}
	}
	return problems, nil
}
