package bot_test

import (
	"context"
	"strings"
	"testing"

	"crmbot/bot"
)

func fixbSay(h *harness, text string) string {
	var out []string
	for _, r := range h.eng.Handle(context.Background(), bot.Request{Identity: "console:admin", Name: "Admin", Chat: bot.ChatPrivate, Text: text}) {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

// What follows "/won 1" is the value only when it is one: a count in the note stays
// the note, and a keyword without an amount is refused rather than stored as a note.
func TestWonValueOrNote(t *testing.T) {
	for _, c := range []struct{ line, card, notCard string }{
		{"/won 1 3 licence potpisane", "3 licence potpisane", "Vrijednost:"},
		{"/won 1 30000", "Vrijednost: 30.000", ""},
		{"/won 1 iznos: 12 000 € ugovor potpisan", "Vrijednost: 12.000", "iznos"},
		{"/won 1 klijent potpisao", "klijent potpisao", "Vrijednost:"},
	} {
		h := newHarness(t)
		fixbSay(h, "/lang hr")
		fixbSay(h, "/new Marko Đurić, Acme d.o.o.")
		got := fixbSay(h, c.line)
		card := fixbSay(h, "/show 1")
		if !strings.Contains(card, c.card) || c.notCard != "" && strings.Contains(card, c.notCard) {
			t.Errorf("%s => %s\ncard:\n%s\nwant %q, not %q", c.line, got, card, c.card, c.notCard)
		}
	}
}

// A value sent with /won on a deal already won is not stored: the reply must say so and
// show the /edit that would store it.
func TestWonAgainWithValueSaysNotChanged(t *testing.T) {
	h := newHarness(t)
	fixbSay(h, "/lang hr")
	fixbSay(h, "/new Marko Đurić, Acme d.o.o.")
	fixbSay(h, "/won 1")
	got := fixbSay(h, "/won 1 vrijednost 30 000 kuna")
	if !strings.Contains(got, "Vrijednost nije promijenjena") || !strings.Contains(got, "/edit 1 vrijednost 30.000") {
		t.Errorf("got %q", got)
	}
	if card := fixbSay(h, "/show 1"); strings.Contains(card, "Vrijednost:") {
		t.Errorf("value stored anyway:\n%s", card)
	}
}

// "za" and "for" are everyday words: an amount after them is the value only with a
// currency or alone, or "za 3 godine" would store a value of 3.
func TestWonPrepositionIsNotAlwaysValue(t *testing.T) {
	for _, c := range []struct{ line, card, notCard string }{
		{"/won 1 za 3 godine ugovora", "za 3 godine ugovora", "Vrijednost:"},
		{"/won 1 za 30000", "Vrijednost: 30.000", ""},
		{"/won 1 for 12.000 € signed", "Vrijednost: 12.000", ""},
	} {
		h := newHarness(t)
		fixbSay(h, "/lang hr")
		fixbSay(h, "/new Marko Đurić, Acme d.o.o.")
		got := fixbSay(h, c.line)
		card := fixbSay(h, "/show 1")
		if !strings.Contains(card, c.card) || c.notCard != "" && strings.Contains(card, c.notCard) {
			t.Errorf("%s => %s\ncard:\n%s\nwant %q, not %q", c.line, got, card, c.card, c.notCard)
		}
	}
}
