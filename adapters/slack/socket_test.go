package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"crmbot/storage/storagetest"
)

// socketPath is where the fake Slack serves Socket Mode's WebSocket; its
// apps.connections.open answers with ws://<fake>/link.
const socketPath = "/link"

// socketWait bounds every wait of the Socket Mode tests. Nothing is timed: it only
// turns a hang into a clear failure.
const socketWait = 5 * time.Second

const testAppToken = "xapp-1-A1-test"

// fakeSocket is Slack's side of Socket Mode: it accepts the WebSocket the real
// slack-go socketmode client dials, greets it with hello as Slack does and hands the
// connection to the test, which sends envelopes and reads the acks.
type fakeSocket struct {
	conns chan *wsConn // accepted connections, after hello

	mu     sync.Mutex
	all    []*wsConn
	closed bool
}

func newFakeSocket() *fakeSocket { return &fakeSocket{conns: make(chan *wsConn, 8)} }

// sockAck is one message the client sent over the socket: an acknowledgement.
type sockAck struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

// wsConn is one Socket Mode connection as the fake sees it. Only the test goroutine
// writes to it (after the handler's hello); one goroutine reads the acks.
type wsConn struct {
	c        *websocket.Conn
	origin   string
	acks     chan sockAck
	stop     chan struct{}
	readDone chan struct{}
	readErr  error // set before readDone is closed

	// seen counts the acks taken from acks, by envelope_id (test goroutine only).
	seen map[string]int
}

func (s *fakeSocket) serve(w http.ResponseWriter, r *http.Request) {
	// slack-go sends Origin: https://api.slack.com, which is not this host.
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered with the error
	}
	// What Slack sends first on every connection (docs.slack.dev, using Socket Mode).
	hello := map[string]any{
		"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "applink-fake", "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": "A1"},
	}
	if err := c.WriteJSON(hello); err != nil {
		c.Close()
		return
	}
	wc := &wsConn{
		c: c, origin: r.Header.Get("Origin"),
		acks: make(chan sockAck, 64), stop: make(chan struct{}), readDone: make(chan struct{}),
		seen: map[string]int{},
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.all = append(s.all, wc)
	go wc.read()
	s.mu.Unlock()
	select {
	case s.conns <- wc:
	default: // more connections than any test waits for; closed at cleanup
	}
}

// read passes every message the client sends on to acks until the connection ends.
func (wc *wsConn) read() {
	defer close(wc.readDone)
	for {
		_, msg, err := wc.c.ReadMessage()
		if err != nil {
			wc.readErr = err
			return
		}
		var a sockAck
		if err := json.Unmarshal(msg, &a); err != nil {
			a = sockAck{EnvelopeID: "<not JSON: " + string(msg) + ">"}
		}
		select {
		case wc.acks <- a:
		case <-wc.stop:
			return
		}
	}
}

// close ends every connection and waits for their readers.
func (s *fakeSocket) close() {
	s.mu.Lock()
	s.closed = true
	all := s.all
	s.mu.Unlock()
	for _, wc := range all {
		close(wc.stop)
		wc.c.Close()
		<-wc.readDone
	}
}

// accept waits for the adapter's Socket Mode connection.
func (s *fakeSocket) accept(t *testing.T) *wsConn {
	t.Helper()
	select {
	case wc := <-s.conns:
		return wc
	case <-time.After(socketWait):
		t.Fatalf("the adapter did not open a Socket Mode connection within %v", socketWait)
		return nil
	}
}

// send writes one Socket Mode envelope to the client.
func (wc *wsConn) send(t *testing.T, envelope map[string]any) {
	t.Helper()
	if err := wc.c.WriteJSON(envelope); err != nil {
		t.Fatalf("writing envelope %v: %v", envelope["envelope_id"], err)
	}
}

// waitAck waits for the acknowledgement of envelope id; acks of other envelopes
// that arrive meanwhile are remembered.
func (wc *wsConn) waitAck(t *testing.T, id string) {
	t.Helper()
	deadline := time.NewTimer(socketWait)
	defer deadline.Stop()
	for wc.seen[id] == 0 {
		select {
		case a := <-wc.acks:
			wc.seen[a.EnvelopeID]++
			if a.EnvelopeID == id && len(a.Payload) > 0 && string(a.Payload) != "null" {
				t.Errorf("ack of %s carries a payload: %s", id, a.Payload)
			}
		case <-wc.readDone:
			t.Fatalf("socket closed before envelope %s was acked: %v (acked: %v)", id, wc.readErr, wc.seen)
		case <-deadline.C:
			t.Fatalf("envelope %s not acked within %v (acked: %v)", id, socketWait, wc.seen)
		}
	}
}

// checkAcks reports any ack still queued or counted that is not exactly one per
// expected envelope: a duplicate, or an ack of something Slack never sent (hello).
func (wc *wsConn) checkAcks(t *testing.T, want ...string) {
	t.Helper()
	for done := false; !done; {
		select {
		case a := <-wc.acks:
			wc.seen[a.EnvelopeID]++
		default:
			done = true
		}
	}
	exp := map[string]bool{}
	for _, id := range want {
		exp[id] = true
		if n := wc.seen[id]; n != 1 {
			t.Errorf("envelope %s acked %d times", id, n)
		}
	}
	for id, n := range wc.seen {
		if !exp[id] {
			t.Errorf("unexpected ack %q (%d times)", id, n)
		}
	}
}

// token is the token a Web API call carried, in the Authorization header or the form.
func (c call) token() string {
	if tok, ok := strings.CutPrefix(c.Auth, "Bearer "); ok {
		return tok
	}
	return c.Form.Get("token")
}

// newSocketEnv starts an adapter in Socket Mode (an app-level token and no signing
// secret) against the fake and returns its connection.
func newSocketEnv(t *testing.T) (*env, *wsConn) {
	t.Helper()
	e := newEnvWith(t, func(c *Config) {
		c.AppToken = testAppToken
		c.SigningSecret = ""
	})
	if !e.a.SocketMode() {
		t.Fatal("an app-level token did not select Socket Mode")
	}
	wc := e.slack.sock.accept(t)
	opens := e.slack.all("apps.connections.open")
	if len(opens) != 1 || opens[0].Auth != "Bearer "+testAppToken || opens[0].Form.Get("token") != "" {
		t.Fatalf("apps.connections.open must be called once with the app-level token: %+v", opens)
	}
	for _, c := range e.slack.all("auth.test") {
		if tok := c.token(); tok != "xoxb-test" {
			t.Errorf("auth.test used %q, want the bot token", tok)
		}
	}
	if wc.origin != "https://api.slack.com" {
		t.Errorf("WebSocket Origin %q", wc.origin)
	}
	return e, wc
}

// eventsEnvelope wraps an Events API callback as Socket Mode delivers it.
func (e *env) eventsEnvelope(envelopeID string, retry int, eventID string, inner map[string]any) map[string]any {
	payload := map[string]any{
		"token": "x", "team_id": testTeam, "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": e.clock.Now().Unix(), "event": inner,
		"authorizations": []any{map[string]any{"team_id": testTeam, "user_id": "UBOT", "is_bot": true}},
	}
	env := map[string]any{"envelope_id": envelopeID, "type": "events_api", "accepts_response_payload": false, "payload": payload}
	if retry > 0 {
		env["retry_attempt"], env["retry_reason"] = retry, "timeout"
	}
	return env
}

// commandEnvelope wraps "/crm text" as Socket Mode delivers it: the slash command's
// fields as JSON strings (is_enterprise_install too, as Slack sends it).
func (e *env) commandEnvelope(envelopeID, user, channel, text, trigger string) map[string]any {
	return map[string]any{
		"envelope_id": envelopeID, "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{
			"token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": testTeam, "team_domain": "sales",
			"channel_id": channel, "channel_name": "directmessage", "user_id": user, "user_name": "someone",
			"command": "/crm", "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
			"response_url": e.slack.responseURL(), "trigger_id": trigger,
		},
	}
}

// A slash command arrives over the socket, is acknowledged by its envelope_id and
// creates the interest; nothing is served over HTTP.
func TestSocketModeSlashCommand(t *testing.T) {
	e, wc := newSocketEnv(t)

	wc.send(t, e.commandEnvelope("env-cmd-1", testUser, "DU1", "new Marko Horvat, Acme d.o.o.", "tr-s1"))
	wc.waitAck(t, "env-cmd-1")
	got := e.slack.waitForWithin("response_url", 1, socketWait)[0]
	if got.JSON["response_type"] != "ephemeral" || !strings.Contains(got.text()+got.blocksJSON(), "Created #1") {
		t.Errorf("reply: %+v", got.JSON)
	}
	ins := e.interests()
	if len(ins) != 1 || ins[0].OwnerID != e.admin().ID {
		t.Fatalf("interests: %+v", ins)
	}
	company := storagetest.Company(t, e.db, ins[0].CompanyID)
	if company == nil || company.Name != "Acme d.o.o." {
		t.Errorf("company %+v", company)
	}

	// Socket Mode mounts nothing: even a correctly signed request finds no route.
	form := url.Values{
		"team_id": {testTeam}, "channel_id": {"DU1"}, "user_id": {testUser}, "command": {"/crm"},
		"text": {"new Ivo Ban, Beta d.o.o."}, "trigger_id": {"tr-http"}, "response_url": {e.slack.responseURL()},
	}.Encode()
	ev := mustJSON(map[string]any{"type": "event_callback", "team_id": testTeam, "event_id": "EvHTTP", "event": dm(testUser, "/new Ivo Ban, Beta d.o.o.")})
	for _, p := range []struct{ path, ct, body string }{
		{CommandsPath, "application/x-www-form-urlencoded", form},
		{EventsPath, "application/json", ev},
		{InteractionsPath, "application/x-www-form-urlencoded", "payload=" + url.QueryEscape(`{"type":"block_actions"}`)},
	} {
		if resp, _ := e.post(p.path, p.ct, p.body, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("Register mounted %s in Socket Mode: status %d", p.path, resp.StatusCode)
		}
		req, _ := http.NewRequest("POST", p.path, strings.NewReader(p.body))
		rec := httptest.NewRecorder()
		e.a.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("Handler served %s in Socket Mode: status %d", p.path, rec.Code)
		}
	}

	e.stop()
	wc.checkAcks(t, "env-cmd-1")
	if n := len(e.interests()); n != 1 {
		t.Errorf("%d interests after the HTTP requests; want 1", n)
	}
	if n := len(e.slack.all("response_url")); n != 1 {
		t.Errorf("%d response_url posts; want 1", n)
	}
}

// An event Slack delivers again (same event_id, new envelope) while the first
// delivery is being handled, and once more after it was handled, is acknowledged
// every time and handled once.
func TestSocketModeEventIsHandledOnce(t *testing.T) {
	e, wc := newSocketEnv(t)
	e.slack.mu.Lock()
	gate := make(chan struct{})
	e.slack.gate = gate // the reply is held: the first delivery stays in flight
	e.slack.mu.Unlock()
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release) // on failure, before the env's stop waits for the held reply
	inner := dm(testUser, "/new Ivana Kos, Beta d.o.o.")

	wc.send(t, e.eventsEnvelope("env-ev-1", 0, "EvS1", inner))
	wc.waitAck(t, "env-ev-1")
	wc.send(t, e.eventsEnvelope("env-ev-2", 1, "EvS1", inner))
	wc.waitAck(t, "env-ev-2")
	release()
	e.waitDone("EvS1")
	wc.send(t, e.eventsEnvelope("env-ev-3", 2, "EvS1", inner))
	wc.waitAck(t, "env-ev-3")

	e.stop() // whatever was queued has run
	wc.checkAcks(t, "env-ev-1", "env-ev-2", "env-ev-3")
	posts := e.slack.all("chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("event handled %d times: %+v", len(posts), posts)
	}
	if posts[0].Form.Get("channel") != "DU1" || !strings.Contains(posts[0].text(), "Created #1") {
		t.Errorf("reply: channel %q text %q", posts[0].Form.Get("channel"), posts[0].text())
	}
	if n := len(e.interests()); n != 1 {
		t.Errorf("%d interests; want 1", n)
	}
	select {
	case id := <-e.finished:
		t.Errorf("event %s finished a second time", id)
	default:
	}
	if known, pending := e.recorded(sourceEvents, "EvS1"); !known || pending {
		t.Errorf("inbox: EvS1 known=%v pending=%v, want known and done", known, pending)
	}
}

// An envelope slack-go cannot parse reaches the adapter without a Request; the
// adapter must still ack it, or Slack redelivers it. A mention
// sent after it is handled as usual.
func TestSocketModeUnparseableEnvelopeIsAcked(t *testing.T) {
	e, wc := newSocketEnv(t)
	wc.send(t, map[string]any{"envelope_id": "env-bad-1", "type": "events_api",
		"payload": map[string]any{"type": "event_callback", "team_id": testTeam, "event_id": "EvBad", "event": map[string]any{"type": "no_such_event"}}})
	wc.waitAck(t, "env-bad-1")
	wc.send(t, map[string]any{"envelope_id": "env-bad-2", "type": "no_such_envelope", "payload": map[string]any{}})
	wc.waitAck(t, "env-bad-2")

	mention := map[string]any{"type": "app_mention", "channel": "C77", "user": testUser, "text": "<@UBOT> /pipeline",
		"ts": "1795857391.000200", "event_ts": "1795857391.000200"}
	wc.send(t, e.eventsEnvelope("env-mention", 0, "EvM", mention))
	wc.waitAck(t, "env-mention")
	e.waitDone("EvM")
	e.stop()
	wc.checkAcks(t, "env-bad-1", "env-bad-2", "env-mention")
	posts := e.slack.all("chat.postMessage")
	if len(posts) != 1 || posts[0].Form.Get("channel") != "C77" || !strings.Contains(posts[0].text(), "Pipeline") {
		t.Errorf("mention reply: %+v", posts)
	}
	if known, _ := e.recorded(sourceEvents, "EvBad"); known {
		t.Error("an unparseable event was recorded")
	}
}

// Shutting down while many envelopes are being handled: their acks come after the
// connection's sender has stopped, and Run must still return (slack-go's Ack used to
// block for good once its 20-slot queue was full).
func TestSocketModeShutdownWithAcksPending(t *testing.T) {
	e, wc := newSocketEnv(t)
	const n = 40 // twice slack-go's response queue
	arrived := make(chan struct{}, n)
	hold := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release) // before the fake server closes
	e.slack.mu.Lock()
	e.slack.hook = func(method string, w http.ResponseWriter, _ int) bool {
		if method == "views.open" { // "/crm new" opens the modal before acking
			arrived <- struct{}{}
			<-hold
		}
		return false
	}
	e.slack.mu.Unlock()
	for i := range n {
		wc.send(t, e.commandEnvelope(fmt.Sprintf("env-new-%d", i), testUser, "DU1", "new", fmt.Sprintf("tr-new-%d", i)))
	}
	deadline := time.NewTimer(socketWait)
	defer deadline.Stop()
	for i := range n {
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("only %d of %d commands reached views.open", i, n)
		}
	}
	// Every handler is waiting on views.open; shutting down cancels those calls, and
	// all n acks follow the socket's shutdown.
	if !e.stopWithin(socketWait) {
		t.Fatalf("Run did not return within %v of shutdown with %d acks pending", socketWait, n)
	}
}

// A rejected app-level token stops the adapter with a clear error, as a rejected bot
// token does, instead of reconnecting (and warning) forever.
func TestSocketModeRejectedAppToken(t *testing.T) {
	e, _ := newSocketEnv(t)
	e.stop()
	e.slack.hook = func(method string, w http.ResponseWriter, n int) bool {
		if method != "apps.connections.open" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
		return true
	}
	a, err := New(e.config(), e.engine, e.inbox())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
			t.Fatalf("Run ended with %v, want the rejected app token named", err)
		}
	case <-time.After(socketWait):
		t.Fatal("Run kept going with a rejected app-level token")
	}
}
