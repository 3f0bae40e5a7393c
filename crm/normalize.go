package crm

import (
	"net/mail"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// foldSpecial maps letters that Unicode does not decompose into a base letter plus a
// mark, so that "Đurić" folds to "duric" and "Łódź" to "lodz".
var foldSpecial = map[rune]string{
	'đ': "d", 'ł': "l", 'ø': "o", 'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ð': "d", 'ı': "i", 'ħ': "h",
}

// Fold returns s lower-cased with diacritics removed, for case- and
// diacritics-insensitive search: Fold("Đurić") == "duric".
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if rep, ok := foldSpecial[r]; ok {
			b.WriteString(rep)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Words splits s, folded, into its letter-and-digit words: the terms a name is indexed
// and searched by.
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// NormalizeEmail returns the address lower-cased and trimmed, or an EINVALID error when
// it is not a plain address. An empty input gives "" and no error.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s && a.Address != strings.Trim(s, "<>") || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
		return "", Errorf(EINVALID, "err.bad_email", s)
	}
	return strings.ToLower(a.Address), nil
}

// NormalizePhone returns the number in E.164 ("+385911234567"), reading numbers without
// a country code as numbers of defaultRegion (ISO 3166 code, e.g. "HR"). An empty
// input gives "" and no error; a number that cannot be a phone number gives EINVALID.
func NormalizePhone(s, defaultRegion string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	region := strings.ToUpper(defaultRegion)
	if region == "" {
		region = "US"
	}
	n, err := phonenumbers.Parse(s, region)
	// IsValidNumber, not IsPossibleNumber: the latter checks the length only and lets
	// "0912345" through as "+3850912345", a number no phone can dial.
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", Errorf(EINVALID, "err.bad_phone", s)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// NormalizeWebsite trims a website to its host and path, without scheme or "www.", so
// "https://www.acme.hr/" and "acme.hr" compare equal.
func NormalizeWebsite(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"https://", "http://"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(s, "www.")
	return strings.TrimRight(s, "/")
}
