package main

import (
	"strings"
	"testing"

	"crmbot/storage/storagetest"
)

// CRMBOT_DB=postgres://… selects PostgreSQL: what one chat stores, the next one
// reads, and the password never appears in what crmbot prints.
func TestChatOnPostgres(t *testing.T) {
	t.Setenv("CRMBOT_NUDGE_SCHEDULE", "@every 1h")
	u := storagetest.PostgresSchema(t)
	u = strings.Replace(u, "postgres://crmbot@", "postgres://crmbot:pw-not-shown@", 1)
	t.Setenv("CRMBOT_DB", u)
	out, err := runCmd(t, "/new Marko Đurić, Acme d.o.o.\n/log 1 call: wants 40 seats\n", "chat")
	if err != nil || !strings.Contains(out, "Created #1") || !strings.Contains(out, "Logged on #1: call") {
		t.Fatalf("chat: %v\n%s", err, out)
	}
	out, err = runCmd(t, "/show 1\n", "chat", "--db", u)
	if err != nil || !strings.Contains(out, "wants 40 seats") {
		t.Fatalf("second chat does not show the call: %v\n%s", err, out)
	}
	if strings.Contains(out, "pw-not-shown") {
		t.Errorf("the output shows the password:\n%s", out)
	}
}

// The file tools say they apply to the file backend instead of looking for a file
// named like the URL; a command that does not run on PostgreSQL yet says so.
func TestFileCommandsRefusePostgres(t *testing.T) {
	u := "postgres://crmbot:pw-not-shown@127.0.0.1:1/crm"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"doctor", "--db", u}, "crmbot doctor works on the file backend"},
		{[]string{"backup", "--db", u, "x.db"}, "crmbot backup works on the file backend"},
		{[]string{"restore", "--db", u, "x.db"}, "crmbot restore works on the file backend"},
		{[]string{"serve", "--db", u}, "crmbot serve does not run on PostgreSQL yet"},
	} {
		out, err := runCmd(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("%v: %v\n%s\nwant %q", tc.args[0], err, out, tc.want)
		}
		if strings.Contains(err.Error()+out, "pw-not-shown") {
			t.Errorf("%v shows the password: %v %s", tc.args[0], err, out)
		}
	}
}
