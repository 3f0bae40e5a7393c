package slack

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
)

// refuse makes the fake answer method with Slack's {"ok":false,"error":code}.
func refuse(method, code string) func(string, http.ResponseWriter, int) bool {
	return func(m string, w http.ResponseWriter, _ int) bool {
		if m != method {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":false,"error":"` + code + `"}`))
		return true
	}
}

// When Slack refuses a chart, the asker still gets the report, as text, and is
// told privately what happened and what to do.
func TestChartRefusedGivesTheReportAndWhatToDo(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(e *env)
		channel string
		want    string // in the private note
	}{
		{"missing files:write", func(e *env) {
			e.slack.setScopes(slices.DeleteFunc(manifestScopes(t), func(s string) bool { return s == "files:write" }))
		}, "C1", "files:write"},
		{"not in channel", func(e *env) { e.slack.hook = refuse("files.completeUploadExternal", "not_in_channel") }, "C1", "/invite @crmbot"},
		{"other refusal", func(e *env) { e.slack.hook = refuse("files.getUploadURLExternal", "invalid_arguments") }, "C1", "(invalid_arguments)"},
		{"in the DM", func(e *env) {
			e.slack.setScopes(slices.DeleteFunc(manifestScopes(t), func(s string) bool { return s == "files:write" }))
		}, "DU1", "files:write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if _, err := e.svc.CreateInterest(context.Background(), crm.Op{Actor: e.admin()}, crm.NewInterest{ContactName: "Marko Horvat", CompanyName: "Acme"}); err != nil {
				t.Fatal(err)
			}
			tt.setup(e)
			e.command(testUser, tt.channel, "pipeline chart", "tr-chart")
			got := e.slack.waitFor("response_url", 2)
			report, note := got[0], got[1]
			// The head's report is for the room in a channel, as it would be with the picture.
			wantType := "in_channel"
			if tt.channel == "DU1" {
				wantType = "ephemeral"
			}
			if report.JSON["response_type"] != wantType || !strings.Contains(report.text(), "Ana Admin") {
				t.Errorf("report: %v %q", report.JSON["response_type"], report.text())
			}
			if note.JSON["response_type"] != "ephemeral" || !strings.Contains(note.text(), tt.want) || !strings.Contains(note.text(), "as text") {
				t.Errorf("note: %v %q", note.JSON["response_type"], note.text())
			}
			if n := len(e.slack.all("files.completeUploadExternal")); n > 1 {
				t.Errorf("%d uploads", n)
			}
		})
	}
}

// A scheduled report whose chart Slack refuses is delivered as text, with the fix.
func TestNotifiedChartRefusedIsSentAsText(t *testing.T) {
	e := newEnv(t)
	e.slack.setScopes(slices.DeleteFunc(manifestScopes(t), func(s string) bool { return s == "files:write" }))
	err := e.a.Notify(context.Background(), identity(testTeam, testUser), bot.Reply{Text: "Pipeline, Tue 1 Dec",
		Image: &bot.Image{Name: "pipeline.png", PNG: []byte("\x89PNG"), Alt: "Pipeline\nAna Admin: 1 new"}})
	if err != nil {
		t.Fatal(err)
	}
	post := e.slack.waitFor("chat.postMessage", 1)[0]
	if post.Form.Get("channel") != "DU1" || !strings.Contains(post.text(), "Ana Admin: 1 new") || !strings.Contains(post.text(), "files:write") {
		t.Fatalf("digest: %v", post.Form)
	}
}

// A chart that was shared is not sent again as text when only the buttons posted
// after it fail.
func TestChartSharedButButtonsRefusedIsNotResent(t *testing.T) {
	e := newEnv(t)
	e.slack.hook = refuse("chat.postMessage", "invalid_blocks")
	err := e.a.Notify(context.Background(), identity(testTeam, testUser), bot.Reply{Text: "Pipeline",
		Image:   &bot.Image{Name: "pipeline.png", PNG: []byte("\x89PNG"), Alt: "Pipeline\nAna Admin: 1 new"},
		Buttons: [][]bot.Button{{{Label: "Open", Action: "/pipeline"}}}})
	if err == nil {
		t.Fatal("the buttons' failure was not reported")
	}
	if n := len(e.slack.all("files.completeUploadExternal")); n != 1 {
		t.Fatalf("%d uploads", n)
	}
	for _, p := range e.slack.all("chat.postMessage") {
		if strings.Contains(p.text(), "Ana Admin") {
			t.Fatalf("the chart was sent again as text: %q", p.text())
		}
	}
}
