package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

const (
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	testTeam   = "T1"
	testUser   = "U1" // an admin
)

// fakeClock is the adapter's clock: Sleep moves time forward at once and records the
// wait, so rate limits, Retry-After and backoff cost no wall time.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.slept = append(c.slept, d)
	return nil
}

func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// call is one request the fake Slack received.
type call struct {
	Method string         // "chat.postMessage", or "response_url"
	Path   string         // the URL path
	Form   url.Values     // form-encoded calls
	JSON   map[string]any // JSON calls (views.*, response_url)
	Status int            // what the fake answered
	Auth   string         // the Authorization header: which token was used
	Upload []byte         // the raw multipart body of a file upload
	Reply  string         // what the fake answered (Web API calls)
}

// text is the message text of a chat call or a response_url post.
func (c call) text() string {
	if c.Form != nil {
		return c.Form.Get("text")
	}
	s, _ := c.JSON["text"].(string)
	return s
}

// blocksJSON is the blocks of a message, as JSON text.
func (c call) blocksJSON() string {
	if c.Form != nil {
		return c.Form.Get("blocks")
	}
	b, _ := json.Marshal(c.JSON["blocks"])
	return string(b)
}

func (c call) viewJSON() string {
	b, _ := json.Marshal(c.JSON["view"])
	return string(b)
}

// fakeSlack answers the Web API like Slack: 200 with {"ok":true,…} or
// {"ok":false,"error":…}, 429 with Retry-After; and response_url posts with "ok".
type fakeSlack struct {
	t   *testing.T
	srv *httptest.Server

	mu    sync.Mutex
	calls []call
	wake  chan struct{}
	// hook, when set, may answer a call itself (return true): a 429, an error.
	hook func(method string, w http.ResponseWriter, n int) bool
	// gate, when set, holds every answer to response_url and chat.postMessage until
	// it is closed.
	gate chan struct{}
	// arrived, when set, gets the method of each call held at the gate.
	arrived chan string
	// sock is Socket Mode's WebSocket endpoint, the URL apps.connections.open hands
	// out (socket_test.go).
	sock *fakeSocket
	// scopes are the bot token's scopes: those manifest.yaml grants unless a test
	// sets others. A method whose scope (webAPIScopes) is missing is refused with
	// missing_scope, as Slack does.
	scopes []string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{t: t, wake: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.sock = newFakeSocket()
	f.scopes = manifestScopes(t)
	// Registered after srv.Close and before the env's stop, so it runs after the
	// adapter has stopped and before the server closes.
	t.Cleanup(f.sock.close)
	return f
}

func (f *fakeSlack) apiURL() string      { return f.srv.URL + "/api/" }
func (f *fakeSlack) responseURL() string { return f.srv.URL + "/respond/1" }

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == socketPath {
		f.sock.serve(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	c := call{Path: r.URL.Path, Auth: r.Header.Get("Authorization")}
	if strings.HasPrefix(r.URL.Path, "/respond/") {
		c.Method = "response_url"
	} else if strings.HasPrefix(r.URL.Path, "/upload/") {
		c.Method = "upload"
	} else {
		c.Method = strings.TrimPrefix(r.URL.Path, "/api/")
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(body, &c.JSON)
	} else if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		c.Upload = body
	} else {
		c.Form, _ = url.ParseQuery(string(body))
	}
	f.mu.Lock()
	n := 0
	for _, x := range f.calls {
		if x.Method == c.Method {
			n++
		}
	}
	hook, gate, arrived := f.hook, f.gate, f.arrived
	f.mu.Unlock()
	if (c.Method == "response_url" || c.Method == "chat.postMessage") && gate != nil {
		if arrived != nil {
			arrived <- c.Method
		}
		<-gate
	}
	rec := httptest.NewRecorder()
	if hook == nil || !hook(c.Method, rec, n) {
		f.answer(rec, c)
	}
	c.Status = rec.Code
	if c.Method != "response_url" && c.Method != "upload" {
		c.Reply = rec.Body.String()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())

	f.mu.Lock()
	f.calls = append(f.calls, c)
	close(f.wake)
	f.wake = make(chan struct{})
	f.mu.Unlock()
}

func (f *fakeSlack) answer(w http.ResponseWriter, c call) {
	if c.Method == "response_url" {
		io.WriteString(w, "ok") // what hooks.slack.com answers
		return
	}
	if c.Method == "upload" {
		fmt.Fprintf(w, "OK - %d", len(c.Upload)) // what files.slack.com answers
		return
	}
	var out any
	scope, known := webAPIScopes[c.Method]
	if !known {
		f.t.Errorf("the adapter called %s, which webAPIScopes does not list", c.Method)
	}
	f.mu.Lock()
	granted := scope == "" || slices.Contains(f.scopes, scope)
	f.mu.Unlock()
	if !granted {
		out = map[string]any{"ok": false, "error": "missing_scope", "needed": scope, "provided": strings.Join(f.scopes, ",")}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
		return
	}
	switch c.Method {
	case "apps.connections.open":
		out = map[string]any{"ok": true, "url": "ws://" + f.srv.Listener.Addr().String() + socketPath}
	case "auth.test":
		out = map[string]any{"ok": true, "team_id": testTeam, "user_id": "UBOT", "bot_id": "B1", "team": "Sales"}
	case "chat.postMessage":
		out = map[string]any{"ok": true, "channel": c.Form.Get("channel"), "ts": "1795857391.004600"}
	case "chat.postEphemeral":
		out = map[string]any{"ok": true, "message_ts": "1795857391.004700"}
	case "conversations.open":
		out = map[string]any{"ok": true, "no_op": true, "already_open": true, "channel": map[string]any{"id": "D" + c.Form.Get("users")}}
	case "users.info":
		u := c.Form.Get("user")
		user := map[string]any{"id": u, "name": "petra", "real_name": "Petra Kovač", "profile": map[string]any{"real_name": "Petra Kovač", "display_name": "petra"}}
		if strings.HasPrefix(u, "UHR") {
			// A workspace member whose Slack is in Croatian (users.info with include_locale).
			user["locale"] = "hr-HR"
		}
		out = map[string]any{"ok": true, "user": user}
	case "files.getUploadURLExternal":
		// The upload URL must be on the API's host: slack-go sends the token there.
		out = map[string]any{"ok": true, "upload_url": f.srv.URL + "/upload/F0PNG", "file_id": "F0PNG"}
	case "files.completeUploadExternal":
		out = map[string]any{"ok": true, "files": []map[string]any{{"id": "F0PNG", "title": c.Form.Get("files")}}}
	case "views.open", "views.publish":
		out = map[string]any{"ok": true, "view": map[string]any{"id": "V123", "hash": "h1"}}
	default:
		out = map[string]any{"ok": false, "error": "unknown_method"}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// setScopes changes the bot token's scopes.
func (f *fakeSlack) setScopes(s []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scopes = s
}

// all returns the calls so far with the given method ("" for every call).
func (f *fakeSlack) all(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// waitFor waits until n calls of method have been received and returns them. The
// timeout only guards against a hang; nothing is timed.
func (f *fakeSlack) waitFor(method string, n int) []call {
	f.t.Helper()
	return f.waitForWithin(method, n, 20*time.Second)
}

// waitForWithin is waitFor with the given bound on the wait.
func (f *fakeSlack) waitForWithin(method string, n int, d time.Duration) []call {
	f.t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		wake := f.wake
		f.mu.Unlock()
		if got := f.all(method); len(got) >= n {
			return got
		}
		select {
		case <-wake:
		case <-deadline.C:
			f.t.Fatalf("waiting for %d %s calls; got %d: %+v", n, method, len(f.all(method)), f.all(""))
		}
	}
}

// env is one test's world: a fake Slack, a real database, the real engine.
type env struct {
	t      *testing.T
	slack  *fakeSlack
	clock  *fakeClock
	path   string
	db     *storage.DB
	svc    *crm.Service
	engine Handler // *bot.Engine, or a wrapper of it
	a      *Adapter
	srv    *httptest.Server
	cancel context.CancelFunc
	done   chan error
	// finished receives the event_ids the adapter marked done.
	finished chan string
	// configure, when set, adjusts the adapter's Config (newEnvWith).
	configure func(*Config)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with configure applied to the adapter's Config, at every start.
func newEnvWith(t *testing.T, configure func(*Config)) *env {
	t.Helper()
	e := &env{
		t:         t,
		configure: configure,
		slack:     newFakeSlack(t),
		clock:     &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		path:      filepath.Join(t.TempDir(), "crm.db"),

		finished: make(chan string, 100),
	}
	db, err := storage.Open(e.path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	e.svc = crm.NewService(db, e.clock.Now, crm.DefaultConfig())
	e.engine = bot.New(e.svc, bot.Options{Clock: e.clock.Now})
	t.Cleanup(func() {
		e.stop()
		db.Close()
	})
	// The admin of the tests, as CRMBOT_ADMINS would make them.
	if _, err := e.svc.EnsureAdmin(context.Background(), identity(testTeam, testUser), "Ana Admin"); err != nil {
		t.Fatal(err)
	}
	e.start()
	return e
}

func (e *env) config() Config {
	c := Config{
		BotToken:      "xoxb-test",
		SigningSecret: testSecret,
		APIURL:        e.slack.apiURL(),
		Logger:        slog.New(slog.DiscardHandler),
		Now:           e.clock.Now,
		Sleep:         e.clock.Sleep,
	}
	if e.configure != nil {
		e.configure(&c)
	}
	return c
}

// start creates an adapter on the database and runs it.
func (e *env) start() {
	e.t.Helper()
	a, err := New(e.config(), e.engine, e.inbox())
	if err != nil {
		e.t.Fatal(err)
	}
	a.eventDone = func(id string) { e.finished <- id }
	e.a = a
	mux := http.NewServeMux()
	a.Register(mux)
	e.srv = httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan error, 1)
	go func() { e.done <- a.Run(ctx) }()
	select {
	case <-a.ready:
	case err := <-e.done:
		e.t.Fatalf("Run returned early: %v", err)
	}
}

// waitDone waits until the adapter has marked event id done.
func (e *env) waitDone(id string) {
	e.t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case got := <-e.finished:
			if got == id {
				return
			}
		case <-deadline.C:
			e.t.Fatalf("event %s never finished", id)
		}
	}
}

// stop shuts the adapter down and waits for its work to finish.
func (e *env) stop() {
	if e.a == nil {
		return
	}
	e.srv.Close()
	e.cancel()
	if err := <-e.done; err != nil {
		e.t.Errorf("Run: %v", err)
	}
	e.a = nil
}

// stopWithin is stop bounded by d. It reports false when Run did not return in
// time; the adapter is then abandoned, not waited for again at cleanup.
func (e *env) stopWithin(d time.Duration) bool {
	if e.a == nil {
		return true
	}
	e.srv.Close()
	e.cancel()
	e.a = nil
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("Run: %v", err)
		}
		return true
	case <-time.After(d):
		return false
	}
}

// slackSign signs a body as Slack does: v0=hex(HMAC-SHA256(secret, "v0:ts:body")).
func slackSign(secret string, ts int64, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:%s", ts, body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// post sends a signed request to the adapter and returns the response.
func (e *env) post(path, contentType, body string, hdr map[string]string) (*http.Response, string) {
	e.t.Helper()
	ts := e.clock.Now().Unix()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", slackSign(testSecret, ts, body))
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// command sends "/crm text" from user in channel.
func (e *env) command(user, channel, text, trigger string) (*http.Response, string) {
	e.t.Helper()
	v := url.Values{
		"token": {"gIkuvaNzQIHg97ATvDxqgjtO"}, "team_id": {testTeam}, "team_domain": {"sales"},
		"channel_id": {channel}, "channel_name": {"directmessage"}, "user_id": {user}, "user_name": {"someone"},
		"command": {"/crm"}, "text": {text}, "response_url": {e.slack.responseURL()},
		"trigger_id": {trigger}, "api_app_id": {"A1"},
	}
	return e.post(CommandsPath, "application/x-www-form-urlencoded", v.Encode(), nil)
}

// event sends an Events API callback with one inner event.
func (e *env) event(eventID string, inner map[string]any, hdr map[string]string) (*http.Response, string) {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{
		"token": "x", "team_id": testTeam, "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": e.clock.Now().Unix(), "event": inner,
		"authorizations": []any{map[string]any{"team_id": testTeam, "user_id": "UBOT", "is_bot": true}},
	})
	return e.post(EventsPath, "application/json", string(b), hdr)
}

func dm(user, text string) map[string]any {
	return map[string]any{"type": "message", "channel": "D" + user, "user": user, "text": text,
		"ts": "1795857391.000100", "event_ts": "1795857391.000100", "channel_type": "im"}
}

// interaction sends an interaction payload.
func (e *env) interaction(payload map[string]any) (*http.Response, string) {
	e.t.Helper()
	b, _ := json.Marshal(payload)
	return e.post(InteractionsPath, "application/x-www-form-urlencoded", url.Values{"payload": {string(b)}}.Encode(), nil)
}

// inbox is the database's durable inbox, as serve wires it.
func (e *env) inbox() *storage.Inbox { return e.db.Inbox(storage.InboxOptions{}) }

// recorded reports whether the inbox knows id from source, and whether it is still
// pending. It asks by offering the id again as a transient item: known ids are not
// returned unless pending; an unknown one is remembered from then on, so call it last.
func (e *env) recorded(source, id string) (known, pending bool) {
	e.t.Helper()
	ctx := context.Background()
	es, err := e.inbox().Accept(ctx, source, []crm.InboxItem{{ID: id, Transient: true}}, "")
	if err != nil {
		e.t.Fatal(err)
	}
	if len(es) == 0 {
		return true, false
	}
	return es[0].Seq != 0, es[0].Seq != 0
}

// interests returns every interest in the database.
func (e *env) interests() []*crm.Interest {
	e.t.Helper()
	return storagetest.Interests(e.t, e.db)
}

func (e *env) admin() *crm.User {
	u, err := e.svc.Authenticate(context.Background(), identity(testTeam, testUser))
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func mustJSON(v any) string {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(v)
	return b.String()
}
