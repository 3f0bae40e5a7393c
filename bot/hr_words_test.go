package bot_test

import (
	"strings"
	"testing"
)

// Regression: a Croatian reader's morning digest dates itself in English
// ("Pregled za Wed 25 Nov:", push.go's l.Format("Mon 2 Jan")); the skipped-digest note
// does too (scan_digests.go's conv.day). Every other Croatian date is "sri 25. 11.".
func TestCroatianDigestDate(t *testing.T) {
	h := newHarness(t)
	say := func(text string) string { return h.sayAs("console:admin", text) }
	say("/lang hr")
	got := say("/digest")
	if strings.Contains(got, "Wed") || strings.Contains(got, "Nov") {
		t.Errorf("Croatian /digest names the day in English: %s", got)
	}
}

// Regression: Croatian /settings lists the working days as "mon,tue,wed,thu,fri"
// (cmd_schedule.go: d.String()[:3]), while the same reply teaches "pon-pet".
func TestCroatianSettingsDays(t *testing.T) {
	h := newHarness(t)
	say := func(text string) string { return h.sayAs("console:admin", text) }
	say("/lang hr")
	if got := say("/settings"); strings.Contains(got, "mon") {
		t.Errorf("Croatian /settings names the days in English: %s", got)
	}
}
