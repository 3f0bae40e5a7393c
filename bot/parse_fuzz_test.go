package bot

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzCommandLine: the command-line readers never panic and keep their promises on
// any text: a command name is one lower-case word, first and last words carry no
// space, a /new line never invents text that was not typed, and a "next" clause is
// the end of the text.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{
		"/new Marko Đurić, Acme d.o.o., +385 91 234 5678, marko@acme.hr, video wall",
		"/log 42 call: wants 40 seats, next fri 10:00 send proposal",
		"/new@crmbot , Acme; segment: retail; value: 12 000 EUR",
		"/lost 4 not now budget next year",
		"/NEW\nMarko\nAcme",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		name, args := splitCommand(text)
		if strings.ContainsFunc(name, unicode.IsSpace) || strings.Contains(name, "@") || name != strings.ToLower(name) {
			t.Fatalf("splitCommand(%q) name %q", text, name)
		}
		if args != strings.TrimSpace(args) {
			t.Fatalf("splitCommand(%q) args %q not trimmed", text, args)
		}
		w, rest := firstWord(args)
		// Words are split at spaces, tabs and newlines (the separators people type).
		if strings.ContainsAny(w, " \t\n") || len(w)+len(rest) > len(args) {
			t.Fatalf("firstWord(%q) = %q, %q", args, w, rest)
		}
		if _, w := lastWord(args); strings.ContainsAny(w, " \t\n") {
			t.Fatalf("lastWord(%q) = %q", args, w)
		}
		parseID(w)
		parseKind(args)
		parseLoss(args)
		if body, clause, ok := splitNext(args); ok && (!strings.HasSuffix(args, clause) || len(body)+len(clause) > len(args)) {
			t.Fatalf("splitNext(%q) = %q, %q", args, body, clause)
		}
		n := parseNewLine(args)
		for _, v := range []string{n.ContactName, n.CompanyName, n.Email, n.Phone, n.Mobile, n.Website, n.Position, n.Source} {
			if v != "" && !strings.Contains(args, v) {
				t.Fatalf("parseNewLine(%q) made up %q", args, v)
			}
		}
		_ = n.Validate("HR") // must not panic on anything the parser produced
	})
}

// FuzzParseSignature: any pasted block gives valid UTF-8 fields of one line each, and
// never panics.
func FuzzParseSignature(f *testing.F) {
	for _, s := range []string{
		"Marko Đurić\nDirektor prodaje\nAcme d.o.o.\nT: +385 1 555 0101\nM: +385 91 234 5678\nmarko@acme.hr\nwww.acme.hr",
		"--\nIvana Kovač | Head of IT\nBrodogradilište Split d.d.\ntel. 021/555-123, fax 021/555-124\nhttps://brodosplit.hr",
		"Иван Петров\nдиректор\nООО Ромашка\n+7 495 123-45-67",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n := ParseSignature(text)
		for _, v := range []string{n.ContactName, n.CompanyName, n.Email, n.Phone, n.Mobile, n.Website, n.Position} {
			if utf8.ValidString(text) && !utf8.ValidString(v) {
				t.Fatalf("ParseSignature(%q): field %q is not valid UTF-8", text, v)
			}
			if strings.Contains(v, "\n") {
				t.Fatalf("ParseSignature(%q): field %q spans lines", text, v)
			}
		}
		_ = n.Validate("HR")
	})
}
