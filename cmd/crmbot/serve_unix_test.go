//go:build unix

package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAdminSocketIsPrivateFromItsFirstMoment: under a permissive umask, the admin
// socket must already be 0600 when Listen returns, not only after a chmod.
func TestAdminSocketIsPrivateFromItsFirstMoment(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	var mode os.FileMode
	adminListened = func(path string) {
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	t.Cleanup(func() { adminListened = func(string) {} })
	db := filepath.Join(t.TempDir(), "crm.db")
	seed(t, db)
	startServe(t, db)
	if mode != 0o600 {
		t.Fatalf("admin socket mode right after Listen = %v, want 0600", mode)
	}
	if now := syscall.Umask(0); now != 0 {
		t.Errorf("serve left the umask at %o", now)
	}
}

// TestServeWithThePortInUse: serve must fail before it starts anything, leaving no
// admin socket behind and the database free for the next process.
func TestServeWithThePortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tg := fakeTelegram(t)
	t.Setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-half-of-the-token")
	t.Setenv("TELEGRAM_API_ENDPOINT", tg.URL+"/bot%s/%s")
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("CRMBOT_HTTP_ADDR", busy.Addr().String())
	t.Setenv("CRMBOT_NUDGE_SCHEDULE", "@every 1h")
	db := filepath.Join(t.TempDir(), "crm.db")
	seed(t, db)
	var logs syncBuffer
	err = run(context.Background(), []string{"serve", "--db", db}, strings.NewReader(""), &logs, &logs)
	if err == nil || !strings.Contains(err.Error(), "http:") {
		t.Fatalf("serve on a busy port: %v\n%s", err, logs.String())
	}
	if _, err := os.Stat(adminSocket(db)); !os.IsNotExist(err) {
		t.Errorf("serve left its admin socket behind: %v", err)
	}
	if o, err := runCmd(t, "/show 1\n", "chat", "--db", db); err != nil || !strings.Contains(o, "Marko") {
		t.Errorf("the database after a failed serve: %v\n%s", err, o)
	}
}
