package bot_test

import (
	"strings"
	"testing"
)

// A signature pasted as the answer to "Who is the contact?" is read line by line and
// confirmed before anything is stored; saving it stores the parts where they belong.
func TestNewDialogSignaturePasteConfirms(t *testing.T) {
	h := newHarness(t)
	fixbSay(h, "/new")
	got := fixbSay(h, "Ivana Perić\nVoditeljica nabave\nOmega d.o.o.\nMob: 098 123 4567\nivana.peric@omega.hr")
	for _, want := range []string{"Ivana Perić", "Omega d.o.o.", "ivana.peric@omega.hr", "Mobile: 098 123 4567", "Is this right?"} {
		if !strings.Contains(got, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, got)
		}
	}
	saved := fixbSay(h, "yes")
	card := fixbSay(h, "/show 1")
	if !strings.Contains(card, "Contact: Ivana Perić, Voditeljica nabave\n") || !strings.Contains(card, "Mobile: +385981234567") {
		t.Errorf("saved %q; card:\n%s", saved, card)
	}
}
