package bot

import (
	"strings"
	"testing"
	"time"
)

// Regression: "12.000,- kn" is how Croatian price lists write a whole amount. /new splits
// at the comma: 12000 is stored in the default currency (EUR, not kn) and "- kn" becomes
// the need; /new's reply does not echo the value, so nothing shows it. (/edit and /won
// refuse the same text.)
func TestNewValueCommaDash(t *testing.T) {
	n := parseNewLine("Marko Đurić, Acme d.o.o., vrijednost: 12.000,- kn")
	if n.Need != "" || (n.Value == 12000 && n.Currency != "HRK") {
		t.Errorf("vrijednost: 12.000,- kn => value %d %q, need %q", n.Value, n.Currency, n.Need)
	}
}

// Regression: a part of the day after the time must change it or be refused, as
// "sutra 2 popodne" is refused. "u 3 poslijepodne" is stored as 03:00, "u 8 uvečer" as
// 08:00, "tomorrow 3 in the afternoon" as 03:00, and "sutra u podne" (at noon) as 10:00.
func TestPartOfDayAfterTime(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Zagreb")
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, loc)
	for _, in := range []string{"sutra u 3 poslijepodne nazvati", "sutra u 8 uvečer nazvati", "tomorrow 3 in the afternoon call", "sutra u podne nazvati", "u 2 poslijepodne sastanak"} {
		got, rest, err := ParseWhen(in, now, loc)
		if err == nil && got.Hour() < 12 {
			t.Errorf("%q => %s, rest %q: a part of the day silently dropped", in, got.Format("Mon 2 Jan 15:04"), rest)
		}
	}
}

// Regression: an hour behind a little word ("oko 14h" around, "nakon/poslije 14" after,
// "od 14" from), or written with the decimal comma a phone keyboard offers ("14,30"), or
// as "14 i pol" (half past) is left in the text while the day gets 10:00 (or 14:00): the
// reminder comes hours early and the echo ("u 10:00 — oko 14h nazvati") reads as if
// right. Read it, or refuse it as "in 2 hours 14:00" is refused.
func TestHourBehindAWord(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Zagreb")
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, loc)
	for _, in := range []string{"sutra oko 14h nazvati", "sutra oko 14 nazvati", "pet nakon 14 nazvati", "sutra poslije 14 nazvati", "sutra od 14 sastanak", "sutra 14,30 nazvati", "sutra 9,30 nazvati", "sutra u 14 i pol nazvati", "sutra u 14 i 30 nazvati"} {
		got, rest, err := ParseWhen(in, now, loc)
		if err == nil && got.Hour() != 14 && got.Hour() != 9 || err == nil && got.Minute() == 0 && (strings.Contains(in, "30") || strings.Contains(in, "pol")) {
			t.Errorf("%q => %s, rest %q: the hour typed is not the hour stored", in, got.Format("Mon 2 Jan 15:04"), rest)
		}
	}
}

func TestNearestCommand(t *testing.T) {
	for in, want := range map[string]string{
		"nwe": "new", "pipline": "pipeline", "lgo": "log", "shwo": "show", "tema": "team",
		"frobnicate": "", "x": "", "stg": "",
	} {
		if got := nearestCommand(in); got != want {
			t.Errorf("nearestCommand(%q) = %q, want %q", in, got, want)
		}
	}
}
