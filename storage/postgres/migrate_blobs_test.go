package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"crmbot/crm"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// A database at schema 3 (blobs) upgraded to typed state: the dialogues in progress
// and the department channel move to their tables, and the blobs table is gone.
func TestMigrationMovesBlobsToTypedState(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (version int4 PRIMARY KEY, name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"0001_init.sql", "0002_blobs.sql", "0003_concurrent_writers.sql"} {
		sql, err := os.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, string(sql)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, i+1, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO blobs (ns, key, value) VALUES
		('dialog', 'telegram:7', '{"step":2}'),
		('settings', 'dept_channel', '{"target":"slack:C42","set_by":3}'),
		('settings', 'escalations', 'channel'),
		('scheduler', 'alive', '123')`); err != nil {
		t.Fatal(err)
	}

	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(ctx, func(tx crm.Tx) error {
		if v, err := tx.Dialog("telegram:7"); string(v) != `{"step":2}` || err != nil {
			t.Errorf("dialog = %q, %v", v, err)
		}
		want := crm.TeamSettings{Channel: "slack:C42", ChannelSetBy: 3, EscalationsNamed: true}
		if s, err := tx.Settings(); s != want || err != nil {
			t.Errorf("settings = %+v, %v; want %+v", s, err, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var gone bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('blobs') IS NULL`).Scan(&gone); err != nil || !gone {
		t.Errorf("the blobs table is still there (%v)", err)
	}
}
