package slack

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// newSubmission is a view_submission of the new-interest form by user, with the
// private_metadata the form was opened with.
func newSubmission(user, viewID, meta, company string) map[string]any {
	return map[string]any{
		"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": user, "team_id": testTeam},
		"view": map[string]any{"id": viewID, "type": "modal", "callback_id": callbackNew, "private_metadata": meta,
			"state": map[string]any{"values": map[string]any{fContact: input("Ivan Horvat"), fCompany: input(company)}}},
	}
}

// openedMeta is the private_metadata of the last form views.open was asked to show.
func openedMeta(t *testing.T, e *env) string {
	t.Helper()
	open := e.slack.all("views.open")
	if len(open) == 0 {
		t.Fatal("no form was opened")
	}
	var v struct {
		Meta string `json:"private_metadata"`
	}
	json.Unmarshal([]byte(open[len(open)-1].viewJSON()), &v)
	return v.Meta
}

// A form opened from a channel confirms to its author alone in that channel; one
// opened from the DM or the App Home confirms in the DM. Never in the channel for
// all to see.
func TestFormConfirmationGoesWhereTheFormWasOpened(t *testing.T) {
	t.Run("channel", func(t *testing.T) {
		e := newEnv(t)
		e.addManager()
		e.command(testManager, "C1", "new", "tr-new")
		if r, b := e.interaction(newSubmission(testManager, "V1", openedMeta(t, e), "Acme Trading")); r.StatusCode != 200 || b != "" {
			t.Fatalf("submission: %d %s", r.StatusCode, b)
		}
		eph := e.slack.waitFor("chat.postEphemeral", 1)[0]
		if eph.Form.Get("channel") != "C1" || eph.Form.Get("user") != testManager || !strings.Contains(eph.blocksJSON(), "Acme Trading") {
			t.Fatalf("confirmation: %v", eph.Form)
		}
		if strings.Contains(eph.blocksJSON(), actionShare) {
			t.Error("a client card offers to share itself")
		}
		if p := e.slack.all("chat.postMessage"); len(p) != 0 {
			t.Fatalf("posted as well: %+v", p)
		}
		if v := e.visible("C1"); len(v) != 0 {
			t.Fatalf("shown to the channel: %+v", v)
		}
		// The App Home still shows the new follow-up.
		e.slack.waitFor("views.publish", 1)
	})
	for _, tt := range []struct{ name, meta string }{{"DM", `{"c":"DU2"}`}, {"home", `{}`}, {"someone else's DM", `{"c":"D999"}`}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.addManager()
			e.interaction(newSubmission(testManager, "V1", tt.meta, "Acme Trading"))
			post := e.slack.waitFor("chat.postMessage", 1)[0]
			if post.Form.Get("channel") != "D"+testManager || !strings.Contains(post.blocksJSON(), "Acme Trading") {
				t.Fatalf("confirmation: %v", post.Form)
			}
			if n := len(e.slack.all("chat.postEphemeral")); n != 0 {
				t.Errorf("%d ephemeral posts", n)
			}
		})
	}
	// A channel the bot is not in (a message shortcut there): the DM instead.
	t.Run("bot not in channel", func(t *testing.T) {
		e := newEnv(t)
		e.addManager()
		e.slack.hook = func(method string, w http.ResponseWriter, n int) bool {
			if method != "chat.postEphemeral" {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":false,"error":"not_in_channel"}`))
			return true
		}
		e.interaction(newSubmission(testManager, "V1", `{"c":"C5"}`, "Acme Trading"))
		post := e.slack.waitFor("chat.postMessage", 1)[0]
		if post.Form.Get("channel") != "D"+testManager || !strings.Contains(post.blocksJSON(), "Acme Trading") {
			t.Fatalf("confirmation: %v", post.Form)
		}
		if v := e.visible("C5"); len(v) != 0 {
			t.Fatalf("shown to the channel: %+v", v)
		}
	})
}

// A Share button forged, or left over, for a command whose answer is not for a
// group posts nothing in the channel: its presser is told, privately, and the
// command does not run.
func TestShareOfAPrivateCommandPostsNothing(t *testing.T) {
	e := newEnv(t)
	e.addManager()
	e.command(testManager, "C1", "new Ivan Horvat, Acme Trading", "tr-new")
	e.slack.waitFor("response_url", 1)
	for i, value := range []string{"/my", "/show 1", "/find horvat", "/start ABCD1234", "/new Eva Kos, Beta", "/nosuch"} {
		e.interaction(map[string]any{
			"type": "block_actions", "trigger_id": "tr-share-" + value, "response_url": e.slack.responseURL(),
			"team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testManager},
			"container": map[string]any{"type": "message", "channel_id": "C1", "is_ephemeral": true, "message_ts": "1.4"},
			"channel":   map[string]any{"id": "C1"},
			"actions":   []any{map[string]any{"action_id": actionShare, "block_id": "share", "value": value, "type": "button"}},
		})
		got := e.slack.waitFor("response_url", i+2)[i+1]
		if got.JSON["response_type"] != "ephemeral" || got.JSON["replace_original"] == true || !strings.Contains(got.text(), "cannot be shared") || !strings.Contains(got.text(), "/crm pipeline") {
			t.Errorf("%s: %v %q", value, got.JSON["response_type"], got.text())
		}
	}
	if v := e.visible("C1"); len(v) != 0 {
		t.Fatalf("shown to the channel: %+v", v)
	}
	if n := len(e.interests()); n != 1 {
		t.Fatalf("a shared /new ran: %d interests", n)
	}
}
