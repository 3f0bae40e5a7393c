package postgres_test

import (
	"context"
	"os"
	"strings"
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

// Verify finds an interest whose facet columns disagree with its record or its
// company (the columns the filtered reports read).
func TestVerifyFindsFacetColumnsOutOfStep(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(ctx, func(tx crm.Tx) error {
		if err := tx.PutCompany(&crm.Company{Name: "Acme", Size: crm.SizeLarge}); err != nil {
			return err
		}
		if err := tx.PutContact(&crm.Contact{CompanyID: 1, FullName: "Ana"}); err != nil {
			return err
		}
		return tx.PutInterest(&crm.Interest{Kind: crm.KindInterest, CompanyID: 1, ContactID: 1, OwnerID: 1,
			Segment: crm.SegmentRetail, Stage: crm.StageNew, Value: 5})
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := db.Verify(ctx); len(p) != 0 || err != nil {
		t.Fatalf("a fresh database: %v %v", p, err)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE interests SET size = 'small', segment = 'corporate'`); err != nil {
		t.Fatal(err)
	}
	p, err := db.Verify(ctx)
	if err != nil || len(p) != 2 || !strings.Contains(p[0], "interest 1") || !strings.Contains(p[1], "its company's 'large'") {
		t.Errorf("Verify = %q, %v; want the interest's columns and its size reported", p, err)
	}
}
