package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations holds the schema, one file per version: NNNN_what.sql, applied in order,
// each once, each in its own transaction together with its row in schema_migrations.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key held while migrating. It is per schema (the
// key mixes in the schema's name), so databases in different schemas migrate at once.
const migrationLock = "crmbot schema migration"

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, path := range names {
		name := strings.TrimPrefix(path, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: the name must start with its version number", name)
		}
		data, err := migrations.ReadFile(path)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: migration %s: expected version %d", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the schema version this build brings a database to.
func SchemaVersion() int {
	ms, _ := loadMigrations()
	return len(ms)
}

// migrate applies the migrations the database lacks. One connection holds a session
// advisory lock throughout, so replicas starting at once take turns: the first
// migrates, the others find the work done. A database at a newer version than this
// build knows is refused, as bbolt refuses a newer file: an older binary must not
// write to a schema it does not understand.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return classify(ctx, fmt.Errorf("postgres: %w", redact(err)))
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1 || current_schema(), 0))`, migrationLock); err != nil {
		return classify(ctx, fmt.Errorf("postgres: lock for migration: %w", err))
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended($1 || current_schema(), 0))`, migrationLock)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version int4 PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return classify(ctx, fmt.Errorf("postgres: create schema_migrations: %w", err))
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return classify(ctx, fmt.Errorf("postgres: read schema version: %w", err))
	}
	if current > len(ms) {
		return fmt.Errorf("postgres: the database schema is at version %d, newer than this crmbot knows (%d): upgrade crmbot", current, len(ms))
	}
	for _, m := range ms[current:] {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return classify(ctx, err)
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return classify(ctx, fmt.Errorf("postgres: migration %s: %w", m.name, err))
		}
	}
	return nil
}
