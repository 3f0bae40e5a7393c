package bot_test

import (
	"context"
	"strings"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
)

// A command that would ask questions about a colleague's interest is refused before
// the first question; in own-only mode it answers exactly as /show does for that
// number, so the question does not confirm that the interest exists.
func TestRefusedBeforeFirstQuestion(t *testing.T) {
	cmds := []string{"/log 1", "/log 1 call", "/next 1", "/stage 1", "/lost 1", "/edit 1", "/edit 1 phone"}
	for _, ownOnly := range []bool{false, true} {
		h := newHarnessWith(t, crm.Config{DefaultRegion: "HR", Currency: "EUR", ManagersSeeOwnOnly: ownOnly})
		say := h.sayAs
		say("console:admin", "/team add Ana Horvat manager corporate Europe/Zagreb console:ana")
		say("console:admin", "/team add Ivo Ivić manager corporate Europe/Zagreb console:ivo")
		say("console:ana", "/new Marko Đurić, Acme d.o.o.")
		missing := say("console:ivo", "/show 2")
		for _, cmd := range cmds {
			got := say("console:ivo", cmd)
			say("console:ivo", "/cancel")
			if ownOnly {
				if want := strings.ReplaceAll(missing, "#2", "#1"); got != want {
					t.Errorf("own-only %s = %q, want the /show answer for a missing number %q", cmd, got, want)
				}
				continue
			}
			if !strings.Contains(got, "#1 belongs to another manager") {
				t.Errorf("shared %s = %q, want the refusal up front", cmd, got)
			}
		}
		// The owner is still asked.
		if got := say("console:ana", "/log 1"); !strings.Contains(got, "?") {
			t.Errorf("owner's /log 1 = %q, want the kind question", got)
		}
	}
}

// /team add with the name of someone removed says they are back, and they can use the
// bot again once linked; the same name while active is still refused.
func TestTeamAddBringsBack(t *testing.T) {
	h := newHarness(t)
	fixbSay(h, "/team add Ana Horvat manager corporate Europe/Zagreb console:ana")
	if got := fixbSay(h, "/team add Ana Horvat manager corporate"); !strings.Contains(got, "already on the team") {
		t.Errorf("active name added again: %s", got)
	}
	fixbSay(h, "/team remove @ana")
	got := fixbSay(h, "/team add Ana Horvat manager corporate Europe/Zagreb console:ana")
	if !strings.Contains(got, "Back on the team: Ana Horvat") {
		t.Errorf("/team add after removal: %s", got)
	}
	var out []string
	for _, r := range h.eng.Handle(context.Background(), bot.Request{Identity: "console:ana", Name: "Ana", Chat: bot.ChatPrivate, Text: "/my"}) {
		out = append(out, r.Text)
	}
	if my := strings.Join(out, "\n"); strings.Contains(my, "not on the sales team") {
		t.Errorf("back, but refused: %s", my)
	}
}
