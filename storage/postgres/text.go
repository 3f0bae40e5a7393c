package postgres

import (
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"crmbot/crm"
)

// The search keys below are derived exactly as the bbolt backend derives its index
// keys (storage/keys.go, storage/contacts.go), so that both backends find the same
// records for the same query. They are repeated here, not shared, because they are
// unexported there; a test runs the same searches on both backends.

// foldName is the key a full company name is compared by: folded, trimmed, with runs
// of spaces collapsed, so "ACME  d.o.o. " equals "acme d.o.o.".
func foldName(s string) string {
	return strings.Join(strings.Fields(crm.Fold(s)), " ")
}

// phoneTerms returns the digits a phone is found by: the whole E.164 number without
// '+', and the national significant number, so "091 234" finds +385912345678.
func phoneTerms(e164 string) []string {
	terms := []string{digits(e164)}
	if n, err := phonenumbers.Parse(e164, ""); err == nil {
		if nsn := phonenumbers.GetNationalSignificantNumber(n); nsn != "" && nsn != terms[0] {
			terms = append(terms, nsn)
		}
	}
	return terms
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPhoneQuery reports whether q looks like (part of) a phone number: digits and the
// punctuation people write numbers with, no letters.
func isPhoneQuery(q string) bool {
	n := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			n++
		case unicode.IsSpace(r) || strings.ContainsRune("+-()./", r):
		default:
			return false
		}
	}
	return n > 0
}

// uniq drops repeated strings, keeping the first of each.
func uniq(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		dup := false
		for _, o := range out {
			if o == s {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

// prefixEnd is the upper bound of a prefix range in byte order (COLLATE "C"): every
// string starting with p is below p followed by the largest code point.
func prefixEnd(p string) string { return p + "\U0010FFFF" }

// longest returns the longest of the words (the most selective prefix) and the others.
func longest(q []string) (string, []string) {
	li := 0
	for i, w := range q {
		if len(w) > len(q[li]) {
			li = i
		}
	}
	rest := make([]string, 0, len(q)-1)
	rest = append(rest, q[:li]...)
	return q[li], append(rest, q[li+1:]...)
}
