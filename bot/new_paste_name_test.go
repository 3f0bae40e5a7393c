package bot_test

import (
	"strings"
	"testing"
)

// Regression: "/new" asks "Who is the contact?" and the manager pastes the client's email
// signature (R2), as the README's /new + signature form invites. The whole paste is
// stored as the contact's name (cmd_new.go answerNew "name": n.ContactName = v): five
// lines with the position, company, phone and email inside the name, and no phone or
// email on the contact.
func TestNewDialogSignaturePaste(t *testing.T) {
	h := newHarness(t)
	say := func(text string) string { return h.sayAs("console:admin", text) }
	say("/new")
	got := say("Ivana Perić\nVoditeljica nabave\nOmega d.o.o.\nMob: 098 123 4567\nivana.peric@omega.hr")
	if strings.Contains(got, "Ivana Perić\nVoditeljica") {
		t.Errorf("the pasted signature is taken as the name:\n%s", got)
	}
}
