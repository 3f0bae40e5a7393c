package bot

import (
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// amount shows an estimated value with its currency as the reader writes it:
// "12 000 EUR" in English, "12.000,00 €" in Croatian.
func (c *conv) amount(v int64, cur string) string {
	num, sym := c.amountParts(v, cur)
	return num + " " + sym
}

// amountParts is amount in two parts, number and currency, for texts that place them.
// English keeps the space-grouped whole number and the ISO code the team always saw;
// other languages follow CLDR (separators and the narrow symbol: € for EUR, kn for
// HRK), so a new language needs no code here either.
func (c *conv) amountParts(v int64, cur string) (string, string) {
	if c.lang == DefaultLang {
		return money(v), cur
	}
	tag, err := language.Parse(c.lang)
	if err != nil {
		return money(v), cur
	}
	p := message.NewPrinter(tag)
	num := p.Sprint(number.Decimal(v, number.MinFractionDigits(2), number.MaxFractionDigits(2)))
	if unit, err := currency.ParseISO(cur); err == nil {
		cur = p.Sprint(currency.NarrowSymbol(unit))
	}
	return num, cur
}

// ParseAmount reads an estimated value as /new and /edit read it ("12 000,00 €" is
// 12000 EUR; "30,5" is refused, never 305), for forms that take one in a field of
// its own. The currency is "" when none is written; ok is false when it is not a
// whole amount.
func ParseAmount(v string) (value int64, currency string, ok bool) {
	return parseAmount(v)
}
