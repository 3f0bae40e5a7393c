package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// restore --db naming a directory is a wrong path: refused up front with exit 2
// (as every other command refuses one), before any copy is made next to it.
func TestRestoreRefusesADirectoryTarget(t *testing.T) {
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	seed(t, backup)
	target := filepath.Join(dir, "data.db")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"restore", "--db", target, backup}, {"restore", "--db", target, "--create", backup}} {
		out, err := runCmd(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "not a database file") {
			t.Fatalf("%v: err %v, want the wrong-path refusal\n%s", args, err, out)
		}
		if c := exitCode(err); c != 2 {
			t.Fatalf("%v: exit %d, want 2 (%v)", args, c, err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".data.db.*"))
	if len(left) > 0 {
		t.Fatalf("files left next to the target: %v", left)
	}
}
