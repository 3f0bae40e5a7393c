package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// CRMBOT_OUTBOX_LEASE and CRMBOT_REPLICA reach the scheduler and the inbox; a lease
// that is not a positive duration stops the start and says what to write.
func TestOutboxLeaseAndReplica(t *testing.T) {
	tests := []struct {
		lease   string
		want    time.Duration
		wantErr bool
	}{
		{"", 0, false}, // the scheduler's default
		{"3s", 3 * time.Second, false},
		{"ten minutes", 0, true},
		{"-1m", 0, true},
	}
	for _, tt := range tests {
		t.Setenv("CRMBOT_OUTBOX_LEASE", tt.lease)
		t.Setenv("CRMBOT_REPLICA", "crm-2")
		var c config
		err := c.parse(flag.NewFlagSet("serve", flag.ContinueOnError), []string{"--db", filepath.Join(t.TempDir(), "crm.db")})
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "CRMBOT_OUTBOX_LEASE") || !strings.Contains(err.Error(), "10m") {
				t.Errorf("lease %q: %v, want an error naming the variable and an example", tt.lease, err)
			}
			continue
		}
		if err != nil || c.Sched.DeliveryLease != tt.want || c.Replica != "crm-2" {
			t.Errorf("lease %q: %v, %v, replica %q", tt.lease, err, c.Sched.DeliveryLease, c.Replica)
		}
	}
}
