package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

// A restart in the middle of a dialogue loses nothing: the state is in the database.
func TestDialogueSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	now := func() time.Time { return start }
	open := func() (*storage.DB, *bot.Engine) {
		db, err := storage.Open(path, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		svc := crm.NewService(db, now, crm.Config{})
		if _, err := svc.EnsureAdmin(context.Background(), "console:admin", "Admin"); err != nil {
			t.Fatal(err)
		}
		return db, bot.New(svc, bot.Options{Clock: now})
	}
	say := func(e *bot.Engine, text string) string {
		var b strings.Builder
		for _, r := range e.Handle(context.Background(), bot.Request{Identity: "console:admin", Text: text}) {
			b.WriteString(r.Text + "\n")
		}
		return b.String()
	}
	db, e := open()
	say(e, "/new")
	if got := say(e, "Marko Đurić"); !strings.Contains(got, "Which company is Marko Đurić from?") {
		t.Fatalf("unexpected prompt: %s", got)
	}
	db.Close()

	db, e = open()
	defer db.Close()
	if got := say(e, "Acme d.o.o."); !strings.Contains(got, "A phone or email?") {
		t.Fatalf("after a restart the dialogue did not continue: %s", got)
	}
	say(e, "marko@acme.hr")
	say(e, "video wall")
	if got := e.Handle(context.Background(), bot.Request{Identity: "console:admin", Text: "medium"}); len(got) == 0 || !strings.Contains(got[0].Text, "Created #1: Marko Đurić (Acme d.o.o.)") {
		t.Fatalf("not created: %+v", got)
	}
}

// A button press from another person (in a group anyone can press) never continues
// someone else's dialogue.
func TestForeignButtonChangesNothing(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.eng.Handle(ctx, bot.Request{Identity: "console:admin", Text: "/team add Ana Horvat manager corporate console:ana"})
	h.eng.Handle(ctx, bot.Request{Identity: "console:admin", Text: "/new"})
	h.eng.Handle(ctx, bot.Request{Identity: "console:admin", Text: "Marko"})
	r := h.eng.Handle(ctx, bot.Request{Identity: "console:admin", Text: "Acme"})
	skip := r[0].Buttons[0][0].Action
	got := h.eng.Handle(ctx, bot.Request{Identity: "console:ana", Action: skip})
	if len(got) != 1 || !strings.Contains(got[0].Text, "earlier question") {
		t.Fatalf("foreign button: %+v", got)
	}
	// The owner's dialogue is still at the same question.
	got = h.eng.Handle(ctx, bot.Request{Identity: "console:admin", Action: skip})
	if !strings.Contains(got[0].Text, "What does the client need?") {
		t.Fatalf("owner's dialogue disturbed: %+v", got)
	}
}

// Every key a crm error can carry and every key the engine uses is in the catalog.
func TestCatalogComplete(t *testing.T) {
	cat, err := bot.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{
		"err.interest_not_found", "err.user_not_found", "err.company_not_found", "err.contact_not_found", "err.invite_not_found",
		"err.segment_mismatch", "err.already_owner", "err.segment_has_open", "err.identity_taken", "err.demote_self",
	} {
		if !cat.Has(k) {
			t.Errorf("catalog lacks %s", k)
		}
	}
	for _, s := range crm.Stages {
		if !cat.Has("stage." + string(s)) {
			t.Errorf("catalog lacks stage.%s", s)
		}
	}
	for _, k := range crm.InteractionKinds {
		if !cat.Has("kind." + string(k)) {
			t.Errorf("catalog lacks kind.%s", k)
		}
	}
	h := newHarness(t)
	for _, c := range h.eng.Commands() {
		if c.Description == "cmd."+c.Name || !cat.Has("help."+c.Name) {
			t.Errorf("command %s has no description or help in the catalog", c.Name)
		}
	}
}

// CRMBOT_ADMINS lists Slack admins by user id; identities carry the team too.
func TestSlackAdminByUserID(t *testing.T) {
	db := storagetest.Open(t)
	svc := crm.NewService(db, func() time.Time { return start }, crm.Config{})
	e := bot.New(svc, bot.Options{Admins: []crm.Identity{"slack:U012AB"}})
	got := e.Handle(context.Background(), bot.Request{Identity: "slack:T1/U012AB", Name: "Ana", Text: "/team"})
	if len(got) != 1 || !strings.Contains(got[0].Text, "Ana — admin") {
		t.Fatalf("listed Slack admin not recognised: %+v", got)
	}
	got = e.Handle(context.Background(), bot.Request{Identity: "slack:T1/U999", Text: "/team"})
	if len(got) != 1 || !strings.Contains(got[0].Text, "Your id: slack:T1/U999") {
		t.Fatalf("a stranger: %+v", got)
	}
}

// With CRMBOT_OWN_ONLY a manager sees only their own interests, and another's number
// is answered as if it did not exist.
func TestOwnOnlyHidesOtherManagersInterests(t *testing.T) {
	db := storagetest.Open(t)
	now := func() time.Time { return start }
	svc := crm.NewService(db, now, crm.Config{ManagersSeeOwnOnly: true})
	ctx := context.Background()
	if _, err := svc.EnsureAdmin(ctx, "console:admin", "Admin"); err != nil {
		t.Fatal(err)
	}
	e := bot.New(svc, bot.Options{Clock: now})
	say := func(who crm.Identity, text string) string {
		var b strings.Builder
		for _, r := range e.Handle(ctx, bot.Request{Identity: who, Text: text}) {
			b.WriteString(r.Text + "\n")
		}
		return b.String()
	}
	say("console:admin", "/team add Ana Horvat manager corporate console:ana")
	say("console:admin", "/team add Luka Marić manager corporate console:luka")
	say("console:ana", "/new Marko Đurić, Acme d.o.o.")
	if got := say("console:luka", "/show 1"); !strings.Contains(got, "There is no interest #1") {
		t.Fatalf("another manager's card: %s", got)
	}
	if got := say("console:luka", "/log 1 call: hello"); !strings.Contains(got, "There is no interest #1") {
		t.Fatalf("logging on another manager's interest: %s", got)
	}
	if got := say("console:luka", "/find acme"); strings.Contains(got, "Acme") {
		t.Fatalf("another manager's interest found: %s", got)
	}
	if got := say("console:ana", "/find acme"); !strings.Contains(got, "#1 Marko Đurić · Acme d.o.o.") {
		t.Fatalf("the owner does not find her own: %s", got)
	}
	if got := say("console:admin", "/show 1"); !strings.Contains(got, "Acme d.o.o.") {
		t.Fatalf("an admin does not see it: %s", got)
	}
}
