package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// interactiveEnvelope wraps an interaction payload as Socket Mode delivers it.
func interactiveEnvelope(envelopeID string, payload map[string]any) map[string]any {
	return map[string]any{"envelope_id": envelopeID, "type": "interactive", "accepts_response_payload": true, "payload": payload}
}

// waitAckPayload waits for envelope id's ack and returns its payload.
func (wc *wsConn) waitAckPayload(t *testing.T, id string) json.RawMessage {
	t.Helper()
	for {
		select {
		case a := <-wc.acks:
			wc.seen[a.EnvelopeID]++
			if a.EnvelopeID == id {
				return a.Payload
			}
		case <-wc.readDone:
			t.Fatalf("socket closed before envelope %s was acked: %v", id, wc.readErr)
		}
	}
}

// Buttons, modal submissions and the message shortcut arrive over the socket as
// interactive envelopes and are handled as over HTTP; a submission's field errors
// go back in the ack, which is where Slack reads them in Socket Mode.
func TestSocketModeInteractive(t *testing.T) {
	e, wc := newSocketEnv(t)
	ctx := context.Background()
	if _, err := e.svc.CreateInterest(ctx, crm.Op{Actor: e.admin()}, crm.NewInterest{ContactName: "Marko Horvat", CompanyName: "Acme"}); err != nil {
		t.Fatal(err)
	}
	user := map[string]any{"id": testUser, "team_id": testTeam}
	team := map[string]any{"id": testTeam}

	// The message shortcut opens the log form, prefilled.
	wc.send(t, interactiveEnvelope("env-sc", map[string]any{
		"type": "message_action", "callback_id": shortcutLog, "trigger_id": "tr-sc", "response_url": e.slack.responseURL(),
		"team": team, "user": user, "channel": map[string]any{"id": "C1"},
		"message": map[string]any{"type": "message", "text": "Marko wants 40 seats", "ts": "1.1"},
	}))
	wc.waitAck(t, "env-sc")
	open := e.slack.waitForWithin("views.open", 1, socketWait)
	if open[0].JSON["trigger_id"] != "tr-sc" || !strings.Contains(open[0].viewJSON(), "Marko wants 40 seats") {
		t.Fatalf("views.open: %+v", open[0].JSON)
	}

	// A submission with an empty text: the error comes back in the ack.
	view := func(text string) map[string]any {
		return map[string]any{"id": "V9", "callback_id": callbackLog, "private_metadata": `{"c":"C1"}`,
			"state": map[string]any{"values": map[string]any{
				fInterest: map[string]any{actionV: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "1"}}},
				fKind:     map[string]any{actionV: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "call"}}},
				fText:     map[string]any{actionV: map[string]any{"type": "plain_text_input", "value": text}},
			}}}
	}
	wc.send(t, interactiveEnvelope("env-vs-bad", map[string]any{"type": "view_submission", "team": team, "user": user, "view": view("")}))
	p := wc.waitAckPayload(t, "env-vs-bad")
	if !strings.Contains(string(p), `"response_action":"errors"`) || !strings.Contains(string(p), fText) {
		t.Fatalf("ack of a bad submission: %s", p)
	}
	wc.send(t, interactiveEnvelope("env-vs", map[string]any{"type": "view_submission", "team": team, "user": user, "view": view("wants 40 seats")}))
	if p := wc.waitAckPayload(t, "env-vs"); len(p) > 0 && string(p) != "null" {
		t.Fatalf("ack of a good submission: %s", p)
	}
	// The form was opened in C1: the card is shown there, to its author alone.
	posts := e.slack.waitForWithin("chat.postEphemeral", 1, socketWait)
	if posts[0].Form.Get("channel") != "C1" || posts[0].Form.Get("user") != testUser || !strings.Contains(posts[0].blocksJSON(), "wants 40 seats") {
		t.Errorf("card after the form: %v", posts[0].Form)
	}

	// A button in the DM runs its command.
	wc.send(t, interactiveEnvelope("env-btn", map[string]any{
		"type": "block_actions", "trigger_id": "tr-btn", "response_url": e.slack.responseURL(),
		"team": team, "user": user,
		"container": map[string]any{"type": "message", "channel_id": "DU1", "is_ephemeral": false, "message_ts": "1.2"},
		"channel":   map[string]any{"id": "DU1"},
		"actions":   []any{map[string]any{"action_id": "b0_2", "block_id": "r0", "type": "button", "value": "/show 1", "action_ts": "1.3"}},
	}))
	wc.waitAck(t, "env-btn")
	got := e.slack.waitForWithin("response_url", 1, socketWait)[0]
	if !strings.Contains(got.blocksJSON(), "Acme") {
		t.Errorf("button answer: %s", got.blocksJSON())
	}
	e.stop()
	wc.checkAcks(t, "env-sc", "env-vs-bad", "env-vs", "env-btn")
	tl := storagetest.Timeline(t, e.db, 1)
	logged := 0
	for _, it := range tl {
		if it.Text == "wants 40 seats" {
			logged++
		}
	}
	if logged != 1 {
		t.Errorf("the submitted form logged %d times: %+v", logged, tl)
	}
}

// Slack's disconnect envelope (a refresh) and a dropped connection both end in a
// new connection, over which requests keep working.
func TestSocketModeReconnects(t *testing.T) {
	e, wc := newSocketEnv(t)
	wc.send(t, map[string]any{"type": "disconnect", "reason": "refresh_requested",
		"debug_info": map[string]any{"host": "applink-fake"}})
	wc2 := e.slack.sock.accept(t)
	wc2.send(t, e.commandEnvelope("env-1", testUser, "DU1", "new Marko Horvat, Acme d.o.o.", "tr-r1"))
	wc2.waitAck(t, "env-1")
	e.slack.waitForWithin("response_url", 1, socketWait)

	// The connection drops without a word.
	wc2.c.Close()
	wc3 := e.slack.sock.accept(t)
	wc3.send(t, e.commandEnvelope("env-2", testUser, "DU1", "my", "tr-r2"))
	wc3.waitAck(t, "env-2")
	got := e.slack.waitForWithin("response_url", 2, socketWait)[1]
	if !strings.Contains(got.text(), "Acme") {
		t.Errorf("after the reconnect: %q", got.text())
	}
	if n := len(e.slack.all("apps.connections.open")); n != 3 {
		t.Errorf("apps.connections.open called %d times; want 3", n)
	}
	e.stop()
}

// Slack does not retry slash commands, but the same command can come twice (a
// double tap, a redelivered envelope): every envelope is acked, the answer goes
// out once.
func TestSocketModeResentCommandAnswersOnce(t *testing.T) {
	e, wc := newSocketEnv(t)
	for _, env := range []string{"env-a", "env-b", "env-c"} {
		wc.send(t, e.commandEnvelope(env, testUser, "C1", "new Marko Horvat, Acme d.o.o.", "tr-same"))
		wc.waitAck(t, env)
	}
	wc.send(t, e.commandEnvelope("env-next", testUser, "C1", "my", "tr-next"))
	wc.waitAck(t, "env-next")
	got := e.slack.waitForWithin("response_url", 2, socketWait)
	e.stop()
	wc.checkAcks(t, "env-a", "env-b", "env-c", "env-next")
	if all := e.slack.all("response_url"); len(all) != 2 || strings.Contains(got[1].text(), "Created") {
		t.Fatalf("answers: %+v", all)
	}
	for _, c := range got {
		if c.JSON["response_type"] != "ephemeral" {
			t.Errorf("in a channel: %v", c.JSON["response_type"])
		}
	}
	if n := len(e.interests()); n != 1 {
		t.Errorf("%d interests", n)
	}
}
