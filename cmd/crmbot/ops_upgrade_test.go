package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crmbot/storage"

	bolt "go.etcd.io/bbolt"
)

// doctor on a database a running crmbot holds refuses it as in use (exit 2) rather
// than scanning pages a writer is rewriting; a directory is a wrong path (exit 2),
// not a damaged database (3).
func TestDoctorRefusesWrongTargets(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	dir := t.TempDir()
	path := filepath.Join(dir, "crm.db")
	seed(t, path)
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"held by a writer", []string{"doctor", path}, "in use by another process"},
		{"salvage of one held", []string{"doctor", "--salvage", filepath.Join(dir, "out.db"), path}, "in use by another process"},
		{"a directory", []string{"doctor", dir}, "not a database file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runCmd(t, "", tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q\n%s", err, tc.want, out)
			}
			if c := exitCode(err); c != 2 {
				t.Fatalf("exit %d, want 2 (%v)", c, err)
			}
			if strings.Contains(out, "problem:") {
				t.Fatalf("reports problems:\n%s", out)
			}
		})
	}
}

// Rotation deletes only the names backupTo writes.
func TestIsRotated(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"crmbot-20261121-030000.db", true},
		{"crmbot-2026-11-20.db", false},
		{"crmbot-20261121-030000-before-upgrade.db", false},
		{"crmbot-manual.db", false},
		{"crmbot-20261121-03000x.db", false},
		{"crmbot-20261121-030000.db.bak", false},
	} {
		if got := isRotated(tc.name); got != tc.want {
			t.Errorf("isRotated(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Exporting from a file (a backup, say) reads it and never writes it, even when it
// is of the previous schema, which a read-write open would migrate.
func TestExportLeavesTheFileAsItWas(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	dir := t.TempDir()
	old := mustRead(t, "testdata/schema2-backup.bbolt")
	path := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	for i, args := range [][]string{
		{"export", "--db", path, "--format", "json", "--out", filepath.Join(dir, "json")},
		{"export", "--db", path, "--format", "csv", "--out", filepath.Join(dir, "csv")},
		{"export", "mailing", "--db", path, "--out", filepath.Join(dir, "mailing.csv")},
	} {
		if out, err := runCmd(t, "", args...); err != nil {
			t.Fatalf("%d %v: %v\n%s", i, args, err, out)
		}
		if !bytes.Equal(mustRead(t, path), old) {
			t.Fatalf("%v rewrote the file it exported from", args)
		}
	}
	if b := mustRead(t, filepath.Join(dir, "json", "crmbot.json")); !bytes.Contains(b, []byte("Acme")) {
		t.Fatalf("json export lacks the company:\n%s", b)
	}
}

// When some problems are lost records, which --rebuild cannot bring back, doctor's
// last line does not advise --rebuild (which would leave them), but a backup.
func TestDoctorDoesNotAdviseRebuildForLostRecords(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	path := filepath.Join(t.TempDir(), "crm.db")
	seed(t, path)
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(btx *bolt.Tx) error {
		return btx.Bucket([]byte("companies")).Delete([]byte{0, 0, 0, 0, 0, 0, 0, 1})
	})
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "", "doctor", path)
	if err == nil || strings.Contains(err.Error(), "run crmbot doctor --rebuild") || !strings.Contains(err.Error(), "restore a backup") {
		t.Fatalf("last line %v, want advice to restore a backup, not to rebuild\n%s", err, out)
	}
	if !strings.Contains(out, "its company 1 does not exist") {
		t.Fatalf("doctor does not name the lost company:\n%s", out)
	}
}
