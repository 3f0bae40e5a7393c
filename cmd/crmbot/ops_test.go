package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// damagedCopy writes a damaged copy of the database db: "truncated" keeps 40 % of
// it, "flipped" flips one bit in each meta page so that neither checksum holds.
func damagedCopy(t *testing.T, db, kind string) string {
	t.Helper()
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	switch kind {
	case "truncated":
		b = b[:len(b)*2/5]
	case "flipped":
		b[16+40] ^= 0x04
		b[4096+16+40] ^= 0x10
	}
	path := filepath.Join(t.TempDir(), kind+".db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFilesAreWhatTheyClaim(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	typo := filepath.Join(dir, "crm-typo.db")
	out := filepath.Join(dir, "out")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"backup of a typo", []string{"backup", "--db", typo, filepath.Join(dir, "b.db")}, 2, "does not exist"},
		{"export of a typo", []string{"export", "--db", typo, "--out", out}, 2, "does not exist"},
		{"mailing of a typo", []string{"export", "mailing", "--db", typo}, 2, "does not exist"},
		{"doctor of a typo", []string{"doctor", typo}, 2, "does not exist"},
		{"restore onto a typo", []string{"restore", "--db", typo, db}, 2, "does not exist"},
		{"serve on an empty file", []string{"serve", "--db", empty}, 2, "empty file"},
		{"chat on an empty file", []string{"chat", "--db", empty}, 2, "empty file"},
		{"backup of an empty file", []string{"backup", "--db", empty, filepath.Join(dir, "b.db")}, 2, "empty file"},
	}
	for _, kind := range []string{"truncated", "flipped"} {
		bad := damagedCopy(t, db, kind)
		msg := "database " + bad + " is damaged"
		cases = append(cases,
			struct {
				name string
				args []string
				code int
				want string
			}{"serve on " + kind, []string{"serve", "--db", bad}, 3, msg},
			struct {
				name string
				args []string
				code int
				want string
			}{"chat on " + kind, []string{"chat", "--db", bad}, 3, msg},
			struct {
				name string
				args []string
				code int
				want string
			}{"backup of " + kind, []string{"backup", "--db", bad, filepath.Join(dir, kind+"-b.db")}, 3, msg},
			struct {
				name string
				args []string
				code int
				want string
			}{"doctor on " + kind, []string{"doctor", bad}, 3, msg},
			struct {
				name string
				args []string
				code int
				want string
			}{"restore from " + kind, []string{"restore", "--db", db, bad}, 3, msg},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := runCmd(t, "", tc.args...)
			if err == nil || exitCode(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (exit %d), want exit %d saying %q\n%s", err, exitCode(err), tc.code, tc.want, o)
			}
			if tc.code == 3 && tc.args[0] != "doctor" && !strings.Contains(err.Error(), "run crmbot doctor ") {
				t.Errorf("no advice: %v", err)
			}
		})
	}
	for _, f := range []string{typo, filepath.Join(dir, "b.db")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("a refused command created %s", f)
		}
	}
	// chat creates a database only where nothing is, and says so.
	fresh := filepath.Join(dir, "fresh.db")
	if o, err := runCmd(t, "/help\n", "chat", "--db", fresh); err != nil || !strings.Contains(o, "created a new database at "+fresh) {
		t.Fatalf("chat on a new path: %v\n%s", err, o)
	}
	if o, err := runCmd(t, "/help\n", "chat", "--db", fresh); err != nil || strings.Contains(o, "created a new database") {
		t.Fatalf("chat on an existing database: %v\n%s", err, o)
	}
}

func TestDoctorSaysWhatIsReadableAndSalvages(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	bad := damagedCopy(t, db, "truncated")
	o, err := runCmd(t, "", "doctor", bad)
	if exitCode(err) != 3 || !strings.Contains(o, "the file is truncated") ||
		!(strings.Contains(o, "problem: root buckets") || strings.Contains(o, "bucket users: ")) {
		t.Fatalf("doctor on a truncated file: %v\n%s", err, o)
	}
	// What the cut loses depends on the layout the seeding chat left: sometimes a
	// bucket or the end of one, sometimes only free pages. Salvage must be honest
	// either way: status 3 naming what it lost, or status 0 saying it copied all.
	salvaged := filepath.Join(dir, "salvaged.db")
	o, err = runCmd(t, "", "doctor", "--salvage", salvaged, bad)
	lost := strings.Contains(o, ": LOST, not found") || strings.Contains(o, "the rest is unreadable")
	switch {
	case err != nil && exitCode(err) == 3 && lost && !strings.Contains(o, "salvaged all"):
	case err == nil && !lost && strings.Contains(o, "salvaged all"):
	default:
		t.Fatalf("salvage: %v\n%s", err, o)
	}
	// A cut right after the meta pages: nothing is recovered, and salvage says so.
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(dir, "gone.db")
	if err := os.WriteFile(gone, b[:2*4096+100], 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	o, err = runCmd(t, "", "doctor", "--salvage", empty, gone)
	if exitCode(err) != 3 || !strings.Contains(err.Error(), "nothing could be recovered") || !strings.Contains(err.Error(), "restore a backup") {
		t.Fatalf("salvage of a file with no readable bucket: %v\n%s", err, o)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("salvage left an empty %s behind: %v", empty, err)
	}
}

// TestSalvageOfASoundFileCopiesEverything: salvage of an undamaged file says it
// copied every record, exits 0, and the copy passes doctor.
func TestSalvageOfASoundFileCopiesEverything(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	out := filepath.Join(dir, "copy.db")
	o, err := runCmd(t, "", "doctor", "--salvage", out, db)
	if err != nil || !strings.Contains(o, "bucket interests: copied 2 records, all of them") || !strings.Contains(o, "salvaged all ") {
		t.Fatalf("salvage: %v\n%s", err, o)
	}
	if o, err := runCmd(t, "", "doctor", out); err != nil || !strings.Contains(o, "Interests:2") || !strings.Contains(o, "ok:") {
		t.Fatalf("doctor on the copy: %v\n%s", err, o)
	}
}

// TestRestoreIsAtomic interrupts the restore after each step and checks that the
// database still opens with its data, and that the backup is never modified.
func TestRestoreIsAtomic(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	backup := filepath.Join(dir, "backup.db")
	if o, err := runCmd(t, "", "backup", "--db", db, backup); err != nil {
		t.Fatalf("%v\n%s", err, o)
	}
	if o, err := runCmd(t, "/new Late Comer, Later d.o.o.\n", "chat", "--db", db); err != nil {
		t.Fatalf("%v\n%s", err, o)
	}
	original, _ := os.ReadFile(backup)
	fi, _ := os.Stat(backup)
	for _, step := range []string{"copied", "kept"} {
		restoreStep = func(s string) error {
			if s == step {
				return errors.New("power cut")
			}
			return nil
		}
		o, err := runCmd(t, "", "restore", "--db", db, backup)
		restoreStep = func(string) error { return nil }
		if err == nil || !strings.Contains(err.Error(), "unchanged") {
			t.Fatalf("interrupted after %s: %v\n%s", step, err, o)
		}
		if o, err := runCmd(t, "/find Late\n", "chat", "--db", db); err != nil || !strings.Contains(o, "Late Comer") {
			t.Fatalf("after an interruption at %s the database lost its data: %v\n%s", step, err, o)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "*restor*")); len(left) > 0 {
			t.Fatalf("left behind: %v", left)
		}
	}
	if o, err := runCmd(t, "", "restore", "--db", db, backup); err != nil {
		t.Fatalf("%v\n%s", err, o)
	}
	if o, err := runCmd(t, "/find Late\n", "chat", "--db", db); err != nil || strings.Contains(o, "Late Comer") {
		t.Fatalf("restored database: %v\n%s", err, o)
	}
	after, _ := os.ReadFile(backup)
	fi2, _ := os.Stat(backup)
	if !bytes.Equal(original, after) || !fi.ModTime().Equal(fi2.ModTime()) {
		t.Fatal("restore modified the backup it restored from")
	}
	kept, _ := filepath.Glob(db + ".before-restore-*")
	if len(kept) != 1 {
		t.Fatalf("kept: %v", kept)
	}
	if o, err := runCmd(t, "/find Late\n", "chat", "--db", kept[0]); err != nil || !strings.Contains(o, "Late Comer") {
		t.Fatalf("the kept database: %v\n%s", err, o)
	}
	// A lost database file is restored with --create, and only then.
	lost := filepath.Join(dir, "lost.db")
	if _, err := runCmd(t, "", "restore", "--db", lost, backup); exitCode(err) != 2 {
		t.Fatalf("restore onto a missing file without --create: %v", err)
	}
	if o, err := runCmd(t, "", "restore", "--create", "--db", lost, backup); err != nil {
		t.Fatalf("restore --create: %v\n%s", err, o)
	}
}

// TestChatExitsCleanly: the end of input ends the chat without an error in the log
// (it used to log level=ERROR msg=scan err="context canceled").
func TestChatExitsCleanly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crm.db")
	for range 5 {
		o, err := runCmd(t, "/help\n", "chat", "--db", db)
		if err != nil || strings.Contains(o, "level=ERROR") || strings.Contains(o, "context canceled") {
			t.Fatalf("chat: %v\n%s", err, o)
		}
	}
}
