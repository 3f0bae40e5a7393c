package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crmbot/storage"
)

// seed makes a small database through the chat, as a user would.
func seed(t *testing.T, db string) {
	t.Helper()
	t.Setenv("CRMBOT_NUDGE_SCHEDULE", "@every 1h")
	script := "/new Marko Đurić, Acme d.o.o., marko@acme.hr, large, video wall, source: fair\n" +
		"/new Iva Kovač, Beta d.d., +385 91 234 5678, medium\n" +
		"/log 1 call: wants 40 seats, \"premium\" support\n/won 1\n"
	if out, err := runCmd(t, script, "chat", "--db", db); err != nil || !strings.Contains(out, "Created #2") {
		t.Fatalf("chat: %v\n%s", err, out)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	for _, format := range []string{"json", "csv"} {
		out, err := runCmd(t, "", "export", "--db", db, "--format", format, "--out", filepath.Join(dir, format+"1"))
		if err != nil || !strings.Contains(out, "2 interests") {
			t.Fatalf("export %s: %v\n%s", format, err, out)
		}
	}
	// The JSON dump restores into a new database and exports to the same bytes.
	db2 := filepath.Join(dir, "restored.db")
	out, err := runCmd(t, "", "import", "--db", db2, "--format", "json", filepath.Join(dir, "json1", "crmbot.json"))
	if err != nil || !strings.Contains(out, "2 interests") {
		t.Fatalf("import json: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "", "export", "--db", db2, "--format", "json", "--out", filepath.Join(dir, "json2")); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "json1", "crmbot.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "json2", "crmbot.json"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("JSON round trip differs:\n%s\n%s", a, b)
	}
	// So does the CSV directory.
	db3 := filepath.Join(dir, "fromcsv.db")
	if out, err := runCmd(t, "", "import", "--db", db3, "--format", "csv", filepath.Join(dir, "csv1")); err != nil {
		t.Fatalf("import csv dir: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "", "export", "--db", db3, "--format", "csv", "--out", filepath.Join(dir, "csv2")); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, f := range []string{"companies.csv", "contacts.csv", "interests.csv", "interactions.csv"} {
		a, _ := os.ReadFile(filepath.Join(dir, "csv1", f))
		b, _ := os.ReadFile(filepath.Join(dir, "csv2", f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs after the round trip", f)
		}
	}
	// Importing into a database that has data is refused, in words.
	if out, err := runCmd(t, "", "import", "--db", db2, "--format", "json", filepath.Join(dir, "json1", "crmbot.json")); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	// The mailing list.
	out, err = runCmd(t, "", "export", "mailing", "--db", db, "--size", "large")
	if err != nil || !strings.Contains(out, "marko@acme.hr,Marko Đurić,,Acme d.o.o.,large") || strings.Contains(out, "Iva") {
		t.Fatalf("mailing: %v\n%s", err, out)
	}
}

func TestImportCSVDryRunThenReal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	sample := filepath.Join("..", "..", "crm", "exchange", "testdata", "hubspot_contacts.csv")
	out, err := runCmd(t, "", "import", "--db", db, "--format", "csv", "--kind", "interests", "--mapping", "hubspot", "--dry-run", sample)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"line 2: create: interest #3: Marko Đurić (Acme d.o.o.), owner ", "; linked to existing contact 1 by email\nline 3", "line 4: merge: same email as contact 1 Marko Đurić, who has open interest #3", `line 5: reject: bad email "petra@@gama.hr"`,
		`line 6: reject: bad phone "12"`, "line 7: reject: missing company", "dry run of interests, nothing written: 4 would be created, 2 merged, 3 rejected"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	real, err := runCmd(t, "", "import", "--db", db, "--format", "csv", "--kind", "interests", "--mapping", "hubspot", sample)
	if err != nil || !strings.Contains(real, "imported interests: 4 created, 2 merged, 3 rejected") {
		t.Fatalf("real run: %v\n%s", err, real)
	}
	if out, err := runCmd(t, "", "doctor", "--db", db); err != nil {
		t.Fatalf("doctor after import: %v\n%s", err, out)
	}
	// A malformed file is refused whole.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("Name,Company\nAna,\"Acme\nBo,Beta\n"), 0o600)
	if out, err := runCmd(t, "", "import", "--db", db, "--format", "csv", "--kind", "contacts", bad); err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("malformed: %v\n%s", err, out)
	}
}

func TestRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	backup := filepath.Join(dir, "backup.db")
	if out, err := runCmd(t, "", "backup", "--db", db, backup); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Changed after the backup: the restore brings back the state of the backup.
	if out, err := runCmd(t, "/new Late Comer, Later d.o.o.\n", "chat", "--db", db); err != nil || !strings.Contains(out, "#3") {
		t.Fatalf("%v\n%s", err, out)
	}
	// Refused while the database is in use.
	held, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "", "restore", "--db", db, backup); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("restore while held: %v\n%s", err, out)
	}
	held.Close()
	// Refused for a file that is not a sound database.
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o600)
	if out, err := runCmd(t, "", "restore", "--db", db, junk); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("restore of junk: %v\n%s", err, out)
	}
	out, err := runCmd(t, "", "restore", "--db", db, backup)
	if err != nil || !strings.Contains(out, "before-restore") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "/find Late\n/show 2\n", "chat", "--db", db); err != nil || strings.Contains(out, "Late Comer") || !strings.Contains(out, "Iva Kovač") {
		t.Fatalf("after restore: %v\n%s", err, out)
	}
	kept, _ := filepath.Glob(db + ".before-restore-*")
	if len(kept) != 1 {
		t.Fatalf("the replaced database was not kept: %v", kept)
	}
}

func TestDailyBackupsWithRetention(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "crm.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Setenv("CRMBOT_BACKUP_DIR", filepath.Join(dir, "backups"))
	t.Setenv("CRMBOT_BACKUP_DAILY", "03:00")
	t.Setenv("CRMBOT_BACKUP_KEEP", "3")
	s, err := backupScheduleFromEnv()
	if err != nil || s.Keep != 3 {
		t.Fatalf("%+v %v", s, err)
	}
	// A fake clock: each wait moves it forward by exactly the wait; after five
	// backups the context ends.
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var runs []time.Time
	after := func(d time.Duration) <-chan time.Time {
		now = now.Add(d)
		runs = append(runs, now)
		if len(runs) > 5 {
			cancel()
			return nil
		}
		ch := make(chan time.Time, 1)
		ch <- now
		return ch
	}
	if err := s.run(ctx, db, func() time.Time { return now }, after, func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	if runs[0] != time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC) || runs[1] != time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC) {
		t.Fatalf("runs at %v", runs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "backups", "crmbot-*.db"))
	if len(files) != 3 || filepath.Base(files[2]) != "crmbot-20261130-030000.db" {
		t.Fatalf("kept %v", files)
	}
	if err := verifyFile(context.Background(), files[2]); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CRMBOT_BACKUP_DAILY", "3am")
	if _, err := backupScheduleFromEnv(); err == nil {
		t.Fatal("a bad time was accepted")
	}
}
