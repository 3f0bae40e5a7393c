package main

import (
	"os"
	"path/filepath"
	"testing"
)

// README's backup example names a manual copy
// /backups/crmbot-$(date +%F).db (crmbot-2026-11-20.db). In the directory the daily
// backups rotate in, such a copy matches the rotation's pattern, sorts before every
// daily one ('-' < '1') and is the first deleted: the copy an operator made by hand
// before an upgrade is gone a day later, silently. Rotation must delete only the
// names it writes (crmbot-YYYYMMDD-HHMMSS.db).
func TestRotationKeepsManualBackups(t *testing.T) {
	dir := t.TempDir()
	manual := filepath.Join(dir, "crmbot-2026-11-20.db")
	for _, name := range []string{"crmbot-2026-11-20.db", "crmbot-20261121-030000.db", "crmbot-20261122-030000.db"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := pruneBackups(dir, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(manual); err != nil {
		t.Fatalf("daily rotation deleted the manual backup: %v", err)
	}
}
