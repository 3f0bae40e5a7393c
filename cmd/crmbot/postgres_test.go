package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/benchdata"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// CRMBOT_DB=postgres://… selects PostgreSQL: what one chat stores, the next one
// reads, and the password never appears in what crmbot prints.
func TestChatOnPostgres(t *testing.T) {
	t.Setenv("CRMBOT_NUDGE_SCHEDULE", "@every 1h")
	u := storagetest.PostgresSchema(t)
	u = strings.Replace(u, "postgres://crmbot@", "postgres://crmbot:pw-not-shown@", 1)
	t.Setenv("CRMBOT_DB", u)
	out, err := runCmd(t, "/new Marko Đurić, Acme d.o.o.\n/log 1 call: wants 40 seats\n", "chat")
	if err != nil || !strings.Contains(out, "Created #1") || !strings.Contains(out, "Logged on #1: call") {
		t.Fatalf("chat: %v\n%s", err, out)
	}
	out, err = runCmd(t, "/show 1\n", "chat", "--db", u)
	if err != nil || !strings.Contains(out, "wants 40 seats") {
		t.Fatalf("second chat does not show the call: %v\n%s", err, out)
	}
	if strings.Contains(out, "pw-not-shown") {
		t.Errorf("the output shows the password:\n%s", out)
	}
}

// The file tools say they apply to the file backend instead of looking for a file
// named like the URL; a command that does not run on PostgreSQL yet says so.
func TestFileCommandsRefusePostgres(t *testing.T) {
	u := "postgres://crmbot:pw-not-shown@127.0.0.1:1/crm"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"doctor", "--db", u}, "crmbot doctor works on the file backend"},
		{[]string{"backup", "--db", u, "x.db"}, "crmbot backup works on the file backend"},
		{[]string{"restore", "--db", u, "x.db"}, "crmbot restore works on the file backend"},
		{[]string{"export", "--db", u}, "crmbot export does not run on PostgreSQL yet"},
	} {
		out, err := runCmd(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("%v: %v\n%s\nwant %q", tc.args[0], err, out, tc.want)
		}
		if strings.Contains(err.Error()+out, "pw-not-shown") {
			t.Errorf("%v shows the password: %v %s", tc.args[0], err, out)
		}
	}
}

// crmbot migrate copies every record of a file into PostgreSQL and verifies it; a
// target that is not empty is refused.
func TestMigrateFileToPostgres(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crm.db")
	src, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := benchdata.Fill(ctx, src, benchdata.SizeAt(0.01)); err != nil {
		t.Fatal(err)
	}
	err = src.Update(ctx, func(tx crm.Tx) error {
		if err := tx.PutInvite(&crm.Invite{Code: "JOIN42", UserID: 3, ExpiresAt: benchdata.Now}); err != nil {
			return err
		}
		if _, err := tx.Enqueue(&crm.OutboxMessage{Key: "nudge:1:1", Target: "telegram:7", Payload: []byte("{}"), Created: benchdata.Now}); err != nil {
			return err
		}
		if err := tx.AddAudit(&crm.AuditEntry{At: benchdata.Now, Entity: "interest", EntityID: 1, Action: "create"}); err != nil {
			return err
		}
		if err := tx.SetIdempotency("tg:update:1", "1"); err != nil {
			return err
		}
		return putTypedState(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	src.Close()

	out, err := runCmd(t, "", "migrate", "--from", path, "--to", u)
	if err != nil || !strings.Contains(out, "verified it: 50 users, 200 companies, 200 contacts, 1000 interests, 10000 interactions, 1 audit entries") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	dst, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	err = dst.View(ctx, func(tx crm.Tx) error {
		if inv, err := tx.Invite("JOIN42"); err != nil || inv.UserID != 3 {
			t.Errorf("invite: %+v, %v", inv, err)
		}
		if m, err := tx.OutboxMessage("nudge:1:1"); err != nil || m.State != crm.OutboxPending {
			t.Errorf("outbox: %+v, %v", m, err)
		}
		if r, ok, err := tx.Idempotency("tg:update:1"); r != "1" || !ok || err != nil {
			t.Errorf("idempotency: %q %v %v", r, ok, err)
		}
		checkTypedState(t, tx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	out, err = runCmd(t, "", "migrate", "--from", path, "--to", u)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("migrate into a database that is not empty: %v\n%s", err, out)
	}

	// And back, into a new file.
	back := filepath.Join(t.TempDir(), "back.db")
	out, err = runCmd(t, "", "migrate", "--from", u, "--to", back)
	if err != nil || !strings.Contains(out, "verified it: 50 users, 200 companies, 200 contacts, 1000 interests, 10000 interactions, 1 audit entries") {
		t.Fatalf("migrate back: %v\n%s", err, out)
	}
	file := storagetest.OpenAt(t, back, storage.Options{MustExist: true})
	err = file.View(ctx, func(tx crm.Tx) error {
		if m, err := tx.OutboxMessage("nudge:1:1"); err != nil || m.Target != "telegram:7" {
			t.Errorf("outbox in the file: %+v, %v", m, err)
		}
		checkTypedState(t, tx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err = runCmd(t, "", "migrate", "--from", u, "--to", back)
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("migrate over an existing file: %v\n%s", err, out)
	}
}

// putTypedState writes one of each kind of typed state (what the blobs held before),
// for a migration to carry.
func putTypedState(tx crm.Tx) error {
	if err := tx.PutDialog("telegram:7", []byte(`{"step":1}`)); err != nil {
		return err
	}
	if err := tx.PutSettings(crm.TeamSettings{Channel: "slack:C9", ChannelSetBy: 1}); err != nil {
		return err
	}
	if err := tx.PutSchedulerState(&crm.SchedulerState{Alive: benchdata.Now}); err != nil {
		return err
	}
	if err := tx.PutSkipNote(3, &crm.SkipNote{Date: benchdata.Now}); err != nil {
		return err
	}
	if err := tx.PutAPIToken(&crm.APIToken{Name: "site", Hash: "ab", CreatedAt: benchdata.Now}); err != nil {
		return err
	}
	if err := tx.PutWebhook(&crm.Webhook{URL: "https://example.com/h", Secret: "s", CreatedAt: benchdata.Now}); err != nil {
		return err
	}
	return tx.PutInquiryRouting(&crm.InquiryRouting{Fixed: map[crm.Segment]uint64{crm.SegmentRetail: 2}})
}

// checkTypedState checks what putTypedState wrote arrived.
func checkTypedState(t *testing.T, tx crm.Tx) {
	t.Helper()
	if v, err := tx.Dialog("telegram:7"); string(v) != `{"step":1}` || err != nil {
		t.Errorf("dialog: %q %v", v, err)
	}
	if s, err := tx.Settings(); s.Channel != "slack:C9" || s.ChannelSetBy != 1 || err != nil {
		t.Errorf("settings: %+v %v", s, err)
	}
	if st, err := tx.SchedulerState(); err != nil || !st.Alive.Equal(benchdata.Now) {
		t.Errorf("scheduler state: %+v %v", st, err)
	}
	if n, err := tx.SkipNote(3); err != nil || n == nil || !n.Date.Equal(benchdata.Now) {
		t.Errorf("skip note: %+v %v", n, err)
	}
	if toks, err := tx.APITokens(); err != nil || len(toks) != 1 || toks[0].Name != "site" || toks[0].ID != 1 {
		t.Errorf("api tokens: %+v %v", toks, err)
	}
	if hooks, err := tx.Webhooks(); err != nil || len(hooks) != 1 || hooks[0].URL != "https://example.com/h" {
		t.Errorf("webhooks: %+v %v", hooks, err)
	}
	if r, err := tx.InquiryRouting(); err != nil || r.Fixed[crm.SegmentRetail] != 2 {
		t.Errorf("inquiry routing: %+v %v", r, err)
	}
}
