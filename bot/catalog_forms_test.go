package bot

import (
	"testing"

	"golang.org/x/text/feature/plural"
)

// A text written with plural variants has one for every form its language's CLDR
// rules use: a Croatian key with [one] and [other] but no [few] would say
// "2 otvorenih" through the fallback to [other].
func TestCatalogPluralFormsComplete(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	names := map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many", plural.Other: "other"}
	for _, lang := range cat.Languages() {
		used := map[plural.Form]bool{}
		for n := 0; n < 1000; n++ {
			used[plural.Cardinal.MatchPlural(cat.tags[lang], n, 0, 0, 0, 0)] = true
		}
		for key, forms := range cat.plurals[lang] {
			for f := range used {
				if _, ok := forms[f]; !ok {
					t.Errorf("%s: %s[%s] is missing", lang, key, names[f])
				}
			}
		}
	}
}
