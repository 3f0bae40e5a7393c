package bot

import (
	"testing"
	"time"
)

// a leading number followed by a unit or a month name is not an hour.
// "5 min", "2 days", "3 dec", "15 jan", "3 prosinca" must be read as meant or
// refused, never stored as tomorrow 05:00 / 02:00 / 03:00 / 15:00.
func TestLeadingNumberIsNotAnHour(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Zagreb")
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, loc)
	// A month after the number is the day it names: read as meant, not refused.
	meant := map[string]string{"3 dec call": "Thu 3 Dec 10:00", "3 december call": "Thu 3 Dec 10:00", "15 jan call": "Fri 15 Jan 10:00", "3 prosinca nazvati": "Thu 3 Dec 10:00"}
	for _, in := range []string{"5 min call", "2 days call", "3 weeks call", "3 dec call", "3 december call", "15 jan call", "3 prosinca nazvati", "5 dana nazvati", "sutra u pola 3 nazvati"} {
		got, rest, err := ParseWhen(in, now, loc)
		if err == nil && got.Format("Mon 2 Jan 15:04") != meant[in] {
			t.Errorf("%q => %s, rest %q: a silent misreading", in, got.Format("Mon 2 Jan 15:04"), rest)
		}
	}
}

// issue 9 lists "14h" among the hour forms, and in Croatian "9h" is 09:00;
// the grammar reads a lone "9h" as "in 9 hours".
func TestLoneHourH(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Zagreb")
	now := time.Date(2026, 11, 25, 22, 35, 0, 0, loc)
	for _, in := range []string{"9h nazvati", "14h nazvati"} {
		got, _, err := ParseWhen(in, now, loc)
		if err == nil && got.Minute() != 0 {
			t.Errorf("%q => %s: read as a duration, not as the hour", in, got.Format("Mon 2 Jan 15:04"))
		}
	}
}
