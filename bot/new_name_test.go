package bot_test

import (
	"strings"
	"testing"
)

// The answer to "Who is the contact?" typed on several lines (a phone's Enter between
// the first and last name, or a paste with no recognisable name) must not be thrown
// away with the same question asked again as if nothing had been typed; the one-line
// form of /new typed there must not become a name with the company inside.
func TestNewNameAnswerForms(t *testing.T) {
	type step struct {
		say  string
		want []string // in the reply
	}
	cases := []struct {
		name  string
		steps []step
	}{
		// Every line plain and together a name: it is the name.
		{"name split over lines", []step{
			{"Ana\nKovač", []string{"Which company is Ana Kovač from?"}},
			{"Acme d.o.o.", []string{"phone or email"}},
			{"ana@acme.hr", []string{"Contact: Ana Kovač", "Company: Acme d.o.o.", "Is this right?"}},
		}},
		// No name among the lines: say so and how to type it; what was read is kept.
		{"no name found", []step{
			{"Acme d.o.o.\n+385 91 234 5678", []string{"no name", "one line"}},
			{"Ivo Ivić", []string{"Contact: Ivo Ivić", "Company: Acme d.o.o.", "Phone: +385 91 234 5678", "Is this right?"}},
		}},
		// The one-line form of /new typed as the answer is read as /new reads it.
		{"one-line form", []step{
			{"Marko Đurić, Acme d.o.o., 091 234 5678", []string{"Contact: Marko Đurić\n", "Company: Acme d.o.o.", "Phone: 091 234 5678", "Is this right?"}},
		}},
		// "Surname, Name" is a name, as before.
		{"surname first", []step{
			{"Đurić, Marko", []string{"Which company is Đurić, Marko from?"}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			fixbSay(h, "/new")
			for _, s := range tc.steps {
				got := fixbSay(h, s.say)
				for _, w := range s.want {
					if !strings.Contains(got, w) {
						t.Errorf("after %q the reply lacks %q:\n%s", s.say, w, got)
					}
				}
			}
		})
	}
}

// What the /new line gave before the name was asked (value, size, source) survives a
// signature pasted as the name.
func TestNewNamePasteKeepsWhatWasGiven(t *testing.T) {
	h := newHarness(t)
	fixbSay(h, "/new , Acme d.o.o., value: 5000 EUR, large, source: fair")
	fixbSay(h, "Marko Đurić\nVoditelj nabave\nmarko@acme.hr")
	fixbSay(h, "yes")
	card := fixbSay(h, "/show 1")
	for _, w := range []string{"Value: 5 000 EUR", "Source: fair", "large", "marko@acme.hr"} {
		if !strings.Contains(card, w) {
			t.Errorf("card lacks %q:\n%s", w, card)
		}
	}
}
