package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
)

const testManager = "U2" // a corporate manager

// addManager puts testManager on the team.
func (e *env) addManager() *crm.User {
	e.t.Helper()
	ctx := context.Background()
	op := crm.Op{Actor: e.admin()}
	u, err := e.svc.AddUser(ctx, op, "Marija Manager", crm.RoleManager, crm.SegmentCorporate, "Europe/Zagreb")
	if err != nil {
		e.t.Fatal(err)
	}
	if u, err = e.svc.LinkIdentity(ctx, op, u.ID, identity(testTeam, testManager)); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// visible returns what the fake Slack was asked to show everyone in channel: posts
// and response_url answers in_channel.
func (e *env) visible(channel string) []call {
	var out []call
	for _, c := range e.slack.all("") {
		switch {
		case c.Method == "chat.postMessage" && c.Form.Get("channel") == channel:
			out = append(out, c)
		case c.Method == "response_url" && c.JSON["response_type"] == "in_channel":
			out = append(out, c)
		case c.Method == "files.completeUploadExternal" && c.Form.Get("channel_id") == channel:
			out = append(out, c)
		}
	}
	return out
}

// A manager types /crm in a public channel, and in the DM: every answer about a
// client is theirs alone, and nothing shows in the channel.
func TestSlashCommandsInAnyConversationAreEphemeral(t *testing.T) {
	for _, channel := range []string{"C1", "G7", "DU2"} {
		t.Run(channel, func(t *testing.T) {
			e := newEnv(t)
			e.addManager()
			steps := []struct{ text, want string }{
				{"new Ivan Horvat, Acme Trading", "Created #1"},
				{"log 1 call: wants 40 seats", "#1"},
				{"show 1", "Acme Trading"},
				{"find horvat", "Acme Trading"},
				{"my", "Acme Trading"},
				{"pipeline", "Pipeline"}, // a manager's own report
			}
			for i, s := range steps {
				r, body := e.command(testManager, channel, s.text, "tr-"+s.text)
				if r.StatusCode != 200 || body != "" {
					t.Fatalf("%s: ack %d %q", s.text, r.StatusCode, body)
				}
				got := e.slack.waitFor("response_url", i+1)[i]
				if got.JSON["response_type"] != "ephemeral" {
					t.Errorf("%s: answered %v", s.text, got.JSON["response_type"])
				}
				if all := got.text() + got.blocksJSON(); !strings.Contains(all, s.want) {
					t.Errorf("%s: answer %q lacks %q", s.text, got.text(), s.want)
				}
				if strings.Contains(got.blocksJSON(), actionShare) {
					t.Errorf("%s: a private answer offers to share itself", s.text)
				}
			}
			if v := e.visible(channel); len(v) != 0 {
				t.Fatalf("shown to the channel: %+v", v)
			}
			if in := e.interests(); len(in) != 1 {
				t.Fatalf("interests: %d", len(in))
			}
		})
	}
}

// Forms open as modals from a channel, as from the DM.
func TestFormsOpenFromAChannel(t *testing.T) {
	e := newEnv(t)
	e.addManager()
	e.command(testManager, "C1", "new", "tr-new")
	e.command(testManager, "C1", "log", "tr-log")
	open := e.slack.all("views.open")
	if len(open) != 2 || !strings.Contains(open[0].viewJSON(), callbackNew) || !strings.Contains(open[1].viewJSON(), callbackLog) {
		t.Fatalf("views.open: %+v", open)
	}
	if v := e.visible("C1"); len(v) != 0 {
		t.Fatalf("shown to the channel: %+v", v)
	}
}

// The head's reports for the room are posted in it; /crm help is shown to its
// author, with a button that shares it.
func TestRoomReportsAndShare(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.CreateInterest(context.Background(), crm.Op{Actor: e.admin()}, crm.NewInterest{ContactName: "Marko Horvat", CompanyName: "Acme"}); err != nil {
		t.Fatal(err)
	}
	e.command(testUser, "C1", "pipeline", "tr-p")
	got := e.slack.waitFor("response_url", 1)[0]
	if got.JSON["response_type"] != "in_channel" || !strings.Contains(got.text(), "Pipeline") {
		t.Fatalf("the head's pipeline: %v %q", got.JSON["response_type"], got.text())
	}
	e.command(testUser, "C1", "help", "tr-h")
	got = e.slack.waitFor("response_url", 2)[1]
	if got.JSON["response_type"] != "ephemeral" || !strings.Contains(got.blocksJSON(), actionShare) {
		t.Fatalf("help: %v %s", got.JSON["response_type"], got.blocksJSON())
	}
	// Slack's help names the commands as they are typed in Slack.
	if !strings.Contains(got.text(), "/crm log") || strings.Contains(got.text(), "\n/log") {
		t.Errorf("help in Slack's forms: %q", got.text())
	}
	e.interaction(map[string]any{
		"type": "block_actions", "trigger_id": "tr-share", "response_url": e.slack.responseURL(),
		"team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testUser},
		"container": map[string]any{"type": "message", "channel_id": "C1", "is_ephemeral": true, "message_ts": "1.3"},
		"channel":   map[string]any{"id": "C1"},
		"actions":   []any{map[string]any{"action_id": actionShare, "block_id": "share", "value": "/help", "type": "button"}},
	})
	got = e.slack.waitFor("response_url", 3)[2]
	if got.JSON["response_type"] != "in_channel" || !strings.Contains(got.text(), "/crm log") {
		t.Fatalf("shared help: %v %q", got.JSON["response_type"], got.text())
	}
	// Then the ephemeral copy with the button goes.
	if del := e.slack.waitFor("response_url", 4)[3]; del.JSON["delete_original"] != true {
		t.Fatalf("after sharing: %+v", del.JSON)
	}
	// A share button forged for a client's card still shows nothing in the channel.
	e.interaction(map[string]any{
		"type": "block_actions", "trigger_id": "tr-share2", "response_url": e.slack.responseURL(),
		"team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testUser},
		"container": map[string]any{"type": "message", "channel_id": "C1", "is_ephemeral": true, "message_ts": "1.4"},
		"channel":   map[string]any{"id": "C1"},
		"actions":   []any{map[string]any{"action_id": actionShare, "block_id": "share", "value": "/my", "type": "button"}},
	})
	if got := e.slack.waitFor("response_url", 5)[4]; got.JSON["response_type"] != "ephemeral" || !strings.Contains(got.text(), "cannot be shared") {
		t.Fatalf("forged share: %v %q", got.JSON["response_type"], got.text())
	}
	for _, c := range e.visible("C1") {
		if strings.Contains(c.text()+c.blocksJSON(), "Acme") {
			t.Fatalf("client data shared in the channel: %q", c.text())
		}
	}
}

// Whether a channel's /crm new creates the interest does not depend on what was
// asked before: the same command in the same channel by the same admin (listed in
// CRMBOT_ADMINS, not yet met) creates it as the first command, and after a
// /crm help.
func TestChannelCommandDoesNotDependOnHistory(t *testing.T) {
	for _, before := range []string{"", "help"} {
		t.Run("after "+before, func(t *testing.T) {
			e := newEnv(t)
			e.stop()
			e.engine = bot.New(e.svc, bot.Options{Clock: e.clock.Now, Admins: []crm.Identity{"slack:U3"}})
			e.start()
			n := 0
			if before != "" {
				e.command("U3", "C9", before, "tr-before")
				n++
				e.slack.waitFor("response_url", n)
			}
			e.command("U3", "C9", "new Ivan Horvat, Horvat Trading", "tr-new")
			got := e.slack.waitFor("response_url", n+1)[n]
			if !strings.Contains(got.text(), "Created #1") || got.JSON["response_type"] != "ephemeral" {
				t.Fatalf("%v %q", got.JSON["response_type"], got.text())
			}
			if len(e.interests()) != 1 {
				t.Fatal("not created")
			}
		})
	}
}

// A stranger's /crm in a channel gets the refusal, privately.
func TestStrangerInAChannelIsRefusedPrivately(t *testing.T) {
	e := newEnv(t)
	e.command("U999", "C1", "new Ivan Horvat, Acme", "tr-s")
	got := e.slack.waitFor("response_url", 1)[0]
	if got.JSON["response_type"] != "ephemeral" || !strings.Contains(got.text(), "slack:T1/U999") {
		t.Fatalf("%v %q", got.JSON["response_type"], got.text())
	}
	if len(e.interests()) != 0 {
		t.Fatal("a stranger created an interest")
	}
	// Nothing of theirs is kept, not even the command's trigger_id.
	if known, _ := e.recorded(sourceCommands, "tr-s"); known {
		t.Error("a stranger's command was recorded")
	}
}

// In the DM the grammar is typed without "/", which Slack keeps for itself; a
// mention in a channel runs the command after it, answered to its author alone.
func TestDMWithoutSlashAndMention(t *testing.T) {
	e := newEnv(t)
	e.addManager()
	steps := []struct{ id, text, want string }{
		{"EvD1", "new Marko Đurić, Acme d.o.o.", "Created #1"},
		{"EvD2", "log 1 call: wants 40 seats", "#1"},
		{"EvD3", "find duric", "Acme d.o.o."},
		{"EvD4", "help", "\nlog — "},
	}
	for i, s := range steps {
		e.event(s.id, dm(testManager, s.text), nil)
		e.waitDone(s.id)
		got := e.slack.waitFor("chat.postMessage", i+1)[i]
		if got.Form.Get("channel") != "D"+testManager || !strings.Contains(got.text()+got.blocksJSON(), s.want) {
			t.Fatalf("%q: %s %q, want %q", s.text, got.Form.Get("channel"), got.text(), s.want)
		}
	}
	// The help in the DM names the commands as typed there: "log", not "/log".
	if help := e.slack.all("chat.postMessage")[3].text(); strings.Contains(help, "/log") {
		t.Errorf("DM help: %q", help)
	}
	if ins := e.interests(); len(ins) != 1 {
		t.Fatalf("interests: %d", len(ins))
	}
	// A line that is no command keeps today's free-text answer.
	e.event("EvD5", dm(testManager, "hello"), nil)
	e.waitDone("EvD5")
	if got := e.slack.waitFor("chat.postMessage", 5)[4]; strings.Contains(got.text(), "Acme") {
		t.Errorf("free text: %q", got.text())
	}

	e.event("EvM1", map[string]any{"type": "app_mention", "channel": "C77", "user": testManager, "text": "<@UBOT> find duric",
		"ts": "1795857391.000200", "event_ts": "1795857391.000200"}, nil)
	e.waitDone("EvM1")
	eph := e.slack.waitFor("chat.postEphemeral", 1)
	if eph[0].Form.Get("user") != testManager || eph[0].Form.Get("channel") != "C77" || !strings.Contains(eph[0].text()+eph[0].blocksJSON(), "Acme d.o.o.") {
		t.Fatalf("mention: %+v", eph[0])
	}
	if v := e.visible("C77"); len(v) != 0 {
		t.Fatalf("shown to the channel: %+v", v)
	}
}

// A follow-up the cadence set is stored as a catalog key; the Home tab shows it in
// words, as the chat does.
func TestAppHomeShowsCadenceInWords(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.CreateInterest(ctx, crm.Op{Actor: e.admin()}, crm.NewInterest{ContactName: "Marko Horvat", CompanyName: "Acme"}); err != nil {
		t.Fatal(err)
	}
	in := e.interests()[0]
	if in.Next.What != "next.new" {
		t.Fatalf("the cadence's step is stored as %q", in.Next.What)
	}
	e.clock.Sleep(ctx, in.Next.Due.Sub(e.clock.Now())+time.Hour) // an hour overdue
	e.event("EvHome", map[string]any{"type": "app_home_opened", "user": testUser, "channel": "DU1", "tab": "home", "event_ts": "1.1"}, nil)
	view := e.slack.waitFor("views.publish", 1)[0].viewJSON()
	if !strings.Contains(view, "first call back") || strings.Contains(view, "next.new") || !strings.Contains(view, "overdue") {
		t.Fatalf("home: %s", view)
	}
	// The chat says the same.
	e.command(testUser, "DU1", "today", "tr-today")
	if got := e.slack.waitFor("response_url", 1)[0].text(); !strings.Contains(got, "first call back") {
		t.Errorf("today: %q", got)
	}
}

func TestSlackForms(t *testing.T) {
	tests := []struct {
		in   string
		bare bool
		want string
	}{
		{"/help — what I can do; /help log for one command", false, "/crm help — what I can do; /crm help log for one command"},
		{"/help — what I can do; /help log for one command", true, "help — what I can do; help log for one command"},
		{"Type /show there.", false, "Type /crm show there."},
		{"(/start CODE)", false, "(/crm start CODE)"},
		{"Saved to /backup/crm.db and /srv/x", false, "Saved to /backup/crm.db and /srv/x"},
		{"see https://acme.hr/new and /nosuch", false, "see https://acme.hr/new and /nosuch"},
		{"no commands here", true, "no commands here"},
		// Both platforms' forms named on purpose: left as written.
		{"They send me /start X on Telegram, or /crm start X in Slack. /help", false, "They send me /start X on Telegram, or /crm start X in Slack. /crm help"},
		{"They send me /start X on Telegram, or /crm start X in Slack.", true, "They send me /start X on Telegram, or /crm start X in Slack."},
	}
	for _, tt := range tests {
		if got := slackForms(tt.in, tt.bare); got != tt.want {
			t.Errorf("slackForms(%q, %v) = %q, want %q", tt.in, tt.bare, got, tt.want)
		}
	}
}
