package bot

import (
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	zg, _ := time.LoadLocation("Europe/Zagreb")
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, zg) // a Wednesday
	tests := []struct {
		in, want, rest string
	}{
		{"tomorrow 10:00", "2026-11-26 10:00", ""},
		{"tomorrow", "2026-11-26 10:00", ""},
		{"fri", "2026-11-27 10:00", ""},
		{"fri 14:30 send proposal", "2026-11-27 14:30", "send proposal"},
		{"next fri 10:00 send proposal", "2026-11-27 10:00", "send proposal"},
		{"in 3 days", "2026-11-28 10:00", ""},
		{"in 2 hours", "2026-11-25 17:04", ""},
		{"in a week call again", "2026-12-02 10:00", "call again"},
		{"next week", "2026-11-30 10:00", ""},
		{"next week 9:30 demo", "2026-11-30 09:30", "demo"},
		{"2026-12-03", "2026-12-03 10:00", ""},
		{"2026-12-03 14:00 meeting", "2026-12-03 14:00", "meeting"},
		{"3.12.2026 14:00", "2026-12-03 14:00", ""},
		{"3.1.", "2027-01-03 10:00", ""},
		{"mon 9:30", "2026-11-30 09:30", ""},
		{"today 17:00", "2026-11-25 17:00", ""},
		{"wed", "2026-12-02 10:00", ""},
	}
	for _, tt := range tests {
		got, rest, err := ParseWhen(tt.in, now, zg)
		if err != nil {
			t.Errorf("ParseWhen(%q): %v", tt.in, err)
			continue
		}
		if g := got.Format("2006-01-02 15:04"); g != tt.want || rest != tt.rest {
			t.Errorf("ParseWhen(%q) = %s, %q; want %s, %q", tt.in, g, rest, tt.want, tt.rest)
		}
	}
	for _, bad := range []string{"", "soon", "blah blah", "2026-13-40", "call them"} {
		if got, _, err := ParseWhen(bad, now, zg); err == nil {
			t.Errorf("ParseWhen(%q) = %v, want an error", bad, got)
		}
	}
}
