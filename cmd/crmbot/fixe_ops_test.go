package main

import (
	"path/filepath"
	"strings"
	"testing"

	"crmbot/storage"
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
