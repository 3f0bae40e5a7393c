package console_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crmbot/adapters/console"
	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage"
)

// session runs one piped terminal session on the database file and returns its output.
func session(t *testing.T, path, input string) string {
	t.Helper()
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)
	svc := crm.NewService(db, func() time.Time { return now }, crm.Config{})
	id := crm.Identity("console:tester")
	if _, err := svc.EnsureAdmin(context.Background(), id, "Tester"); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c := console.New(bot.New(svc, bot.Options{Clock: func() time.Time { return now }}), id, &out, t.TempDir())
	if err := c.Run(context.Background(), strings.NewReader(input), false, ""); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestPipedSessionPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	out := session(t, path, strings.Join([]string{
		"/new Marko Đurić, Acme d.o.o., +385 91 234 5678",
		"/log 1 call: wants 40 seats, next fri 10:00 send proposal",
		"/show 1",
	}, "\n"))
	for _, want := range []string{"Created #1: Marko Đurić (Acme d.o.o.)", "Logged on #1: call", "wants 40 seats", "Next: Fri 27 Nov 10:00 — send proposal"} {
		if !strings.Contains(out, want) {
			t.Errorf("first session lacks %q:\n%s", want, out)
		}
	}
	out = session(t, path, "/show 1\n/find duric\n")
	for _, want := range []string{"#1 · Acme d.o.o.", "call · Tester: wants 40 seats", "#1 Marko Đurić · Acme d.o.o."} {
		if !strings.Contains(out, want) {
			t.Errorf("second session lacks %q:\n%s", want, out)
		}
	}
}

func TestNumberPressesButtonAndContinuationLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	out := session(t, path, strings.Join([]string{
		`/new\`,
		`Marko Đurić\`,
		`Sales Director\`,
		`Acme d.o.o.\`,
		`marko@acme.hr`,
		"1", // [1] Save
		"/stage 1",
		"4", // deliberating
		"3", // budget
	}, "\n"))
	for _, want := range []string{"Is this right?", "Position: Sales Director", "[1] Save", "Created #1", "#1 is now at deliberating (budget)"} {
		if !strings.Contains(out, want) {
			t.Errorf("session lacks %q:\n%s", want, out)
		}
	}
}
