package crm

// ValidOIB reports whether s is a Croatian OIB: 11 digits whose last is the ISO 7064
// MOD 11,10 check digit of the first ten. A mistyped digit fails the check, so a
// wrong number is never stored as the key that de-duplicates companies.
func ValidOIB(s string) bool {
	if len(s) != 11 {
		return false
	}
	for i := 0; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return int(s[10]-'0') == oibCheckDigit(s[:10])
}

// oibCheckDigit computes the ISO 7064 MOD 11,10 check digit of ten digits.
func oibCheckDigit(ten string) int {
	a := 10
	for i := 0; i < 10; i++ {
		a = (a + int(ten[i]-'0')) % 10
		if a == 0 {
			a = 10
		}
		a = a * 2 % 11
	}
	c := 11 - a
	if c == 10 {
		c = 0
	}
	return c
}
