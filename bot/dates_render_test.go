package bot

import (
	"testing"
	"time"

	"crmbot/crm"
)

func TestDistanceAndFormat(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC) // Wed 16:04 in Zagreb
	e := &Engine{cat: cat, clock: func() time.Time { return now }}
	tests := []struct {
		lang  string
		after time.Duration
		when  string
		dist  string
	}{
		{"en", 30 * time.Second, "Wed 25 Nov 16:04", "now"},
		{"en", time.Minute, "Wed 25 Nov 16:05", "in 1 minute"},
		{"en", 30 * time.Minute, "Wed 25 Nov 16:34", "in 30 minutes"},
		{"en", 2 * time.Hour, "Wed 25 Nov 18:04", "in 2 hours"},
		{"en", 10 * time.Hour, "Thu 26 Nov 02:04", "tomorrow"},
		{"en", 3 * 24 * time.Hour, "Sat 28 Nov 16:04", "in 3 days"},
		{"en", 21 * 24 * time.Hour, "Wed 16 Dec 16:04", "in 3 weeks"},
		{"en", 400 * 24 * time.Hour, "Thu 30 Dec 2027 16:04", "in 1 year"},
		{"hr", time.Minute, "sri 25. 11. u 16:05", "za 1 minutu"},
		{"hr", 3 * time.Minute, "sri 25. 11. u 16:07", "za 3 minute"},
		{"hr", 5 * time.Minute, "sri 25. 11. u 16:09", "za 5 minuta"},
		{"hr", 21 * time.Minute, "sri 25. 11. u 16:25", "za 21 minutu"},
		{"hr", time.Hour, "sri 25. 11. u 17:04", "za 1 sat"},
		{"hr", 2 * time.Hour, "sri 25. 11. u 18:04", "za 2 sata"},
		{"hr", 7 * time.Hour, "sri 25. 11. u 23:04", "za 7 sati"},
		{"hr", 24 * time.Hour, "čet 26. 11. u 16:04", "sutra"},
		{"hr", 2 * 24 * time.Hour, "pet 27. 11. u 16:04", "za 2 dana"},
		{"hr", 5 * 24 * time.Hour, "pon 30. 11. u 16:04", "za 5 dana"},
		{"hr", 14 * 24 * time.Hour, "sri 9. 12. u 16:04", "za 2 tjedna"},
		{"hr", 35 * 24 * time.Hour, "sri 30. 12. u 16:04", "za 5 tjedana"},
		{"hr", 120 * 24 * time.Hour, "čet 25. 3. 2027. u 16:04", "za 4 mjeseca"},
		{"hr", 730 * 24 * time.Hour, "pet 24. 11. 2028. u 16:04", "za 2 godine"},
		{"hr", -time.Hour, "sri 25. 11. u 15:04", ""},
	}
	for _, tt := range tests {
		c := &conv{e: e, u: &crm.User{TZ: "Europe/Zagreb"}, lang: tt.lang}
		at := now.Add(tt.after)
		if got := c.when(at); got != tt.when {
			t.Errorf("%s when(+%v) = %q, want %q", tt.lang, tt.after, got, tt.when)
		}
		if got := c.distance(at); got != tt.dist {
			t.Errorf("%s distance(+%v) = %q, want %q", tt.lang, tt.after, got, tt.dist)
		}
	}
}
