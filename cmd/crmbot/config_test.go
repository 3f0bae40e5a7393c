package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerZone(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "localtime")
	if err := os.Symlink("/usr/share/zoneinfo/Europe/Zagreb", link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "timezone")
	if err := os.WriteFile(file, []byte("America/New_York\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name, tz, localtime, timezone, want string
	}{
		{"TZ wins", "Asia/Tokyo", link, file, "Asia/Tokyo"},
		{"TZ with colon", ":Asia/Tokyo", link, file, "Asia/Tokyo"},
		{"TZ not a zone", "Mars/Olympus", link, file, "Europe/Zagreb"},
		{"the localtime link", "", link, file, "Europe/Zagreb"},
		{"the timezone file", "", missing, file, "America/New_York"},
		{"nothing", "", missing, missing, "UTC"},
	}
	for _, tt := range tests {
		if got := serverZone(tt.tz, tt.localtime, tt.timezone); got != tt.want {
			t.Errorf("%s: serverZone = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// The first user (the terminal's admin) gets CRMBOT_TIMEZONE, not UTC; a zone that
// does not exist stops the start with a clear error.
func TestTimeZoneDefault(t *testing.T) {
	t.Setenv("CRMBOT_NUDGE_SCHEDULE", "@every 1h")
	t.Setenv("CRMBOT_TIMEZONE", "Europe/Zagreb")
	db := filepath.Join(t.TempDir(), "crm.db")
	out, err := runCmd(t, "/tz\n", "chat", "--db", db)
	if err != nil || !strings.Contains(out, "Europe/Zagreb") {
		t.Fatalf("chat with CRMBOT_TIMEZONE=Europe/Zagreb: %v\n%s", err, out)
	}
	t.Setenv("CRMBOT_TIMEZONE", "Mars/Olympus")
	out, err = runCmd(t, "/tz\n", "chat", "--db", filepath.Join(t.TempDir(), "other.db"))
	if err == nil || !strings.Contains(out+err.Error(), "Mars/Olympus") {
		t.Fatalf("a zone that does not exist was accepted: %v\n%s", err, out)
	}
}
