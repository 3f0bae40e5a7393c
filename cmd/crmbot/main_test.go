package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String() + errb.String(), err
}

func TestBinaryCommands(t *testing.T) {
	t.Setenv("CRMBOT_NUDGE_SCHEDULE", "@every 1h")
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	out, err := runCmd(t, "/new Marko Đurić, Acme d.o.o.\n/log 1 call: wants 40 seats\n", "chat", "--db", db)
	if err != nil || !strings.Contains(out, "Created #1") || !strings.Contains(out, "Logged on #1: call") {
		t.Fatalf("chat: %v\n%s", err, out)
	}
	fi, err := os.Stat(db)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("database file mode %v, want 0600 (%v)", fi.Mode().Perm(), err)
	}
	out, err = runCmd(t, "/show 1\n", "chat", "--db", db)
	if err != nil || !strings.Contains(out, "wants 40 seats") {
		t.Fatalf("second chat does not show the call: %v\n%s", err, out)
	}
	if out, err = runCmd(t, "", "doctor", "--db", db); err != nil || !strings.Contains(out, "ok:") {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	backup := filepath.Join(dir, "backup.db")
	if out, err = runCmd(t, "", "backup", "--db", db, backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err = runCmd(t, "/show 1\n", "chat", "--db", backup); err != nil || !strings.Contains(out, "wants 40 seats") {
		t.Fatalf("the backup does not hold the data: %v\n%s", err, out)
	}
	if out, _ := runCmd(t, "", "version"); !strings.HasPrefix(out, "crmbot ") {
		t.Fatalf("version: %q", out)
	}
	if _, err := runCmd(t, "", "frobnicate"); err == nil {
		t.Fatal("an unknown command did not fail")
	}
	for _, c := range []string{"chat", "serve", "doctor", "backup"} {
		if out, err := runCmd(t, "", c, "--help"); err != nil || !strings.Contains(out, "-db") {
			t.Errorf("%s --help: %v\n%s", c, err, out)
		}
	}
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	if _, err := runCmd(t, "", "serve", "--db", filepath.Join(dir, "other.db")); err == nil || !strings.Contains(err.Error(), "no adapter is configured") {
		t.Fatalf("serve without tokens: %v", err)
	}
}
