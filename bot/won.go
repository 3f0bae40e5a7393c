package bot

import (
	"regexp"
	"strconv"
	"strings"

	"crmbot/crm"
)

// wholeAmount is a whole amount as people type it: 30000, or in groups of three
// with a separator (30.000, 30,000, 30 000 is two words and not read). A decimal
// part (30.5, 1.250,50) does not match: reading it as 305 or 125050 would be a
// silent misreading, so it is refused with an example instead.
var wholeAmount = regexp.MustCompile(`^(\d+|\d{1,3}([.,'_]\d{3})+)$`)

// currencySymbols are the signs typed for a currency instead of its code.
var currencySymbols = map[string]string{"€": "EUR", "$": "USD", "£": "GBP"}

// currencyCodes are the codes read after an amount. A word not listed is the start of
// the note: "/won 42 value 30000 the client signed" must not store the currency THE.
var currencyCodes = map[string]bool{"EUR": true, "USD": true, "GBP": true, "CHF": true, "HRK": true, "RSD": true,
	"BAM": true, "MKD": true, "HUF": true, "PLN": true, "CZK": true, "RON": true, "BGN": true, "SEK": true,
	"NOK": true, "DKK": true, "TRY": true, "JPY": true, "CNY": true, "CAD": true, "AUD": true}

// parseWonValue reads "30000 EUR rest of the note" after /won 42 value: the amount,
// an optional currency (a three-letter code or a sign), and the rest as the note.
func parseWonValue(s string) (*crm.WonValue, string, error) {
	num, rest := firstWord(s)
	cur := ""
	// "30000€" and "€30000" carry the sign on the number.
	for sign, code := range currencySymbols {
		if len(num) > len(sign) && (strings.HasSuffix(num, sign) || strings.HasPrefix(num, sign)) {
			num, cur = strings.TrimSuffix(strings.TrimPrefix(num, sign), sign), code
		}
	}
	if !wholeAmount.MatchString(num) {
		return nil, "", crm.Errorf(crm.EINVALID, "err.bad_won_value")
	}
	v, err := strconv.ParseInt(strings.NewReplacer(".", "", ",", "", "'", "", "_", "").Replace(num), 10, 64)
	if err != nil || v <= 0 {
		return nil, "", crm.Errorf(crm.EINVALID, "err.bad_won_value")
	}
	if cur == "" {
		w, after := firstWord(rest)
		if code, ok := currencySymbols[strings.ToLower(w)]; ok {
			cur, rest = code, after
		} else if currencyCodes[strings.ToUpper(w)] {
			cur, rest = strings.ToUpper(w), after
		}
	}
	return &crm.WonValue{Value: v, Currency: cur}, rest, nil
}
