package bot_test

import (
	"context"
	"strings"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
)

// In a group, a request whose answers only its author sees (Request.Ephemeral, a
// Slack slash command) runs every command; what is not for the room comes back
// Private, and a manager's report is their own.
func TestEphemeralRequestsInAGroup(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin, _ := h.svc.Authenticate(ctx, "console:admin")
	ana, err := h.svc.AddUser(ctx, crm.Op{Actor: admin}, "Ana Horvat", crm.RoleManager, crm.SegmentCorporate, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.LinkIdentity(ctx, crm.Op{Actor: admin}, ana.ID, "console:ana"); err != nil {
		t.Fatal(err)
	}
	ask := func(who crm.Identity, text string, ephemeral bool) []bot.Reply {
		return h.eng.Handle(ctx, bot.Request{Identity: who, Text: text, Chat: bot.ChatGroup, ChatID: "console:room", Ephemeral: ephemeral})
	}
	tests := []struct {
		who       crm.Identity
		text      string
		ephemeral bool
		want      string // in the first reply
		private   bool
		none      bool // no reply at all
	}{
		{"console:ana", "/new Marko Đurić, Acme d.o.o.", true, "Created #1", true, false},
		{"console:ana", "/show 1", true, "Acme d.o.o.", true, false},
		{"console:ana", "/log 1 call: wants 40 seats", true, "#1", true, false},
		{"console:ana", "/pipeline", true, "Pipeline", true, false},
		{"console:ana", "/pipeline", false, "heads and admins", false, false},
		{"console:ana", "/show 1", false, "stay out of group chats", false, false},
		{"console:admin", "/pipeline", true, "Pipeline", false, false},
		{"console:admin", "/help", true, "/log", false, false},
		{"console:stranger", "/new X, Y", true, "console:stranger", true, false},
		{"console:stranger", "/new X, Y", false, "", false, true},
		{"console:ana", "good morning", true, "", false, true},
	}
	for _, tt := range tests {
		out := ask(tt.who, tt.text, tt.ephemeral)
		if tt.none {
			if len(out) != 0 {
				t.Errorf("%s %q: answered %+v", tt.who, tt.text, out)
			}
			continue
		}
		if len(out) == 0 || !strings.Contains(out[0].Text, tt.want) {
			t.Errorf("%s %q (ephemeral %v): %+v, want %q", tt.who, tt.text, tt.ephemeral, out, tt.want)
			continue
		}
		for _, r := range out {
			if r.Private != tt.private {
				t.Errorf("%s %q (ephemeral %v): private %v, want %v", tt.who, tt.text, tt.ephemeral, r.Private, tt.private)
			}
		}
	}
}

// Where "/" cannot be typed (Request.BareCommands), a first word that names a
// command runs it; anything else is free text, and an open question takes the line
// as its answer.
func TestBareCommands(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	say := func(text string) string {
		var b strings.Builder
		for _, r := range h.eng.Handle(ctx, bot.Request{Identity: "console:admin", Text: text, BareCommands: true}) {
			b.WriteString(r.Text + "\n")
		}
		return b.String()
	}
	if got := say("new Marko Đurić, Acme d.o.o."); !strings.Contains(got, "Created #1") {
		t.Fatalf("new: %s", got)
	}
	if got := say("Log 1 call: wants 40 seats, next fri 10:00 send proposal"); !strings.Contains(got, "#1") || !strings.Contains(got, "Fri") {
		t.Fatalf("log: %s", got)
	}
	if got := say("find duric"); !strings.Contains(got, "Acme d.o.o.") {
		t.Fatalf("find: %s", got)
	}
	if got := say("hello"); strings.Contains(got, "Acme") || got == "" {
		t.Fatalf("free text: %s", got)
	}
	// A question is open: "Find d.o.o." is the company asked for, not /find.
	say("new")
	say("Ivan Horvat")
	if got := say("Find d.o.o."); strings.Contains(got, "Nothing found for") || !strings.Contains(got, "phone or email") {
		t.Fatalf("answer taken for a command: %s", got)
	}
	if got := say("cancel"); !strings.Contains(got, "Cancelled") {
		t.Fatalf("cancel: %s", got)
	}
	if got := say("show 1"); !strings.Contains(got, "Acme d.o.o.") {
		t.Fatalf("after cancel: %s", got)
	}
}

// A stranger redeems an invite code without the slash where one cannot be typed.
func TestBareInviteCode(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin, _ := h.svc.Authenticate(ctx, "console:admin")
	ana, err := h.svc.AddUser(ctx, crm.Op{Actor: admin}, "Ana Horvat", crm.RoleManager, crm.SegmentCorporate, "")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := h.svc.CreateInvite(ctx, crm.Op{Actor: admin}, ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := h.eng.Handle(ctx, bot.Request{Identity: "slack:T1/U5", Text: "start " + inv.Code, BareCommands: true})
	if u, err := h.svc.Authenticate(ctx, "slack:T1/U5"); err != nil || u.ID != ana.ID {
		t.Fatalf("not linked: %v %+v", err, out)
	}
}
