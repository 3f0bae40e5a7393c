package bot

import (
	"regexp"
	"strings"

	"crmbot/crm"
)

var (
	reGroupHead = regexp.MustCompile(`^\D{0,3}\d{1,3}$`)
	reGroup3    = regexp.MustCompile(`^\d{3}(?:[.,]\d{1,2})?$`)
)

// currencyCodes are the codes read after an amount. A word not listed is the start of
// the note: "/won 42 value 30000 the client signed" must not store the currency THE.
var currencyCodes = map[string]bool{"EUR": true, "USD": true, "GBP": true, "CHF": true, "HRK": true, "RSD": true,
	"BAM": true, "MKD": true, "HUF": true, "PLN": true, "CZK": true, "RON": true, "BGN": true, "SEK": true,
	"NOK": true, "DKK": true, "TRY": true, "JPY": true, "CNY": true, "CAD": true, "AUD": true}

// wonValueKeywords introduce the value after "/won 42": "value 30000", "value: 30000",
// "for 30000", and the Croatian "vrijednost", "iznos", "za".
var wonValueKeywords = map[string]bool{"value": true, "for": true, "vrijednost": true, "iznos": true, "za": true}

// wonPrepositions are the keywords that are also everyday words: "za 3 godine",
// "for 2 years" are notes. After them an amount is the value only as a leading amount
// is (with a currency, or alone), and anything else stays the note.
var wonPrepositions = map[string]bool{"for": true, "za": true}

// wonValueOf finds the value in what follows "/won 42". After a keyword (with or
// without a colon) an amount must follow, or the command is refused: the user meant a
// value and it must not end up in the note unread; "for" and "za" are read as
// wonPrepositions says. Without a keyword, a note that
// starts with an amount in a currency ("30.000 €", "30000 EUR") or is only an amount
// ("30000") is the value; "3 licences signed" stays the note. No value gives nil.
func wonValueOf(note string) (*crm.WonValue, string, error) {
	w, rest := firstWord(note)
	if k, after, ok := strings.Cut(w, ":"); ok && wonValueKeywords[strings.ToLower(k)] {
		// "value:30000" has the amount glued to the colon.
		return parseWonValue(strings.TrimSpace(after + " " + rest))
	}
	if wonPrepositions[strings.ToLower(w)] {
		if v, after := leadingAmount(rest); v != nil {
			return v, after, nil
		}
		return nil, note, nil
	}
	if wonValueKeywords[strings.ToLower(w)] {
		return parseWonValue(rest)
	}
	v, after := leadingAmount(note)
	if v == nil {
		return nil, note, nil
	}
	return v, after, nil
}

// leadingAmount reads an amount at the start of s when it is surely the value: with a
// currency ("30.000 €", "30000 EUR"), or alone ("30000"). "3 licences signed" gives nil.
func leadingAmount(s string) (*crm.WonValue, string) {
	if w, _ := firstWord(s); w == "" || !strings.ContainsAny(w, "0123456789") {
		return nil, ""
	}
	v, after, err := parseWonValue(s)
	if err != nil {
		return nil, "" // not an amount: the note as typed
	}
	if v.Currency == "" && strings.TrimSpace(after) != "" {
		return nil, "" // "3 licences signed": a count, not the value
	}
	return v, after
}

// parseWonValue reads "30000 EUR rest of the note" after /won 42 value: the amount
// (as /new reads one: 30000, 30.000, 12.000,00 kn, 30000€), an optional currency (a code
// or a sign, before or after), and the rest as the note.
func parseWonValue(s string) (*crm.WonValue, string, error) {
	amount, rest := firstWord(s)
	// "12 000 €", "1 250 000,00 kn": groups of three after a head of one to three
	// digits are the same number, as parseAmount reads it; "30000 000" is not grouped.
	if reGroupHead.MatchString(amount) {
		for {
			w, after := firstWord(rest)
			if !reGroup3.MatchString(w) {
				break
			}
			amount, rest = amount+" "+w, after
			if !reNumber.MatchString(w) {
				break // a decimal part ends the number
			}
		}
	}
	if w, after := firstWord(rest); w != "" {
		if _, ok := currencyAliases[strings.ToLower(w)]; ok || currencyCodes[strings.ToUpper(w)] {
			amount, rest = amount+" "+w, after
		}
	}
	v, cur, ok := parseAmount(amount)
	if !ok || v <= 0 {
		return nil, "", crm.Errorf(crm.EINVALID, "err.bad_won_value")
	}
	return &crm.WonValue{Value: v, Currency: cur}, rest, nil
}
