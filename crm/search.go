package crm

import (
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// The search keys of names and phones: every backend indexes and queries by these, so
// that all of them find the same records for the same query.

// FoldName is the key a full company name is compared by: folded (Fold), trimmed,
// with runs of spaces collapsed, so "ACME  d.o.o. " equals "acme d.o.o.".
func FoldName(s string) string {
	return strings.Join(strings.Fields(Fold(s)), " ")
}

// PhoneTerms returns the digits a phone is found by: the whole E.164 number without
// '+', and the national significant number, so "091 234" finds +385912345678 the
// way people dial it at home.
func PhoneTerms(e164 string) []string {
	terms := []string{Digits(e164)}
	if n, err := phonenumbers.Parse(e164, ""); err == nil {
		if nsn := phonenumbers.GetNationalSignificantNumber(n); nsn != "" && nsn != terms[0] {
			terms = append(terms, nsn)
		}
	}
	return terms
}

// Digits returns the ASCII digits of s, in order.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IsPhoneQuery reports whether q looks like (part of) a phone number: digits and the
// punctuation people write numbers with, no letters.
func IsPhoneQuery(q string) bool {
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
