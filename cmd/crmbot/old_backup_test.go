package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/schema2-backup.bbolt is a backup written by the release before
// this one (c7ba7a8: schema version 2, no idx_company_oib bucket, records in binary
// version 2), one interest with its first follow-up. After an upgrade an operator
// must be able to check it and restore it.
//
// Today: doctor and restore (which opens read-only, so nothing migrates) panic with
// a nil pointer in storage.compareIndex (the missing idx_company_oib bucket); once
// the file is migrated, doctor still reports idx_interest_due and idx_interest_owndue
// values as wrong (version byte 02 vs 03), so restore refuses every older backup.
func TestRestoreABackupOfThePreviousRelease(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	dir := t.TempDir()
	old, err := os.ReadFile("testdata/schema2-backup.bbolt")
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "old-backup.db")
	if err := os.WriteFile(backup, old, 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	check := func(name string, args ...string) {
		t.Helper()
		var out string
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s panics: %v", name, r)
				}
			}()
			out, err = runCmd(t, "", args...)
		}()
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
	check("doctor of the old backup", "doctor", backup)
	check("restore of the old backup", "restore", "--db", db, backup)
	// Migrated by a read-write open, it must still pass doctor.
	migrated := filepath.Join(dir, "migrated.db")
	os.WriteFile(migrated, old, 0o600)
	if out, err := runCmd(t, "/show 1\n", "chat", "--db", migrated); err != nil || !strings.Contains(out, "Acme") {
		t.Fatalf("chat on the old file: %v\n%s", err, out)
	}
	check("doctor of the migrated file", "doctor", migrated)
}

// Restoring a previous-schema backup migrates the copy put in place, never the
// backup: the backup's bytes are unchanged, and the restored file passes doctor.
func TestRestoreOfAnOldBackupMigratesTheCopyOnly(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	dir := t.TempDir()
	old, err := os.ReadFile("testdata/schema2-backup.bbolt")
	if err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "old-backup.db")
	if err := os.WriteFile(backup, old, 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "crm.db")
	if out, err := runCmd(t, "", "restore", "--db", db, "--create", backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	after, _ := os.ReadFile(backup)
	if !bytes.Equal(after, old) {
		t.Fatal("restore modified the backup it restored from")
	}
	if bytes.Equal(mustRead(t, db), old) {
		t.Fatal("the restored copy was not migrated")
	}
	if out, err := runCmd(t, "", "doctor", db); err != nil || !strings.Contains(out, "ok:") {
		t.Fatalf("doctor of the restored file: %v\n%s", err, out)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
