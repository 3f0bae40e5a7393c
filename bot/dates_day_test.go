package bot

import (
	"testing"
	"time"
)

// formatDay is the date the digest title and the skipped-digest note show: the
// Croatian reader must not get "Wed 25 Nov".
func TestFormatDay(t *testing.T) {
	day := time.Date(2026, 11, 25, 8, 30, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, want string }{
		{"en", "Wed 25 Nov"},
		{"hr", "sri 25. 11."},
	} {
		if got := formatDay(day, tc.lang); got != tc.want {
			t.Errorf("formatDay(%s) = %q, want %q", tc.lang, got, tc.want)
		}
	}
}
