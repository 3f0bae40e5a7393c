package bot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"crmbot/crm"
)

// FuzzParseWhen: whatever is typed, at whatever moment, the grammar answers in
// bounded time with either one instant inside the horizon, in the user's zone, to the
// minute, or a *DateError whose message exists. The rest it returns is the end of
// what was typed. Seeds: testdata/fuzz/FuzzParseWhen (the corpus' expressions).
func FuzzParseWhen(f *testing.F) {
	cat, err := LoadCatalog()
	if err != nil {
		f.Fatal(err)
	}
	zones := []*time.Location{time.UTC}
	for _, name := range []string{"Europe/Zagreb", "America/New_York", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			f.Fatal(err)
		}
		zones = append(zones, loc)
	}
	base := time.Date(2026, 11, 25, 14, 4, 0, 0, time.UTC)
	for _, s := range []string{"tomorrow 10 send proposal", "31.2.", "in 99999999 days", "u 14h", "3. 12. 2026.", "sutra u 14:30 nazvati", "sutra oko 14 i pol popodne", "u 3 poslije podne", "za sat vremena", "tomorrow 3 in the afternoon"} {
		f.Add(s, int64(0), uint8(1))
	}
	f.Fuzz(func(t *testing.T, text string, minutes int64, zone uint8) {
		// Any moment within ten years of the base, so DST changes and year ends are met.
		now := base.Add(time.Duration(minutes%(10*366*24*60)) * time.Minute)
		loc := zones[int(zone)%len(zones)]
		got, rest, err := ParseWhen(text, now, loc)
		if err != nil {
			var de *DateError
			if !errors.As(err, &de) {
				t.Fatalf("ParseWhen(%q): %v is not a *DateError", text, err)
			}
			if !cat.Has(de.Key) {
				t.Fatalf("ParseWhen(%q): refusal key %s is not in the catalog", text, de.Key)
			}
			return
		}
		if got.After(crm.Horizon(now)) || got.Before(now.AddDate(-pastYears, 0, 0)) {
			t.Fatalf("ParseWhen(%q) at %v = %v: outside the horizon", text, now, got)
		}
		if got.Location() != loc {
			t.Fatalf("ParseWhen(%q) = %v in %v, want %v", text, got, got.Location(), loc)
		}
		if got.Second() != 0 || got.Nanosecond() != 0 {
			t.Fatalf("ParseWhen(%q) = %v: not a whole minute", text, got)
		}
		if !strings.HasSuffix(strings.TrimSpace(text), rest) || len(rest) >= len(strings.TrimSpace(text)) {
			t.Fatalf("ParseWhen(%q): rest %q is not what follows the date", text, rest)
		}
		again, rest2, err := ParseWhen(text, now, loc)
		if err != nil || !again.Equal(got) || rest2 != rest {
			t.Fatalf("ParseWhen(%q) is not deterministic: %v %q, then %v %q %v", text, got, rest, again, rest2, err)
		}
	})
}
